#include "speedrun/search_stage.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/timer.h"
#include "data/input_files.h"
#include "model/model_io.h"
#include "search/document_source.h"
#include "search/search_index.h"
#include "search/search_tool.h"
#include "speedrun/search_fresh_people.h"
#include "sft/sft.h"
#include "world/people_internal.h"

namespace llmforge {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kFallback =
    "fallback: held-out (crawl-only) people's facts count as unknown (no idk labels found)";

// Half of the held-out and of the post-crawl people train the search behaviour; the
// other half is only evaluated, so accuracy there is reading, not memory.
bool trains_search(const world::Person& p) { return p.post_crawl ? p.id % 2 == 0 : (p.id / 2) % 2 == 0; }

// (person id, attribute name) labelled unknown in the idk stage's labels.jsonl.
std::set<std::pair<int, std::string>> read_unknown_labels(const std::string& path) {
  std::set<std::pair<int, std::string>> unknown;
  std::ifstream in(path);
  std::string line;
  for (long n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      json j = json::parse(line);
      if (j.at("label").get<std::string>() == "unknown")
        unknown.insert({j.at("person_id").get<int>(), j.at("attribute").get<std::string>()});
    } catch (const std::exception& e) {
      ErrorBuilder("search") << path << ":" << n << ": " << e.what();
    }
  }
  return unknown;
}

json call_message(const std::string& id, const std::string& query) {
  return {{"role", "assistant"},
          {"content", nullptr},
          {"tool_calls", json::array({{{"id", id}, {"type", "function"},
                                       {"function", {{"name", "search"}, {"arguments", json{{"query", query}}.dump()}}}}})}};
}

}  // namespace

