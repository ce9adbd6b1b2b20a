// Tool calls: the chat layout with calls and results and its loss mask; parsing what
// the model wrote (malformed calls become error results, never exceptions); the
// result budget; and pause/resume in the engine, which must give exactly the tokens
// of a full recomputation over the conversation with the result appended.
#include <gtest/gtest.h>

#include "core/error.h"
#include "infer/batch_generator.h"
#include "infer/chat_format.h"
#include "infer/tool_calls.h"
#include "infer/tool_turn.h"
#include "reference_generate.h"
#include "tiny_model.h"

namespace llmforge {
namespace {

const Tokenizer& tok() {
  static Tokenizer t = testing::train_tiny_tokenizer();
  return t;
}

std::string decode(const std::vector<int32_t>& ids) {
  return tok().decode(std::vector<uint32_t>(ids.begin(), ids.end()));
}

std::string masked_text(const RenderedChat& r, uint8_t want) {
  std::vector<int32_t> ids;
  for (size_t i = 0; i < r.tokens.size(); ++i)
    if (r.loss_mask[i] == want) ids.push_back(r.tokens[i]);
  return decode(ids);
}

std::vector<ChatMessage> search_conversation() {
  ChatMessage call("assistant", "");
  call.tool_calls.push_back({"call_1", "search", R"({"query": "Kenji Marsh"})"});
  ChatMessage result("tool", "Kenji Marsh was born in Lisbon.");
  result.tool_call_id = "call_1";
  return {{"user", "Where was Kenji Marsh born?"}, call, result, {"assistant", "He was born in Lisbon."}};
}

TEST(ToolChatFormat, CallsAndResultsStayInTheAssistantTurn) {
  RenderedChat r = render_chat(tok(), search_conversation(), false);
  EXPECT_EQ(decode(r.tokens),
            "<|bos|><|user|>Where was Kenji Marsh born?<|end|><|assistant|>"
            "<|tool_call|>{\"arguments\":{\"query\":\"Kenji Marsh\"},\"name\":\"search\"}<|/tool_call|>"
            "<|tool_result|>Kenji Marsh was born in Lisbon.<|/tool_result|>He was born in Lisbon.<|end|>");
  // The model learns to write the call and the answer, never the result.
  EXPECT_EQ(masked_text(r, 1),
            "<|tool_call|>{\"arguments\":{\"query\":\"Kenji Marsh\"},\"name\":\"search\"}<|/tool_call|>"
            "He was born in Lisbon.<|end|>");
  EXPECT_EQ(masked_text(r, 0).find("<|tool_result|>Kenji Marsh was born in Lisbon.<|/tool_result|>") !=
                std::string::npos,
            true);
}

TEST(ToolChatFormat, GenerationPromptAfterAResultContinuesTheTurn) {
  auto msgs = search_conversation();
  msgs.pop_back();
  RenderedChat r = render_chat(tok(), msgs, true);
  EXPECT_EQ(r.tokens.back(), int32_t(*tok().special_token_id("<|/tool_result|>")));
}

TEST(ToolChatFormat, ResultsMustAnswerCalls) {
  EXPECT_THROW(render_chat(tok(), {{"user", "a"}, {"tool", "b"}}, true), Error);
  auto msgs = search_conversation();
  msgs.erase(msgs.begin() + 2);  // the call without its result, then an answer
  try {
    render_chat(tok(), msgs, true);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("before the results"), std::string::npos) << e.what();
  }
}

TEST(ToolCalls, ParsesCallsAndNamesWhatIsWrong) {
  ToolCall c;
  EXPECT_EQ(parse_tool_call(R"({"name":"search","arguments":{"query":"x"}})", c), "");
  EXPECT_EQ(c.name, "search");
  EXPECT_EQ(c.arguments, R"({"query":"x"})");
  EXPECT_EQ(parse_tool_call(R"({"name":"search","arguments":"{\"query\":\"y\"}"})", c), "");  // OpenAI style
  EXPECT_EQ(c.arguments, R"({"query":"y"})");
  EXPECT_EQ(parse_tool_call("{\"name\":\"search\",", c), "the tool call is not valid JSON");
  EXPECT_EQ(parse_tool_call("[1]", c), "the tool call is not a JSON object");
  EXPECT_EQ(parse_tool_call(R"({"arguments":{}})", c), "the tool call has no \"name\"");
  EXPECT_EQ(parse_tool_call(R"({"name":"s","arguments":3})", c), "the tool call's \"arguments\" is not a JSON object");
}

SequenceUpdate update_of(const std::vector<int32_t>& ids, FinishReason finish = FinishReason::kNone) {
  SequenceUpdate u;
  u.tokens = ids;
  u.text = decode(ids);
  u.finish = finish;
  return u;
}

int32_t special(const char* name) { return int32_t(*tok().special_token_id(name)); }

std::vector<int32_t> text_ids(const std::string& s) {
  std::vector<int32_t> out;
  for (uint32_t id : tok().encode(s, AllowedSpecial::as_text())) out.push_back(int32_t(id));
  return out;
}

TEST(ToolCallSession, RunsTheCallHidesItAndCutsTheResult) {
  std::vector<ToolCall> seen;
  ToolRunner runner = [&](const ToolCall& c) {
    seen.push_back(c);
    return ToolOutput{std::string(400, 'a') + " end", {{"Title", "http://u", "snip"}}};
  };
  ToolCallSession s(tok(), runner, ToolSettings{.max_calls = 1, .max_result_tokens = 7});
  EXPECT_EQ(s.observe(update_of(text_ids("Let me look."))), "Let me look.");
  EXPECT_EQ(s.observe(update_of({special("<|tool_call|>")})), "");
  EXPECT_EQ(s.observe(update_of(text_ids(R"({"name":"search","arguments":{"query":"Kenji"}})"))), "");
  EXPECT_EQ(s.observe(update_of({special("<|/tool_call|>")}, FinishReason::kToolCall)), "");
  ToolEvent e;
  std::vector<int32_t> resume = s.run_pending(e);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].arguments, R"({"query":"Kenji"})");
  EXPECT_FALSE(e.error);
  EXPECT_TRUE(e.truncated);
  EXPECT_EQ(e.result_tokens, 7);
  ASSERT_EQ(resume.size(), 9u);
  EXPECT_EQ(resume.front(), special("<|tool_result|>"));
  EXPECT_EQ(resume.back(), special("<|/tool_result|>"));
  EXPECT_EQ(e.hits.size(), 1u);
  EXPECT_EQ(s.observe(update_of(text_ids("Found it."))), "Found it.");

