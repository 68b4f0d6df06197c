// SwiGLU for the AVX2 family: ops::SwiGlu's arithmetic compiled with -mfma, so the polynomial's std::fma
// calls become single instructions (bit-identical: fma rounds once either way).
#include <cmath>

#include "tensor/ops/ggml_exp.h"
#include "tensor/ops/glu_isa.h"

namespace corral::ops::avx2 {

void SwiGlu(const float* gate, const float* up, int64_t n, float* out) {
  const int64_t whole = n - n % 16;
  for (int64_t i = 0; i < whole; ++i) out[i] = gate[i] / (1.0f + ExpLikeGgml(-gate[i])) * up[i];
  for (int64_t i = whole; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace corral::ops::avx2
