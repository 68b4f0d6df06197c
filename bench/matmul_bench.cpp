// Matmul speed per weight type, threads and batch size, over weights far larger than the last-level cache:
// several 2048 × 8192 matrices (CORRAL_BENCH_SHAPE: another shape) (≥ 256 MiB in all) are cycled so every
// call streams its weights from DRAM, as a decode step does. Counters:
//   GB/s      weight bytes read per second (compare with ../shared/peer membw's read bandwidth)
//   GFLOP/s   2·m·n·k per second (the number that matters for prefill shapes)
// The weights live where a loaded model's do (base/resident_buffer.h: 2 MiB-aligned anonymous memory
// advised for transparent huge pages); CORRAL_BENCH_PAGES=4k advises against huge pages instead, the page
// size of a model read in place from its file's map (use_mmap). The kernel family is CORRAL_ISA's (default:
// the best this CPU runs). BM_GgmlVecDot runs llama.cpp's own ggml_vec_dot_<type> of its build for this CPU,
// single-threaded, row by row over the same weights, where the prebuilt library is present (../shared/peer
// setup): the same work as corral's m = 1, 1 thread.
//
// Results and the history of what changed: bench/README.md.
#include <benchmark/benchmark.h>
#include <dlfcn.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/resident_buffer.h"
#include "base/thread_pool.h"
#include "bench_weights.h"
#include "tensor/cpu/avx512/f16_interleaved.h"
#include "tensor/cpu/avx512/q4k_interleaved.h"
#include "tensor/cpu/avx512/q6k_interleaved.h"
#include "tensor/cpu/cpu_features.h"
#include "tensor/cpu/kernels.h"
#include "tensor/matmul.h"
#include "tensor/quant/interleave.h"
#include "tensor/quant/quant.h"

namespace corral {
namespace {

// The matrix shape, n_out × k: 2048 × 8192 (a 1B model's ffn_down) unless CORRAL_BENCH_SHAPE=ROWSxCOLS
// asks for another (8192x2048: its ffn_gate / ffn_up, whose rows are a quarter as long).
struct Shape {
  int64_t rows = 2048;
  int64_t cols = 8192;
};

const Shape& BenchShape() {
  static const Shape shape = [] {
    Shape s;
    const char* env = std::getenv("CORRAL_BENCH_SHAPE");
    long long rows = 0, cols = 0;
    if (env != nullptr && std::sscanf(env, "%lldx%lld", &rows, &cols) == 2 && rows > 0 && rows % 16 == 0 &&
        cols > 0 && cols % 256 == 0) {
      s.rows = rows;
      s.cols = cols;
    }
    return s;
  }();
  return shape;
}

const int64_t kRows = BenchShape().rows;  // n_out of one matrix
const int64_t kCols = BenchShape().cols;  // k
constexpr size_t kMinPoolBytes = size_t{256} << 20;

// Enough copies of one random 2048 × 8192 matrix of `type` to exceed kMinPoolBytes (at least 4), in the
// plain layout or interleaved (Q4_K, Q6_K: tensor/quant/interleave.h).
struct WeightPool {
  DType type;
  WeightLayout layout;
  size_t row_bytes;
  size_t matrix_bytes;
  int count;
  ResidentBuffer data;

