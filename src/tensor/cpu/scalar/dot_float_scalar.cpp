// Scalar dot products of float rows: each product rounded to f32 and the sum kept in double, as ggml's
// portable ggml_vec_dot_f32/f16/bf16 do. The SIMD paths sum in f32 lanes instead; the tests bound the
// difference.
#include "base/fp16.h"
#include "tensor/cpu/scalar/scalar_kernels.h"

namespace corral::cpu::scalar {

float DotF32(int64_t n, const float* w, const float* a) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(w[i] * a[i]);
  return static_cast<float>(sum);
}

float DotF16(int64_t n, const uint16_t* w, const uint16_t* a) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(Fp16ToFp32(w[i]) * Fp16ToFp32(a[i]));
  return static_cast<float>(sum);
}

float DotBf16(int64_t n, const uint16_t* w, const uint16_t* a) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(Bf16ToFp32(w[i]) * Bf16ToFp32(a[i]));
  return static_cast<float>(sum);
}

}  // namespace corral::cpu::scalar
