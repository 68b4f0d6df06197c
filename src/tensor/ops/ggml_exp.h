// exp(x) exactly as llama.cpp's AVX-512 CPU build evaluates it in SiLU/SwiGLU and softmax (ggml_v_expf: a
// degree-5 polynomial on the reduced argument, scaled by 2^n), evaluated here one lane at a time with the
// same fused multiply-adds, so the activations entering a quantized matmul round to the same Q8 values as
// llama.cpp's do. Accurate to about 1.5 ulp, like expf.
#pragma once

#include <cmath>
#include <limits>

namespace corral::ops {

inline float ExpLikeGgml(float x) {
  const float r = 0x1.8p23f;
  const float z = std::fma(x, 0x1.715476p+0f, r);
  const float n = z - r;
  const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));
  if (std::fabs(n) > 192.f) return n <= 0.f ? 0.f : std::numeric_limits<float>::infinity();
  const float u = b * b;
  const float j = std::fma(
      std::fma(std::fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, std::fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
      u, std::fma(0x1.ffffecp-1f, b, 1.0f));
  return std::ldexp(j, static_cast<int>(n));
}

}  // namespace corral::ops
