// IQ4_NL (blocks of 32, one f16 scale) and IQ4_XS (super-blocks of 256, 6-bit sub-block scales): 4-bit
// indices into the non-linear grid kIQ4NLValues. Dequantization equals ggml's dequantize_row_iq4_*.
#pragma once

#include <cstdint>

#include "tensor/quant/blocks.h"

namespace corral::quant {

void DequantizeIQ4_NL(const BlockIQ4_NL* x, float* y, int64_t n_blocks);
void DequantizeIQ4_XS(const BlockIQ4_XS* x, float* y, int64_t n_blocks);

}  // namespace corral::quant