  // A second call in the same turn is over the limit: an error result, not a crash.
  s.observe(update_of({special("<|tool_call|>")}));
  s.observe(update_of(text_ids(R"({"name":"search","arguments":{"query":"x"}})")));
  std::vector<int32_t> second = s.run_pending(e);
  EXPECT_TRUE(e.error);
  EXPECT_EQ(e.result.rfind("error:", 0), 0u) << e.result;  // cut to the budget like any result
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(second.front(), special("<|tool_result|>"));
}

TEST(ToolCallSession, MalformedCallsGetErrorResults) {
  int runs = 0;
  ToolRunner runner = [&](const ToolCall& c) -> ToolOutput {
    ++runs;
    ErrorBuilder("tool") << "unknown tool '" << c.name << "'";
  };
  ToolCallSession s(tok(), runner, ToolSettings{});
  ToolEvent e;
  // A call end without a call start.
  s.run_pending(e);
  EXPECT_TRUE(e.error);
  EXPECT_EQ(e.result, "error: a tool call must start with <|tool_call|>");
  // Not JSON.
  s.observe(update_of({special("<|tool_call|>")}));
  s.observe(update_of(text_ids("search for Kenji")));
  s.run_pending(e);
  EXPECT_EQ(e.result, "error: the tool call is not valid JSON");
  EXPECT_EQ(e.call_text, "search for Kenji");
  // The runner refuses: its message is the result.
  s.observe(update_of({special("<|tool_call|>")}));
  s.observe(update_of(text_ids(R"({"name":"calc","arguments":{}})")));
  s.run_pending(e);
  EXPECT_EQ(runs, 1);
  EXPECT_NE(e.result.find("unknown tool 'calc'"), std::string::npos) << e.result;
  // No runner at all.
  ToolCallSession none(tok(), nullptr, ToolSettings{});
  none.observe(update_of({special("<|tool_call|>")}));
  none.observe(update_of(text_ids(R"({"name":"search","arguments":{}})")));
  none.run_pending(e);
  EXPECT_EQ(e.result, "error: no tools are available");
}

