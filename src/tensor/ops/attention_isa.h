// Per-instruction-family f16 vector kernels behind AttentionKernelsFor (internal to tensor/ops).
#pragma once

#include <cstdint>

namespace corral::ops {
namespace avx2 {
float DotF16(const uint16_t* k, const float* q, int n, int n_acc);
void AxpyF16(float w, const uint16_t* v, float* acc, int n);
void ExpShifted(float* x, int n, float shift);
void RoundF16(float* x, int n, float scale);
}  // namespace avx2
namespace avx512 {
float DotF16(const uint16_t* k, const float* q, int n, int n_acc);
void AxpyF16(float w, const uint16_t* v, float* acc, int n);
void ExpShifted(float* x, int n, float shift);
void DotF16Rows(const uint16_t* k, int64_t row_stride, int n_rows, const float* q, int64_t q_stride, int n_q,
                int n, int n_acc, float scale, float* scores, int64_t scores_stride);
void AxpyF16Rows(const uint16_t* const* rows, int n_rows, const float* w, int64_t w_stride, int n_q,
                 float* acc, int64_t acc_stride, int n);
void RoundF16(float* x, int n, float scale);
}  // namespace avx512
}  // namespace corral::ops
