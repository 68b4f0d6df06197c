// AVX2 + F16C: a 16-lane accumulator of ggml's order (see AttentionKernels::dot_f16) is a pair of 8-lane
// registers; the horizontal sum adds the upper eight lanes to the lower eight first, as the AVX-512 tree
// does.
#include <immintrin.h>

#include "base/fp16.h"
#include "tensor/ops/attention_isa.h"
#include "tensor/ops/ggml_exp.h"

namespace corral::ops::avx2 {
namespace {

__m256 LoadK(const uint16_t* k) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(k)));
}

float Reduce16(__m256 lo, __m256 hi) {
  const __m256 t3 = _mm256_add_ps(hi, lo);
  const __m128 t6 = _mm_add_ps(_mm256_extractf128_ps(t3, 1), _mm256_castps256_ps128(t3));
  const __m128 t8 = _mm_add_ps(t6, _mm_movehl_ps(t6, t6));
  return _mm_cvtss_f32(_mm_add_ss(t8, _mm_movehdup_ps(t8)));
}

}  // namespace

float DotF16(const uint16_t* k, const float* q, int n, int n_acc) {
  if (n_acc == 1) {
    __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
    for (int i = 0; i + 16 <= n; i += 16) {
      lo = _mm256_fmadd_ps(LoadK(k + i), _mm256_loadu_ps(q + i), lo);
      hi = _mm256_fmadd_ps(LoadK(k + i + 8), _mm256_loadu_ps(q + i + 8), hi);
    }
    return Reduce16(lo, hi);
  }
  __m256 lo[4], hi[4];
  for (int j = 0; j < 4; ++j) lo[j] = hi[j] = _mm256_setzero_ps();
  const int whole = n - n % 64;
  for (int i = 0; i < whole; i += 64) {
    for (int j = 0; j < 4; ++j) {
      lo[j] = _mm256_fmadd_ps(LoadK(k + i + 16 * j), _mm256_loadu_ps(q + i + 16 * j), lo[j]);
      hi[j] = _mm256_fmadd_ps(LoadK(k + i + 16 * j + 8), _mm256_loadu_ps(q + i + 16 * j + 8), hi[j]);
    }
  }
  for (int half = 0; half < 2; ++half) {
    __m256* a = half == 0 ? lo : hi;
    a[0] = _mm256_add_ps(a[0], a[2]);
    a[1] = _mm256_add_ps(a[1], a[3]);
    a[0] = _mm256_add_ps(a[0], a[1]);
  }
  double sum = Reduce16(lo[0], hi[0]);
  for (int i = whole; i < n; ++i) sum += static_cast<double>(Fp16ToFp32(k[i]) * q[i]);
  return static_cast<float>(sum);
}

void AxpyF16(float w, const uint16_t* v, float* acc, int n) {
  const __m256 wv = _mm256_set1_ps(w);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(acc + i, _mm256_fmadd_ps(wv, LoadK(v + i), _mm256_loadu_ps(acc + i)));
  }
  for (; i < n; ++i) acc[i] = __builtin_fmaf(w, Fp16ToFp32(v[i]), acc[i]);
}

// Compiled with -mfma, the polynomial's std::fma calls become single instructions.
void ExpShifted(float* x, int n, float shift) {
  for (int i = 0; i < n; ++i) x[i] = ExpLikeGgml(x[i] - shift);
}

void RoundF16(float* x, int n, float scale) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(scale));
    _mm256_storeu_ps(x + i, _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT)));
  }
  for (; i < n; ++i) x[i] = Fp16ToFp32(Fp32ToFp16(x[i] * scale));
}

}  // namespace corral::ops::avx2
