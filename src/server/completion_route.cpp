#include "server/completion_route.h"

#include "engine/prompt.h"

namespace corral::server {

void RunCompletion(std::shared_ptr<CompletionJob> job, bool stream, CompletionFormat format,
                   httplib::Response& res) {
  if (job->truncate) {
    const sched::LoadedModel& model = job->lease->model();
    job->prompt = engine::TruncatePrompt(std::move(job->prompt), model.num_ctx(), job->options.num_keep,
                                         model.tokenizer().add_bos());
  }
  engine::Request request;
  request.prompt = job->prompt;
  request.sampling = job->options.sampling;
  request.num_predict = job->options.num_predict;
  request.stop = job->options.stop;
  request.grammar = job->grammar;
  request.logprobs = job->logprobs;
  request.top_logprobs = job->top_logprobs;
  engine::Runner* runner = job->lease->model().runner();
  if (runner == nullptr) {
    // Ollama's answer for an embedding model asked to generate (its capability check).
    format.error(res, Status::InvalidArgument("\"" + job->lease->model().spec().name +
                                              "\" does not support " + job->capability));
    return;
  }
  Result<std::shared_ptr<CompletionStream>> started = CompletionStream::Start(*runner, request);
  if (!started.ok()) {
    format.error(res, started.status());
    return;
  }
  std::shared_ptr<CompletionStream> completion = *started;
  if (!stream) {
    const CompletionStream::Piece all = completion->Drain();
    if (!all.done->status.ok()) {
      format.error(res, all.done->status);
      return;
    }
    format.whole(res, all.text, *all.done, *job);
    return;
  }
  auto finished = std::make_shared<bool>(false);
  res.set_chunked_content_provider(
      format.content_type,
      [job, completion, format, finished](size_t, httplib::DataSink& sink) {
        // Short waits: the end of a sequence that writes no more text is noticed by polling.
        const CompletionStream::Piece piece = completion->Next(std::chrono::milliseconds(10));
        if (!piece.text.empty() || !piece.logprobs.empty()) {
          const std::string body = format.chunk(piece.text, piece.logprobs);
          if (!body.empty() && !sink.write(body.data(), body.size())) return false;
        }
        if (piece.done) {
          const std::string body = format.end(*piece.done, *job);
          if (!body.empty() && !sink.write(body.data(), body.size())) return false;
          *finished = true;
          sink.done();
        }
        return true;
      },
      [completion, finished](bool success) {
        // The client went away (or the write failed): free the sequence's slot now.
        if (!success || !*finished) completion->Cancel();
      });
}

}  // namespace corral::server
