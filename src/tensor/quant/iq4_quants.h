// IQ4_NL (blocks of 32, one f16 scale) and IQ4_XS (super-blocks of 256, 6-bit sub-block scales): 4-bit
// indices into the non-linear grid kIQ4NLValues. Dequantization equals ggml's dequantize_row_iq4_*.
#pragma once

#include <cstdint>

#include "tensor/quant/blocks.h"

namespace corral::quant {

void DequantizeIQ4_NL(const BlockIQ4_NL* x, float* y, int64_t n_blocks);
void DequantizeIQ4_XS(const BlockIQ4_XS* x, float* y, int64_t n_blocks);

// llama.cpp has two IQ4_NL quantizers. quantize_row_iq4_nl_ref takes the least-squares scale at
// d = max/−127 and stops; ggml_quantize_chunk (what llama-quantize writes) also tries the 15 scales
// (−127 + k)/max, k = −7 … 7, keeping the best fit, and then re-picks every index for the chosen scale.
// QuantizeIQ4_NL reproduces the first, QuantizeIQ4_NLSearched the second.
//
// One quirk of the reference path is kept: a block whose largest magnitude is below 1e-15 gets d = 0 and
// the indices of the previous block in the same call (ggml reuses its index buffer without clearing it;
// for a leading run of such blocks ggml's indices are uninitialised memory, corral writes 0). They decode
// to zeros either way.
void QuantizeIQ4_NL(const float* x, BlockIQ4_NL* y, int64_t n_blocks);
void QuantizeIQ4_NLSearched(const float* x, BlockIQ4_NL* y, int64_t n_blocks);

// quantize_row_iq4_xs_ref, which is also ggml_quantize_chunk's path: per sub-block of 32 the searched
// IQ4_NL fit, then 6-bit sub-block scales against max/−32 and indices re-picked for each.
void QuantizeIQ4_XS(const float* x, BlockIQ4_XS* y, int64_t n_blocks);

}  // namespace corral::quant
