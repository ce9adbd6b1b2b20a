#include "rl/preference_data.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/rng.h"
#include "core/timer.h"
#include "infer/chat_format.h"
#include "model/model_io.h"
#include "rl/preference.h"
#include "rl/rollout.h"
#include "rl/task_eval.h"

namespace llmforge {

PreferenceDataSummary make_preference_data(const PreferenceDataConfig& cfg) {
  if (cfg.model_dir.empty() || cfg.world_dir.empty()) ErrorBuilder("rlhf") << "a chat model and a world directory are needed";
  if (cfg.prompts <= 0 || cfg.responses < 2) ErrorBuilder("rlhf") << "need prompts > 0 and at least two responses each";
  if (cfg.noise < 0) ErrorBuilder("rlhf") << "rater noise must not be negative";
  Timer timer;
  const std::vector<PersonFacts> facts = read_people_facts(cfg.world_dir);
  std::vector<int> people;
  for (size_t i = 0; i < facts.size(); ++i) {
    if (cfg.people == "all" || (cfg.people == "qa") == facts[i].qa_split) people.push_back(int(i));
  }
  if (cfg.people != "all" && cfg.people != "qa" && cfg.people != "heldout")
    ErrorBuilder("rlhf") << "people must be all, qa or heldout (got '" << cfg.people << "')";
  if (people.empty()) ErrorBuilder("rlhf") << "no people in the '" << cfg.people << "' group";
  const std::vector<OpenPrompt> prompts = make_open_prompts(facts, people, cfg.prompts, cfg.seed);
  GoldPreference gold(facts);

  Tokenizer tok = Tokenizer::load(cfg.tokenizer.empty() ? cfg.model_dir : cfg.tokenizer);
  const std::vector<int32_t> stops{chat_end_token(tok)};
  std::unique_ptr<Model> model = load_model(cfg.model_dir);
  std::vector<std::vector<int32_t>> tokens;
  for (const OpenPrompt& p : prompts) tokens.push_back(render_chat(tok, {{"user", p.text}}, true).tokens);
  RolloutConfig rc;
  rc.samples_per_prompt = cfg.responses;
  rc.sampling.temperature = cfg.temperature;
  rc.sampling.top_p = cfg.top_p;
  rc.max_new_tokens = cfg.max_new_tokens;
  rc.stop_tokens = stops;
  rc.max_batch = cfg.max_batch;
  const RolloutBatch batch = generate_rollouts(*model, tokens, rc, cfg.seed);

  PreferenceDataSummary s;
  std::ostringstream ranked_out, pairs_out, prompts_out;
  Rng rater(cfg.seed * 0x9E3779B97F4A7C15ull + 3);
  double agree = 0;
  const int K = cfg.responses;
  for (size_t p = 0; p < prompts.size(); ++p) {
    std::vector<std::string> texts;
    std::vector<double> golds, seen;
    for (int j = 0; j < K; ++j) {
      texts.push_back(completion_text(tok, batch.completions[p * size_t(K) + size_t(j)], stops));
      golds.push_back(gold.score(prompts[p], texts.back()).gold);
      seen.push_back(golds.back() + (cfg.noise > 0 ? cfg.noise * rater.normal() : 0.0));
      s.gold_mean += golds.back();
    }
    std::vector<int> order(static_cast<size_t>(K));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return seen[size_t(a)] > seen[size_t(b)]; });
    s.gold_best_mean += *std::max_element(golds.begin(), golds.end());
    nlohmann::json responses = nlohmann::json::array(), g = nlohmann::json::array();
    std::vector<std::string> ranked;
    for (int i : order) responses.push_back(texts[size_t(i)]), g.push_back(golds[size_t(i)]), ranked.push_back(texts[size_t(i)]);
    ranked_out << nlohmann::json{{"prompt", prompts[p].text}, {"responses", responses}, {"person", prompts[p].person},
                                 {"gold", g}}.dump()
               << "\n";
    for (int a = 0; a < K; ++a)
      for (int b = a + 1; b < K; ++b) {
        const int ia = order[size_t(a)], ib = order[size_t(b)];
        if (texts[size_t(ia)] == texts[size_t(ib)]) {
          ++s.skipped_identical;
          continue;
        }
        if (seen[size_t(ia)] == seen[size_t(ib)]) {  // the rater has no preference
          ++s.skipped_ties;
          continue;
        }
        pairs_out << nlohmann::json{{"prompt", prompts[p].text}, {"chosen", texts[size_t(ia)]},
                                    {"rejected", texts[size_t(ib)]}}.dump()
                  << "\n";
        ++s.pairs;
        agree += golds[size_t(ia)] > golds[size_t(ib)] ? 1.0 : golds[size_t(ia)] == golds[size_t(ib)] ? 0.5 : 0.0;
      }
    prompts_out << nlohmann::json{{"prompt", prompts[p].text}, {"person", prompts[p].person}, {"answer", ""}}.dump()
                << "\n";
  }
  std::filesystem::create_directories(cfg.out_dir);
  write_file_atomic(cfg.out_dir + "/ranked.jsonl", ranked_out.str());
  write_file_atomic(cfg.out_dir + "/pairs.jsonl", pairs_out.str());
  write_file_atomic(cfg.out_dir + "/prompts.jsonl", prompts_out.str());
  s.prompts = long(prompts.size());
  s.responses = long(prompts.size()) * K;
  s.gold_mean /= double(s.responses);
  s.gold_best_mean /= double(s.prompts);
  s.rater_agreement = s.pairs > 0 ? agree / double(s.pairs) : 0;
  s.seconds = timer.seconds();
  return s;
}

}  // namespace llmforge
