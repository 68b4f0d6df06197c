#include "engine/generator.h"

#include <algorithm>

namespace corral::engine {

using Clock = std::chrono::steady_clock;

Status Prefill(model::Context& context, std::span<const int32_t> tokens, int32_t start, int seq,
               model::Batch& batch) {
  const auto n = static_cast<int32_t>(tokens.size());
  const int32_t step = std::max(1, context.options().n_batch_max);
  for (int32_t begin = 0; begin < n; begin += step) {
    const int32_t end = std::min(n, begin + step);
    batch.Clear();
    for (int32_t i = begin; i < end; ++i)
      batch.Add(tokens[static_cast<size_t>(i)], start + i, seq, i == n - 1);
    CORRAL_RETURN_IF_ERROR(context.Decode(batch));
  }
  return Status::Ok();
}

Result<GenerateResult> Generate(model::Context& context, const tokenizer::Tokenizer& tokenizer,
                                sample::Sampler& sampler, std::span<const int32_t> prompt,
                                const GenerateOptions& options, const TextCallback& on_text) {
  const int32_t n_ctx = context.options().n_ctx;
  const auto n_prompt = static_cast<int32_t>(prompt.size());
  if (n_prompt == 0) return Status::InvalidArgument("the prompt is empty (no tokens)");
  if (n_prompt >= n_ctx) {
    return Status::InvalidArgument("the prompt has " + std::to_string(n_prompt) +
                                   " tokens, which does not fit a context of " + std::to_string(n_ctx) +
                                   " (raise num_ctx)");
  }
  GenerateResult result;
  context.ClearSequence(options.seq);
  sampler.Reset();
  for (int32_t id : prompt) sampler.Accept(id);

  model::Batch batch;
  batch.token.reserve(static_cast<size_t>(std::min(n_prompt, context.options().n_batch_max)));
  const Clock::time_point prompt_start = Clock::now();
  CORRAL_RETURN_IF_ERROR(Prefill(context, prompt, 0, options.seq, batch));
  result.prompt_eval_count = n_prompt;
  const Clock::time_point eval_start = Clock::now();
  result.prompt_eval_duration = eval_start - prompt_start;

  tokenizer::StreamingDetokenizer detokenizer(tokenizer);
  int32_t pos = n_prompt;
  result.done_reason = "length";
  while (true) {
    if (options.num_predict >= 0 && result.eval_count >= options.num_predict) break;
    const int32_t id = sampler.Sample(context.Logits(0));
    sampler.Accept(id);
    ++result.eval_count;
    if (tokenizer.IsEndOfGeneration(id)) {
      result.done_reason = "stop";
      break;
    }
    result.tokens.push_back(id);
    const std::string text = detokenizer.Push(id);
    if (!text.empty() && on_text && !on_text(text)) {
      result.done_reason = "stop";
      break;
    }
    if (pos >= n_ctx) break;  // the context is full: nowhere to put this token's keys
    if (options.num_predict >= 0 && result.eval_count >= options.num_predict) break;
    batch.Clear();
    batch.Add(id, pos++, options.seq, true);
    CORRAL_RETURN_IF_ERROR(context.Decode(batch));
  }
  const std::string tail = detokenizer.Flush();
  if (!tail.empty() && on_text) on_text(tail);
  result.eval_duration = Clock::now() - eval_start;
  return result;
}

}  // namespace corral::engine
