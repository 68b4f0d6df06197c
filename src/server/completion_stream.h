// A completion in flight between two threads: the model's runner pushes text as it is sampled, the HTTP
// connection's thread takes it out and writes it to the client at its own pace. Cancel() (a client gone)
// ends the sequence at the runner's next step and frees its slot.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/runner.h"

namespace corral::server {

class CompletionStream {
 public:
  // Queues the request on the runner. Errors are Submit's (bad request, a full queue).
  static Result<std::shared_ptr<CompletionStream>> Start(engine::Runner& runner, engine::Request request);

  struct Piece {
    std::string text;                            // everything sampled since the last call (maybe empty)
    std::vector<engine::TokenLogprob> logprobs;  // of the tokens since the last call, when asked for
    std::optional<engine::Completion> done;      // set once the sequence has ended (and `text` is its last)
  };
  // Waits until there is text or the end, at most `timeout`.
  Piece Next(std::chrono::milliseconds timeout);
  // Everything, blocking until the end.
  Piece Drain();
  void Cancel();

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::string pending_;
  std::vector<engine::TokenLogprob> pending_logprobs_;
  std::shared_ptr<engine::Sequence> sequence_;
};

}  // namespace corral::server
