#include "tensor/ops/norm_rope.h"

#include <cmath>

#include "base/fp16.h"
#include "tensor/ops/ggml_exp.h"
#include "tensor/ops/glu_isa.h"

namespace corral::ops {

void RmsNorm(const float* x, std::span<const float> w, float eps, int64_t n, float* y) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  if (w.empty()) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] * scale) * w[static_cast<size_t>(i)];
  }
}

void LayerNorm(const float* x, std::span<const float> w, std::span<const float> b, float eps, int64_t n,
               float* y) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  double sum2 = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float d = x[i] - mean;
    y[i] = d;
    sum2 += static_cast<double>(d * d);
  }
  const float variance = static_cast<float>(sum2 / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(variance + eps);
  for (int64_t i = 0; i < n; ++i) {
    float v = y[i] * scale;
    if (!w.empty()) v *= w[static_cast<size_t>(i)];
    if (!b.empty()) v += b[static_cast<size_t>(i)];
    y[i] = v;
  }
}

void RopeCache(const RopeParams& p, int32_t pos, float* cache) {
  const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_dims));
  float theta = static_cast<float>(pos);
  for (int i = 0; i < p.n_dims / 2; ++i) {
    const float factor = p.freq_factors.empty() ? 1.0f : p.freq_factors[static_cast<size_t>(i)];
    const float angle = p.freq_scale * (theta / factor);
    cache[2 * i] = std::cos(angle);
    cache[2 * i + 1] = std::sin(angle);
    theta *= theta_scale;
  }
}

void RopeApply(const RopeParams& p, const float* cache, float* x, int n_heads, int head_dim) {
  const int half = p.n_dims / 2;
  for (int h = 0; h < n_heads; ++h) {
    float* row = x + static_cast<int64_t>(h) * head_dim;
    for (int i = 0; i < half; ++i) {
      const float c = cache[2 * i];
      const float s = cache[2 * i + 1];
      float* a = p.mode == RopeMode::kNormal ? row + 2 * i : row + i;
      float* b = p.mode == RopeMode::kNormal ? row + 2 * i + 1 : row + i + half;
      const float x0 = *a;
      const float x1 = *b;
      *a = x0 * c - x1 * s;
      *b = x0 * s + x1 * c;
    }
  }
}

void SwiGlu(const float* gate, const float* up, int64_t n, float* out) {
  // ggml's swiglu runs 16 lanes at a time with ggml_v_expf and finishes a ragged tail with expf.
  const int64_t whole = n - n % 16;
  for (int64_t i = 0; i < whole; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + ExpLikeGgml(-g)) * up[i];
  }
  for (int64_t i = whole; i < n; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

SwiGluFn SwiGluFor(cpu::Isa isa) {
  switch (isa) {
    case cpu::Isa::kAvx512:
      return &avx512::SwiGlu;
    case cpu::Isa::kAvx2:
      return &avx2::SwiGlu;
    case cpu::Isa::kScalar:
      break;
  }
  return &SwiGlu;
}

namespace {

// ggml's tanh approximation of GELU (constants as ggml writes them).
float GeluTanh(float x) {
  constexpr float kCoefA = 0.044715f;
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kCoefA * x * x)));
}

}  // namespace

void MakeGeluTable(std::span<uint16_t> table) {
  for (size_t i = 0; i < table.size(); ++i) {
    table[i] = Fp32ToFp16(GeluTanh(Fp16ToFp32(static_cast<uint16_t>(i))));
  }
}

void GeGlu(const uint16_t* table, const float* gate, const float* up, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    float a;
    if (g <= -10.0f) {
      a = 0.0f;
    } else if (g >= 10.0f) {
      a = g;
    } else {
      a = Fp16ToFp32(table[Fp32ToFp16(g)]);
    }
    out[i] = a * up[i];
  }
}

void Gelu(const uint16_t* table, const float* x, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    // Beyond ±10 ggml skips the table: gelu(x) is 0 or x there to f32 precision.
    if (v <= -10.0f) {
      out[i] = 0.0f;
    } else if (v >= 10.0f) {
      out[i] = v;
    } else {
      out[i] = Fp16ToFp32(table[Fp32ToFp16(v)]);
    }
  }
}

}  // namespace corral::ops
