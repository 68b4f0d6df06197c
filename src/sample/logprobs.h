// Log-probabilities of a step's tokens as Ollama (llama-server's n_probs with post_sampling_probs off) and
// OpenAI report them: the log-softmax of the model's raw logits over the whole vocabulary, before any
// sampler stage, so they describe the model rather than the sampling settings.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace corral::sample {

struct TokenLogprob {
  int32_t id = -1;
  float logprob = 0;
};

// The log-probability of `id` and the `top_n` most likely tokens (highest first; the lower id first among
// equal ones). REQUIRES: logits non-empty, 0 <= id < logits.size().
struct StepLogprobs {
  TokenLogprob chosen;
  std::vector<TokenLogprob> top;
};
StepLogprobs ComputeLogprobs(std::span<const float> logits, int32_t id, int32_t top_n);

}  // namespace corral::sample
