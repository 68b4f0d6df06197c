// Weights rearranged at load time so that 16 rows are multiplied together: the "interleaved" layout of a
// Q4_K, Q6_K or F16 matrix, read by the AVX-512 kernels cpu/avx512/q4k_interleaved.h, q6k_interleaved.h
// and f16_interleaved.h. Never written to a file; same bytes, same values, only their order differs.
//
// Why: a decode step multiplies each weight row by one activation row. Row by row, a Q4_K super-block costs
// ~60 instructions (unpacking the 12 packed scale bytes, splitting nibbles, applying 8 sub-block scales and
// the minimum term, converting to float), and that kept Q4_K decode at ~80 % of the memory bandwidth on
// Zen 4 while Q8_0 streamed at 97 % (bench/README.md). With 16 rows side by side, one 64-byte vector holds
// four consecutive quants of each of the 16 rows, one vpdpbusd multiplies them all by one broadcast
// activation quad, and every per-block step (scales, minimums, float conversion) is done once for 16 rows
// in one vector, with the 16 results landing in one vector too (no horizontal sums). The rows stay one
// memory stream (several streams per thread read DRAM slower on Zen 4).
//
// Rows are taken 16 at a time (a group); a group of n super-blocks per row is n group-blocks, group-block b
// holding super-block b of the 16 rows, in as many bytes as the 16 plain blocks. Both layouts share the
// quant "octets": octet t (t = 0..31) is 64 bytes, row r's 4 bytes at 64·t + 4·r holding bits 0-3 of quants
// 8t..8t+3 of that row in their low nibbles and of 8t+4..8t+7 in their high nibbles.
//
// Q4_K group-block, 16 × 144 = 2304 = 36 · 64 bytes:
//   [0, 32)       d of rows 0..15 (f16)
//   [32, 64)      dmin of rows 0..15 (f16)
//   [64, 256)     the 12 packed scale bytes, transposed: byte j of row r at 64 + 16·j + r
//   [256, 2304)   the 32 octets
// Q6_K group-block, 16 × 210 = 3360 bytes, in three parts (interleave_formats.h: Q6KInterleavedParts places
// them: two group-blocks share 6720 = 105 · 64 bytes so that no 64-byte load straddles two cache lines):
//   d             d of rows 0..15 (f16), 32 bytes
//   scales        the 16 int8 scales, transposed: scale j of row r at 16·j + r, 256 bytes
//   chunks        16 chunks p of 192 bytes, one per 16-element sub-block, read in order: octets 2p and
//                 2p + 1 (bits 0-3 of each 6-bit quant), then 64 bytes of bits 4-5 where row r's byte i
//                 (i = 0..3) at +128 + 4·r holds, from bit 0 up, two bits each of quants 16p + i,
//                 16p + 4 + i, 16p + 8 + i, 16p + 12 + i (the four quads of the two octets, in the order
//                 of their nibbles). With the high bits in a region of their own the kernel read two
//                 streams per thread and streamed at half the rate.
// F16 group: element e of row r at 32·e + 2·r (the 16 rows' values of one element side by side).
// A group of rows r0..r0+15 occupies exactly the bytes those rows occupy in the plain layout, so a tensor is
// interleaved in place, group by group.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/dtype.h"

namespace corral::quant {

inline constexpr int kInterleaveRows = 16;

// Bytes of one group-block (16 super-blocks of `type`).
size_t InterleavedBlockBytes(DType type);

// A rows × k matrix of `type` with row_stride bytes between rows can be interleaved: Q4_K, Q6_K (whole
// super-blocks) or F16, whole groups of 16 rows, rows packed back to back.
bool CanInterleave(DType type, int64_t rows, int64_t k, size_t row_stride);

// 16 plain rows of k elements (back to back) → one interleaved group, and back. The two buffers must not
// overlap. REQUIRES: type is Q4_K, Q6_K or F16.
void InterleaveGroup(DType type, const uint8_t* rows, int64_t k, uint8_t* group);
void DeinterleaveGroup(DType type, const uint8_t* group, int64_t k, uint8_t* rows);

// Row `row` of an interleaved rows × k matrix at `data`, dequantized (DequantizeRow's values): token
// embeddings looked up in a matrix the output projection also multiplies by.
void DequantizeInterleavedRow(DType type, const uint8_t* data, int64_t row, int64_t k, float* out);

// Interleaves a whole matrix in place (REQUIRES CanInterleave), one group at a time through `buffer` of
// 16 rows' bytes.
void InterleaveInPlace(DType type, uint8_t* data, int64_t rows, int64_t k, uint8_t* buffer);

}  // namespace corral::quant
