// The unquantized element types: f32 (a copy), IEEE binary16 and bfloat16, with ggml's rounding.
#pragma once

#include <cstdint>

namespace corral::quant {

void DequantizeF16(const uint16_t* x, float* y, int64_t n);
void DequantizeBF16(const uint16_t* x, float* y, int64_t n);

// Round to nearest even as ggml_fp32_to_fp16_row / ggml_fp32_to_bf16_row_ref do (bf16: NaN is quieted).
void QuantizeF16(const float* x, uint16_t* y, int64_t n);
void QuantizeBF16(const float* x, uint16_t* y, int64_t n);

}  // namespace corral::quant
