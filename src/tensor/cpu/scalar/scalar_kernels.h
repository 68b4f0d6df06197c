// The scalar reference kernels: plain C++ that follows the arithmetic of each block layout. Every SIMD path
// is tested against these, and these against llama.cpp (tests/tensor/kernel_*_parity_test.cpp).
//
// Float evaluation order. Each dot product evaluates its float operations in the order of ggml's portable C
// kernels (ggml-cpu/quants.c, the *_generic functions), so the parity test can require equality to the last
// bit: the per-block scale products are formed in the same order, and the K-quant kernels keep ggml's eight
// interleaved partial sums (element e lands in lane e % 8). The integer parts are exact in any order.
//
// Activation rounding. The activation quantizers reproduce what llama.cpp's x86 SIMD builds (AVX2, AVX-512:
// the builds users run) write, not the *_ref functions of ggml-quants.c. See activation_quant_scalar.cpp.
#pragma once

#include <cstdint>

#include "base/dtype.h"
#include "tensor/cpu/kernels.h"
#include "tensor/quant/blocks.h"

namespace corral::cpu::scalar {

// Activation rows (n a whole number of blocks).
void QuantizeRowQ8_0(const float* x, quant::BlockQ8_0* y, int64_t n);
void QuantizeRowQ8_1(const float* x, quant::BlockQ8_1* y, int64_t n);
void QuantizeRowQ8_K(const float* x, quant::BlockQ8_K* y, int64_t n);
void ConvertRowF16(const float* x, uint16_t* y, int64_t n);
void ConvertRowBf16(const float* x, uint16_t* y, int64_t n);

// Dot products of one weight row with one activation row of n elements.
float DotQ4_0(int64_t n, const quant::BlockQ4_0* w, const quant::BlockQ8_0* a);
float DotQ4_1(int64_t n, const quant::BlockQ4_1* w, const quant::BlockQ8_1* a);
float DotQ5_0(int64_t n, const quant::BlockQ5_0* w, const quant::BlockQ8_0* a);
float DotQ5_1(int64_t n, const quant::BlockQ5_1* w, const quant::BlockQ8_1* a);
float DotQ8_0(int64_t n, const quant::BlockQ8_0* w, const quant::BlockQ8_0* a);
float DotIQ4_NL(int64_t n, const quant::BlockIQ4_NL* w, const quant::BlockQ8_0* a);
float DotQ2_K(int64_t n, const quant::BlockQ2_K* w, const quant::BlockQ8_K* a);
float DotQ3_K(int64_t n, const quant::BlockQ3_K* w, const quant::BlockQ8_K* a);
float DotQ4_K(int64_t n, const quant::BlockQ4_K* w, const quant::BlockQ8_K* a);
float DotQ5_K(int64_t n, const quant::BlockQ5_K* w, const quant::BlockQ8_K* a);
float DotQ6_K(int64_t n, const quant::BlockQ6_K* w, const quant::BlockQ8_K* a);
float DotIQ4_XS(int64_t n, const quant::BlockIQ4_XS* w, const quant::BlockQ8_K* a);
// Float rows: products rounded to f32, summed in double (ggml's portable f16/bf16/f32 dot products).
float DotF32(int64_t n, const float* w, const float* a);
float DotF16(int64_t n, const uint16_t* w, const uint16_t* a);
float DotBf16(int64_t n, const uint16_t* w, const uint16_t* a);

// The scalar DotKernel of `weight` (tiles are loops over the functions above), or nullptr.
const DotKernel* FindKernel(DType weight);

}  // namespace corral::cpu::scalar
