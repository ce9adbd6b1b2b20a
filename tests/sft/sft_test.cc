// Supervised fine-tuning: the loss mask, packing and padding layouts, learning a few
// conversations well enough to reproduce a reply greedily, bitwise resume, and
// errors for malformed JSONL that name the line.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "../infer/tiny_model.h"
#include "../test_util.h"
#include "core/error.h"
#include "infer/batch_generator.h"
#include "infer/chat_format.h"
#include "model/model_io.h"
#include "sft/conversations.h"
#include "sft/sft.h"
#include "sft/sft_batcher.h"
#include "data/token_shard.h"
#include "train/data_loader.h"
#include "train/losses.h"
#include "train/metrics_log.h"

namespace llmforge {
namespace {

namespace fs = std::filesystem;

const Tokenizer& tok() {
  static Tokenizer t = testing::train_tiny_tokenizer();
  return t;
}

struct Qa {
  const char* system;
  const char* user;
  const char* assistant;
};
const Qa kChats[] = {
    {"", "hello", "hello world"},
    {"You are a cat.", "what sat on the mat?", "a cat sat on the mat"},
    {"", "what does the model read?", "the model reads tokens and writes text"},
    {"", "2+2=?", "2+2=4"},
};

std::string chat_json(const Qa& q) {
  nlohmann::json msgs = nlohmann::json::array();
  if (*q.system) msgs.push_back({{"role", "system"}, {"content", q.system}});
  msgs.push_back({{"role", "user"}, {"content", q.user}});
  msgs.push_back({{"role", "assistant"}, {"content", q.assistant}});
  return nlohmann::json{{"messages", msgs}, {"id", "ignored"}}.dump();
}

// A model directory with a random tiny model and the chat-capable tokenizer (in a
// folder of the calling test's own: several tests make one).
std::string base_model_dir(int seq) {
  std::string dir = testing::test_temp_dir("sft/base" + std::to_string(seq));
  fs::remove_all(dir);
  fs::create_directories(dir);
  ModelConfig c = testing::tiny_config(int(tok().vocab_size()));
  c.max_seq_len = seq;
  Model m(c);
  m.init_random(7, 0.02f);
  save_model(m, dir);
  tok().save_tokenizer_json(dir + "/tokenizer.json");
  return dir;
}

std::string write_jsonl(const std::string& name, const std::vector<std::string>& lines) {
  fs::create_directories(testing::temp_dir("sft"));
  std::string path = testing::temp_dir("sft/" + name);
  std::ofstream out(path);
  for (const auto& l : lines) out << l << "\n";
  return path;
}

SftConversation render(const std::vector<ChatMessage>& msgs) {
  RenderedChat r = render_chat(tok(), msgs, false);
  return {r.tokens, r.loss_mask, 0};
}

// Conversations of assorted lengths made of the tokenizer's words.
std::vector<SftConversation> assorted_conversations(int n) {
  const char* words[] = {"the", "model", "reads", "tokens", "cat", "sat", "on", "mat"};
  std::vector<SftConversation> out;
  for (int i = 0; i < n; ++i) {
    std::string q, a;
    for (int w = 0; w < 1 + i % 4; ++w) q += std::string(words[(i + w) % 8]) + " ";
    for (int w = 0; w < 1 + (i * 5) % 9; ++w) a += std::string(words[(i * 3 + w) % 8]) + " ";
    out.push_back(render({{"user", q}, {"assistant", a}}));
  }
  return out;
}

TEST(SftLossMask, WeightsAreExactlyOnAssistantTokensAndTheirEnd) {
  SftConversation c = render({{"system", "You are a cat."}, {"user", "hello"},
                              {"assistant", "hello world"}, {"user", "and the mat?"},
                              {"assistant", "a cat sat on the mat"}});
  const int t = int(c.tokens.size()) - 1;
  SftBatch b;
  make_sft_batch({{&c}}, t, b);
  // Independent account: a token is the assistant's from after <|assistant|> through <|end|>.
  const int32_t assistant = int32_t(*tok().special_token_id("<|assistant|>"));
  const int32_t end = chat_end_token(tok());
  std::vector<uint32_t> learned;
  bool in_assistant = false;
  for (int i = 0; i < t; ++i) {
    const int32_t target = c.tokens[size_t(i) + 1];
    ASSERT_EQ(b.inputs[size_t(i)], c.tokens[size_t(i)]);
    ASSERT_EQ(b.targets[size_t(i)], target);
    if (c.tokens[size_t(i)] == assistant) in_assistant = true;
    EXPECT_EQ(b.weights[size_t(i)], in_assistant ? 1.0f : 0.0f) << "position " << i;
    if (b.weights[size_t(i)] > 0) learned.push_back(uint32_t(target));
    if (target == end) in_assistant = false;
  }
  EXPECT_EQ(tok().decode(learned), "hello world<|end|>a cat sat on the mat<|end|>");

  // Targets that belong to the system and user turns do not enter the loss or gradients.
  Model m(testing::tiny_config(int(tok().vocab_size())));
  m.init_random(3, 0.2f);
  auto loss_and_grads = [&](const std::vector<int32_t>& targets, std::vector<float>& grads) {
    m.zero_grad();
    m.forward(b.inputs.data(), 1, t);
    double loss = cross_entropy_backward(m, targets.data(), b.weights.data(), 1.0 / b.weight_sum());
    grads.assign(m.grads(), m.grads() + m.n_param_floats());
    return loss;
  };
  std::vector<float> g1, g2;
  const double l1 = loss_and_grads(b.targets, g1);
  std::vector<int32_t> altered = b.targets;
  int changed = 0;
  for (size_t i = 0; i < altered.size(); ++i)
    if (b.weights[i] == 0) altered[i] = (altered[i] + 17) % int32_t(tok().vocab_size()), ++changed;
  ASSERT_GT(changed, 5);
  const double l2 = loss_and_grads(altered, g2);
  EXPECT_EQ(l1, l2);
  EXPECT_EQ(0, std::memcmp(g1.data(), g2.data(), g1.size() * sizeof(float)));
  // ...while an assistant target does.
  altered = b.targets;
  for (size_t i = 0; i < altered.size(); ++i)
    if (b.weights[i] > 0) {
      altered[i] = (altered[i] + 17) % int32_t(tok().vocab_size());
      break;
    }
  EXPECT_NE(loss_and_grads(altered, g2), l1);
}

TEST(SftBatching, PackingNeverSplitsAConversationAndPaddingHasNoWeight) {
  std::vector<SftConversation> convs = assorted_conversations(23);
  const int seq = 48;
  size_t longest = 0;
  for (auto& c : convs) longest = std::max(longest, c.tokens.size());
  ASSERT_LE(longest, size_t(seq) + 1);
  SftBatcher batcher(convs, seq, /*packing=*/true, 5);
  // Replay the shuffled stream independently and check every row against it.
  SftDataPosition stream;
  std::vector<std::set<uint32_t>> seen_in_epoch(3);
  long rows = 0;
  while (stream.epoch < 2) {
    SftBatch b;
    batcher.next_batch(4, b);
    ASSERT_EQ(b.t, seq);
    for (int r = 0; r < b.rows; ++r, ++rows) {
      const size_t off = size_t(r) * seq;
      std::vector<int32_t> row{b.inputs[off]};
      row.insert(row.end(), b.targets.begin() + off, b.targets.begin() + off + seq);
      size_t p = 0;
      double mask_sum = 0;
      while (true) {
        uint32_t ci = batcher.order_at(stream.epoch, stream.cursor);
        const SftConversation& c = convs[ci];
        if (p > 0 && p + c.tokens.size() > size_t(seq) + 1) break;  // starts the next row
        ASSERT_TRUE(std::equal(c.tokens.begin(), c.tokens.end(), row.begin() + p))
            << "row " << rows << " at " << p << ": conversation " << ci << " is not whole";
        for (size_t i = 1; i < c.tokens.size(); ++i) {  // target p+i-1 learns token p+i
          EXPECT_EQ(b.weights[off + p + i - 1], float(c.loss_mask[i]));
        }
        if (p + c.tokens.size() - 1 < size_t(seq)) {
          EXPECT_EQ(b.weights[off + p + c.tokens.size() - 1], 0.0f)
              << "the target after a conversation (next <|bos|> or padding) is never learned";
        }
        for (uint8_t m : c.loss_mask) mask_sum += m;
        EXPECT_TRUE(seen_in_epoch[stream.epoch].insert(ci).second) << "conversation twice in an epoch";
        p += c.tokens.size();
        if (++stream.cursor == convs.size()) stream.cursor = 0, ++stream.epoch;
      }
      for (size_t i = p; i < size_t(seq); ++i) {
        EXPECT_EQ(b.weights[off + i], 0.0f) << "padding at " << i;
        EXPECT_EQ(b.inputs[off + i], 0);
      }
      double row_weight = 0;
      for (int i = 0; i < seq; ++i) row_weight += b.weights[off + i];
      EXPECT_EQ(row_weight, mask_sum);
    }
  }
  EXPECT_EQ(seen_in_epoch[0].size(), convs.size());
  EXPECT_EQ(seen_in_epoch[1].size(), convs.size());
  EXPECT_NE(batcher.order_at(0, 0) * 100 + batcher.order_at(0, 1),
            batcher.order_at(1, 0) * 100 + batcher.order_at(1, 1))
      << "each epoch has its own order";
  EXPECT_LT(rows, long(convs.size())) << "packing puts several conversations in a row";
  EXPECT_LE(batcher.rows_per_epoch(), long(convs.size()));

  // Padding: one conversation a row, the batch as wide as its longest, the rest weight 0.
  SftBatcher padded(convs, seq, /*packing=*/false, 5);
  EXPECT_EQ(padded.rows_per_epoch(), long(convs.size()));
  SftBatch b;
  padded.next_batch(5, b);
  size_t widest = 0;
  for (int r = 0; r < 5; ++r) {
    const SftConversation& c = convs[padded.order_at(0, uint64_t(r))];
    widest = std::max(widest, c.tokens.size() - 1);
    const size_t off = size_t(r) * b.t;
    for (int i = 0; i < b.t; ++i) {
      const size_t len = c.tokens.size();
      if (size_t(i) + 1 < len) {
        EXPECT_EQ(b.inputs[off + i], c.tokens[size_t(i)]);
        EXPECT_EQ(b.weights[off + i], float(c.loss_mask[size_t(i) + 1]));
      } else {
        EXPECT_EQ(b.weights[off + i], 0.0f) << "row " << r << " padding at " << i;
      }
    }
  }
  EXPECT_EQ(size_t(b.t), widest);
  EXPECT_EQ(b.rows, 5);
}

SftConfig learn_config(const std::string& model, const std::string& data, const std::string& out) {
  SftConfig c;
  c.model_dir = model;
  c.train_file = data;
  c.val_file = data;
  c.out_dir = out;
  c.micro_batch = 4;
  c.schedule = {LrSchedule::Kind::kCosine, 3e-3, 3e-4, 5, 1, 0.2};
  c.eval_every = 20;
  c.checkpoint_every = 0;
  c.log_interval_s = 1e9;
  c.quiet = true;
  return c;
}

TEST(SftTraining, LearnsConversationsAndRepliesGreedily) {
  const std::string model = base_model_dir(64);
  std::vector<std::string> lines;
  for (const Qa& q : kChats) lines.push_back(chat_json(q));
  const std::string data = write_jsonl("learn.jsonl", lines);
  const std::string out = testing::temp_dir("sft/learn");
  fs::remove_all(out);
  SftConfig cfg = learn_config(model, data, out);
  cfg.steps = 120;
  Distributed dist;
  SftSummary s = run_sft(cfg, dist);
  EXPECT_EQ(s.steps_done, 120);
  EXPECT_EQ(s.train_conversations, 4);
  EXPECT_EQ(s.val_conversations, 4);
  EXPECT_EQ(s.dropped_too_long, 0);
  ASSERT_EQ(s.step_losses.size(), 120u);
  ASSERT_GE(s.val_losses.size(), 2u);
  EXPECT_EQ(s.val_losses.back().first, 120);
  const double first = s.step_losses.front();
  EXPECT_GT(first, 4.0);
  EXPECT_LT(s.val_loss, 0.2) << "first step loss " << first;
  EXPECT_TRUE(fs::exists(out + "/metrics.jsonl"));
  ASSERT_EQ(s.model_dir, out + "/model");

  // The saved model, with its tokenizer, answers as it was taught.
  auto m = load_model(s.model_dir);
  Tokenizer t = Tokenizer::load(s.model_dir);
  for (const Qa& q : kChats) {
    std::vector<ChatMessage> prompt;
    if (*q.system) prompt.push_back({"system", q.system});
    prompt.push_back({"user", q.user});
    SamplerSettings greedy;
    greedy.temperature = 0;
    auto reply = generate_tokens(*m, render_chat(t, prompt, true).tokens, greedy, 32, {chat_end_token(t)});
    ASSERT_FALSE(reply.empty());
    EXPECT_EQ(reply.back(), chat_end_token(t));
    reply.pop_back();
    EXPECT_EQ(t.decode(std::vector<uint32_t>(reply.begin(), reply.end())), q.assistant);
  }
}

TEST(SftTraining, ResumeContinuesBitwiseIdentically) {
  const std::string model = base_model_dir(32);
  std::vector<std::string> lines;
  for (int i = 0; i < 3; ++i)
    for (const Qa& q : kChats) lines.push_back(chat_json(q));
  lines.push_back(chat_json({"", "the cat sat on the mat and the model reads tokens; the cat sat on the mat and "
                                 "the model reads tokens; the cat sat on the mat", "hello"}));
  const std::string data = write_jsonl("resume.jsonl", lines);
  Distributed dist;
  for (bool packing : {true, false}) {
    const std::string out_a = testing::temp_dir("sft/resume_a"), out_b = testing::temp_dir("sft/resume_b");
    fs::remove_all(out_a);
    fs::remove_all(out_b);
    SftConfig ca = learn_config(model, data, out_a);
    ca.packing = packing;
    ca.steps = 8;
    ca.eval_every = 2;
    ca.checkpoint_every = 4;
    ca.micro_batch = 3;
    ca.grad_accum = 2;
    SftSummary full = run_sft(ca, dist);
    ASSERT_EQ(full.step_losses.size(), 8u);
    EXPECT_GE(full.dropped_too_long, 1) << "the long conversation does not fit 33 tokens";
    EXPECT_GT(8 * 6, full.rows_per_epoch) << "the run crosses an epoch boundary";

    fs::create_directories(out_b + "/checkpoints");
    fs::copy(out_a + "/checkpoints/step_00000004", out_b + "/checkpoints/step_00000004",
             fs::copy_options::recursive);
    std::ofstream(out_b + "/checkpoints/latest") << "step_00000004\n";
    SftConfig cb = ca;
    cb.out_dir = out_b;
    cb.resume = true;
    SftSummary resumed = run_sft(cb, dist);
    ASSERT_EQ(resumed.step_losses.size(), 4u);
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(resumed.step_losses[i], full.step_losses[4 + i]) << "step " << 4 + i << " packing " << packing;
    ASSERT_EQ(resumed.val_losses.size(), 2u);
    EXPECT_EQ(resumed.val_losses.back(), full.val_losses.back());
    auto a = load_model(out_a + "/model"), b = load_model(out_b + "/model");
    EXPECT_EQ(0, std::memcmp(a->params(), b->params(), a->n_param_floats() * sizeof(float)));
    EXPECT_TRUE(fs::exists(out_b + "/model/tokenizer.json"));
  }
}

// Pretraining text as token shards in `dir` (train-000.bin), for replay.
std::string replay_shards(const std::string& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  data::TokenShardWriter w(dir + "/train-000.bin", tok().vocab_size(), tok().bos_id());
  const char* docs[] = {"the model reads tokens and the cat sat on the mat",
                        "a cat sat on the mat; the model reads the mat",
                        "tokens on the mat: the cat reads the model"};
  for (int i = 0; i < 12; ++i) w.add_document(tok().encode_ordinary(docs[i % 3]));
  w.commit();
  return dir;
}

// Mean next-token loss of `model_dir` on the first windows of the replay text.
double replay_text_loss(const std::string& model_dir, const std::string& shards, int seq) {
  auto m = load_model(model_dir);
  DataLoader loader(find_shards(shards, "train"), seq, true, 1);
  std::vector<int32_t> in, tg;
  loader.first_windows(4, in, tg);
  m->forward(in.data(), 4, seq);
  return cross_entropy_eval(*m, tg.data(), nullptr) / double(tg.size());
}

// Replay mixes rows of pretraining text into every micro-batch: the fine-tuned
// model keeps (here: learns) that text, and a resumed run continues bitwise,
// replay position included, packed and padded.
TEST(SftTraining, ReplayTrainsOnPretrainingTextAndResumesBitwise) {
  const int seq = 32;
  const std::string model = base_model_dir(seq);
  const std::string shards = replay_shards(testing::temp_dir("sft/replay_shards"));
  std::vector<std::string> lines;
  for (int i = 0; i < 3; ++i)
    for (const Qa& q : kChats) lines.push_back(chat_json(q));
  const std::string data = write_jsonl("replay.jsonl", lines);
  Distributed dist;
  const std::string plain = testing::temp_dir("sft/replay_none");
  fs::remove_all(plain);
  SftConfig base = learn_config(model, data, plain);
  base.steps = 30;
  run_sft(base, dist);
  for (bool packing : {true, false}) {
    const std::string out_a = testing::temp_dir("sft/replay_a"), out_b = testing::temp_dir("sft/replay_b");
    fs::remove_all(out_a);
    fs::remove_all(out_b);
    SftConfig ca = base;
    ca.out_dir = out_a;
    ca.packing = packing;
    ca.replay_data = shards;
    ca.replay_rows = 2;
    ca.replay_weight = 0.5;
    ca.checkpoint_every = 15;
    SftSummary full = run_sft(ca, dist);
    ASSERT_EQ(full.step_losses.size(), 30u);
    if (packing) {
      // 30 steps of replay teach the text; fine-tuning alone does not.
      const double with = replay_text_loss(out_a + "/model", shards, seq);
      const double without = replay_text_loss(plain + "/model", shards, seq);
      EXPECT_LT(with, 0.6 * without) << "replay text loss with replay " << with << ", without " << without;
    }

    fs::create_directories(out_b + "/checkpoints");
    fs::copy(out_a + "/checkpoints/step_00000015", out_b + "/checkpoints/step_00000015",
             fs::copy_options::recursive);
    std::ofstream(out_b + "/checkpoints/latest") << "step_00000015\n";
    SftConfig cb = ca;
    cb.out_dir = out_b;
    cb.resume = true;
    SftSummary resumed = run_sft(cb, dist);
    ASSERT_EQ(resumed.step_losses.size(), 15u);
    for (int i = 0; i < 15; ++i)
      EXPECT_EQ(resumed.step_losses[i], full.step_losses[15 + i]) << "step " << 15 + i << " packing " << packing;
    auto a = load_model(out_a + "/model"), b = load_model(out_b + "/model");
    EXPECT_EQ(0, std::memcmp(a->params(), b->params(), a->n_param_floats() * sizeof(float)));
  }
  SftConfig bad = base;
  bad.replay_rows = 2;
  EXPECT_THROW(run_sft(bad, dist), Error) << "replay rows without replay data";
}

std::vector<double> metric_losses(const std::string& path) {
  return read_metrics_log(path, {"loss"})["loss"].value;
}

// Data parallelism: two processes with 2 micro-batches each see the rows one process
// with 4 sees, and the step's loss is a mean over all of them, so the runs agree up
// to the order of float sums.
TEST(SftTraining, TwoProcessesEqualOneWithTwiceTheAccumulation) {
  const std::string model = base_model_dir(32);
  std::vector<std::string> lines;
  for (int i = 0; i < 3; ++i)
    for (const Qa& q : kChats) lines.push_back(chat_json(q));
  const std::string data = write_jsonl("mpi.jsonl", lines);
  const std::string bin = std::string(LLMFORGE_BINARY_DIR) + "/llmforge";
  const std::string common = " sft --model " + model + " --train " + data + " --val " + data +
                             " --steps 5 --micro-batch 2 --lr 3e-3 --warmup 1 --eval-every 2"
                             " --log-interval 1000";
  const std::string one = testing::temp_dir("sft/mpi_one"), two = testing::temp_dir("sft/mpi_two");
  fs::remove_all(one);
  fs::remove_all(two);
  ASSERT_EQ(0, std::system((bin + common + " --accum 4 --out " + one + " > " + one + ".log 2>&1").c_str()))
      << "single process run failed; see " << one << ".log";
  const std::string mpirun = "OMP_NUM_THREADS=1 mpirun --allow-run-as-root --oversubscribe -np 2 ";
  ASSERT_EQ(0, std::system((mpirun + bin + common + " --accum 2 --out " + two + " > " + two + ".log 2>&1").c_str()))
      << "mpirun run failed; see " << two << ".log";
  auto a = metric_losses(one + "/metrics.jsonl"), b = metric_losses(two + "/metrics.jsonl");
  ASSERT_EQ(a.size(), 5u);
  ASSERT_EQ(b.size(), 5u);
  EXPECT_LT(a.back(), a.front()) << "the runs must train";
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5 * std::fabs(a[i])) << "step " << i;
  auto ma = load_model(one + "/model"), mb = load_model(two + "/model");
  double max_diff = 0;
  for (size_t i = 0; i < ma->n_param_floats(); ++i)
    max_diff = std::max(max_diff, double(std::fabs(ma->params()[i] - mb->params()[i])));
  EXPECT_LT(max_diff, 1e-4) << "final weights";
}

std::string load_error(const std::vector<std::string>& lines) {
  const std::string path = write_jsonl("bad.jsonl", lines);
  try {
    load_conversations(path, tok(), 1000);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(SftData, MalformedLinesAreErrorsNamingTheLine) {
  const std::string ok = chat_json(kChats[0]);
  struct Case {
    std::string line, expect;
  } cases[] = {
      {"{\"messages\": [", "not valid JSON"},
      {"{\"conversation\": []}", "no \"messages\""},
      {"{\"messages\": []}", "non-empty array"},
      {R"({"messages": [{"role": "robot", "content": "hi"}, {"role": "assistant", "content": "x"}]})",
       "role 'robot'"},
      {R"({"messages": [{"role": "user", "content": 3}, {"role": "assistant", "content": "x"}]})",
       "no string \"content\""},
      {R"({"messages": [{"role": "user", "content": "hi"}]})", "no assistant message"},
  };
  for (const Case& c : cases) {
    std::string err = load_error({ok, "", c.line, ok});
    EXPECT_NE(err.find("bad.jsonl:3:"), std::string::npos) << err;
    EXPECT_NE(err.find(c.expect), std::string::npos) << err;
  }
  // Extra keys are ignored, blank lines skipped, too-long conversations dropped and counted.
  const std::string path = write_jsonl("good.jsonl", {ok, "", chat_json(kChats[2])});
  SftConversationSet set = load_conversations(path, tok(), 1000);
  ASSERT_EQ(set.conversations.size(), 2u);
  EXPECT_EQ(set.conversations[1].line, 3);
  SftConversationSet shorter =
      load_conversations(path, tok(), long(set.conversations[0].tokens.size()));
  EXPECT_EQ(shorter.conversations.size(), 1u);
  EXPECT_EQ(shorter.dropped_too_long, 1);
}

}  // namespace
}  // namespace llmforge
