#include "server/completion_stream.h"

namespace corral::server {

Result<std::shared_ptr<CompletionStream>> CompletionStream::Start(engine::Runner& runner,
                                                                  engine::Request request) {
  auto stream = std::make_shared<CompletionStream>();
  // The callback holds only a weak reference: a connection that gave up must not keep the stream alive.
  std::weak_ptr<CompletionStream> weak = stream;
  CORRAL_ASSIGN_OR_RETURN(std::shared_ptr<engine::Sequence> sequence,
                          runner.Submit(std::move(request), [weak](const engine::TokenEvent& event) {
                            std::shared_ptr<CompletionStream> s = weak.lock();
                            if (!s) return false;
                            {
                              std::lock_guard lock(s->mutex_);
                              s->pending_.append(event.text);
                              if (event.logprob != nullptr) s->pending_logprobs_.push_back(*event.logprob);
                            }
                            s->ready_.notify_all();
                            return true;
                          }));
  stream->sequence_ = std::move(sequence);
  return stream;
}

CompletionStream::Piece CompletionStream::Next(std::chrono::milliseconds timeout) {
  Piece piece;
  // The Sequence has no callback of its own on completion; poll it at the wait's end.
  {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, timeout, [&] { return !pending_.empty() || !pending_logprobs_.empty(); });
  }
  piece.done = sequence_->TryGet();
  std::lock_guard lock(mutex_);
  piece.text.swap(pending_);
  piece.logprobs.swap(pending_logprobs_);
  return piece;
}

CompletionStream::Piece CompletionStream::Drain() {
  Piece piece;
  piece.done = sequence_->Wait();
  std::lock_guard lock(mutex_);
  piece.text.swap(pending_);
  piece.logprobs.swap(pending_logprobs_);
  return piece;
}

void CompletionStream::Cancel() {
  sequence_->Cancel();
}

}  // namespace corral::server
