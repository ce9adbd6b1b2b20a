#include "serve/scheduler.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "core/error.h"
#include "core/log.h"

namespace llmforge::serve {

using Clock = std::chrono::steady_clock;

bool Job::wait_take(std::vector<std::string>& out, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait_for(lk, timeout, [&] { return done_ || !pieces_.empty() || !events_.empty(); });
  for (std::string& p : pieces_) out.push_back(std::move(p));
  pieces_.clear();
  return done_;
}

std::string Job::finish_reason() const {
  std::lock_guard<std::mutex> lk(mu_);
  return finish_;
}
std::string Job::error() const {
  std::lock_guard<std::mutex> lk(mu_);
  return error_;
}
int Job::error_status() const {
  std::lock_guard<std::mutex> lk(mu_);
  return error_status_;
}
int Job::prompt_tokens() const {
  std::lock_guard<std::mutex> lk(mu_);
  return prompt_tokens_;
}
int Job::completion_tokens() const {
  std::lock_guard<std::mutex> lk(mu_);
  return completion_tokens_;
}

std::vector<ToolCall> Job::tool_calls() const {
  std::lock_guard<std::mutex> lk(mu_);
  return calls_;
}

std::vector<ToolEvent> Job::take_events() {
  std::lock_guard<std::mutex> lk(mu_);
  return std::exchange(events_, {});
}

void Job::push_event(ToolEvent event) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    events_.push_back(std::move(event));
  }
  cv_.notify_all();
}

void Job::finish_with_calls(std::vector<ToolCall> calls) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    calls_ = std::move(calls);
    done_ = true;
    finish_ = "tool_calls";
  }
  cv_.notify_all();
}

void Job::push(const std::string& text, int prompt_tokens, int completion_tokens) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!text.empty()) pieces_.push_back(text);
    prompt_tokens_ = prompt_tokens;
    completion_tokens_ = completion_tokens;
  }
  cv_.notify_all();
}

void Job::finish(const std::string& reason) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    done_ = true;
    finish_ = reason;
  }
  cv_.notify_all();
}

void Job::fail(int status, const std::string& message) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    done_ = true;
    error_ = message;
    error_status_ = status;
  }
  cv_.notify_all();
}

namespace {

// The KV cache is allocated up front for max_batch sequences of the full context.
const SchedulerOptions& checked(const Model& model, const SchedulerOptions& o) {
  const ModelConfig& c = model.config();
  const int64_t ctx = o.max_len > 0 ? std::min(o.max_len, c.max_seq_len) : c.max_seq_len;
  check_kv_cache_fits(c, std::max(1, o.max_batch), ctx, "pass a smaller --context or --max-batch");
  return o;
}

}  // namespace

Scheduler::Scheduler(const Model& model, const Tokenizer& tok, SchedulerOptions options)
    : options_(checked(model, options)),
      tok_(tok),
      generator_(model, &tok, options.max_batch, options.max_len, options.weights) {
  thread_ = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<Job> Scheduler::submit(GenerationRequest request, JobTools tools) {
  auto job = std::make_shared<Job>(std::move(request), tools);
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stop_ || int(queue_.size()) >= options_.max_queue) return nullptr;
    queue_.push_back(job);
  }
  cv_.notify_all();
  return job;
}

SchedulerStats Scheduler::stats() const {
  SchedulerStats s;
  {
    std::lock_guard<std::mutex> lk(mu_);
    s.queued = int(queue_.size());
  }
  s.active = active_.load();
  s.prompt_tokens = prompt_total_.load();
  s.completion_tokens = completion_total_.load();
  std::lock_guard<std::mutex> lk(rate_mu_);
  const auto now = Clock::now();
  int64_t n = 0;
  for (auto& [t, c] : recent_)
    if (now - t <= std::chrono::seconds(10)) n += c;
  s.tokens_per_second = double(n) / 10.0;
  return s;
}

