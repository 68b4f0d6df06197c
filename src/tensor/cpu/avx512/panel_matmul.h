// Matrix-matrix products (prefill) on AVX-512 VNNI without AMX: an int8 GEMM whose inner loop is nothing but
// vpdpbusd, fed from two repacked operands.
//
// The tiles of kernels.h decode every weight block again for each group of at most four activation rows
// and spend as many instructions on unpacking nibbles and applying sub-block scales as on multiplying, so a
// 512-token prefill ran at a quarter of what the multiply units can do. Here:
//   - activations (already quantized to Q8_0 / Q8_K) are repacked once per product into blocks of 16 rows,
//     four consecutive k of each row side by side (one 64-byte vector per k-quad), shifted to unsigned
//     (a + 128) because vpdpbusd multiplies unsigned by signed bytes;
//   - weights are decoded once per 16 rows into signed bytes with, per K-step of 32 elements (16 for Q6_K's
//     16-element sub-blocks), one float scale, one float offset (the K-quant minimum) and the integer
//     correction −128·Σq that takes the activations' shift back out exactly;
//   - a register tile of 4 weight rows × 32 activation rows then runs one vpdpbusd per 4 × 16 × 4 products,
//     the four weight bytes broadcast straight from memory, and per K-step converts its integer sums to
//     float once: y += scale_w · d_a · Σ q·a (+ offset_w · d_a·Σa).
// Each activation block is read from L2 once per 4 weight rows, each decoded weight row once per 32
// activation rows, so the decode is spread over the whole batch.
//
// Built with the AVX-512 family's flags: call only with cpu::Isa::kAvx512 supported.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/dtype.h"

namespace corral::cpu::panel {

// Weight formats with a panel decoder (the formats of the common model mixtures).
bool Supports(DType weight);

// Activation rows per packed block, and blocks per register tile: m is padded to a multiple of 32.
inline constexpr int kBlockRows = 16;
inline constexpr int kTileBlocks = 2;

// Bytes of the packed form of m activation rows of k elements, for weights of `weight`.
size_t PackedBytes(DType weight, int64_t m, int64_t k);
// Bytes of one thread's workspace (decoded weights, the AMX path's accumulators, and room for 16 plain rows
// of interleaved Q4_K / Q6_K) for m × k products.
size_t WorkspaceBytes(DType weight, int64_t m, int64_t k);
// Where in that workspace the 16 restored rows of an interleaved group go (Problem::interleaved).
size_t PlainRowsOffset(DType weight, int64_t m, int64_t k);
// Packed blocks for m rows (a multiple of kTileBlocks).
int64_t PackedBlocks(int64_t m);

// Packs 16-row blocks [block_begin, block_end) of m activation rows in ActivationType(weight) (row i at
// act + i · act_stride) into `packed` (64-byte aligned, PackedBytes long). Rows past m pack as zeros.
// `shifted`: bytes as a + 128 (unsigned, for vpdpbusd and MultiplyRows); else the signed bytes as they are
// (for the AMX tiles, cpu/amx/amx_matmul.h).
void PackActivations(DType weight, const uint8_t* act, size_t act_stride, int64_t m, int64_t k,
                     int64_t block_begin, int64_t block_end, bool shifted, uint8_t* packed);

struct Problem {
  DType type;
  const uint8_t* w;  // weight row r at w + r · w_stride
  size_t w_stride;
  int64_t k;
  const uint8_t* packed;  // PackActivations of all blocks
  int64_t m;
  float* y;  // y[i · y_stride + r]
  int64_t y_stride;
  // Q4_K / Q6_K in groups of 16 rows (tensor/quant/interleave.h): each group is restored into the workspace
  // before its rows are decoded (the decode is spread over m ≥ 32 activation rows, the restore with it).
  bool interleaved = false;
};

// Output rows [begin, end) for all m activation rows; `workspace` is 64-byte aligned, WorkspaceBytes long,
// and private to the calling thread.
void MultiplyRows(const Problem& p, int64_t begin, int64_t end, uint8_t* workspace);

}  // namespace corral::cpu::panel