// Pause at a token the model produces, append a result without re-prefilling, and go
// on: the tokens must equal greedy decoding by full recomputation of the whole
// sequence (prompt, output up to the pause, the appended result).
TEST(ToolEngine, ResumeAppendsToTheCacheAndMatchesFullRecomputation) {
  ModelConfig c = testing::tiny_config(int(tok().vocab_size()));
  Model m(c);
  m.init_random(5, 0.2f);
  const std::vector<int32_t> prompt = text_ids("hello world, how are you");
  const std::vector<int32_t> free_run = testing::reference_greedy(m, prompt, 8);
  const int32_t pause = free_run[3];
  const size_t paused_at = size_t(std::find(free_run.begin(), free_run.end(), pause) - free_run.begin());
  const std::vector<int32_t> result = text_ids("the result");

  BatchGenerator g(m, &tok(), 2);
  GenerationRequest r;
  r.prompt = prompt;
  r.sampling.temperature = 0.0;
  r.max_new_tokens = 12;
  r.pause_tokens = {pause};
  const int id = g.add(r);
  std::vector<int32_t> ours;
  int pauses = 0;
  int64_t prefilled_before = 0;
  for (int guard = 0; guard < 100 && g.active() > 0; ++guard) {
    for (const SequenceUpdate& u : g.step()) {
      ours.insert(ours.end(), u.tokens.begin(), u.tokens.end());
      if (u.finish == FinishReason::kToolCall) {
        ++pauses;
        EXPECT_EQ(g.active(), 1);  // the slot is kept
        if (pauses == 1) {
          prefilled_before = g.prefill_tokens();
          g.resume(id, result);
        } else {
          g.cancel(id);
        }
      }
    }
    if (pauses == 1 && prefilled_before > 0) {
      // The resume step prefilled only the pause token and the result.
      if (g.prefill_tokens() != prefilled_before) {
        EXPECT_EQ(g.prefill_tokens() - prefilled_before, int64_t(1 + result.size()));
        prefilled_before = -1;
      }
    }
  }
  ASSERT_GE(pauses, 1);
  ASSERT_GT(ours.size(), paused_at + 1);
  std::vector<int32_t> before(ours.begin(), ours.begin() + std::ptrdiff_t(paused_at + 1));
  EXPECT_EQ(before, std::vector<int32_t>(free_run.begin(), free_run.begin() + std::ptrdiff_t(paused_at + 1)));
  std::vector<int32_t> context = prompt;
  context.insert(context.end(), before.begin(), before.end());
  context.insert(context.end(), result.begin(), result.end());
  std::vector<int32_t> after(ours.begin() + std::ptrdiff_t(paused_at + 1), ours.end());
  std::vector<int32_t> ref = testing::reference_greedy(m, context, int(after.size()));
  EXPECT_EQ(after, ref);
  EXPECT_THROW(g.resume(id, result), Error);  // gone
}

TEST(ToolEngine, ResumeThatOverflowsTheContextFinishesWithLength) {
  ModelConfig c = testing::tiny_config(int(tok().vocab_size()));
  Model m(c);
  m.init_random(5, 0.2f);
  const std::vector<int32_t> prompt = text_ids("hello world");
  const int32_t pause = testing::reference_greedy(m, prompt, 1)[0];
  BatchGenerator g(m, &tok(), 1);
  GenerationRequest r;
  r.prompt = prompt;
  r.sampling.temperature = 0.0;
  r.pause_tokens = {pause};
  const int id = g.add(r);
  auto ups = g.step();
  ASSERT_EQ(ups.size(), 1u);
  ASSERT_EQ(ups[0].finish, FinishReason::kToolCall);
  g.resume(id, std::vector<int32_t>(size_t(g.max_len()), text_ids("a")[0]));
  ups = g.step();
  ASSERT_EQ(ups.size(), 1u);
  EXPECT_EQ(ups[0].finish, FinishReason::kLength);
  EXPECT_EQ(g.active(), 0);
}

}  // namespace
}  // namespace llmforge