void Scheduler::record_tokens(int n) {
  std::lock_guard<std::mutex> lk(rate_mu_);
  const auto now = Clock::now();
  recent_.emplace_back(now, n);
  while (!recent_.empty() && now - recent_.front().first > std::chrono::seconds(10))
    recent_.pop_front();
}

void Scheduler::forget(int id) {
  running_.erase(id);
  sessions_.erase(id);
}

bool Scheduler::deliver(SequenceUpdate& u, Job& job) {
  auto s = sessions_.find(u.id);
  ToolCallSession* session = s == sessions_.end() ? nullptr : s->second.get();
  job.push(session ? session->observe(u) : u.text, u.prompt_tokens, u.completion_tokens);
  if (u.finish == FinishReason::kToolCall && session) {
    ToolCall call;
    if (job.tools.client && session->parse_pending(call).empty()) {
      call.id = "call_" + std::to_string(next_call_id_++);
      generator_.cancel(u.id);
      job.finish_with_calls({std::move(call)});
      return false;
    }
    ToolEvent event;
    std::vector<int32_t> result = session->run_pending(event);
    job.push_event(std::move(event));
    generator_.resume(u.id, result);
    return true;
  }
  if (u.finish != FinishReason::kNone) {
    job.finish(finish_reason_name(u.finish));
    return false;
  }
  return true;
}

void Scheduler::loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !queue_.empty() || !running_.empty(); });
      if (stop_) break;
      while (!queue_.empty() && generator_.has_free_slot()) {
        std::shared_ptr<Job> job = queue_.front();
        queue_.pop_front();
        if (job->cancelled) {
          job->finish("cancelled");
          continue;
        }
        try {
          GenerationRequest r = job->request;
          std::unique_ptr<ToolCallSession> session;
          if (job->tools.enabled) {
            session = std::make_unique<ToolCallSession>(tok_, job->tools.client ? ToolRunner() : options_.search,
                                                        options_.tools);
            r.pause_tokens.push_back(session->pause_token());
            if (job->tools.force_call) session->begin_call();
          }
          const int id = generator_.add(std::move(r));
          running_[id] = job;
          if (session) sessions_[id] = std::move(session);
        } catch (const Error& e) {
          job->fail(400, e.what());
        }
      }
    }
    for (auto it = running_.begin(); it != running_.end();) {
      if (it->second->cancelled) {
        generator_.cancel(it->first);
        it->second->finish("cancelled");
        sessions_.erase(it->first);
        it = running_.erase(it);
      } else {
        ++it;
      }
    }
    active_ = int(running_.size());
    if (running_.empty()) continue;
    std::vector<SequenceUpdate> updates;
    try {
      updates = generator_.step();
    } catch (const std::exception& e) {
      // Should not happen (requests are checked on entry); fail the batch rather than
      // the server, and free every slot so the next requests start clean.
      LLMF_LOG(Error) << "[serve] generation step failed: " << e.what();
      for (auto& [id, job] : running_) {
        generator_.cancel(id);
        job->fail(500, std::string("generation failed: ") + e.what());
      }
      running_.clear();
      sessions_.clear();
      continue;
    }
    int produced = 0;
    for (SequenceUpdate& u : updates) {
      auto it = running_.find(u.id);
      if (it == running_.end()) continue;
      produced += int(u.tokens.size());
      if (u.completion_tokens == int(u.tokens.size())) prompt_total_ += u.prompt_tokens;
      if (!deliver(u, *it->second)) forget(u.id);
    }
    completion_total_ += produced;
    record_tokens(produced);
    active_ = int(running_.size());
  }
  std::lock_guard<std::mutex> lk(mu_);
  for (auto& job : queue_) job->fail(503, "server is shutting down");
  queue_.clear();
  for (auto& [id, job] : running_) job->fail(503, "server is shutting down");
  running_.clear();
}

}  // namespace llmforge::serve
