// The CPU dot-product kernels behind matmul, one set per instruction-set family (cpu_features.h).
//
// A weight type is never dotted with f32 activations directly. Each activation row is first converted, once,
// into the format the weight type pairs with (ggml's vec_dot_type, peers.md §2.5), and the kernel then works
// on integers: Q4_0/Q5_0/Q8_0/IQ4_NL weights with Q8_0 activations, Q4_1/Q5_1 with Q8_1 (whose block sum
// folds the weight minimum in), the K-quants and IQ4_XS with Q8_K (whose 16-element sums fold the sub-block
// minimum in), F16 with F16, BF16 with BF16, F32 with F32.
//
// The unit of work is a tile: a few weight rows × a few activation rows, so each weight byte streamed from
// memory is decoded once and used for every activation row of the tile, and each activation block is loaded
// once for every weight row. Matrix-vector (decode) uses the one-column tiles, matrix-matrix (prefill,
// batched decode) the wider ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/dtype.h"
#include "tensor/cpu/cpu_features.h"

namespace corral::cpu {

// The activation format `weight` is dotted with; nullopt when corral has no dot kernel for `weight`.
std::optional<DType> ActivationType(DType weight);

// Converts n floats (n a whole number of activation blocks) into one activation row.
using QuantizeRowFn = void (*)(const float* x, void* dst, int64_t n);

// A tile of dot products over n elements (n a whole number of weight blocks):
//   out[c * out_stride + r] = Σ_i W_r[i] · A_c[i]   for r < n_rows and c < the tile's column count,
// where W_r starts at w + r * w_stride bytes and A_c at a + c * a_stride bytes. 1 ≤ n_rows ≤ the tile's row
// count; rows at and past n_rows are neither read nor written.
using DotTileFn = void (*)(int64_t n, const void* w, size_t w_stride, int n_rows, const void* a,
                           size_t a_stride, float* out, size_t out_stride);

inline constexpr int kMaxTileCols = 4;
inline constexpr int kMaxTileRows = 8;

struct DotKernel {
  DType weight;
  DType activation;
  // Writes the activation row. F32 weights use the f32 row as it is, so their kernels carry a plain copy.
  QuantizeRowFn quantize;
  // tiles[c] computes c activation rows (1 ≤ c ≤ kMaxTileCols) against up to rows[c] weight rows.
  DotTileFn tiles[kMaxTileCols + 1];
  int rows[kMaxTileCols + 1];
};

// The kernel of `isa` for `weight`, or nullptr when `weight` has none (ActivationType() is nullopt). Never
// returns a kernel the running CPU cannot execute as long as IsaSupported(isa, HostCpuFeatures()).
const DotKernel* FindDotKernel(DType weight, Isa isa);

// One dot product (a 1×1 tile), for tests and odd callers.
float DotRow(const DotKernel& kernel, int64_t n, const void* w, const void* a);

}  // namespace corral::cpu
