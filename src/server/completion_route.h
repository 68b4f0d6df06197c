// The part of every generating route that is the same: lease the model, submit the prompt, and either
// stream chunks as text arrives (NDJSON or SSE, through an httplib chunked provider, cancelling the sequence
// when the client goes away) or wait and answer once. The route supplies how a chunk and the end look.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sample/grammar/grammar.h"
#include "sched/scheduler.h"
#include "server/completion_stream.h"
#include "server/generation_options.h"

namespace corral::server {

struct CompletionJob {
  sched::Scheduler::Lease lease;
  std::vector<int32_t> prompt;
  GenerationOptions options;
  std::shared_ptr<const sample::grammar::Grammar> grammar;  // format / response_format
  bool logprobs = false;
  int32_t top_logprobs = 0;
  // A prompt too long for the context is cut as Ollama cuts it (Ollama's `truncate`, default true); false:
  // it is refused.
  bool truncate = true;
  // What the request asks of the model, for Ollama's capability error ("... does not support chat").
  std::string capability = "generate";
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

struct CompletionFormat {
  std::string content_type;  // of the streamed body
  // The body text of one streamed piece (a line or an SSE frame); empty: write nothing.
  std::function<std::string(const std::string& text, const std::vector<engine::TokenLogprob>& logprobs)>
      chunk;
  // The body text that ends the stream (final object, usage, [DONE]).
  std::function<std::string(const engine::Completion& done, const CompletionJob& job)> end;
  // The one answer when not streaming: the whole text and how it ended.
  std::function<void(httplib::Response& res, const std::string& text, const engine::Completion& done,
                     const CompletionJob& job)>
      whole;
  // Sends an error (Ollama's or OpenAI's shape).
  std::function<void(httplib::Response& res, const Status& status)> error;
};

// Submits the job and answers `res` (streamed when `stream`).
void RunCompletion(std::shared_ptr<CompletionJob> job, bool stream, CompletionFormat format,
                   httplib::Response& res);

}  // namespace corral::server
