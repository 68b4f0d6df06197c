// ExpLikeGgml (ggml_exp.h) sixteen lanes at a time, for the AVX-512 translation units of ops/: the same
// fused multiply-adds in the same order, 2^n applied by scalef, which rounds once as ldexp does, so every
// lane is bit-identical with the scalar function. Internal linkage: see cpu/x86/x86_simd.h.
#pragma once

#include <immintrin.h>

#include <cmath>

namespace corral::ops::avx512 {
namespace {

inline __m512 Exp16(__m512 v) {
  const __m512 r = _mm512_set1_ps(0x1.8p23f);
  const __m512 z = _mm512_fmadd_ps(v, _mm512_set1_ps(0x1.715476p+0f), r);
  const __m512 k = _mm512_sub_ps(z, r);
  const __m512 b = _mm512_fnmadd_ps(k, _mm512_set1_ps(0x1.7f7d1cp-20f),
                                    _mm512_fnmadd_ps(k, _mm512_set1_ps(0x1.62e4p-1f), v));
  const __mmask16 out_of_range = _mm512_cmp_ps_mask(_mm512_abs_ps(k), _mm512_set1_ps(192), _CMP_GT_OQ);
  const __m512 u = _mm512_mul_ps(b, b);
  const __m512 j = _mm512_fmadd_ps(
      _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(0x1.0e4020p-7f), b, _mm512_set1_ps(0x1.573e2ep-5f)), u,
                      _mm512_fmadd_ps(_mm512_set1_ps(0x1.555e66p-3f), b, _mm512_set1_ps(0x1.fffdb6p-2f))),
      u, _mm512_fmadd_ps(_mm512_set1_ps(0x1.ffffecp-1f), b, _mm512_set1_ps(1.0f)));
  __m512 result = _mm512_scalef_ps(j, k);
  if (out_of_range != 0) {
    const __m512 limit = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(k, _mm512_setzero_ps(), _CMP_LE_OQ),
                                              _mm512_set1_ps(INFINITY), _mm512_setzero_ps());
    result = _mm512_mask_blend_ps(out_of_range, result, limit);
  }
  return result;
}

}  // namespace
}  // namespace corral::ops::avx512
