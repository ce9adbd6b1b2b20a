// The scheduler: one thread that owns the model's BatchGenerator and serves every
// request through it. HTTP handler threads submit() a job and wait on it; the
// scheduler moves queued jobs into free slots, runs one batched step for all active
// sequences, and hands each job its new text. Several requests thus share each pass
// over the weights, and the model is only ever touched by this one thread.
//
// Jobs are shared between a handler thread and the scheduler (shared_ptr); a
// handler whose client went away sets `cancelled`, and the scheduler frees the slot
// at its next step.
//
// Tool calls (chat jobs): generation pauses at the end of a call. A job whose client
// sent "tools" ends there with the call (finish "tool_calls"); otherwise the server
// runs the call itself (its search tool, or an error result when it has none) and
// the sequence resumes on the same cache. A call the model garbled always gets an
// error result in the context and generation goes on.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "infer/batch_generator.h"
#include "infer/tool_calls.h"

namespace llmforge::serve {

struct JobTools {
  bool enabled = false;     // chat jobs: pause at tool calls
  bool client = false;      // the client runs its tools: end the job at a valid call
  bool force_call = false;  // the prompt ends with <|tool_call|> (tool_choice required)
};

class Job {
 public:
  explicit Job(GenerationRequest r, JobTools t = {}) : request(std::move(r)), tools(t) {}
  const GenerationRequest request;
  const JobTools tools;
  std::atomic<bool> cancelled{false};

  // The calls that ended the job (finish "tool_calls"), for the client to run.
  std::vector<ToolCall> tool_calls() const;
  // Calls the server ran (or answered with an error) since the last take.
  std::vector<ToolEvent> take_events();

  // Waits up to `timeout` for news; appends the text pieces released so far to `out`
  // (one per generation step that released text: streams send one event each, as
  // OpenAI sends one per token). Returns true once the job has finished (then
  // `finish` and the counts are final).
  bool wait_take(std::vector<std::string>& out, std::chrono::milliseconds timeout);
  std::string finish_reason() const;
  std::string error() const;  // non-empty when the job failed
  int error_status() const;
  int prompt_tokens() const;
  int completion_tokens() const;

  // Scheduler side.
  void push(const std::string& text, int prompt_tokens, int completion_tokens);
  void finish(const std::string& reason);
  void fail(int status, const std::string& message);
  void push_event(ToolEvent event);
  void finish_with_calls(std::vector<ToolCall> calls);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> pieces_;
  std::vector<ToolEvent> events_;
  std::vector<ToolCall> calls_;
  bool done_ = false;
  std::string finish_, error_;
  int error_status_ = 0, prompt_tokens_ = 0, completion_tokens_ = 0;
};

struct SchedulerOptions {
  int max_batch = 32;  // sequences decoded together
  int max_queue = 64;  // jobs waiting for a slot; more get 503
  int max_len = 0;     // context per sequence (0: the model's)
  ToolRunner search;   // the server's own tool (serve --index); empty: none
  ToolSettings tools;
  WeightType weights = WeightType::kF32;  // inference weight storage (infer/weight_store.h)
};

struct SchedulerStats {
  int queued = 0;
  int active = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double tokens_per_second = 0.0;  // generated tokens, over the last 10 s
};

class Scheduler {
 public:
  Scheduler(const Model& model, const Tokenizer& tok, SchedulerOptions options);
  ~Scheduler();  // stop()s

  // Queues a job. Returns nullptr when the queue is full (the caller answers 503).
  std::shared_ptr<Job> submit(GenerationRequest request, JobTools tools = {});
  SchedulerStats stats() const;
  int max_len() const { return generator_.max_len(); }
  // Fails every waiting and running job and joins the thread. Idempotent.
  void stop();

 private:
  void loop();
  void record_tokens(int n);

  // An update of a running job; false when the job is over (then erased).
  bool deliver(SequenceUpdate& u, Job& job);
  void forget(int id);

  SchedulerOptions options_;
  const Tokenizer& tok_;
  BatchGenerator generator_;  // touched by the scheduler thread only
  std::map<int, std::shared_ptr<Job>> running_;
  std::map<int, std::unique_ptr<ToolCallSession>> sessions_;  // chat jobs with tools
  int64_t next_call_id_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stop_ = false;
  std::atomic<int> active_{0};
  std::atomic<int64_t> prompt_total_{0}, completion_total_{0};
  mutable std::mutex rate_mu_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, int>> recent_;
  std::thread thread_;
};

}  // namespace llmforge::serve
