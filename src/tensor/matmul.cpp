#include "tensor/matmul.h"

#include <algorithm>
#include <string>

#include "tensor/cpu/amx/amx_matmul.h"
#include "tensor/cpu/avx512/f16_interleaved.h"
#include "tensor/cpu/avx512/panel_matmul.h"
#include "tensor/cpu/avx512/q4k_interleaved.h"
#include "tensor/cpu/avx512/q6k_interleaved.h"
#include "tensor/cpu/kernels.h"
#include "tensor/quant/interleave.h"

namespace corral {
namespace {

// Weight bytes a thread keeps hot while it multiplies them with every activation row: well inside a
// per-core L2 (256 KiB on the smallest x86 cores in use, 1-2 MiB on current ones), leaving room for the
// activation rows streaming past.
constexpr size_t kChunkBytes = 192 * 1024;

// Rows per thread range are whole multiples of this (any tile's row count divides it).
constexpr int64_t kRowGrain = 16;

// Below this many activation rows the AMX tiles (16 rows each) are too empty to beat the AVX-512 kernels.
constexpr int64_t kAmxMinRows = 32;

// Activation rows are converted on the calling thread below this count: a pool round trip costs more than
// converting a few rows of a few thousand elements.
constexpr int64_t kParallelQuantizeRows = 4;

struct Job {
  const cpu::DotKernel* kernel;
  const uint8_t* w;
  size_t w_stride;
  int64_t k;
  const uint8_t* act;
  size_t act_stride;
  int64_t m;
  float* y;
  int64_t y_stride;
  bool interleaved;
};

// Output rows [begin, end) for every activation row.
void MultiplyRows(const Job& job, int64_t begin, int64_t end) {
  const cpu::DotKernel& kernel = *job.kernel;
  if (job.m == 1) {
    const int rows = kernel.rows[1];
    for (int64_t r = begin; r < end; r += rows) {
      kernel.tiles[1](job.k, job.w + r * job.w_stride, job.w_stride,
                      static_cast<int>(std::min<int64_t>(rows, end - r)), job.act, job.act_stride, job.y + r,
                      static_cast<size_t>(job.y_stride));
    }
    return;
  }
  const int64_t chunk_rows =
      std::max<int64_t>(kRowGrain, static_cast<int64_t>(kChunkBytes / job.w_stride) / kRowGrain * kRowGrain);
  for (int64_t r0 = begin; r0 < end; r0 += chunk_rows) {
    const int64_t r1 = std::min(end, r0 + chunk_rows);
    for (int64_t c0 = 0; c0 < job.m;) {
      const int cols = static_cast<int>(std::min<int64_t>(cpu::kMaxTileCols, job.m - c0));
      const int rows = kernel.rows[cols];
      const cpu::DotTileFn tile = kernel.tiles[cols];
      const uint8_t* act = job.act + c0 * job.act_stride;
      float* y = job.y + c0 * job.y_stride;
      for (int64_t r = r0; r < r1; r += rows) {
        tile(job.k, job.w + r * job.w_stride, job.w_stride, static_cast<int>(std::min<int64_t>(rows, r1 - r)),
             act, job.act_stride, y + r, static_cast<size_t>(job.y_stride));
      }
      c0 += cols;
    }
  }
}

// Output rows [begin, end) (whole groups of 16) of interleaved weights with the AVX-512 kernels, a few
// activation rows at a time; a group (16 rows' bytes, 74 KiB for Q4_K at k = 8192) stays in L2 across them.
void MultiplyInterleaved(const Job& job, DType type, int64_t begin, int64_t end) {
  const auto tile = type == DType::kQ4_K   ? &cpu::avx512::Q4KInterleavedTile
                    : type == DType::kQ6_K ? &cpu::avx512::Q6KInterleavedTile
                                           : &cpu::avx512::F16InterleavedTile;
  const size_t group_bytes = quant::kInterleaveRows * job.w_stride;
  for (int64_t r = begin; r < end; r += quant::kInterleaveRows) {
    const uint8_t* group = job.w + (r / quant::kInterleaveRows) * group_bytes;
    for (int64_t c0 = 0; c0 < job.m; c0 += cpu::avx512::kInterleavedMaxCols) {
      const int cols = static_cast<int>(std::min<int64_t>(cpu::avx512::kInterleavedMaxCols, job.m - c0));
      tile(job.k, group, job.act + c0 * job.act_stride, job.act_stride, cols, job.y + c0 * job.y_stride + r,
           static_cast<size_t>(job.y_stride));
    }
  }
}

// Interleaved weights on a family without their kernel: each group of rows restored into `plain` (16 rows)
// and multiplied as usual.
void MultiplyInterleavedPlain(const Job& job, DType type, int64_t begin, int64_t end, uint8_t* plain) {
  const size_t group_bytes = quant::kInterleaveRows * job.w_stride;
  for (int64_t r = begin; r < end; r += quant::kInterleaveRows) {
    quant::DeinterleaveGroup(type, job.w + (r / quant::kInterleaveRows) * group_bytes, job.k, plain);
    Job group = job;
    group.w = plain;
    group.y = job.y + r;
    MultiplyRows(group, 0, quant::kInterleaveRows);
  }
}

// The panel GEMM (cpu/avx512/panel_matmul.h): activations packed once, in parallel by 16-row blocks, then
// each thread decodes and multiplies its share of the weight rows with its own decode buffer, on the AMX
// tiles (cpu/amx/amx_matmul.h, signed activations) or with vpdpbusd (activations shifted to unsigned).
void PanelMatmul(ThreadPool& pool, const Job& job, DType type, int64_t n_out, bool amx,
                 MatmulScratch& scratch) {
  const size_t packed_bytes = (cpu::panel::PackedBytes(type, job.m, job.k) + 63) / 64 * 64;
  const size_t workspace_bytes = (cpu::panel::WorkspaceBytes(type, job.m, job.k) + 63) / 64 * 64;
  uint8_t* packed = scratch.panel_buffer(packed_bytes + workspace_bytes * static_cast<size_t>(pool.size()));
  const int64_t blocks = cpu::panel::PackedBlocks(job.m);
  pool.ParallelFor(blocks, 1, [&](int64_t begin, int64_t end) {
    cpu::panel::PackActivations(type, job.act, job.act_stride, job.m, job.k, begin, end, !amx, packed);
  });
  const cpu::panel::Problem problem{type,  job.w, job.w_stride, job.k,          packed,
                                    job.m, job.y, job.y_stride, job.interleaved};
  pool.Run([&](int ith, int nth) {
    const int64_t chunks = (n_out + kRowGrain - 1) / kRowGrain;
    const int64_t begin = chunks * ith / nth * kRowGrain;
    const int64_t end = std::min<int64_t>(n_out, chunks * (ith + 1) / nth * kRowGrain);
    if (begin >= end) return;
    uint8_t* workspace = packed + packed_bytes + workspace_bytes * ith;
    if (amx) {
      cpu::amx::MultiplyRows(problem, begin, end, workspace);
    } else {
      cpu::panel::MultiplyRows(problem, begin, end, workspace);
    }
  });
}

}  // namespace

uint8_t* MatmulScratch::panel_buffer(size_t bytes) {
  if (panel_.size() < bytes + 64) panel_.resize(bytes + 64);
  const uintptr_t addr = reinterpret_cast<uintptr_t>(panel_.data());
  return panel_.data() + ((64 - addr % 64) % 64);
}

MatmulScratch::MatmulScratch(int64_t max_m, int64_t max_k)
    : max_m_(std::max<int64_t>(max_m, 0)), max_k_(std::max<int64_t>(max_k, 0)) {
  // The widest activation format is f16/bf16 (2 bytes per element); f32 weights use the f32 rows as given.
  const size_t pitch = RowPitch(static_cast<size_t>(max_k_) * 2);
  buffer_.resize(static_cast<size_t>(max_m_) * pitch + 64);
  const uintptr_t addr = reinterpret_cast<uintptr_t>(buffer_.data());
  base_ = buffer_.data() + ((64 - addr % 64) % 64);
}

bool CanMatmul(DType type) {
  return cpu::ActivationType(type).has_value();
}

Status Matmul(ThreadPool& pool, const MatmulOptions& options, const WeightView& w, const float* x, int64_t m,
              int64_t x_stride, float* y, int64_t y_stride, MatmulScratch& scratch) {
  const cpu::DotKernel* kernel = cpu::FindDotKernel(w.type, options.isa);
  if (kernel == nullptr) {
    return Status::Unsupported(std::string("matmul: no kernel for weights of type ") +
                               std::string(DTypeName(w.type)));
  }
  const int64_t k = w.cols;
  const int64_t block = Traits(w.type).block_size;
  if (k <= 0 || k % block != 0 || w.rows < 0) {
    return Status::InvalidArgument("matmul: " + std::to_string(w.rows) + " × " + std::to_string(k) + " " +
                                   std::string(DTypeName(w.type)) +
                                   " is not a whole number of blocks per row");
  }
  if (w.row_stride < RowBytes(w.type, k) || w.data == nullptr) {
    return Status::InvalidArgument("matmul: weight row stride shorter than a row, or no data");
  }
  if (m < 1 || (m > 1 && (x_stride < k || y_stride < w.rows)) || x == nullptr || y == nullptr) {
    return Status::InvalidArgument("matmul: bad activation/output shape (m=" + std::to_string(m) + ")");
  }
  if (w.type != DType::kF32 && (m > scratch.max_m() || k > scratch.max_k())) {
    return Status::InvalidArgument("matmul: " + std::to_string(m) + " × " + std::to_string(k) +
                                   " activations exceed the scratch (" + std::to_string(scratch.max_m()) +
                                   " × " + std::to_string(scratch.max_k()) + ")");
  }
  if (w.rows == 0) return Status::Ok();

  const bool interleaved = w.layout == WeightLayout::kInterleaved16;
  if (interleaved && !quant::CanInterleave(w.type, w.rows, k, w.row_stride)) {
    return Status::InvalidArgument("matmul: " + std::to_string(w.rows) + " × " + std::to_string(k) + " " +
                                   std::string(DTypeName(w.type)) + " cannot be in the interleaved layout");
  }
  Job job{kernel,     static_cast<const uint8_t*>(w.data), w.row_stride, k, nullptr, 0, m, y, y_stride,
          interleaved};
  if (w.type == DType::kF32) {
    job.act = reinterpret_cast<const uint8_t*>(x);
    job.act_stride = static_cast<size_t>(x_stride) * sizeof(float);
  } else {
    const size_t row_bytes = RowBytes(kernel->activation, k);
    auto convert = [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) kernel->quantize(x + i * x_stride, scratch.row(i, row_bytes), k);
    };
    if (m >= kParallelQuantizeRows && pool.size() > 1) {
      pool.ParallelFor(m, 1, convert);
    } else {
      convert(0, m);
    }
    job.act = scratch.row(0, row_bytes);
    job.act_stride = MatmulScratch::RowPitch(row_bytes);
  }
  const bool amx = options.use_amx && options.isa == cpu::Isa::kAvx512 && m >= kAmxMinRows &&
                   w.type != DType::kF32 && cpu::amx::Supports(w.type) &&
                   cpu::AmxUsable(cpu::HostCpuFeatures());
  if (amx) {
    PanelMatmul(pool, job, w.type, w.rows, /*amx=*/true, scratch);
    return Status::Ok();
  }
  if (options.use_panels && options.isa == cpu::Isa::kAvx512 &&
      m >= (interleaved ? kInterleavedPanelMinRows : kPanelMinRows) && cpu::panel::Supports(w.type)) {
    PanelMatmul(pool, job, w.type, w.rows, /*amx=*/false, scratch);
    return Status::Ok();
  }
  if (interleaved && options.isa == cpu::Isa::kAvx512) {
    pool.ParallelFor(w.rows, kRowGrain,
                     [&](int64_t begin, int64_t end) { MultiplyInterleaved(job, w.type, begin, end); });
    return Status::Ok();
  }
  if (interleaved) {
    const size_t plain_bytes = (quant::kInterleaveRows * w.row_stride + 63) / 64 * 64;
    uint8_t* plain = scratch.panel_buffer(plain_bytes * static_cast<size_t>(pool.size()));
    pool.Run([&](int ith, int nth) {
      const int64_t groups = w.rows / quant::kInterleaveRows;
      const int64_t begin = groups * ith / nth * quant::kInterleaveRows;
      const int64_t end = groups * (ith + 1) / nth * quant::kInterleaveRows;
      if (begin < end)
        MultiplyInterleavedPlain(job, w.type, begin, end, plain + plain_bytes * static_cast<size_t>(ith));
    });
    return Status::Ok();
  }
  pool.ParallelFor(w.rows, kRowGrain, [&](int64_t begin, int64_t end) { MultiplyRows(job, begin, end); });
  return Status::Ok();
}

bool PreferInterleaved(DType type, cpu::Isa isa) {
  return isa == cpu::Isa::kAvx512 && (type == DType::kQ4_K || type == DType::kQ6_K || type == DType::kF16);
}

}  // namespace corral
