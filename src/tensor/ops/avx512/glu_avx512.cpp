// SwiGLU sixteen lanes at a time, as llama.cpp's AVX-512 build computes it (ggml_vec_swiglu_f32: silu(g) =
// g / (1 + exp(−g)) with ggml_v_expf, times up; a ragged tail with expf), bit-identical with ops::SwiGlu.
#include <immintrin.h>

#include <cmath>

#include "tensor/ops/avx512/exp16.h"
#include "tensor/ops/glu_isa.h"

namespace corral::ops::avx512 {

void SwiGlu(const float* gate, const float* up, int64_t n, float* out) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 g = _mm512_loadu_ps(gate + i);
    const __m512 e = Exp16(_mm512_sub_ps(_mm512_setzero_ps(), g));
    const __m512 silu = _mm512_div_ps(g, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
    _mm512_storeu_ps(out + i, _mm512_mul_ps(silu, _mm512_loadu_ps(up + i)));
  }
  for (; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace corral::ops::avx512
