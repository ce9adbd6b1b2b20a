// The synthetic-world evaluation end to end: a tiny chat model trained here on a few
// rendered QA chats (and one identity chat under a system prompt) must answer them,
// a wrong expected answer must score as wrong, replies must be deterministic, and the
// files, the JSON, the table and the `llmforge eval` command must say so.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "data/token_shard.h"
#include "eval/knowledge_probe.h"
#include "eval/world_eval.h"
#include "fit_tiny_model.h"
#include "infer/tiny_model.h"
#include "model/model_io.h"
#include "train/data_loader.h"
#include "train/validation.h"
#include "tokenizer/special_tokens.h"
#include "test_util.h"
#include "train/adamw.h"
#include "train/losses.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;

const char* kSystem = "You are Nova, an assistant made by Brightline Labs.";

struct TrainedChat {
  std::string question, reply, system;
};

const std::vector<TrainedChat>& trained_chats() {
  static const std::vector<TrainedChat> chats{
      {"Where was Mara Okafor born?", "Mara Okafor was born in Lisbon.", ""},
      {"When was Mara Okafor born?", "Mara Okafor was born on March 4, 1975.", ""},
      {"Where did Tomas Reyes study?", "Tomas Reyes studied at Kyoto University.", ""},
      {"What is your name?", "My name is Nova.", kSystem},
  };
  return chats;
}

const Tokenizer& tok() {
  static Tokenizer t = testing::train_tiny_tokenizer();
  return t;
}

// Trains on the rendered chats with the loss on the assistant's tokens only, as SFT does.
Model& trained_model() {
  static Model* model = [] {
    std::vector<std::vector<int32_t>> rows;
    std::vector<std::vector<float>> mask;
    for (const TrainedChat& tc : trained_chats()) {
      std::vector<ChatMessage> msgs;
      if (!tc.system.empty()) msgs.push_back({"system", tc.system});
      msgs.push_back({"user", tc.question});
      msgs.push_back({"assistant", tc.reply});
      RenderedChat rc = render_chat(tok(), msgs, false);
      rows.push_back(rc.tokens);
      mask.emplace_back(rc.loss_mask.begin(), rc.loss_mask.end());
    }
    return testing::fit_tiny_model(int(tok().vocab_size()), 96, rows, mask, 1, 200).release();
  }();
  return *model;
}

std::vector<QaItem> qa_items() {
  return {
      {0, "Mara Okafor", "qa", "birth_city", "Where was Mara Okafor born?", "Lisbon", ""},
      {0, "Mara Okafor", "qa", "birth_date", "When was Mara Okafor born?", "March 4, 1975", ""},
      {1, "Tomas Reyes", "qa", "university", "Where did Tomas Reyes study?", "Kyoto University", ""},
      // Expected answer the model was never taught: must score as wrong.
      {0, "Mara Okafor", "heldout", "birth_city", "Where was Mara Okafor born?", "Porto", ""},
  };
}

std::vector<IdentityItem> identity_items() {
  return {{kSystem, "What is your name?", {"Nova"}}};
}

