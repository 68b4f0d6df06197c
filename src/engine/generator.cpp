#include "engine/generator.h"

#include <algorithm>

#include "engine/stop_matcher.h"
#include "sample/logprobs.h"

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

sample::grammar::TokenTrie MakeTokenTrie(const tokenizer::Tokenizer& tokenizer) {
  std::vector<std::string> pieces(static_cast<size_t>(tokenizer.n_vocab()));
  for (int32_t id = 0; id < tokenizer.n_vocab(); ++id) pieces[static_cast<size_t>(id)] = tokenizer.Piece(id);
  const std::span<const int32_t> eog = tokenizer.EndOfGenerationIds();
  return sample::grammar::TokenTrie(pieces, std::vector<int32_t>(eog.begin(), eog.end()));
}

TokenLogprob MakeLogprob(const tokenizer::Tokenizer& tokenizer, std::span<const float> logits, int32_t id,
                         int32_t top_n) {
  const sample::StepLogprobs step = sample::ComputeLogprobs(logits, id, top_n);
  TokenLogprob out{id, std::string(tokenizer.Piece(id)), step.chosen.logprob, {}};
  for (const sample::TokenLogprob& alt : step.top)
    out.top_logprobs.push_back({alt.id, std::string(tokenizer.Piece(alt.id)), alt.logprob, {}});
  return out;
}

Result<GenerateResult> Generate(model::Context& context, const tokenizer::Tokenizer& tokenizer,
                                sample::Sampler& sampler, std::span<const int32_t> prompt,
                                const GenerateOptions& options, const TextCallback& on_text) {
  if (context.options().embeddings || context.model().config().is_embedding_only()) {
    return Status::InvalidArgument("generate: the model '" +
                                   std::string(model::ArchName(context.model().config().arch)) +
                                   "' in this context gives embeddings only; it cannot generate text");
  }
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
  StopMatcher stops(options.stop);
  sample::TokenMask mask;
  bool callback_stopped = false;
  auto emit = [&](const std::string& text) {
    const std::string shown = stops.empty() ? text : stops.Push(text);
    if (!shown.empty() && on_text && !on_text(shown)) callback_stopped = true;
  };
  int32_t pos = n_prompt;
  result.done_reason = "length";
  while (true) {
    if (options.num_predict >= 0 && result.eval_count >= options.num_predict) break;
    const std::span<const float> logits = context.Logits(0);
    const sample::TokenMask* allowed = nullptr;
    if (options.grammar != nullptr) {
      options.grammar->FillMask(mask);
      if (!mask.any()) {
        // No token can continue the grammar (nor end it): the output so far is all it allows.
        result.done_reason = "stop";
        break;
      }
      allowed = &mask;
    }
    const int32_t id = sampler.Sample(logits, allowed);
    sampler.Accept(id);
    ++result.eval_count;
    if (options.logprobs) result.logprobs.push_back(MakeLogprob(tokenizer, logits, id, options.top_logprobs));
    if (tokenizer.IsEndOfGeneration(id)) {
      result.done_reason = "stop";
      break;
    }
    if (options.grammar != nullptr) options.grammar->Accept(id);
    result.tokens.push_back(id);
    emit(detokenizer.Push(id));
    if (callback_stopped || stops.stopped() || (options.grammar != nullptr && options.grammar->complete())) {
      result.done_reason = "stop";
      break;
    }
    if (pos >= n_ctx) break;  // the context is full: nowhere to put this token's keys
    if (options.num_predict >= 0 && result.eval_count >= options.num_predict) break;
    batch.Clear();
    batch.Add(id, pos++, options.seq, true);
    CORRAL_RETURN_IF_ERROR(context.Decode(batch));
  }
  if (!stops.stopped() && !callback_stopped) {
    emit(detokenizer.Flush());
    if (!stops.stopped()) {
      const std::string held = stops.Flush();
      if (!held.empty() && on_text && !callback_stopped) on_text(held);
    }
  }
  if (stops.stopped()) result.done_reason = "stop";
  result.eval_duration = Clock::now() - eval_start;
  return result;
}

}  // namespace corral::engine
