// AVX-512: sixteen f16 values widen to f32 per instruction (head dims are multiples of 16 in practice).
#include <immintrin.h>

#include "base/fp16.h"
#include "tensor/ops/attention_isa.h"

namespace corral::ops::avx512 {

float DotF16(const uint16_t* k, const float* q, int n) {
  __m512 acc0 = _mm512_setzero_ps();
  __m512 acc1 = _mm512_setzero_ps();
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 k0 = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(k + i)));
    const __m512 k1 = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(k + i + 16)));
    acc0 = _mm512_fmadd_ps(k0, _mm512_loadu_ps(q + i), acc0);
    acc1 = _mm512_fmadd_ps(k1, _mm512_loadu_ps(q + i + 16), acc1);
  }
  for (; i + 16 <= n; i += 16) {
    const __m512 k0 = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(k + i)));
    acc0 = _mm512_fmadd_ps(k0, _mm512_loadu_ps(q + i), acc0);
  }
  float sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
  for (; i < n; ++i) sum += Fp16ToFp32(k[i]) * q[i];
  return sum;
}

void AxpyF16(float w, const uint16_t* v, float* acc, int n) {
  const __m512 wv = _mm512_set1_ps(w);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 x = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + i)));
    _mm512_storeu_ps(acc + i, _mm512_fmadd_ps(wv, x, _mm512_loadu_ps(acc + i)));
  }
  for (; i < n; ++i) acc[i] += w * Fp16ToFp32(v[i]);
}

}  // namespace corral::ops::avx512
