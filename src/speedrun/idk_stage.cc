#include "speedrun/idk_stage.h"

#include <cstdio>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/timer.h"
#include "eval/world_eval.h"
#include "idk/idk_data.h"
#include "idk/interrogate.h"
#include "model/model_io.h"
#include "tokenizer/tokenizer.h"

namespace llmforge {

IdkStageRecord run_idk_stage(const SpeedrunPreset& p, const std::string& world_dir, const std::string& chat_dir,
                             const std::string& base_dir, const std::string& tokens_dir, const std::string& out_dir,
                             bool resume, Precision precision, Distributed& dist) {
  if (p.idk_from != "chat" && p.idk_from != "base") {
    ErrorBuilder("speedrun") << "idk_from must be chat or base, not '" << p.idk_from << "'";
  }
  IdkStageRecord rec;
  rec.from = p.idk_from;
  rec.samples = p.idk_samples;
  rec.temperature = p.idk_temperature;
  std::filesystem::create_directories(out_dir);
  auto qa = subsample_qa_items(load_qa_items(world_dir + "/eval/qa.jsonl"), p.eval_per_split);
  auto nobody = idk::read_nobody_questions(world_dir);
  const idk::HallucinationOptions eval_options;

  Timer timer;
  std::vector<idk::FactLabel> labels;
  {
    std::unique_ptr<Model> chat = load_model(chat_dir);
    Tokenizer tok = Tokenizer::load(chat_dir + "/tokenizer.json");
    std::map<int, std::string> pages;
    if (p.idk_judge == "pages") pages = idk::read_person_pages(world_dir);
    auto judge = idk::make_judge(p.idk_judge, std::move(pages));
    auto truth = idk::make_truth_judge();
    rec.judge = judge->name();
    idk::InterrogateOptions o;
    o.samples = p.idk_samples;
    o.temperature = p.idk_temperature;
    o.seed = p.world.seed;
    labels = idk::interrogate(*chat, tok, idk::read_world_people(world_dir), *judge, o,
                              judge->name() == "truth" ? nullptr : truth.get());
    idk::write_labels(out_dir + "/labels.jsonl", labels);
    rec.labels = idk::labels_summary(labels);
    write_file_atomic(out_dir + "/summary.json", rec.labels.dump(2) + "\n");
    rec.interrogate_seconds = timer.seconds();
    Timer eval_timer;
    rec.before = idk::evaluate_hallucination(*chat, tok, qa, nobody, labels, eval_options);
    rec.eval_seconds = eval_timer.seconds();
  }
  idk::IdkDataOptions data_options;
  data_options.seed = p.world.seed;
  data_options.phrasings_per_fact = p.idk_phrasings_per_fact;
  idk::IdkData data = idk::write_idk_sft(labels, world_dir, out_dir + "/sft", data_options);
  rec.train_conversations = long(data.train.size()), rec.val_conversations = long(data.val.size());
  rec.known = data.known, rec.unknown = data.unknown, rec.strangers = data.strangers;
  std::printf("   %ld facts known, %ld unknown (judge: %s); %ld SFT conversations (%ld validation)\n", rec.known,
              rec.unknown, rec.judge.c_str(), rec.train_conversations, rec.val_conversations);

  Timer sft_timer;
  SftConfig c;
  c.model_dir = p.idk_from == "base" ? base_dir : chat_dir;
  c.train_file = out_dir + "/sft/train.jsonl";
  c.val_file = out_dir + "/sft/val.jsonl";
  c.out_dir = out_dir + "/train";
  c.micro_batch = p.sft_micro_batch;
  if (p.idk_from == "base") {
    // From the base model the data must teach the chat format too: SFT's own settings.
    c.epochs = p.sft_epochs;
    c.schedule = {LrSchedule::Kind::kCosine, p.sft_lr, p.sft_lr / 10, 10, 1, 0.2};
  } else {
    // Continuing a chat model: a short warmup, then down from a rate below SFT's.
    c.epochs = p.idk_epochs;
    c.schedule = {LrSchedule::Kind::kCosine, p.idk_lr, p.idk_lr / 10, 5, 1, 0.2};
  }
  c.seed = p.world.seed;
  // Pretraining text beside the conversations, as in SFT: fine-tuning on refusals
  // should not wear away the crawl-only facts the model is still to answer.
  c.replay_data = p.idk_replay_rows > 0 ? tokens_dir : "";
  c.replay_rows = p.idk_replay_rows;
  c.replay_weight = p.sft_replay_weight;
  c.eval_every = p.sft_eval_every;
  c.checkpoint_every = 0;
  c.resume = resume;
  c.precision = precision;
  c.quiet = true;
  SftSummary s = run_sft(c, dist);
  rec.sft_steps = s.steps_done;
  rec.sft_val_loss = s.val_loss;
  rec.model_dir = s.model_dir;
  rec.sft_seconds = sft_timer.seconds();

  Timer eval_timer;
  std::unique_ptr<Model> after = load_model(s.model_dir);
  Tokenizer tok = Tokenizer::load(s.model_dir + "/tokenizer.json");
  rec.after = idk::evaluate_hallucination(*after, tok, qa, nobody, labels, eval_options);
  rec.eval_seconds += eval_timer.seconds();
  rec.ran = true;
  std::printf("   before:\n");
  idk::print_hallucination(stdout, rec.before);
  std::printf("   after:\n");
  idk::print_hallucination(stdout, rec.after);
  return rec;
}

}  // namespace llmforge
