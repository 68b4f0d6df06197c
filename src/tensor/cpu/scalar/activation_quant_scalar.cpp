// Activation quantizers, written to produce the bytes llama.cpp's x86 SIMD builds produce
// (ggml-cpu/arch/x86/quants.c: quantize_row_q8_0 / quantize_row_q8_1 under __AVX2__, and
// quantize_row_q8_K, which on x86 is the reference quantize_row_q8_K_ref). Token-for-token parity with the
// llama.cpp a user runs depends on the activations being identical, so this is the behaviour to copy, and
// where it differs from ggml-quants.c's *_ref functions it is on purpose:
//   Q8_0 / Q8_1: ref uses id = 1/d with d = amax/127 and roundf (ties away from zero); the SIMD build uses
//     id = 127/amax and rounds to nearest even (vroundps + vcvtps2dq). The two differ where x·id lands on
//     or within an ulp of a half-integer.
//   Q8_K: both builds run the reference: iscale = -127/max where max is the signed element of largest
//     magnitude (the first one on ties), q = nearest_int(iscale·x) (round half to even via 1.5·2^23),
//     clamped at 127. Only the 16-element sums of an all-zero block differ: ggml leaves them unwritten,
//     corral writes zeros.
#include <cmath>
#include <cstring>

#include "base/fp16.h"
#include "tensor/cpu/scalar/scalar_kernels.h"

namespace corral::cpu::scalar {
namespace {

// Round half to even for |v| < 2^22: adding 1.5·2^23 leaves the integer in the low mantissa bits, rounded by
// the FPU's default mode (ggml's nearest_int; the same result as vcvtps2dq under the default MXCSR).
inline int NearestInt(float v) {
  const float shifted = v + 12582912.f;
  int32_t bits;
  std::memcpy(&bits, &shifted, sizeof(bits));
  return (bits & 0x007fffff) - 0x00400000;
}

// The 32-element blocks share the scale: amax/127 stored as f16, elements scaled by 127/amax (not by the
// reciprocal of the rounded d) and rounded half to even.
template <typename Block>
float QuantizeBlock32(const float* x, Block& y) {
  float amax = 0.0f;
  for (int j = 0; j < quant::kQK; ++j) amax = std::fmax(amax, std::fabs(x[j]));
  const float d = amax / 127.f;
  const float id = amax != 0.0f ? 127.f / amax : 0.0f;
  y.d = Fp32ToFp16(d);
  int sum = 0;
  for (int j = 0; j < quant::kQK; ++j) {
    y.qs[j] = static_cast<int8_t>(NearestInt(x[j] * id));
    sum += y.qs[j];
  }
  return d * static_cast<float>(sum);
}

}  // namespace

void QuantizeRowQ8_0(const float* x, quant::BlockQ8_0* y, int64_t n) {
  for (int64_t b = 0; b < n / quant::kQK; ++b) QuantizeBlock32(x + b * quant::kQK, y[b]);
}

void QuantizeRowQ8_1(const float* x, quant::BlockQ8_1* y, int64_t n) {
  for (int64_t b = 0; b < n / quant::kQK; ++b) {
    const float d_sum = QuantizeBlock32(x + b * quant::kQK, y[b]);
    y[b].s = Fp32ToFp16(d_sum);  // the f32 d (before f16 rounding) times the integer sum
  }
}

void QuantizeRowQ8_K(const float* x, quant::BlockQ8_K* y, int64_t n) {
  for (int64_t b = 0; b < n / quant::kQK_K; ++b, x += quant::kQK_K) {
    quant::BlockQ8_K& out = y[b];
    float amax = 0.0f;
    float max = 0.0f;
    for (int j = 0; j < quant::kQK_K; ++j) {
      const float ax = std::fabs(x[j]);
      if (ax > amax) {
        amax = ax;
        max = x[j];
      }
    }
    if (amax == 0.0f) {
      std::memset(&out, 0, sizeof(out));
      continue;
    }
    // -127, not -128: the largest element maps to ±127 and the rest stay within, so the integer kernels may
    // treat the activations as symmetric (negation never overflows).
    const float iscale = -127.f / max;
    for (int j = 0; j < quant::kQK_K; ++j) {
      const int v = NearestInt(iscale * x[j]);
      out.qs[j] = static_cast<int8_t>(v < 127 ? v : 127);
    }
    for (int g = 0; g < quant::kQK_K / 16; ++g) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += out.qs[16 * g + j];
      out.bsums[g] = static_cast<int16_t>(sum);
    }
    out.d = 1 / iscale;
  }
}

void ConvertRowF16(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = Fp32ToFp16(x[i]);
}

void ConvertRowBf16(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = Fp32ToBf16(x[i]);
}

}  // namespace corral::cpu::scalar
