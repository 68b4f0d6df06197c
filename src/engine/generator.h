// One sequence from prompt to finished completion on a model Context: the prompt is evaluated in batches
// (the matrix-matrix path), then tokens are sampled and decoded one at a time until an end-of-generation
// token, a stop string, the end of a grammar, the num_predict limit or the end of the context. Text is
// streamed through a callback as soon as it is whole UTF-8 and can no longer be part of a stop string.
//
//   GenerateOptions options{.num_predict = 128, .stop = {"\n\n"}};
//   CORRAL_ASSIGN_OR_RETURN(GenerateResult result,
//       Generate(context, tokenizer, sampler, prompt_ids, options, [](std::string_view text) {
//         std::fputs(std::string(text).c_str(), stdout);
//         return true;  // false stops early (done_reason "stop")
//       }));
//
// This is the single-sequence path `corral run` uses in-process; the server's Runner batches many.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/context.h"
#include "sample/grammar/matcher.h"
#include "sample/sampler.h"
#include "tokenizer/tokenizer.h"

namespace corral::engine {

// One generated token's log-probability and the most likely alternatives at that step (Ollama's
// logprobs[i] / top_logprobs, OpenAI's choices[].logprobs.content[i]): log-softmax of the raw logits.
struct TokenLogprob {
  int32_t id = -1;
  std::string token;  // its text (bytes; may be part of a UTF-8 character)
  float logprob = 0;
  std::vector<TokenLogprob> top_logprobs;
};

struct GenerateOptions {
  // Ollama's num_predict: tokens to generate; -1 until the context is full, -2 likewise (corral does not
  // shift the context, so both stop when it is full, with done_reason "length" as Ollama reports it).
  int32_t num_predict = -1;
  int seq = 0;                         // the Context's sequence to use (cleared first)
  std::vector<std::string> stop = {};  // Ollama's stop strings: the text ends before the first one found
  bool logprobs = false;               // fill GenerateResult::logprobs
  int32_t top_logprobs = 0;            // alternatives per token (Ollama allows 0-20)
  // Constrains the output (format json / a schema / a GBNF grammar); generation ends when it is complete.
  sample::grammar::Matcher* grammar = nullptr;
};

// Ollama's timing fields (api.Metrics), measured here.
struct GenerateResult {
  std::vector<int32_t> tokens;  // generated ids, the end-of-generation token excluded
  // "stop" (end of generation, a stop string, a complete grammar, the callback), "length" (num_predict or
  // the context is full)
  std::string done_reason;
  std::vector<TokenLogprob> logprobs;  // per generated token, when asked for
  int32_t prompt_eval_count = 0;
  std::chrono::nanoseconds prompt_eval_duration{0};
  int32_t eval_count = 0;
  std::chrono::nanoseconds eval_duration{0};
};

using TextCallback = std::function<bool(std::string_view text)>;

// Errors: InvalidArgument for an empty prompt or one longer than the context; errors of Decode.
Result<GenerateResult> Generate(model::Context& context, const tokenizer::Tokenizer& tokenizer,
                                sample::Sampler& sampler, std::span<const int32_t> prompt,
                                const GenerateOptions& options, const TextCallback& on_text);

// Evaluates `tokens` into sequence `seq` starting at position `start`, in batches of the context's
// n_batch_max; logits only for the last token (read them with context.Logits(0)).
Status Prefill(model::Context& context, std::span<const int32_t> tokens, int32_t start, int seq,
               model::Batch& batch);

// The log-probability of token `id` at a step and the top_n most likely tokens (log-softmax of the raw
// logits).
TokenLogprob MakeLogprob(const tokenizer::Tokenizer& tokenizer, std::span<const float> logits, int32_t id,
                         int32_t top_n);

// The tokenizer's vocabulary as a grammar matcher needs it: each token's emitted bytes and the
// end-of-generation ids.
sample::grammar::TokenTrie MakeTokenTrie(const tokenizer::Tokenizer& tokenizer);

}  // namespace corral::engine
