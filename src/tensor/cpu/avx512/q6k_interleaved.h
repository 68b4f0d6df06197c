// The AVX-512 VNNI kernel of interleaved Q6_K weights (tensor/quant/interleave.h): 16 weight rows at a
// time against 1..4 activation rows in Q8_K, for decode steps and small batches.
//
// Per pair of octets (16 quants of each of the 16 rows, one 16-element sub-block), the four quads' low four
// bits come from the two octets' nibbles and their top two bits from one 64-byte vector of the high bits,
// shifted into place and merged (vpternlogd), four vpdpbusd per activation row multiply them by broadcast
// activation quads, and the sub-block's offset of 32 comes off exactly as 32 times the activation's
// 16-element sum before the 16 rows' int32 sums are scaled (vpmulld by the sign-extended int8 scales). One
// float step per super-block for all 16 rows: ggml's vec_dot_q6_K_q8_K arithmetic for 16 rows at once.
//
// Built with the AVX-512 family's flags: call only with cpu::Isa::kAvx512 supported.
#pragma once

#include <cstddef>
#include <cstdint>

namespace corral::cpu::avx512 {

// y[c · y_stride + r] = Σ_i W_r[i] · A_c[i] for the 16 rows r of the interleaved Q6_K group at `group` (k
// elements per row) and the activation rows c < cols (1 ≤ cols ≤ kInterleavedMaxCols), A_c in Q8_K at
// act + c · act_stride.
void Q6KInterleavedTile(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, int cols,
                        float* y, size_t y_stride);

}  // namespace corral::cpu::avx512
