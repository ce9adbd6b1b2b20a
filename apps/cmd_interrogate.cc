// `llmforge interrogate`: self-interrogation of a chat model on a synthetic world
// (src/idk/interrogate.h). Asks every fact of the crawl's people several times,
// labels each known or unknown, and writes the labels and the SFT data that teaches
// the model to refuse what it does not know (src/idk/idk_data.h):
//   OUT/labels.jsonl  OUT/summary.json  OUT/sft/train.jsonl  OUT/sft/val.jsonl
// Fine-tune with `llmforge sft --model CHAT_DIR --train OUT/sft/train.jsonl --val OUT/sft/val.jsonl`.
// `llmforge interrogate sft --labels FILE --world DIR --out DIR` rebuilds the SFT data
// from labels alone.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "apps/command.h"
#include "core/atomic_file.h"
#include "core/cli_options.h"
#include "core/error.h"
#include "idk/idk_data.h"
#include "idk/interrogate.h"
#include "model/model_io.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {
namespace {

void print_data(const idk::IdkData& d, const std::string& dir) {
  std::printf("SFT data in %s: %zu train, %zu val conversations (%ld known facts answered, %ld unknown refused, "
              "%ld strangers refused, %ld replayed, %ld replay conversations about labelled people left out)\n",
              dir.c_str(), d.train.size(), d.val.size(), d.known, d.unknown, d.strangers, d.replayed, d.replay_dropped);
}

int run_interrogate_sft(int argc, char** argv) {
  CliOptions opts("llmforge interrogate sft --labels FILE --world DIR --out DIR",
                  "Builds \"I'm not sure\" SFT data from interrogation labels: known facts keep the\n"
                  "model's right answer, unknown ones and the world's training strangers get refusals.");
  idk::IdkDataOptions d;
  opts.add("labels", "", "labels.jsonl from llmforge interrogate (required)")
      .add("world", "", "the world folder (nobody.jsonl, sft/) (required)")
      .add("out", "", "output folder for train.jsonl and val.jsonl (required)")
      .add("phrasings", std::to_string(d.phrasings_per_fact), "questions per fact")
      .add("seed", std::to_string(d.seed), "seed for phrasings, refusals and order");
  if (!opts.parse(argc, argv)) return 0;
  for (const char* k : {"labels", "world", "out"}) {
    if (opts.get(k).empty()) ErrorBuilder("cli") << "--" << k << " is required";
  }
  d.phrasings_per_fact = int(opts.get_int("phrasings"));
  d.seed = uint64_t(opts.get_int("seed"));
  auto data = idk::write_idk_sft(idk::read_labels(opts.get("labels")), opts.get("world"), opts.get("out"), d);
  print_data(data, opts.get("out"));
  return 0;
}

int run_interrogate(int argc, char** argv) {
  CliOptions opts("llmforge interrogate --model CHAT_DIR --world DIR --out DIR [options]",
                  "Self-interrogation: asks the chat model every fact of the crawl's people in several\n"
                  "phrasings, sampled; a judge marks each answer; a fact is known when enough answers\n"
                  "are right and agree. Writes labels.jsonl, summary.json and sft/{train,val}.jsonl.");
  idk::InterrogateOptions d;
  opts.add("model", "", "chat model directory (required)")
      .add("world", "", "world folder from llmforge world (required)")
      .add("out", "", "output folder (required)")
      .add("judge", "pages", "pages: the answer must occur in the person's crawled pages (no ground truth); "
                             "truth: the world's ground truth")
      .add("samples", std::to_string(d.samples), "questions per fact, each differently phrased")
      .add("temperature", std::to_string(d.temperature), "sampling temperature (> 0)")
      .add("known-threshold", std::to_string(d.known_threshold), "share of answers that must be right and agree")
      .add("groups", "qa,heldout", "people splits to ask about")
      .add("max-new-tokens", std::to_string(d.max_new_tokens), "answer length limit")
      .add("max-batch", std::to_string(d.batch), "answers decoded together")
      .add("phrasings", "2", "questions per fact in the SFT data")
      .add("seed", std::to_string(d.seed), "seed");
  if (!opts.parse(argc, argv)) return 0;
  for (const char* k : {"model", "world", "out"}) {
    if (opts.get(k).empty()) ErrorBuilder("cli") << "--" << k << " is required";
  }
  d.samples = int(opts.get_int("samples"));
  d.temperature = opts.get_double("temperature");
  d.known_threshold = opts.get_double("known-threshold");
  d.max_new_tokens = int(opts.get_int("max-new-tokens"));
  d.batch = int(opts.get_int("max-batch"));
  d.seed = uint64_t(opts.get_int("seed"));
  d.groups.clear();
  std::stringstream groups(opts.get("groups"));
  for (std::string g; std::getline(groups, g, ',');) {
    if (!g.empty()) d.groups.push_back(g);
  }
  const std::string world = opts.get("world"), out = opts.get("out");
  // Read every input before the slow part, so a bad file fails at once.
  auto people = idk::read_world_people(world);
  idk::read_world_strangers(world);
  std::map<int, std::string> pages;
  if (opts.get("judge") == "pages") pages = idk::read_person_pages(world);
  auto judge = idk::make_judge(opts.get("judge"), std::move(pages));
  auto truth = idk::make_truth_judge();
  auto model = load_model(opts.get("model"));
  const Tokenizer tok = Tokenizer::load(opts.get("model"));

  auto labels = idk::interrogate(*model, tok, people, *judge, d, judge->name() == "truth" ? nullptr : truth.get());
  std::filesystem::create_directories(out);
  idk::write_labels(out + "/labels.jsonl", labels);
  nlohmann::json summary = idk::labels_summary(labels);
  write_file_atomic(out + "/summary.json", summary.dump(2) + "\n");
  std::printf("%zu facts asked %d times each (judge: %s)\n", labels.size(), d.samples, judge->name().c_str());
  for (const auto& [group, counts] : summary["groups"].items()) {
    std::printf("  %-8s known %3d  unknown %3d\n", group.c_str(), counts.value("known", 0), counts.value("unknown", 0));
  }
  if (summary.contains("truth_judge_agrees")) {
    std::printf("  the ground truth agrees with the %s judge on %.1f%% of answers\n", judge->name().c_str(),
                100 * summary["truth_judge_agrees"].get<double>());
  }
  idk::IdkDataOptions data_options;
  data_options.phrasings_per_fact = int(opts.get_int("phrasings"));
  data_options.seed = d.seed;
  print_data(idk::write_idk_sft(labels, world, out + "/sft", data_options), out + "/sft");
  std::printf("labels in %s/labels.jsonl\nfine-tune:  llmforge sft --model %s --train %s/sft/train.jsonl --val %s/sft/val.jsonl\n",
              out.c_str(), opts.get("model").c_str(), out.c_str(), out.c_str());
  return 0;
}

const bool kRegistered = register_command(
    {"interrogate", "self-interrogation: label the facts a chat model knows, build \"I'm not sure\" SFT data",
     run_interrogate});
const bool kRegisteredSft = register_command(
    {"interrogate sft", "build \"I'm not sure\" SFT data from interrogation labels", run_interrogate_sft});

}  // namespace
}  // namespace llmforge
