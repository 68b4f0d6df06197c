// Row-wise operations of a transformer block on f32 activations, each a scalar loop written to repeat ggml's
// order of float operations (llama.cpp is the reference the parity tests compare against): RMSNorm, RoPE in
// its two layouts, and the feed-forward activations.
#pragma once

#include "tensor/cpu/cpu_features.h"

#include <cstdint>
#include <span>

namespace corral::ops {

// y = x / sqrt(mean(x²) + eps) · w, over n elements. ggml sums the squares in double and scales in float
// before the separate multiply by the weight; w may be empty (no weight). y may alias x.
void RmsNorm(const float* x, std::span<const float> w, float eps, int64_t n, float* y);

// LayerNorm: y = (x − mean) / sqrt(var + eps) · w + b (ggml_norm, then the weight and bias as llama.cpp's
// build_norm applies them): mean and variance summed in double, the scale applied in float. w and b may be
// empty. y may alias x.
void LayerNorm(const float* x, std::span<const float> w, std::span<const float> b, float eps, int64_t n,
               float* y);

// Rotary position embedding. kNormal rotates adjacent pairs (x[2i], x[2i+1]) (llama); kNeox rotates
// (x[i], x[i + n_dims/2]) (GPT-NeoX layout: qwen2/qwen3/gemma3/phi3).
enum class RopeMode { kNormal, kNeox };

struct RopeParams {
  RopeMode mode = RopeMode::kNormal;
  int n_dims = 0;  // rotated dimensions (≤ head_dim; the rest pass through)
  float freq_base = 10000.f;
  float freq_scale = 1.f;  // linear scaling: positions are multiplied by it
  // Llama 3 style per-frequency divisors (rope_freqs.weight), n_dims/2 values, or empty.
  std::span<const float> freq_factors;
};

// cos/sin table for one position: cache[2i] = cos θ_i, cache[2i+1] = sin θ_i for i < n_dims/2, where
// θ_i = pos · base^(-2i/n_dims) / factor_i · freq_scale, the powers accumulated by repeated multiplication
// as ggml does (the rounding differs from pow()).
void RopeCache(const RopeParams& p, int32_t pos, float* cache);

// Rotates n_heads heads of head_dim floats each (head h at x + h·head_dim) in place with a cache from
// RopeCache.
void RopeApply(const RopeParams& p, const float* cache, float* x, int n_heads, int head_dim);

// SwiGLU: out = silu(gate) · up.
void SwiGlu(const float* gate, const float* up, int64_t n, float* out);
// SwiGlu for `isa`, bit-identical with it (REQUIRES: the CPU can run isa).
using SwiGluFn = void (*)(const float* gate, const float* up, int64_t n, float* out);
SwiGluFn SwiGluFor(cpu::Isa isa);

// GEGLU with ggml's tanh-approximation GELU, which ggml evaluates through an f16 table: for |x| < 10 the
// input is rounded to f16 and the result is the f16 rounding of gelu(that value). table: 65536 entries from
// MakeGeluTable.
void GeGlu(const uint16_t* table, const float* gate, const float* up, int64_t n, float* out);
void MakeGeluTable(std::span<uint16_t> table);  // REQUIRES table.size() == 65536
// GELU alone (bert's feed-forward), by the same table: ggml's ggml_vec_gelu_f32 with GGML_GELU_FP16. x may
// alias out.
void Gelu(const uint16_t* table, const float* x, int64_t n, float* out);

}  // namespace corral::ops
