// Q4_K weights rearranged at load time so that 16 rows are multiplied together: the "interleaved" layout of
// a Q4_K matrix, used by the AVX-512 matrix-vector kernel (cpu/avx512/q4k_interleaved.h). Never written to
// a file; same bytes, same values, only their order differs.
//
// Why: a decode step multiplies each weight row by one activation row. Row by row, a Q4_K super-block costs
// ~60 instructions (unpacking the 12 packed scale bytes, splitting nibbles, applying 8 sub-block scales and
// the minimum term, converting to float), and that kept Q4_K decode at ~80 % of the memory bandwidth on
// Zen 4 while Q8_0 streamed at 97 % (bench/README.md). With 16 rows side by side, one 64-byte vector holds
// four consecutive quants of each of the 16 rows, one vpdpbusd multiplies them all by one broadcast
// activation quad, and every per-block step (scales, minimums, float conversion) is done once for 16 rows
// in one vector, with the 16 results landing in one vector too (no horizontal sums).
//
// Layout: rows are taken 16 at a time (a group); a group of n super-blocks per row is n group-blocks of
// 16 × 144 = 2304 bytes, group-block b holding super-block b of the 16 rows:
//   [0, 32)       d of rows 0..15 (f16)
//   [32, 64)      dmin of rows 0..15 (f16)
//   [64, 256)     the 12 packed scale bytes, transposed: byte j of row r at 64 + 16·j + r
//   [256, 2304)   32 octets t = 0..31 of 64 bytes; row r's 4 bytes at 256 + 64·t + 4·r hold quants
//                 8t..8t+3 of that row in their low nibbles and 8t+4..8t+7 in their high nibbles
// A group of rows r0..r0+15 occupies exactly the bytes those rows occupy in the plain layout, so a tensor is
// interleaved in place, group by group.
#pragma once

#include <cstddef>
#include <cstdint>

namespace corral::quant {

inline constexpr int kInterleaveRows = 16;
inline constexpr size_t kInterleavedBlockBytes = 16 * 144;

// A rows × k Q4_K matrix with row_stride bytes between rows can be interleaved: whole groups of 16 rows,
// whole super-blocks, rows packed back to back.
bool CanInterleaveQ4K(int64_t rows, int64_t k, size_t row_stride);

// 16 plain Q4_K rows of k elements (back to back) → one interleaved group, and back. The two buffers must
// not overlap.
void InterleaveQ4KGroup(const uint8_t* rows, int64_t k, uint8_t* group);
void DeinterleaveQ4KGroup(const uint8_t* group, int64_t k, uint8_t* rows);

// Interleaves a whole matrix in place (REQUIRES CanInterleaveQ4K(rows, k, row stride)), one group at a time
// through `buffer` of 16 rows' bytes.
void InterleaveQ4KInPlace(uint8_t* data, int64_t rows, int64_t k, uint8_t* buffer);

}  // namespace corral::quant
