// Activation quantizers, byte-identical with the scalar ones (activation_quant_scalar.cpp explains the
// rounding, which is that of llama.cpp's x86 SIMD builds). See x86_simd.h for why everything here has
// internal linkage.
#pragma once

#include "tensor/cpu/x86/x86_simd.h"
#include "tensor/quant/blocks.h"

namespace corral::cpu::x86 {
namespace {

inline __m256 Abs(__m256 v) {
  return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

inline float MaxLane(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

inline __m256i RoundToInt(__m256 v) {
  return _mm256_cvtps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

// Four vectors of 8 int32 (each within int8 range) → 32 int8 in element order.
inline __m256i PackInt8(__m256i i0, __m256i i1, __m256i i2, __m256i i3) {
  // packs works per 128-bit lane, leaving the 4-element groups in order 0,2,4,6,1,3,5,7; restore it.
  const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
  return _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// One 32-element block: d = amax/127 (as f16), quants round(x · 127/amax) half to even. Returns d·Σq.
template <typename Block>
float QuantizeBlock32(const float* x, Block& y) {
  __m256 v[4];
  for (int i = 0; i < 4; ++i) v[i] = _mm256_loadu_ps(x + 8 * i);
  const __m256 m = _mm256_max_ps(_mm256_max_ps(Abs(v[0]), Abs(v[1])), _mm256_max_ps(Abs(v[2]), Abs(v[3])));
  const float amax = MaxLane(m);
  const float d = amax / 127.f;
  const float id = amax != 0.0f ? 127.f / amax : 0.0f;
  y.d = static_cast<uint16_t>(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));
  const __m256 scale = _mm256_set1_ps(id);
  __m256i q[4];
  for (int i = 0; i < 4; ++i) q[i] = RoundToInt(_mm256_mul_ps(v[i], scale));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(y.qs), PackInt8(q[0], q[1], q[2], q[3]));
  const __m256i sum = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
  return d * static_cast<float>(HorizontalSum(sum));
}

inline void QuantizeQ8_0(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<quant::BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / quant::kQK; ++b) QuantizeBlock32(x + b * quant::kQK, y[b]);
}

inline void QuantizeQ8_1(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<quant::BlockQ8_1*>(dst);
  for (int64_t b = 0; b < n / quant::kQK; ++b) {
    const float d_sum = QuantizeBlock32(x + b * quant::kQK, y[b]);
    y[b].s = static_cast<uint16_t>(_cvtss_sh(d_sum, _MM_FROUND_TO_NEAREST_INT));
  }
}

inline void QuantizeQ8_K(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<quant::BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / quant::kQK_K; ++b, x += quant::kQK_K) {
    quant::BlockQ8_K& out = y[b];
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < 32; ++i) m = _mm256_max_ps(m, Abs(_mm256_loadu_ps(x + 8 * i)));
    const float amax = MaxLane(m);
    if (amax == 0.0f) {
      std::memset(&out, 0, sizeof(out));
      continue;
    }
    // The signed element of largest magnitude, the first one on ties (as the scalar loop's strict >).
    const __m256 target = _mm256_set1_ps(amax);
    float max = 0.0f;
    for (int i = 0; i < 32; ++i) {
      const int hits = _mm256_movemask_ps(_mm256_cmp_ps(Abs(_mm256_loadu_ps(x + 8 * i)), target, _CMP_EQ_OQ));
      if (hits != 0) {
        max = x[8 * i + __builtin_ctz(static_cast<unsigned>(hits))];
        break;
      }
    }
    const float iscale = -127.f / max;
    const __m256 scale = _mm256_set1_ps(iscale);
    const __m256i limit = _mm256_set1_epi32(127);
    for (int g = 0; g < 8; ++g) {
      __m256i q[4];
      for (int i = 0; i < 4; ++i) {
        q[i] = _mm256_min_epi32(RoundToInt(_mm256_mul_ps(_mm256_loadu_ps(x + 32 * g + 8 * i), scale)), limit);
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.qs + 32 * g), PackInt8(q[0], q[1], q[2], q[3]));
      out.bsums[2 * g] = static_cast<int16_t>(HorizontalSum(_mm256_add_epi32(q[0], q[1])));
      out.bsums[2 * g + 1] = static_cast<int16_t>(HorizontalSum(_mm256_add_epi32(q[2], q[3])));
    }
    out.d = 1 / iscale;
  }
}

inline void ConvertF16(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<uint16_t*>(dst);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; ++i) y[i] = static_cast<uint16_t>(_cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT));
}

// Round to nearest even on the top 16 bits; NaN stays NaN (quieted), as ggml's fp32 → bf16.
inline void ConvertBf16(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<uint16_t*>(dst);
  int64_t i = 0;
  const __m256i one = _mm256_set1_epi32(1), bias = _mm256_set1_epi32(0x7fff);
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
  for (; i + 8 <= n; i += 8) {
    const __m256i u = _mm256_castps_si256(_mm256_loadu_ps(x + i));
    const __m256i rounded = _mm256_srli_epi32(
        _mm256_add_epi32(u, _mm256_add_epi32(bias, _mm256_and_si256(_mm256_srli_epi32(u, 16), one))), 16);
    const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(64));
    const __m256i is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs_mask), inf);
    const __m256i r = _mm256_blendv_epi8(rounded, quiet, is_nan);
    // 8 × u32 (each < 65536) → 8 × u16.
    const __m128i packed = _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), packed);
  }
  for (; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, x + i, 4);
    y[i] = (u & 0x7fffffffu) > 0x7f800000u ? static_cast<uint16_t>((u >> 16) | 64)
                                           : static_cast<uint16_t>((u + (0x7fffu + ((u >> 16) & 1))) >> 16);
  }
}

inline void CopyF32(const float* x, void* dst, int64_t n) {
  std::memcpy(dst, x, static_cast<size_t>(n) * sizeof(float));
}

}  // namespace
}  // namespace corral::cpu::x86