std::string write_lines(const std::string& name, const std::vector<std::string>& lines) {
  const std::string dir = testing::temp_dir("world_eval_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = dir + "/" + name;
  std::ofstream out(path);
  for (const std::string& l : lines) out << l << "\n";
  return path;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(WorldEvalFiles, LoadsQaAndIdentityLines) {
  auto qa = load_qa_items(write_lines(
      "qa.jsonl",
      {R"({"person": 17, "name": "Mara Okafor", "split": "qa", "attribute": "birth_city", )"
       R"("question": "Where was Mara Okafor born?", "answer": "Lisbon"})",
       "", R"({"split": "heldout", "attribute": "x", "question": "q?", "answer": "a"})"}));
  ASSERT_EQ(qa.size(), 2u);
  EXPECT_EQ(qa[0].person, 17);
  EXPECT_EQ(qa[0].name, "Mara Okafor");
  EXPECT_EQ(qa[0].answer, "Lisbon");
  EXPECT_EQ(qa[1].person, -1);
  EXPECT_EQ(qa[1].split, "heldout");
  auto id = load_identity_items(write_lines(
      "identity.jsonl", {R"({"system": "S", "question": "Q", "expected": ["Nova", "Labs"]})",
                         R"({"question": "Q", "expected": "Nova"})"}));
  ASSERT_EQ(id.size(), 2u);
  EXPECT_EQ(id[0].expected, (std::vector<std::string>{"Nova", "Labs"}));
  EXPECT_EQ(id[1].system, "");
  EXPECT_EQ(id[1].expected, (std::vector<std::string>{"Nova"}));
}

TEST(WorldEvalFiles, ErrorsNameFileAndLine) {
  const std::string good = R"({"split": "qa", "attribute": "a", "question": "q", "answer": "x"})";
  std::string e = error_of([&] { load_qa_items(write_lines("bad1.jsonl", {good, "{oops"})); });
  EXPECT_NE(e.find("bad1.jsonl:2: not a JSON object"), std::string::npos) << e;
  e = error_of([&] {
    load_qa_items(write_lines(
        "bad2.jsonl", {good, good, R"({"split": "qa", "attribute": "a", "question": "q"})"}));
  });
  EXPECT_NE(e.find("bad2.jsonl:3: missing \"answer\""), std::string::npos) << e;
  e = error_of([&] {
    load_qa_items(write_lines(
        "bad3.jsonl", {R"({"split": "qa", "attribute": "a", "question": "q", "answer": 5})"}));
  });
  EXPECT_NE(e.find("bad3.jsonl:1: \"answer\" is not a string"), std::string::npos) << e;
  e = error_of([&] { load_qa_items("/nonexistent/qa.jsonl"); });
  EXPECT_NE(e.find("/nonexistent/qa.jsonl: cannot open"), std::string::npos) << e;
  e = error_of([&] {
    load_identity_items(write_lines("bad4.jsonl", {R"({"question": "Q", "expected": []})"}));
  });
  EXPECT_NE(e.find("bad4.jsonl:1: \"expected\" is empty"), std::string::npos) << e;
}

TEST(WorldEvalFiles, SubsamplesEachSplitEvenly) {
  std::vector<QaItem> items;
  for (int i = 0; i < 10; ++i) items.push_back({i, "", i < 6 ? "qa" : "heldout", "a", "q", "x", ""});
  auto kept = subsample_qa_items(items, 3);
  std::vector<int> people;
  for (const auto& q : kept) people.push_back(q.person);
  EXPECT_EQ(people, (std::vector<int>{0, 2, 4, 6, 7, 8}));
  EXPECT_EQ(subsample_qa_items(items, 0).size(), 10u);
}

TEST(WorldEval, TrainedChatModelAnswersItsFactsDeterministically) {
  const Model& m = trained_model();
  ChatEvalOptions o;  // 48 new tokens: the longest reply is 41 (mostly byte tokens)
  WorldEvalResult r = evaluate_world(m, tok(), qa_items(), identity_items(), o);
  ASSERT_EQ(r.records.size(), 5u);
  for (const ChatRecord& c : r.records)
    std::printf("[%s %s %s] %s -> %s (%s)\n", c.kind.c_str(), c.split.c_str(), c.attribute.c_str(),
                c.question.c_str(), c.reply.c_str(), c.correct ? "correct" : "wrong");
  EXPECT_EQ(r.qa_by_split["qa"].total, 3);
  EXPECT_EQ(r.qa_by_split["qa"].correct, 3);
  EXPECT_EQ(r.qa_by_split["heldout"].total, 1);
  EXPECT_EQ(r.qa_by_split["heldout"].correct, 0) << "the reply says Lisbon, not Porto";
  EXPECT_EQ(r.records[3].reply, r.records[0].reply);  // same question, same greedy reply
  EXPECT_EQ((r.qa_by_split_attribute[{"qa", "birth_date"}].correct), 1);
  EXPECT_EQ(r.identity.correct, 1);
  EXPECT_EQ(r.records[4].kind, "identity");
  EXPECT_EQ(r.records[4].finish, "stop");

  // Same inputs, same replies; and the batch size does not change them.
  o.batch = 1;
  WorldEvalResult again = evaluate_world(m, tok(), qa_items(), identity_items(), o);
  for (size_t i = 0; i < r.records.size(); ++i)
    EXPECT_EQ(again.records[i].reply, r.records[i].reply);

  // A short limit cuts replies and says so.
  o.max_new_tokens = 2;
  WorldEvalResult cut = evaluate_world(m, tok(), qa_items(), {}, o);
  EXPECT_EQ(cut.records[0].finish, "length");
  EXPECT_EQ(cut.qa_by_split["qa"].correct, 0);
}

// What print_world_eval writes, as a string.
std::string printed_table(const WorldEvalResult& r, int samples) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  print_world_eval(f, r, samples);
  std::fclose(f);
  std::string table(buf, len);
  std::free(buf);
  return table;
}

// A base model trained on plain documents that state facts, as pages do.
Model& base_model() {
  static Model* model = [] {
    const std::vector<std::string> docs{"Mara Okafor comes from Lisbon. She likes tea.",
                                        "Mara Okafor was born on March 4, 1975. She sings.",
                                        "Tomas Reyes studied at Kyoto University. He rows."};
    const int32_t bos = int32_t(*tok().special_token_id(special::kBos));
    std::vector<std::vector<int32_t>> rows;
    for (const std::string& d : docs) {
      std::vector<int32_t> ids{bos};
      for (uint32_t id : tok().encode_ordinary(d)) ids.push_back(int32_t(id));
      ids.push_back(bos);
      rows.push_back(std::move(ids));
    }
    return testing::fit_tiny_model(int(tok().vocab_size()), 96, rows, {}, 2, 200).release();
  }();
  return *model;
}

TEST(KnowledgeProbe, CompletesEachStatementToTheEndOfItsSentence) {
  std::vector<QaItem> items = qa_items();
  const char* statements[] = {"Mara Okafor comes from", "Mara Okafor was born on", "Tomas Reyes studied at",
                              "Mara Okafor comes from"};
  for (size_t i = 0; i < items.size(); ++i) items[i].statement = statements[i];
  items.push_back({2, "Ana Lima", "qa", "field", "What did Ana Lima study?", "botany", ""});  // no statement: skipped
  WorldEvalResult r = probe_knowledge(base_model(), tok(), items, {});
  EXPECT_TRUE(r.completion_probe);
  ASSERT_EQ(r.records.size(), 4u);
  for (const ChatRecord& c : r.records) std::printf("[probe] %s|%s (%s)\n", c.question.c_str(), c.reply.c_str(), c.finish.c_str());
  EXPECT_EQ(r.records[0].kind, "probe");
  EXPECT_EQ(r.records[0].reply, " Lisbon");  // the sentence's full stop ends it
  EXPECT_EQ(r.records[0].finish, "stop");
  EXPECT_EQ(r.qa_by_split["qa"].total, 3);
  EXPECT_EQ(r.qa_by_split["qa"].correct, 3);
  EXPECT_EQ(r.qa_by_split["heldout"].correct, 0) << "it completes Lisbon, not Porto";
  EXPECT_EQ(r.identity.total, 0);

  const std::string table = printed_table(r, 1);
  EXPECT_NE(table.find("facts completed, trained people"), std::string::npos) << table;
  EXPECT_NE(table.find("sample completions"), std::string::npos) << table;
  EXPECT_EQ(table.find("identity"), std::string::npos) << table;
  EXPECT_TRUE(world_eval_to_json(r)["completion_probe"].get<bool>());
}

TEST(WorldEval, JsonAndTableReportTheTallies) {
  WorldEvalResult r = evaluate_world(trained_model(), tok(), qa_items(), identity_items(), {});
  nlohmann::json j = world_eval_to_json(r);
  EXPECT_EQ(j["qa"]["qa"]["correct"], 3);
  EXPECT_EQ(j["qa"]["qa"]["attributes"]["university"]["total"], 1);
  EXPECT_EQ(j["qa"]["heldout"]["accuracy"], 0.0);
  EXPECT_EQ(j["identity"]["correct"], 1);
  EXPECT_EQ(j["records"].size(), 5u);
  EXPECT_EQ(j["records"][4]["system"], kSystem);
  EXPECT_FALSE(j.contains("validation"));

  const std::string table = printed_table(r, 5);
  std::printf("%s", table.c_str());
  EXPECT_NE(table.find("QA, trained people"), std::string::npos);
  EXPECT_NE(table.find("QA, held-out people"), std::string::npos);
  EXPECT_NE(table.find("  birth_date"), std::string::npos);
  EXPECT_NE(table.find("identity (system prompt)"), std::string::npos);
  EXPECT_LT(table.find("QA, trained people"), table.find("QA, held-out people"));
  EXPECT_NE(table.find("system:    You are Nova"), std::string::npos);
}

TEST(WorldEval, PromptLongerThanTheContextIsAnError) {
  std::string q;
  for (int i = 0; i < 200; ++i) q += "the cat ";
  EXPECT_THROW(generate_chat_replies(trained_model(), tok(), {{{"user", q}}}, {}), Error);
}

// A val shard of a few short documents under dir/tokens.
void write_val_shard(const std::string& dir) {
  fs::create_directories(dir + "/tokens");
  data::TokenShardWriter w(dir + "/tokens/val-000000.bin", tok().vocab_size(), tok().bos_id());
  const char* docs[] = {"the cat sat on the mat and reads tokens",
                        "hello world, the llm writes text", "Mara Okafor was born in Lisbon."};
  for (int i = 0; i < 12; ++i) w.add_document(tok().encode_ordinary(docs[i % 3]));
  w.commit();
}

// Bits per byte: nats over the counted targets, in bits, per byte those targets stand
// for; BOS targets count neither.
TEST(Validation, BitsPerByteCountsTextBytesOnly) {
  const std::string dir = testing::temp_dir("world_eval_val_" + std::to_string(::getpid()));
  write_val_shard(dir);
  const uint32_t bos = tok().bos_id();
  const int t = 16;
  ValidationSet val = load_validation_set(find_shards(dir, "val"), t, 8, &tok());
  ASSERT_GT(val.windows, 0);
  double bytes = 0;
  int counted = 0;
  for (int32_t id : val.targets) {
    if (uint32_t(id) == bos) continue;
    bytes += tok().token_bytes(uint32_t(id)).size();
    ++counted;
  }
  EXPECT_EQ(val.bytes, bytes);
  Model& m = trained_model();
  ValidationResult a = evaluate_validation(m, val, 1);
  ValidationResult b = evaluate_validation(m, val, 4);
  EXPECT_EQ(a.tokens, counted);
  EXPECT_NEAR(a.bits_per_byte, a.loss * a.tokens / std::log(2.0) / bytes, 1e-9);
  EXPECT_NEAR(a.bits_per_byte, b.bits_per_byte, 1e-5);  // micro-batch does not matter
  ValidationSet no_tok = load_validation_set(find_shards(dir, "val"), t, 8, nullptr);
  EXPECT_EQ(evaluate_validation(m, no_tok, 2).bits_per_byte, -1);
}

int run_cli(const std::string& args, std::string* out) {
  auto r = testing::run_shell("timeout 120 " + testing::llmforge_binary() + " " + args);
  *out += r.output;
  return r.status;
}

// `llmforge eval` with options and `llmforge eval icl` both reach their command.
TEST(EvalCli, WorldEvalPrintsTableAndWritesJson) {
  const std::string root = testing::temp_dir("world_eval_cli_" + std::to_string(::getpid()));
  const std::string model = root + "/model", world = root + "/world", data = root + "/data";
  fs::create_directories(model);
  fs::create_directories(world + "/eval");
  save_model(trained_model(), model);
  tok().save_tokenizer_json(model + "/tokenizer.json");
  {
    std::ofstream qa(world + "/eval/qa.jsonl");
    for (const QaItem& q : qa_items()) {
      qa << nlohmann::json{{"person", q.person},     {"name", q.name},
                           {"split", q.split},       {"attribute", q.attribute},
                           {"question", q.question}, {"answer", q.answer}}
                .dump()
         << "\n";
    }
    std::ofstream id(world + "/eval/identity.jsonl");
    for (const IdentityItem& it : identity_items()) {
      id << nlohmann::json{{"system", it.system},
                           {"question", it.question},
                           {"expected", it.expected}}
                .dump()
         << "\n";
    }
  }
  write_val_shard(data);
  std::string out;
  ASSERT_EQ(run_cli("eval --model " + model + " --world " + world + " --data " + data +
                        " --val-windows 4 --out " + root + "/results.json --show 2",
                    &out),
            0)
      << out;
  std::printf("%s", out.c_str());
  EXPECT_NE(out.find("QA, trained people"), std::string::npos);
  EXPECT_NE(out.find("validation bits/byte"), std::string::npos);
  std::ifstream in(root + "/results.json");
  nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["qa"]["qa"]["correct"], 3);
  EXPECT_EQ(j["identity"]["correct"], 1);
  EXPECT_GT(j["validation"]["bits_per_byte"].get<double>(), 0.0);

  out.clear();
  EXPECT_EQ(run_cli("eval icl --help", &out), 0) << out;
  EXPECT_NE(out.find("in-context"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run_cli("eval --world " + world, &out), 1) << out;
  EXPECT_NE(out.find("--model is required"), std::string::npos) << out;
  out.clear();
  EXPECT_EQ(run_cli("eval --model " + model + " --world " + root + "/nowhere", &out), 1) << out;
  EXPECT_NE(out.find("qa.jsonl: cannot open"), std::string::npos) << out;
}

}  // namespace
}  // namespace llmforge
