// Turns a step's logits into the next token, driven by Ollama's option names.
//
// The stages run in llama.cpp's default order, which Ollama's runner also follows: repetition penalties over
// the last repeat_last_n tokens, top_k, top_p, min_p, temperature, then a seeded draw from the softmax.
// temperature 0 is greedy (the highest logit; the lowest id among equal ones) and skips everything else but
// the penalties, so temperature-0 output with repeat_penalty 1 equals llama.cpp's greedy decoding.
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
#include <vector>

#include "base/status.h"

namespace corral::sample {

// Ollama's defaults (api/types.go DefaultOptions).
struct SamplerOptions {
  float temperature = 0.8f;
  int32_t top_k = 40;  // ≤ 0: off
  float top_p = 0.9f;  // ≥ 1: off
  float min_p = 0.0f;  // ≤ 0: off
  float repeat_penalty = 1.1f;
  int32_t repeat_last_n = 64;  // 0: off; -1: the whole context so far
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  int64_t seed = -1;  // < 0: a random seed
};

// InvalidArgument naming the option for values no sampler can honour (negative temperature, top_p outside
// [0, 1], ...).
Status Validate(const SamplerOptions& options);

class Sampler {
 public:
  // REQUIRES: Validate(options).ok(), n_vocab > 0.
  Sampler(const SamplerOptions& options, int32_t n_vocab);

  // Chooses the next token from one row of n_vocab logits (which are not modified).
  int32_t Sample(std::span<const float> logits);
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
  void SoftmaxSorted();  // sorts candidates_ by logit (descending) and sets probs_
  int32_t Draw();

  SamplerOptions options_;
  int32_t n_vocab_;
  std::mt19937_64 rng_;
  std::vector<int32_t> history_;
  std::vector<Candidate> candidates_;
  std::vector<float> probs_;
  std::vector<uint32_t> counts_;  // per token, over the penalty window
};

// The index of the highest logit (the first among equal ones).
int32_t Argmax(std::span<const float> logits);

}  // namespace corral::sample
