// The 32-element formats Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1 (layouts in blocks.h). Dequantization equals
// ggml's dequantize_row_*; quantization equals quantize_row_*_ref. Counts are in blocks.
#pragma once

#include <cstdint>

#include "tensor/quant/blocks.h"

namespace corral::quant {

void DequantizeQ4_0(const BlockQ4_0* x, float* y, int64_t n_blocks);
void DequantizeQ4_1(const BlockQ4_1* x, float* y, int64_t n_blocks);
void DequantizeQ5_0(const BlockQ5_0* x, float* y, int64_t n_blocks);
void DequantizeQ5_1(const BlockQ5_1* x, float* y, int64_t n_blocks);
void DequantizeQ8_0(const BlockQ8_0* x, float* y, int64_t n_blocks);
// ggml has no dequantize_row_q8_1 (Q8_1 only carries activations); its value is q·d exactly as Q8_0's.
void DequantizeQ8_1(const BlockQ8_1* x, float* y, int64_t n_blocks);

// The reference quantizers (also what llama-quantize writes: without an importance matrix
// ggml_quantize_chunk calls these). Q4_0/Q5_0 take d = max/−8 (max/−16) from the element of largest
// magnitude, so that element lands exactly on the grid's end; Q4_1/Q5_1 spread [min, max] over 15 (31)
// steps; all four round by truncating x/d + 0.5 (+ the bias). Q8_0/Q8_1 use d = amax/127 and roundf.
void QuantizeQ4_0(const float* x, BlockQ4_0* y, int64_t n_blocks);
void QuantizeQ4_1(const float* x, BlockQ4_1* y, int64_t n_blocks);
void QuantizeQ5_0(const float* x, BlockQ5_0* y, int64_t n_blocks);
void QuantizeQ5_1(const float* x, BlockQ5_1* y, int64_t n_blocks);
void QuantizeQ8_0(const float* x, BlockQ8_0* y, int64_t n_blocks);
void QuantizeQ8_1(const float* x, BlockQ8_1* y, int64_t n_blocks);

}  // namespace corral::quant
