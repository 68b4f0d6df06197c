// Per-instruction-family f16 vector kernels behind AttentionKernelsFor (internal to tensor/ops).
#pragma once

#include <cstdint>

namespace corral::ops {
namespace avx2 {
float DotF16(const uint16_t* k, const float* q, int n, int n_acc);
void AxpyF16(float w, const uint16_t* v, float* acc, int n);
void ExpShifted(float* x, int n, float shift);
}  // namespace avx2
namespace avx512 {
float DotF16(const uint16_t* k, const float* q, int n, int n_acc);
void AxpyF16(float w, const uint16_t* v, float* acc, int n);
void ExpShifted(float* x, int n, float shift);
}  // namespace avx512
}  // namespace corral::ops
