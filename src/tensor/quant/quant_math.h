// Scalar helpers shared by the quantizers. Each reproduces an operation of ggml's reference C exactly as
// it executes on x86-64 (SSE, no FMA), because quantized bytes must match llama.cpp's bit for bit.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace corral::quant {

// ggml's nearest_int: adding 1.5·2^23 pushes the fraction out of the mantissa, so the FPU's
// round-to-nearest-even does the rounding and the low 23 bits hold the integer offset by 2^22. Exact for
// |x| < 2^22; beyond that it returns the same wrapped value as ggml (whose assert is compiled out).
inline int NearestInt(float x) {
  const float shifted = x + 12582912.f;
  return static_cast<int>(std::bit_cast<uint32_t>(shifted) & 0x007fffffu) - 0x00400000;
}

// A C cast float → int8_t/uint8_t compiles to cvttss2si (or cvttps2dq) and keeps the low byte. The
// instruction truncates toward zero and yields INT32_MIN for NaN or anything outside int32's range;
// degenerate blocks reach that case (1/d overflows to inf when d is subnormal), where a plain C++ cast
// would be undefined behaviour.
inline int32_t TruncateToInt32(float x) {
  if (!(x >= -2147483648.f && x < 2147483648.f)) return INT32_MIN;
  return static_cast<int32_t>(x);
}

// min(hi, max(lo, v)) written with plain conditionals: GCC if-converts these inside loops and vectorises
// them, where std::min/std::max (which return references) leave branches that block vectorisation.
inline int ClampInt(int v, int lo, int hi) {
  const int below = v < hi ? v : hi;
  return below > lo ? below : lo;
}

// The element with the largest magnitude, sign kept; the first one wins ties (ggml's `ax > amax` scans).
inline float LargestMagnitude(const float* x, int n) {
  float amax = 0;
  float max = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  return max;
}

}  // namespace corral::quant
