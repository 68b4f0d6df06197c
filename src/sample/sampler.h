// Turns a step's logits into the next token, driven by Ollama's option names.
//
// The stages run in llama.cpp's order (common/sampling.cpp, which Ollama's llama-server runner uses): an
// optional allowed-token mask (a grammar's, applied first as llama.cpp's grammar_first does), logit_bias,
// repetition penalties over the last repeat_last_n tokens, top_k, typical_p, top_p, min_p, temperature, then
// a seeded draw from the softmax. temperature 0 is greedy (the highest logit; the lowest id among equal ones)
// after the mask, the bias and the penalties, so temperature-0 output with repeat_penalty 1 and no bias
// equals llama.cpp's greedy decoding.
//
//   Sampler sampler(options, tokenizer.n_vocab());
//   int32_t id = sampler.Sample(context.Logits(0));
//   sampler.Accept(id);
//
// Not thread-safe: one Sampler per sequence. Sample allocates nothing after the first call.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "base/status.h"
#include "sample/token_mask.h"

namespace corral::sample {

// Ollama's defaults (api/types.go DefaultOptions).
struct SamplerOptions {
  float temperature = 0.8f;
  int32_t top_k = 40;      // ≤ 0: off
  float top_p = 0.9f;      // ≥ 1: off
  float min_p = 0.0f;      // ≤ 0: off
  float typical_p = 1.0f;  // ≥ 1: off
  float repeat_penalty = 1.1f;
  int32_t repeat_last_n = 64;  // 0: off; -1: the whole context so far
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  int64_t seed = -1;  // < 0: a random seed
  // OpenAI's logit_bias: added to a token's logit before every other stage; -inf (or a large negative
  // bias) bans the token. Ids outside the vocabulary are an InvalidArgument.
  std::vector<std::pair<int32_t, float>> logit_bias;
};

// InvalidArgument naming the option for values no sampler can honour (negative temperature, top_p outside
// [0, 1], ...); n_vocab > 0 also checks the logit_bias ids.
Status Validate(const SamplerOptions& options, int32_t n_vocab = 0);

class Sampler {
 public:
  // REQUIRES: Validate(options).ok(), n_vocab > 0.
  Sampler(const SamplerOptions& options, int32_t n_vocab);

  // Chooses the next token from one row of n_vocab logits (which are not modified). With `allowed`, only
  // its tokens can be chosen; REQUIRES: allowed->any().
  int32_t Sample(std::span<const float> logits, const TokenMask* allowed = nullptr);
  // Records a token of the sequence (prompt or generated) for the repetition penalties.
  void Accept(int32_t token);
  void Reset();

  const SamplerOptions& options() const { return options_; }

 private:
  struct Candidate {
    int32_t id;
    float logit;
  };
  void ApplyPenalties();
  void KeepTopK(int32_t k);
  void KeepTypical(float p);
  void SoftmaxSorted();  // sorts candidates_ by logit (descending) and sets probs_
  int32_t Draw();

  SamplerOptions options_;
  int32_t n_vocab_;
  std::mt19937_64 rng_;
  std::vector<int32_t> history_;
  std::vector<Candidate> candidates_;
  std::vector<float> probs_;
  std::vector<float> scratch_;    // typical_p's shifted scores
  std::vector<uint32_t> order_;   // typical_p's candidate order
  std::vector<Candidate> kept_;   // typical_p's survivors
  std::vector<uint32_t> counts_;  // per token, over the penalty window
};

// The index of the highest logit (the first among equal ones).
int32_t Argmax(std::span<const float> logits);

}  // namespace corral::sample
