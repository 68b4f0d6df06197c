// The AVX-512 VNNI kernel of interleaved Q4_K weights (tensor/quant/interleave.h): 16 weight rows at a
// time against 1..4 activation rows in Q8_K, for decode steps and small batches.
//
// Per octet of 64 bytes (8 quants of each of the 16 rows), two masks give the low and the high nibbles
// (the high ones left in place: ×16, taken out exactly by a shift of the sub-block sum), and one vpdpbusd
// per activation row multiplies each by a broadcast activation quad. Per sub-block of 32, the 16 rows' int32
// sums are multiplied by their 6-bit scales (vpmulld); per super-block the minimum term is four vpdpwssd
// of the 16 rows' minimums against the activation's 32-element sums, and the float step is one conversion
// and two fused multiply-adds for 16 rows. The integer arithmetic is ggml's vec_dot_q4_K_q8_K's (sums per
// super-block, then d·Σ − dmin·Σ), done for 16 rows at once.
//
// Built with the AVX-512 family's flags: call only with cpu::Isa::kAvx512 supported.
#pragma once

#include <cstddef>
#include <cstdint>

namespace corral::cpu::avx512 {

// Activation rows one call multiplies with a group.
inline constexpr int kInterleavedMaxCols = 4;

// y[c · y_stride + r] = Σ_i W_r[i] · A_c[i] for the 16 rows r of the interleaved group at `group` (k elements
// per row) and the activation rows c < cols (1 ≤ cols ≤ kInterleavedMaxCols), A_c in Q8_K at
// act + c · act_stride.
void Q4KInterleavedTile(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, int cols,
                        float* y, size_t y_stride);

}  // namespace corral::cpu::avx512