SearchStageRecord run_search_stage(const SpeedrunPreset& p, const world::World& world, const std::string& out,
                                   const std::string& clean_dir, const std::string& chat_model_dir, bool resume,
                                   Precision precision, Distributed& dist) {
  SearchStageRecord r;
  const std::string dir = out + "/search", index_dir = dir + "/index";
  fs::create_directories(dir + "/sft");

  // 1. The index: the crawl's clean text and the post-crawl pages.
  {
    Timer t;
    const std::clock_t cpu = std::clock();
    std::vector<std::string> inputs = {clean_dir, out + "/world/post_crawl/pages.warc.gz"};
    search::IndexWriter writer(index_dir);
    search::SourceStats stats;
    search::read_documents(data::list_inputs(inputs, "auto"), [&](const search::IndexDocument& d) { writer.add(d); },
                           nullptr, stats);
    writer.commit(inputs);
    r.documents = writer.documents();
    r.index_text_mb = double(writer.text_bytes()) / 1e6;
    r.index_seconds = t.seconds();
    r.index_cpu_seconds = double(std::clock() - cpu) / CLOCKS_PER_SEC;
    r.index_mb_per_s_per_core = r.index_text_mb / std::max(r.index_cpu_seconds, 1e-9);
  }
  search::SearchIndex index(index_dir);
  {
    Timer t;
    long n = 0;
    for (const world::Person& q : world.post_crawl_people) index.search(q.name(), p.search_k), ++n;
    r.search_ms = n ? 1e3 * t.seconds() / double(n) : 0.0;
  }
  std::printf("   index: %ld documents, %.2f MB of text in %.2f s (%.1f MB/s per core); search %.3f ms\n", r.documents,
              r.index_text_mb, r.index_seconds, r.index_mb_per_s_per_core, r.search_ms);
  std::fflush(stdout);

  // 2. Conversations that teach when to search.
  Timer data_timer;
  Tokenizer tok = Tokenizer::load(chat_model_dir + "/tokenizer.json");
  const ToolRunner runner = search::make_search_runner(index, p.search_k);
  auto result_text = [&](const ToolRunner& search, const std::string& query) {
    std::vector<uint32_t> ids = tok.encode(search({"", "search", json{{"query", query}}.dump()}).text,
                                           AllowedSpecial::as_text());
    if (int(ids.size()) > p.search_result_tokens) ids.resize(size_t(p.search_result_tokens));
    return tok.decode_text(ids);
  };
  const std::string labels_path = out + "/idk/labels.jsonl";
  const bool have_labels = fs::exists(labels_path);
  const auto unknown_labels = have_labels ? read_unknown_labels(labels_path) : std::set<std::pair<int, std::string>>{};
  r.unknown_source = have_labels ? labels_path : kFallback;
  Rng rng(p.world.seed ^ 0x534541524348ull);  // "SEARCH"
  std::vector<std::string> lines;
  long call_id = 0;
  auto search_conversation = [&](const world::Person& person, int a, const ToolRunner& search) {
    const std::string id = "call_" + std::to_string(call_id++);
    json msgs = json::array({{{"role", "user"}, {"content", world::qa_question(person, a, rng)}},
                             call_message(id, person.name()),
                             {{"role", "tool"}, {"tool_call_id", id}, {"content", result_text(search, person.name())}},
                             {{"role", "assistant"}, {"content", world::qa_answer(person, a)}}});
    lines.push_back(json{{"messages", msgs}}.dump());
    ++r.search_conversations;
  };
  // The person's page pasted above a question about them, as evaluation pastes it;
  // further attributes are asked in later turns, each answer read from the same page.
  auto reading_conversation = [&](const world::Person& person, const std::vector<int>& attributes,
                                  const search::SearchIndex& pages) {
    const std::string page = pasted_person_page(pages, tok, person.name(), p.search_result_tokens);
    if (page.empty()) return;
    json msgs = json::array();
    for (size_t i = 0; i < attributes.size(); ++i) {
      const std::string question = world::qa_question(person, attributes[i], rng);
      msgs.push_back({{"role", "user"}, {"content", i == 0 ? page + "\n\n" + question : question}});
      msgs.push_back({{"role", "assistant"}, {"content", world::qa_answer(person, attributes[i])}});
    }
    lines.push_back(json{{"messages", msgs}}.dump());
    ++r.reading_conversations;
  };
  for (const world::Person& person : world.people) {
    for (int a = 0; a < world::kAttributeCount; ++a) {
      const bool unknown = have_labels ? unknown_labels.count({person.id, world::attribute_name(a)}) > 0 : !person.qa_split;
      if (unknown) {
        if (!person.qa_split && !trains_search(person)) continue;  // evaluation half
        for (int k = 0; k < p.search_paraphrases; ++k) search_conversation(person, a, runner);
      } else if (person.qa_split) {
        for (int k = 0; k < p.search_direct_paraphrases; ++k) {
          json msgs = json::array({{{"role", "user"}, {"content", world::qa_question(person, a, rng)}},
                                   {{"role", "assistant"}, {"content", world::qa_answer(person, a)}}});
          lines.push_back(json{{"messages", msgs}}.dump());
          ++r.direct_conversations;
        }
      }
    }
  }
  for (const world::Person& person : world.post_crawl_people) {
    if (!trains_search(person)) continue;
    for (int a = 0; a < world::kAttributeCount; ++a) {
      for (int k = 0; k < p.search_paraphrases; ++k) search_conversation(person, a, runner);
      // Reading: the same page pasted above the question. A model that only ever
      // answered from memory has to learn to read the context; these people's facts
      // are nowhere else, so the answer can only come from the page.
      if (p.search_reading) reading_conversation(person, {a}, index);
    }
  }
  // Fresh people (speedrun/search_fresh_people.h): a reading conversation each and,
  // for a share of them, a search conversation, about random facts, so that copying
  // pays and memory does not.
  // The reading conversation asks several facts in turn: each answer is one more
  // lesson in finding a fact in the page, for the tokens of one page.
  if (p.search_fresh_people > 0) {
    const FreshPeople fresh =
        make_fresh_people(world, p.search_fresh_people, p.search_fresh_pages, p.world.seed, dir + "/fresh");
    const search::SearchIndex fresh_index(fresh.index_dir);
    const ToolRunner fresh_runner = search::make_search_runner(fresh_index, p.search_k);
    const size_t searching = size_t(std::lround(std::clamp(p.search_fresh_search_share, 0.0, 1.0) *
                                                double(fresh.people.size())));
    for (size_t i = 0; i < fresh.people.size(); ++i) {
      const world::Person& person = fresh.people[i];
      if (i < searching) search_conversation(person, int(rng.below(world::kAttributeCount)), fresh_runner);
      std::vector<int> order = world::attributes_in_random_order(rng);
      order.resize(size_t(std::min(p.search_fresh_questions, int(world::kAttributeCount))));
      reading_conversation(person, order, fresh_index);
    }
    r.fresh_people = long(fresh.people.size());
  }
  // Part of the original SFT set, so identity and small talk are not forgotten.
  {
    std::ifstream in(out + "/world/sft/train.jsonl");
    std::string line;
    for (long n = 0; std::getline(in, line); ++n) {
      if (n % p.search_original_stride == 0 && !line.empty()) lines.push_back(line), ++r.original_conversations;
    }
  }
  shuffle_in_place(lines, rng);
  std::string train, val;
  for (size_t i = 0; i < lines.size(); ++i) (i % 20 == 19 ? val : train) += lines[i] + "\n";
  write_file_atomic(dir + "/sft/train.jsonl", train);
  write_file_atomic(dir + "/sft/val.jsonl", val);
  r.data_seconds = data_timer.seconds();
  std::printf("   data: %ld search, %ld reading, %ld direct and %ld original conversations, %ld fresh people "
              "(unknown facts: %s)\n",
              r.search_conversations, r.reading_conversations, r.direct_conversations, r.original_conversations,
              r.fresh_people, r.unknown_source.c_str());
  std::fflush(stdout);

  // 3. Fine-tune the chat model on them.
  {
    Timer t;
    SftConfig c;
    c.model_dir = chat_model_dir;
    c.train_file = dir + "/sft/train.jsonl";
    c.val_file = dir + "/sft/val.jsonl";
    c.out_dir = dir + "/train";
    c.epochs = p.search_sft_epochs;
    c.micro_batch = p.sft_micro_batch;
    c.schedule = {LrSchedule::Kind::kCosine, p.sft_lr, p.sft_lr / 10, 10, 1, 0.2};
    c.seed = p.world.seed;
    c.eval_every = p.sft_eval_every;
    c.checkpoint_every = p.sft_eval_every * 4;
    c.resume = resume;
    c.precision = precision;
    c.quiet = true;
    SftSummary s = run_sft(c, dist);
    r.sft_steps = s.steps_done;
    r.sft_val_loss = s.val_loss;
    r.model_dir = s.model_dir;
    r.sft_seconds = t.seconds();
  }

  // 4. Evaluate per group, on people the search data never showed.
  {
    Timer t;
    std::vector<QaItem> items;
    auto add = [&](const world::QaItem& q, const world::Person& person, const std::string& group) {
      items.push_back({q.person, person.name(), group, world::attribute_name(q.attribute), q.question, q.answer, q.statement});
    };
    for (const world::QaItem& q : world.qa_eval) {
      const world::Person& person = world.people[size_t(q.person)];
      if (person.qa_split) add(q, person, "qa");
      else if (!trains_search(person)) add(q, person, "heldout");
    }
    for (const world::QaItem& q : world.post_crawl_eval) {
      const world::Person& person = world.post_crawl_people[size_t(q.person) - world.people.size()];
      if (!trains_search(person)) add(q, person, "post_crawl");
    }
    items = subsample_qa_items(items, p.search_eval_per_group);
    std::unique_ptr<Model> model = load_model(r.model_dir);
    SearchEvalOptions o;
    o.search_k = p.search_k;
    o.tools.max_result_tokens = p.search_result_tokens;
    r.eval = evaluate_search(*model, tok, index, items, o);
    r.eval_seconds = t.seconds();
  }
  std::printf("%s", search_eval_table(r.eval).c_str());
  write_file_atomic(dir + "/summary.json", search_stage_to_json(r).dump(2) + "\n");
  return r;
}