  WeightPool(DType t, WeightLayout l)
      : type(t), layout(l), row_bytes(RowBytes(t, kCols)), matrix_bytes(row_bytes * kRows) {
    count = static_cast<int>(std::max<size_t>(4, (kMinPoolBytes + matrix_bytes - 1) / matrix_bytes));
    data = std::move(ResidentBuffer::Allocate(matrix_bytes * count)).value();
    const char* pages = std::getenv("CORRAL_BENCH_PAGES");
    if (pages != nullptr && std::string(pages) == "4k") ::madvise(data.data(), data.size(), MADV_NOHUGEPAGE);
    bench::FillWeights(t, layout, kCols, data.data(), data.size());
  }
  const uint8_t* matrix(int i) const { return data.data() + static_cast<size_t>(i % count) * matrix_bytes; }
};

// One pool at a time (they are hundreds of MiB); benchmarks are registered type by type.
const WeightPool& PoolFor(DType type, WeightLayout layout = WeightLayout::kRows) {
  static std::unique_ptr<WeightPool> pool;
  if (!pool || pool->type != type || pool->layout != layout) {
    pool.reset();
    pool = std::make_unique<WeightPool>(type, layout);
  }
  return *pool;
}

// The AVX-512 kernel of an interleaved `type`.
auto InterleavedTile(DType type) {
  return type == DType::kQ4_K   ? &cpu::avx512::Q4KInterleavedTile
         : type == DType::kQ6_K ? &cpu::avx512::Q6KInterleavedTile
                                : &cpu::avx512::F16InterleavedTile;
}

// The layout a model loaded for `isa` gives a matrix of `type` (model/model.cpp).
WeightLayout ModelLayout(DType type, cpu::Isa isa) {
  return PreferInterleaved(type, isa) ? WeightLayout::kInterleaved16 : WeightLayout::kRows;
}

std::vector<float> Activations(int64_t m) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(m * kCols);
  for (float& v : x) v = normal(rng);
  return x;
}

void SetCounters(benchmark::State& state, const WeightPool& pool, int64_t m) {
  const double calls = static_cast<double>(state.iterations());
  state.counters["GB"] =
      benchmark::Counter(calls * static_cast<double>(pool.matrix_bytes) / 1e9, benchmark::Counter::kIsRate);
  state.counters["GFLOP"] = benchmark::Counter(calls * 2.0 * static_cast<double>(m) * kRows * kCols / 1e9,
                                               benchmark::Counter::kIsRate);
}

// Which matrix-matrix path a BM_Matmul runs for m >= kPanelMinRows: the one Matmul picks (AMX where usable,
// else the panel GEMM), the panel GEMM with AMX off, or the m = 1..8 tiles alone. The weights are laid out
// as a model loaded on this CPU has them, or in the file's plain layout (`plain`, for Q4_K).
enum class Path { kBest, kPanels, kTiles };

void BM_Matmul(benchmark::State& state, DType type, int threads, int64_t m, Path path, bool plain) {
  const Result<cpu::Isa> isa = cpu::IsaFromEnvironment(cpu::HostCpuFeatures());
  if (!isa.ok()) {
    state.SkipWithError(isa.status().ToString().c_str());
    return;
  }
  const WeightPool& pool = PoolFor(type, plain ? WeightLayout::kRows : ModelLayout(type, *isa));
  ThreadPool threads_pool(threads);
  MatmulScratch scratch(m, kCols);
  const std::vector<float> x = Activations(m);
  std::vector<float> y(m * kRows);
  MatmulOptions options{*isa};
  options.use_amx = path == Path::kBest;
  options.use_panels = path != Path::kTiles;
  int i = 0;
  for (auto _ : state) {
    const WeightView w{type, pool.matrix(i++), kRows, kCols, pool.row_bytes, pool.layout};
    const Status s = Matmul(threads_pool, options, w, x.data(), m, kCols, y.data(), kRows, scratch);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(y.data());
  }
  SetCounters(state, pool, m);
  state.SetLabel(std::string(cpu::IsaName(*isa)));
}

// The compute ceiling: the m = 1 tile of the kernel over the first 64 rows of one matrix (a few hundred KiB,
// L2-resident) again and again, activations converted once outside the loop. A kernel whose hot rate is
// well above the DRAM bandwidth can be bandwidth-bound when streaming.
void BM_KernelHot(benchmark::State& state, DType type, bool plain) {
  constexpr int64_t kHotRows = 64;
  const Result<cpu::Isa> isa = cpu::IsaFromEnvironment(cpu::HostCpuFeatures());
  if (!isa.ok()) {
    state.SkipWithError(isa.status().ToString().c_str());
    return;
  }
  const cpu::DotKernel* kernel = cpu::FindDotKernel(type, *isa);
  const WeightLayout layout = plain ? WeightLayout::kRows : ModelLayout(type, *isa);
  const WeightPool& pool = PoolFor(type, layout);
  const std::vector<float> x = Activations(1);
  std::vector<uint8_t> a(RowBytes(kernel->activation, kCols) + 64);
  kernel->quantize(x.data(), a.data(), kCols);
  std::vector<float> y(kHotRows);
  const int rows = kernel->rows[1];
  for (auto _ : state) {
    for (int64_t r = 0; r < kHotRows; r += rows) {
      if (layout == WeightLayout::kInterleaved16) {
        InterleavedTile(type)(kCols, pool.matrix(0) + r * pool.row_bytes, a.data(), 0, 1, y.data() + r, 0);
        r += quant::kInterleaveRows - rows;
        continue;
      }
      kernel->tiles[1](kCols, pool.matrix(0) + r * pool.row_bytes, pool.row_bytes, rows, a.data(), 0,
                       y.data() + r, 0);
    }
    benchmark::DoNotOptimize(y.data());
  }
  const double calls = static_cast<double>(state.iterations());
  state.counters["GB"] = benchmark::Counter(calls * static_cast<double>(pool.row_bytes * kHotRows) / 1e9,
                                            benchmark::Counter::kIsRate);
  state.SetLabel(std::string(cpu::IsaName(*isa)));
}

// llama.cpp's CPU build for this machine: the variant node-llama-cpp would load (zen4 with AVX-512 VNNI/BF16,
// haswell with AVX2), from ../shared/peer's cache.
void* GgmlCpuLibrary() {
  static void* lib = [] {
    const char* cache = std::getenv("PEER_CACHE");
    const std::filesystem::path dir = std::filesystem::path(cache != nullptr ? cache : "/tmp/peer-cache") /
                                      "node_modules/@node-llama-cpp/linux-x64/bins/linux-x64";
    const cpu::CpuFeatures& f = cpu::HostCpuFeatures();
    const char* variant = cpu::IsaSupported(cpu::Isa::kAvx512, f) && f.avx512bf16 ? "libggml-cpu-zen4.so"
                          : cpu::IsaSupported(cpu::Isa::kAvx2, f)                 ? "libggml-cpu-haswell.so"
                                                                                  : nullptr;
    if (variant == nullptr) return static_cast<void*>(nullptr);
    dlopen((dir / "libggml-base.so").c_str(), RTLD_NOW | RTLD_GLOBAL);
    void* h = dlopen((dir / variant).c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h != nullptr) {
      if (auto init = reinterpret_cast<void (*)()>(dlsym(h, "ggml_cpu_init"))) init();
    }
    return h;
  }();
  return lib;
}

void BM_GgmlVecDot(benchmark::State& state, DType type) {
  using VecDot = void (*)(int, float*, size_t, const void*, size_t, const void*, size_t, int);
  void* lib = GgmlCpuLibrary();
  const std::optional<DType> act = cpu::ActivationType(type);
  if (lib == nullptr || !act) {
    state.SkipWithError("llama.cpp's CPU library is not available (run ../shared/peer/setup.sh)");
    return;
  }
  const std::string act_name(DTypeName(*act));
  const std::string w_name(DTypeName(type));
  const std::string dot_name = type == DType::kF16 || type == DType::kBF16 || type == DType::kF32
                                   ? "ggml_vec_dot_" + w_name
                                   : "ggml_vec_dot_" + w_name + "_" + act_name;
  auto dot = reinterpret_cast<VecDot>(dlsym(lib, dot_name.c_str()));
  if (dot == nullptr) {
    state.SkipWithError(("no " + dot_name).c_str());
    return;
  }
  // Activations in the activation format, converted by corral (byte-identical with llama.cpp's SIMD build).
  const cpu::DotKernel* kernel = cpu::FindDotKernel(type, cpu::BestIsa(cpu::HostCpuFeatures()));
  const std::vector<float> x = Activations(1);
  std::vector<uint8_t> a(RowBytes(*act, kCols) + 64);
  kernel->quantize(x.data(), a.data(), kCols);
  const WeightPool& pool = PoolFor(type);
  std::vector<float> y(kRows);
  int i = 0;
  for (auto _ : state) {
    const uint8_t* w = pool.matrix(i++);
    for (int64_t r = 0; r < kRows; ++r)
      dot(static_cast<int>(kCols), &y[r], 0, w + r * pool.row_bytes, 0, a.data(), 0, 1);
    benchmark::DoNotOptimize(y.data());
  }
  SetCounters(state, pool, 1);
}

// With --benchmark_repetitions, "max" reports each counter's best repetition: the machine is shared and
// noisy, and the best of a few runs is the least disturbed (membw reports its best too). Its time column is
// the slowest repetition, not the fastest.
double Max(const std::vector<double>& v) {
  return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
}

const bool kRegistered = [] {
  // Types whose model layout on this CPU differs from the file's get "/plain" variants too.
  const Result<cpu::Isa> isa = cpu::IsaFromEnvironment(cpu::HostCpuFeatures());
  const auto relaid = [&](DType t) { return isa.ok() && ModelLayout(t, *isa) != WeightLayout::kRows; };
  for (DType type : {DType::kQ4_K, DType::kQ6_K, DType::kQ8_0, DType::kF16, DType::kQ4_0, DType::kQ5_K,
                     DType::kQ3_K, DType::kQ2_K, DType::kQ5_0, DType::kQ4_1, DType::kQ5_1, DType::kIQ4_NL,
                     DType::kIQ4_XS, DType::kBF16, DType::kF32}) {
    const std::string name(DTypeName(type));
    for (int threads : {1, 2}) {
      for (int64_t m : {1, 2, 4, 8, 64, 512}) {
        // "/tiles": the same product with AMX and the panel GEMM off (MatmulOptions), for comparison;
        // "/panels" (on CPUs with AMX): the panel GEMM with AMX off.
        for (Path path : {Path::kBest, Path::kPanels, Path::kTiles}) {
          if (path != Path::kBest && m < kPanelMinRows) continue;
          if (path == Path::kPanels && !cpu::AmxUsable(cpu::HostCpuFeatures())) continue;
          for (bool plain : {false, true}) {
            if (plain && (!relaid(type) || path != Path::kBest)) continue;
            const std::string suffix = std::string(path == Path::kPanels  ? "/panels"
                                                   : path == Path::kTiles ? "/tiles"
                                                                          : "") +
                                       (plain ? "/plain" : "");
            benchmark::RegisterBenchmark(("BM_Matmul/" + name + "/threads:" + std::to_string(threads) +
                                          "/m:" + std::to_string(m) + suffix)
                                             .c_str(),
                                         BM_Matmul, type, threads, m, path, plain)
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond)
                ->MinTime(m >= 64 ? 2.0 : 0.5)
                ->ComputeStatistics("max", Max);
          }
        }
      }
    }
    for (bool plain : {false, true}) {
      if (plain && !relaid(type)) continue;
      benchmark::RegisterBenchmark(("BM_KernelHot/" + name + (plain ? "/plain" : "")).c_str(), BM_KernelHot,
                                   type, plain)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond)
          ->MinTime(0.3);
    }
    benchmark::RegisterBenchmark(("BM_GgmlVecDot/" + name + "/threads:1/m:1").c_str(), BM_GgmlVecDot, type)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond)
        ->MinTime(0.5)
        ->ComputeStatistics("max", Max);
  }
  return true;
}();

}  // namespace
}  // namespace corral
