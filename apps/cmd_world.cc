// `llmforge world`: writes the synthetic world of the speedrun (crawl, ground
// truth, arithmetic text, conversations, evaluation items). See src/world/world_io.h.
#include <cstdio>

#include "apps/command.h"
#include "core/cli_options.h"
#include "world/world.h"
#include "world/world_io.h"

namespace llmforge {
namespace {

int run_world(int argc, char** argv) {
  CliOptions opts("llmforge world [options]",
                  "Generates a synthetic world: fictional people with known facts described by\n"
                  "web pages (a WARC.gz crawl with planted noise), arithmetic practice text,\n"
                  "SFT conversations and evaluation questions with their answers.");
  world::WorldOptions d;
  opts.add("out", "runs/world", "output folder")
      .add("seed", std::to_string(d.seed), "seed: the same seed gives the same world")
      .add("people", std::to_string(d.people), "number of people (half get QA training conversations)")
      .add("pages-per-person", std::to_string(d.pages_per_person), "differently written pages per person")
      .add("noise", std::to_string(d.noise_fraction), "noise pages per person page")
      .add("arithmetic", std::to_string(d.arithmetic_documents), "arithmetic practice documents")
      .add("lists", std::to_string(d.list_documents), "lists of people with one fact each (pretraining text)")
      .add("reading", std::to_string(d.reading_documents),
           "reading documents: a profile of someone named nowhere else, then questions answered from it")
      .add("reading-questions", std::to_string(d.reading_questions), "questions per reading document")
      .add("reading-conversations", std::to_string(d.reading_conversations),
           "SFT conversations with a profile of someone named nowhere else pasted above questions about them")
      .add("identity", std::to_string(d.identity_conversations), "identity conversations")
      .add("invented-identities", std::to_string(d.invented_identity_share),
           "share of training identities with an invented name and maker")
      .add("smalltalk", std::to_string(d.smalltalk_conversations), "small-talk conversations")
      .add("qa-paraphrases", std::to_string(d.qa_paraphrases), "extra training questions per fact")
      .add("faq-pages", std::to_string(d.faq_pages_per_person), "Q&A pages in the crawl per QA-half person")
      .add("pages-per-warc", "2000", "pages per .warc.gz file")
      .add("post-crawl-people", std::to_string(d.post_crawl_people),
           "people published after the crawl (pages only in post_crawl/, for the search index)")
      .add("nobody-train", std::to_string(d.nobody_train), "strangers (named nowhere) whose refusals may be trained")
      .add("nobody-eval", std::to_string(d.nobody_eval), "strangers only asked about in evaluation (eval/nobody.jsonl)");
  if (!opts.parse(argc, argv)) return 0;
  world::WorldOptions o;
  o.seed = uint64_t(opts.get_int("seed"));
  o.people = int(opts.get_int("people"));
  o.pages_per_person = int(opts.get_int("pages-per-person"));
  o.noise_fraction = opts.get_double("noise");
  o.arithmetic_documents = int(opts.get_int("arithmetic"));
  o.list_documents = int(opts.get_int("lists"));
  o.reading_documents = int(opts.get_int("reading"));
  o.reading_questions = int(opts.get_int("reading-questions"));
  o.reading_conversations = int(opts.get_int("reading-conversations"));
  o.identity_conversations = int(opts.get_int("identity"));
  o.smalltalk_conversations = int(opts.get_int("smalltalk"));
  o.invented_identity_share = opts.get_double("invented-identities");
  o.qa_paraphrases = int(opts.get_int("qa-paraphrases"));
  o.faq_pages_per_person = int(opts.get_int("faq-pages"));
  o.post_crawl_people = int(opts.get_int("post-crawl-people"));
  o.nobody_train = int(opts.get_int("nobody-train"));
  o.nobody_eval = int(opts.get_int("nobody-eval"));
  world::World w = world::generate_world(o);
  world::write_world(w, opts.get("out"), int(opts.get_int("pages-per-warc")));
  std::printf("world: %zu people, %zu pages (crawl in %s/crawl), %zu arithmetic documents, "
              "%zu/%zu SFT train/val conversations, %zu QA and %zu identity questions\n",
              w.people.size(), w.pages.size(), opts.get("out").c_str(), w.arithmetic.size(),
              w.sft_train.size(), w.sft_val.size(), w.qa_eval.size(), w.identity_eval.size());
  return 0;
}

const bool kRegistered = register_command(
    {"world", "generate the synthetic world: crawl, ground truth, conversations, eval", run_world});

}  // namespace
}  // namespace llmforge
