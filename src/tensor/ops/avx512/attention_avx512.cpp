// AVX-512: sixteen f16 values widen to f32 per instruction; the accumulators follow ggml's order (see
// AttentionKernels::dot_f16), so the sums are bit-identical to llama.cpp's AVX-512 build.
#include <immintrin.h>

#include "base/fp16.h"
#include "tensor/ops/attention_isa.h"
#include "tensor/ops/avx512/exp16.h"
#include "tensor/ops/ggml_exp.h"

namespace corral::ops::avx512 {

float DotF16(const uint16_t* k, const float* q, int n, int n_acc) {
  auto load_k = [&](int i) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(k + i)));
  };
  if (n_acc == 1) {
    __m512 acc = _mm512_setzero_ps();
    for (int i = 0; i + 16 <= n; i += 16) acc = _mm512_fmadd_ps(load_k(i), _mm512_loadu_ps(q + i), acc);
    return _mm512_reduce_add_ps(acc);
  }
  __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  const int whole = n - n % 64;
  for (int i = 0; i < whole; i += 64) {
    for (int j = 0; j < 4; ++j)
      acc[j] = _mm512_fmadd_ps(load_k(i + 16 * j), _mm512_loadu_ps(q + i + 16 * j), acc[j]);
  }
  acc[0] = _mm512_add_ps(acc[0], acc[2]);
  acc[1] = _mm512_add_ps(acc[1], acc[3]);
  acc[0] = _mm512_add_ps(acc[0], acc[1]);
  double sum = _mm512_reduce_add_ps(acc[0]);
  for (int i = whole; i < n; ++i) sum += static_cast<double>(Fp16ToFp32(k[i]) * q[i]);
  return static_cast<float>(sum);
}

void AxpyF16(float w, const uint16_t* v, float* acc, int n) {
  const __m512 wv = _mm512_set1_ps(w);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 x = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + i)));
    _mm512_storeu_ps(acc + i, _mm512_fmadd_ps(wv, x, _mm512_loadu_ps(acc + i)));
  }
  for (; i < n; ++i) acc[i] = __builtin_fmaf(w, Fp16ToFp32(v[i]), acc[i]);
}

void ExpShifted(float* x, int n, float shift) {
  int i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(x + i, Exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), _mm512_set1_ps(shift))));
  for (; i < n; ++i) x[i] = ExpLikeGgml(x[i] - shift);
}

}  // namespace corral::ops::avx512
