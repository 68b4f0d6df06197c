// The Runner serves many completions of one loaded model at once by continuous batching: every forward pass
// carries the next token of each sequence that is decoding plus chunks of the prompts still being read, so
// the weights are streamed from memory once per step for all of them, and a request that arrives mid-stream
// joins at the next step instead of waiting for the others to finish.
//
//   CORRAL_ASSIGN_OR_RETURN(auto runner, Runner::Create(model, tokenizer, {.num_ctx = 4096, .n_parallel =
//   4})); Request request{.prompt = ids, .num_predict = 128}; CORRAL_ASSIGN_OR_RETURN(auto handle,
//   runner->Submit(std::move(request), [](const TokenEvent& event) {
//     Send(event.text);   // runs on the runner's thread: hand the text off, never block here
//     return true;        // false ends this sequence (done_reason "stop")
//   }));
//   Completion done = handle->Wait();
//
// Each of the n_parallel slots is one sequence of the model Context. A finished sequence leaves its keys and
// values in its slot: the next request is placed in the free slot whose cached tokens share the longest
// prefix with its prompt, and only the rest of the prompt is evaluated (a chat resends the whole
// conversation every turn). Requests beyond the free slots wait in a queue of bounded length, first come
// first served.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "engine/generator.h"
#include "model/context.h"
#include "model/model.h"
#include "sample/grammar/matcher.h"
#include "sample/sampler.h"
#include "tokenizer/tokenizer.h"

namespace corral::engine {

struct RunnerOptions {
  int num_ctx = 4096;   // positions per sequence (Ollama's num_ctx)
  int n_parallel = 4;   // sequences decoded together (Ollama's OLLAMA_NUM_PARALLEL)
  int n_batch = 512;    // tokens per forward pass: one per decoding sequence plus prompt chunks
  int n_threads = 0;    // 0: one per hardware thread
  int max_queue = 512;  // requests waiting for a slot (Ollama's OLLAMA_MAX_QUEUE); beyond it Submit fails
  bool two_pass_attention = true;  // model::ContextOptions
};

struct Request {
  std::vector<int32_t> prompt = {};  // token ids, at least one, fewer than num_ctx
  sample::SamplerOptions sampling = {};
  // Tokens to generate; a negative value runs until the context of the sequence is full.
  int32_t num_predict = -1;
  // Ollama's stop strings: the text ends before the first one found (and it is never shown, even in part).
  std::vector<std::string> stop = {};
  // Constrains the output (format json, a JSON schema, GBNF); the sequence ends when the grammar is complete.
  std::shared_ptr<const sample::grammar::Grammar> grammar = nullptr;
  bool logprobs = false;     // fill Completion::logprobs and TokenEvent::logprob
  int32_t top_logprobs = 0;  // alternatives per token
};

// One generated token, as it is sampled. `text` is whole UTF-8 (possibly empty while a character is split
// over tokens); it stays valid only during the callback. A last event with id -1 carries text held back at
// the end (an unfinished character, as U+FFFD).
struct TokenEvent {
  int32_t id;
  std::string_view text;
  const TokenLogprob* logprob = nullptr;  // this token's, when the request asked for logprobs
};

// How a sequence ended, with Ollama's counters.
struct Completion {
  Status status;                // not ok when the forward pass failed; the fields below say how far it got
  std::vector<int32_t> tokens;  // generated ids, the end-of-generation token excluded
  // "stop": an end-of-generation token or the callback; "length": num_predict or a full context;
  // "cancel": Cancel() or the runner shutting down.
  std::string done_reason;
  int32_t prompt_tokens = 0;      // the whole prompt
  int32_t prompt_eval_count = 0;  // prompt tokens evaluated (the rest came from the slot's cache)
  std::chrono::nanoseconds queue_duration{0};  // submitted → given a slot
  std::chrono::nanoseconds prompt_eval_duration{0};
  int32_t eval_count = 0;  // tokens sampled, the end-of-generation token included
  std::chrono::nanoseconds eval_duration{0};
  std::vector<TokenLogprob> logprobs;  // per generated token, when asked for
};

// Called on the runner thread for every sampled token; returning false ends the sequence.
using TokenCallback = std::function<bool(const TokenEvent&)>;

class Runner;

// A submitted request. Thread-safe; keeps nothing of the runner alive.
class Sequence {
 public:
  // Asks the runner to end the sequence at its next step (done_reason "cancel"); the slot is freed then.
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  // Blocks until the sequence has ended.
  Completion Wait();
  // The completion once the sequence has ended, without blocking.
  std::optional<Completion> TryGet();

 private:
  friend class Runner;
  void Finish(Completion completion);

  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::condition_variable done_cv_;
  std::optional<Completion> completion_;
};

struct RunnerStats {
  int running = 0;  // sequences holding a slot
  int waiting = 0;  // requests in the queue
};

class Runner {
 public:
  // Starts the runner thread. The model and tokenizer must outlive the Runner.
  static Result<std::unique_ptr<Runner>> Create(const model::Model& model,
                                                const tokenizer::Tokenizer& tokenizer,
                                                const RunnerOptions& options);
  // Ends every sequence (done_reason "cancel") and joins the thread.
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Queues a request. Errors: InvalidArgument (empty prompt, a prompt that does not fit num_ctx, bad
  // sampler options), Unavailable when the queue is full or the runner is shutting down.
  Result<std::shared_ptr<Sequence>> Submit(Request request, TokenCallback on_token);

  RunnerStats stats() const;
  const RunnerOptions& options() const { return options_; }
  // The model context's memory (KV cache and scratch), for `ps`-style reports.
  size_t context_bytes() const { return context_->memory_bytes(); }

 private:
  struct Pending;
  struct Slot;

  Runner(const tokenizer::Tokenizer& tokenizer, const RunnerOptions& options,
         std::unique_ptr<model::Context> context);
  void Loop();
  void Admit(std::unique_lock<std::mutex>& lock);
  void Start(Slot& slot, std::unique_ptr<Pending> pending);
  void Step();
  void Sample(Slot& slot, int output);
  void End(Slot& slot, std::string done_reason, Status status = Status::Ok());
  // Passes text (and a token's logprob) through the slot's stop strings to its callback; false: stop.
  bool Emit(Slot& slot, int32_t id, const std::string& text, const TokenLogprob* logprob);

  const tokenizer::Tokenizer& tokenizer_;
  const RunnerOptions options_;
  std::unique_ptr<model::Context> context_;
  std::vector<Slot> slots_;
  model::Batch batch_;
  std::vector<int> batch_outputs_;  // per slot: its row of logits in the last step, or -1
  size_t prefill_turn_ = 0;         // the slot first in line for prompt room in the next step
  std::unique_ptr<sample::grammar::TokenTrie> token_trie_;  // built for the first grammar request

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Pending>> queue_;
  int running_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace corral::engine
