#include "eval/world_icl.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "core/rng.h"
#include "eval/answer_match.h"
#include "tokenizer/special_tokens.h"

namespace llmforge {
namespace {

struct Fact {
  int person;
  std::string name, split, answer;
};

// One query and the max(shots) examples its prompts draw from, first k for k shots.
struct Trial {
  size_t attribute;
  const Fact* query;
  std::vector<const Fact*> examples;
};

// Examples: distinct other people whose value differs from the query's (and from each
// other's, so that the examples show the attribute rather than one repeated value).
std::vector<const Fact*> pick_examples(const std::vector<Fact>& facts, const Fact& query, int count, Rng& rng,
                                       const std::string& attribute) {
  std::vector<const Fact*> pool;
  for (const Fact& f : facts) {
    if (f.person != query.person && normalize_answer_text(f.answer) != normalize_answer_text(query.answer)) {
      pool.push_back(&f);
    }
  }
  std::vector<const Fact*> picked;
  std::vector<std::string> values;
  while (int(picked.size()) < count && !pool.empty()) {
    size_t i = rng.below(pool.size());
    const Fact* f = pool[i];
    pool[i] = pool.back();
    pool.pop_back();
    std::string v = normalize_answer_text(f->answer);
    if (std::find(values.begin(), values.end(), v) != values.end()) continue;
    values.push_back(v);
    picked.push_back(f);
  }
  if (int(picked.size()) < count) {
    ErrorBuilder("eval") << "in-context task '" << attribute << "': only " << picked.size()
                         << " other people with distinct values to use as examples for " << query.name << ", "
                         << count << " needed";
  }
  return picked;
}

std::string prompt_text(const Trial& t, int k) {
  std::string text;
  for (int e = 0; e < k; ++e) text += t.examples[e]->name + " -> " + t.examples[e]->answer + "\n";
  return text + t.query->name + " ->";
}

}  // namespace

std::vector<WorldIclPrompt> world_icl_prompts(const std::vector<QaItem>& items, const WorldIclOptions& options,
                                              std::vector<std::string>* attributes) {
  if (options.shots.empty()) ErrorBuilder("eval") << "in-context evaluation needs at least one number of examples";
  if (options.queries_per_attribute <= 0) ErrorBuilder("eval") << "queries per attribute must be positive";
  for (int k : options.shots) {
    if (k < 0) ErrorBuilder("eval") << "a number of examples must not be negative, got " << k;
  }
  const int max_shots = *std::max_element(options.shots.begin(), options.shots.end());
  attributes->clear();
  std::vector<std::vector<Fact>> facts;  // per attribute, in item order
  for (const QaItem& q : items) {
    if (q.name.empty()) ErrorBuilder("eval") << "QA item for person " << q.person << " has no name";
    auto it = std::find(attributes->begin(), attributes->end(), q.attribute);
    if (it == attributes->end()) {
      attributes->push_back(q.attribute);
      facts.emplace_back();
      it = attributes->end() - 1;
    }
    facts[size_t(it - attributes->begin())].push_back({q.person, q.name, q.split, q.answer});
  }

  std::vector<WorldIclPrompt> prompts;
  for (size_t a = 0; a < facts.size(); ++a) {
    std::vector<const Fact*> queries;
    for (const Fact& f : facts[a])
      if (f.split == options.query_split) queries.push_back(&f);
    if (queries.empty()) {
      ErrorBuilder("eval") << "in-context task '" << (*attributes)[a] << "': no person of split '"
                           << options.query_split << "' to ask about";
    }
    const size_t n = std::min(queries.size(), size_t(options.queries_per_attribute));
    for (size_t i = 0; i < n; ++i) {
      const Fact* query = queries[i * queries.size() / n];  // evenly spaced
      Rng rng(options.seed * 0x9E3779B97F4A7C15ull + a * 1000003ull + uint64_t(query->person));
      Trial t{a, query, pick_examples(facts[a], *query, max_shots, rng, (*attributes)[a])};
      for (int k : options.shots) prompts.push_back({a, k, query->person, prompt_text(t, k), query->answer});
    }
  }
  return prompts;
}

WorldIclResult evaluate_world_icl(const Model& model, const Tokenizer& tok, const std::vector<QaItem>& items,
                                  const WorldIclOptions& options) {
  auto bos = tok.special_token_id(special::kBos);
  if (!bos) ErrorBuilder("eval") << "the tokenizer has no " << special::kBos << " token to start a document with";
  WorldIclResult r;
  r.shots = options.shots;
  const std::vector<WorldIclPrompt> prompts = world_icl_prompts(items, options, &r.attributes);

  std::vector<std::vector<int32_t>> ids;
  for (const WorldIclPrompt& p : prompts) {
    std::vector<int32_t> row{int32_t(*bos)};
    for (uint32_t id : tok.encode_ordinary(p.text)) row.push_back(int32_t(id));
    ids.push_back(std::move(row));
  }
  const GreedyStops stops{control_tokens(tok), {"\n"}};
  std::vector<ChatReply> replies = generate_greedy(model, tok, std::move(ids), options.generation, stops);

  r.by_attribute.assign(r.attributes.size(), std::vector<IclPoint>(options.shots.size()));
  r.overall.assign(options.shots.size(), IclPoint{});
  for (size_t i = 0; i < prompts.size(); ++i) {
    const WorldIclPrompt& p = prompts[i];
    const size_t s = i % options.shots.size();  // prompts come shots-in-order per query
    const bool ok = normalize_answer_text(replies[i].text) == normalize_answer_text(p.answer);
    for (IclPoint* point : {&r.by_attribute[p.attribute][s], &r.overall[s]}) {
      point->examples = p.shots;
      point->correct += ok;
      ++point->trials;
    }
  }
  return r;
}

void print_world_icl(FILE* out, const WorldIclResult& r) {
  std::fprintf(out, "in-context learning over the world's people (the examples alone say which fact)\n%-16s",
               "examples");
  for (int k : r.shots) std::fprintf(out, " %7d", k);
  std::fprintf(out, "\n");
  auto row = [&](const std::string& label, const std::vector<IclPoint>& points) {
    std::fprintf(out, "%-16s", label.c_str());
    for (const IclPoint& p : points) std::fprintf(out, " %6.1f%%", 100.0 * p.accuracy());
    std::fprintf(out, "\n");
  };
  for (size_t a = 0; a < r.attributes.size(); ++a) row(r.attributes[a], r.by_attribute[a]);
  row("all", r.overall);
  if (!r.overall.empty()) std::fprintf(out, "(%d queries per column)\n", r.overall.front().trials);
}

nlohmann::json world_icl_to_json(const WorldIclResult& r) {
  auto points = [](const std::vector<IclPoint>& ps) {
    nlohmann::json a = nlohmann::json::array();
    for (const IclPoint& p : ps) {
      a.push_back({{"examples", p.examples}, {"correct", p.correct}, {"trials", p.trials}, {"accuracy", p.accuracy()}});
    }
    return a;
  };
  nlohmann::json j{{"task", "world"}, {"shots", r.shots}, {"overall", points(r.overall)}};
  for (size_t a = 0; a < r.attributes.size(); ++a) j["by_attribute"][r.attributes[a]] = points(r.by_attribute[a]);
  return j;
}

}  // namespace llmforge