json search_stage_to_json(const SearchStageRecord& r) {
  return {{"index", {{"documents", r.documents}, {"text_mb", r.index_text_mb}, {"seconds", r.index_seconds},
                     {"cpu_seconds", r.index_cpu_seconds}, {"mb_per_s_per_core", r.index_mb_per_s_per_core},
                     {"search_ms", r.search_ms}}},
          {"data", {{"unknown_source", r.unknown_source}, {"search_conversations", r.search_conversations},
                    {"direct_conversations", r.direct_conversations},
                    {"reading_conversations", r.reading_conversations}, {"fresh_people", r.fresh_people},
                    {"original_conversations", r.original_conversations}}},
          {"sft", {{"steps", r.sft_steps}, {"val_loss", r.sft_val_loss}, {"model_dir", r.model_dir}}},
          {"eval", search_eval_to_json(r.eval)},
          {"seconds", {{"data", r.data_seconds}, {"sft", r.sft_seconds}, {"eval", r.eval_seconds}}}};
}

void append_search_report(const std::string& out_dir, const SearchStageRecord& r) {
  std::ostringstream md;
  char buf[1024];
  md << "\n## Search\n\n"
     << "What pretraining stored is fuzzy memory; what a search puts into the context window is working "
        "memory, read exactly. The chat model was fine-tuned to call `search` for facts it does not know "
        "and to answer directly otherwise, then asked about people it never saw in that fine-tuning: "
        "QA-trained people (known facts), held-out people (facts only in the crawl) and post-crawl people "
        "(facts only in the search index).\n\n";
  std::snprintf(buf, sizeof buf,
                "Index: %ld documents, %.2f MB of text, built in %.2f s (%.1f MB/s of text per core of CPU "
                "time); a search takes %.3f ms. Unknown facts from: %s. Search SFT: %ld search, %ld reading (a page "
                "pasted above the question), %ld direct and %ld original conversations (%ld people invented for this data "
                "alone have one search and one reading conversation each), %ld steps, validation loss %.3f.\n\n",
                r.documents, r.index_text_mb, r.index_seconds, r.index_mb_per_s_per_core, r.search_ms,
                r.unknown_source.c_str(), r.search_conversations, r.reading_conversations, r.direct_conversations,
                r.original_conversations, r.fresh_people, r.sft_steps, r.sft_val_loss);
  md << buf << search_eval_table(r.eval) << "\n### Sample transcripts with their searches\n\n";
  for (const SearchTranscript& s : r.eval.samples) {
    md << "- **" << s.group << "** — " << s.question << "\n";
    for (const ToolEvent& e : s.events) {
      md << "  - `search " << (e.call.arguments.empty() ? e.call_text : e.call.arguments) << "`"
         << (e.error ? " → " + e.result : " → " + std::to_string(e.hits.size()) + " hit(s)");
      for (const ToolHit& h : e.hits) md << "; " << h.title;
      md << "\n";
    }
    md << "  - reply: " << s.reply << " (" << (s.correct ? "correct" : "expected " + s.expected) << ")\n";
  }
  md << "\nChat with search: `./build/llmforge chat --model " << r.model_dir << " --index " << out_dir
     << "/search/index`\n";
  const std::string report = out_dir + "/report.md";
  write_file_atomic(report, read_file(report) + md.str());
  const std::string rj = out_dir + "/report.json";
  json j = json::parse(read_file(rj));
  j["search"] = search_stage_to_json(r);
  write_file_atomic(rj, j.dump(2) + "\n");
}

}  // namespace llmforge
