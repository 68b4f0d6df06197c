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

namespace {

inline __m512 LoadF16(const uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// DotF16 of G query heads against each row, the row widened once for all of them.
template <int G>
void DotRows(const uint16_t* k, int64_t row_stride, int n_rows, const float* q, int64_t q_stride, int n,
             int n_acc, float scale, float* scores, int64_t scores_stride) {
  for (int r = 0; r < n_rows; ++r) {
    const uint16_t* kr = k + r * row_stride;
    if (n_acc == 1) {
      __m512 acc[G];
      for (int g = 0; g < G; ++g) acc[g] = _mm512_setzero_ps();
      for (int i = 0; i + 16 <= n; i += 16) {
        const __m512 kv = LoadF16(kr + i);
        for (int g = 0; g < G; ++g)
          acc[g] = _mm512_fmadd_ps(kv, _mm512_loadu_ps(q + g * q_stride + i), acc[g]);
      }
      for (int g = 0; g < G; ++g) scores[g * scores_stride + r] = _mm512_reduce_add_ps(acc[g]) * scale;
      continue;
    }
    __m512 acc[G][4];
    for (int g = 0; g < G; ++g) {
      for (int j = 0; j < 4; ++j) acc[g][j] = _mm512_setzero_ps();
    }
    for (int i = 0; i < n; i += 64) {
      __m512 kv[4];
      for (int j = 0; j < 4; ++j) kv[j] = LoadF16(kr + i + 16 * j);
      for (int g = 0; g < G; ++g) {
        for (int j = 0; j < 4; ++j)
          acc[g][j] = _mm512_fmadd_ps(kv[j], _mm512_loadu_ps(q + g * q_stride + i + 16 * j), acc[g][j]);
      }
    }
    for (int g = 0; g < G; ++g) {
      const __m512 a =
          _mm512_add_ps(_mm512_add_ps(acc[g][0], acc[g][2]), _mm512_add_ps(acc[g][1], acc[g][3]));
      scores[g * scores_stride + r] = _mm512_reduce_add_ps(a) * scale;
    }
  }
}

// AxpyF16 of each row into G accumulators, 64 columns at a time held in registers across the rows.
template <int G>
void AxpyRows(const uint16_t* const* rows, int n_rows, const float* w, int64_t w_stride, float* acc,
              int64_t acc_stride, int n) {
  int i = 0;
  for (; i + 64 <= n; i += 64) {
    __m512 a[G][4];
    for (int g = 0; g < G; ++g) {
      for (int j = 0; j < 4; ++j) a[g][j] = _mm512_loadu_ps(acc + g * acc_stride + i + 16 * j);
    }
    for (int r = 0; r < n_rows; ++r) {
      __m512 v[4];
      for (int j = 0; j < 4; ++j) v[j] = LoadF16(rows[r] + i + 16 * j);
      for (int g = 0; g < G; ++g) {
        const __m512 wv = _mm512_set1_ps(w[g * w_stride + r]);
        for (int j = 0; j < 4; ++j) a[g][j] = _mm512_fmadd_ps(wv, v[j], a[g][j]);
      }
    }
    for (int g = 0; g < G; ++g) {
      for (int j = 0; j < 4; ++j) _mm512_storeu_ps(acc + g * acc_stride + i + 16 * j, a[g][j]);
    }
  }
  if (i < n) {
    for (int r = 0; r < n_rows; ++r) {
      for (int g = 0; g < G; ++g) AxpyF16(w[g * w_stride + r], rows[r] + i, acc + g * acc_stride + i, n - i);
    }
  }
}

}  // namespace

void DotF16Rows(const uint16_t* k, int64_t row_stride, int n_rows, const float* q, int64_t q_stride, int n_q,
                int n, int n_acc, float scale, float* scores, int64_t scores_stride) {
  // The register tiles hold whole 64-element steps (16 for n_acc 1); anything else goes row by row.
  if ((n_acc == 4 && n % 64 != 0) || (n_acc == 1 && n % 16 != 0)) {
    for (int r = 0; r < n_rows; ++r) {
      for (int g = 0; g < n_q; ++g)
        scores[g * scores_stride + r] = DotF16(k + r * row_stride, q + g * q_stride, n, n_acc) * scale;
    }
    return;
  }
  for (int g = 0; g < n_q; g += 4) {
    const float* qg = q + g * q_stride;
    float* sg = scores + g * scores_stride;
    switch (n_q - g) {
      case 1:
        DotRows<1>(k, row_stride, n_rows, qg, q_stride, n, n_acc, scale, sg, scores_stride);
        break;
      case 2:
        DotRows<2>(k, row_stride, n_rows, qg, q_stride, n, n_acc, scale, sg, scores_stride);
        break;
      case 3:
        DotRows<3>(k, row_stride, n_rows, qg, q_stride, n, n_acc, scale, sg, scores_stride);
        break;
      default:
        DotRows<4>(k, row_stride, n_rows, qg, q_stride, n, n_acc, scale, sg, scores_stride);
        break;
    }
  }
}

void AxpyF16Rows(const uint16_t* const* rows, int n_rows, const float* w, int64_t w_stride, int n_q,
                 float* acc, int64_t acc_stride, int n) {
  for (int g = 0; g < n_q; g += 4) {
    const float* wg = w + g * w_stride;
    float* ag = acc + g * acc_stride;
    switch (n_q - g) {
      case 1:
        AxpyRows<1>(rows, n_rows, wg, w_stride, ag, acc_stride, n);
        break;
      case 2:
        AxpyRows<2>(rows, n_rows, wg, w_stride, ag, acc_stride, n);
        break;
      case 3:
        AxpyRows<3>(rows, n_rows, wg, w_stride, ag, acc_stride, n);
        break;
      default:
        AxpyRows<4>(rows, n_rows, wg, w_stride, ag, acc_stride, n);
        break;
    }
  }
}

void RoundF16(float* x, int n, float scale) {
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_mul_ps(_mm512_loadu_ps(x + i), _mm512_set1_ps(scale));
    _mm512_storeu_ps(x + i, _mm512_cvtph_ps(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT)));
  }
  for (; i < n; ++i) x[i] = Fp16ToFp32(Fp32ToFp16(x[i] * scale));
}

}  // namespace corral::ops::avx512
