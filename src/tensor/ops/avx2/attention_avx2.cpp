// AVX2 + F16C: eight f16 values widen to f32 per instruction; two accumulators hide the FMA latency.
#include <immintrin.h>

#include "base/fp16.h"
#include "tensor/ops/attention_isa.h"

namespace corral::ops::avx2 {

float DotF16(const uint16_t* k, const float* q, int n) {
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 k0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(k + i)));
    const __m256 k1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(k + i + 8)));
    acc0 = _mm256_fmadd_ps(k0, _mm256_loadu_ps(q + i), acc0);
    acc1 = _mm256_fmadd_ps(k1, _mm256_loadu_ps(q + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 k0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(k + i)));
    acc0 = _mm256_fmadd_ps(k0, _mm256_loadu_ps(q + i), acc0);
  }
  acc0 = _mm256_add_ps(acc0, acc1);
  const __m128 lo = _mm_add_ps(_mm256_castps256_ps128(acc0), _mm256_extractf128_ps(acc0, 1));
  const __m128 s1 = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  float sum = _mm_cvtss_f32(_mm_add_ss(s1, _mm_movehdup_ps(s1)));
  for (; i < n; ++i) sum += Fp16ToFp32(k[i]) * q[i];
  return sum;
}

void AxpyF16(float w, const uint16_t* v, float* acc, int n) {
  const __m256 wv = _mm256_set1_ps(w);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v + i)));
    _mm256_storeu_ps(acc + i, _mm256_fmadd_ps(wv, x, _mm256_loadu_ps(acc + i)));
  }
  for (; i < n; ++i) acc[i] += w * Fp16ToFp32(v[i]);
}

}  // namespace corral::ops::avx2
