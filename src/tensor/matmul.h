// Matrix multiplication against a weight matrix in any stored format:
//   y[m × n_out] = x[m × k] · Wᵀ,   W = n_out rows of k elements of one DType, used in place (mmapped).
//
// Each activation row is converted once per call into the format W's type dots with (cpu/kernels.h) and
// kept in a caller-owned MatmulScratch, sized up front, so nothing is allocated in the token loop. Output
// rows are split across the thread pool in contiguous ranges, so each thread streams its own part of W once.
// Within a thread, weight rows are visited in chunks that fit the L2 cache, and every chunk is multiplied
// with all activation rows (a few at a time, the kernels' tiles) before the next is read: for a batch of m
// rows the weights still cross the memory bus once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "base/thread_pool.h"
#include "tensor/cpu/cpu_features.h"

namespace corral {

// How a weight matrix's blocks are ordered in memory.
enum class WeightLayout {
  kRows,          // as in the file: row r at data + r · row_stride bytes
  kInterleaved16,  // Q4_K / Q6_K / F16 in groups of 16 rows (tensor/quant/interleave.h), rearranged at load
};

// A weight matrix as stored: rows of `cols` elements of `type`.
struct WeightView {
  DType type = DType::kF32;
  const void* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  size_t row_stride = 0;  // ≥ RowBytes(type, cols); a group of 16 interleaved rows spans 16 · row_stride
  WeightLayout layout = WeightLayout::kRows;
};

// Whether a model loaded for `isa` should interleave the matrices of `type` that allow it
// (quant::CanInterleave): the AVX-512 family has the kernels; every other family multiplies interleaved
// weights too, but by restoring each group of rows first.
bool PreferInterleaved(DType type, cpu::Isa isa);

// Room for the converted activations of up to max_m rows of up to max_k elements, in any activation format.
class MatmulScratch {
 public:
  MatmulScratch(int64_t max_m, int64_t max_k);

  int64_t max_m() const { return max_m_; }
  int64_t max_k() const { return max_k_; }
  // Bytes reserved (for memory reports).
  size_t bytes() const { return buffer_.size() + panel_.size(); }

  // Start of activation row i, for rows of row_bytes (64-byte aligned; REQUIRES i < max_m).
  uint8_t* row(int64_t i, size_t row_bytes) { return base_ + static_cast<size_t>(i) * RowPitch(row_bytes); }
  static size_t RowPitch(size_t row_bytes) { return (row_bytes + 63) / 64 * 64; }

  // 64-byte aligned room of at least `bytes` for the panel path's packed activations and per-thread decode
  // buffers. It grows on the first product that needs more, so a model's first prefill batch allocates it
  // and the batches after it reuse it.
  uint8_t* panel_buffer(size_t bytes);

 private:
  int64_t max_m_;
  int64_t max_k_;
  std::vector<uint8_t> buffer_;
  uint8_t* base_;
  std::vector<uint8_t> panel_;
};

struct MatmulOptions {
  cpu::Isa isa = cpu::Isa::kScalar;
  // With isa kAvx512 on a CPU with AMX (cpu::AmxUsable), products of 32 or more activation rows run on the
  // AMX tiles (cpu/amx/amx_matmul.h) for the formats with a panel decoder; CORRAL_AMX=0 turns this off for
  // a whole process (cpu::AmxAllowedByEnvironment, read by the model's forward pass).
  bool use_amx = true;
  // With isa kAvx512 and no AMX, products of kPanelMinRows or more activation rows for the formats of
  // cpu/avx512/panel_matmul.h run as its int8 GEMM; off, they use the tiles of `isa` (tests compare both).
  bool use_panels = true;
};

// Activation rows from which the panel GEMM beats the tiles: its per-K-step float work and the weight
// decode are spread over the activation rows.
inline constexpr int64_t kPanelMinRows = 32;

// Interleaved weights go to the panel GEMM (which restores each group of rows first) only from this many
// activation rows: below it the interleaved kernel is faster (2 threads, 2048 × 8192, Zen 4: m = 64 at
// 467-520 GFLOP/s against the panels' 338-359, or 430-450 on plain rows; m = 512 at 475-503 against
// 505-527). AMX, where present, still takes every product from 32 rows.
inline constexpr int64_t kInterleavedPanelMinRows = 256;

// True when Matmul can multiply by weights of `type` (ActivationType(type) exists).
bool CanMatmul(DType type);

// y row i (n_out = w.rows floats) starts at y + i · y_stride; x row i (k = w.cols floats) at x + i ·
// x_stride. Errors (InvalidArgument / Unsupported): a type without kernels, k not a multiple of the type's
// block, m < 1 or beyond the scratch, k beyond the scratch, a row stride shorter than a row, strides shorter
// than the rows they separate, an interleaved layout on a matrix that cannot have it. REQUIRES:
// IsaSupported(options.isa, HostCpuFeatures()); x and y do not overlap.
Status Matmul(ThreadPool& pool, const MatmulOptions& options, const WeightView& w, const float* x, int64_t m,
              int64_t x_stride, float* y, int64_t y_stride, MatmulScratch& scratch);

}  // namespace corral
