// corral_stream_compare: matrix-vector streaming rates of several weight formats and layouts, measured
// side by side against the read bandwidth of the same moment.
//
// On a shared host the memory bandwidth moves by 2x within a minute (bench/README.md), so a Google
// Benchmark run, which measures one kernel for a second and then the next, compares kernels across
// different machines. Here each round measures every variant once — a Matmul of m = 1 over ~128 MiB of
// DRAM-resident weights — and a plain read of 128 MiB of huge-page memory by the same threads (the
// roofline), in rotating order, a few milliseconds each; a variant's rate is reported as the median over
// rounds of its GB/s divided by that round's read rate, next to its median and best GB/s.
//
//   corral_stream_compare [--threads 2] [--rounds 200] [--shape 2048x8192] [VARIANT ...]
// VARIANT: a type name (q4_K, q6_K, q8_0, f16, ...), laid out as a loaded model lays it out on this CPU, or
// TYPE/plain for the file's layout. Default: q4_K q4_K/plain q6_K q6_K/plain q8_0 f16.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/resident_buffer.h"
#include "base/thread_pool.h"
#include "bench_weights.h"
#include "tensor/cpu/cpu_features.h"
#include "tensor/matmul.h"
#include "tensor/quant/interleave.h"
#include "tensor/quant/quant.h"

namespace corral {
namespace {

constexpr size_t kSampleBytes = size_t{128} << 20;  // weights (or plain bytes) read per measurement
constexpr size_t kPoolBytes = size_t{512} << 20;    // per variant: far past the last-level cache

struct Variant {
  std::string name;
  DType type;
  WeightLayout layout;
  size_t row_bytes = 0, matrix_bytes = 0;
  int count = 0;       // matrices in the pool
  int per_sample = 0;  // matrices per measurement
  ResidentBuffer data;
  std::vector<double> gbs, ratio;
};

std::optional<DType> TypeByName(const std::string& name) {
  for (uint32_t t = 0; t < 64; ++t) {
    const DType type = static_cast<DType>(t);
    if (quant::CanQuantize(type) && DTypeName(type) == name) return type;
  }
  return std::nullopt;
}

bool Fill(Variant& v, int64_t rows, int64_t cols, cpu::Isa isa, bool plain) {
  v.layout = !plain && PreferInterleaved(v.type, isa) &&
                     quant::CanInterleave(v.type, 16, cols, RowBytes(v.type, cols))
                 ? WeightLayout::kInterleaved16
                 : WeightLayout::kRows;
  v.row_bytes = RowBytes(v.type, cols);
  v.matrix_bytes = v.row_bytes * static_cast<size_t>(rows);
  v.count = static_cast<int>(std::max<size_t>(2, kPoolBytes / v.matrix_bytes));
  v.per_sample = static_cast<int>(std::max<size_t>(1, kSampleBytes / v.matrix_bytes));
  auto buffer = ResidentBuffer::Allocate(v.matrix_bytes * static_cast<size_t>(v.count));
  if (!buffer.ok()) return false;
  v.data = std::move(*buffer);
  bench::FillWeights(v.type, v.layout, cols, v.data.data(), v.data.size());
  return true;
}

// Sums 64-bit words so the reads cannot be optimised away; AVX2 loads, four chains.
__attribute__((target("avx2"))) uint64_t ReadSum(const uint8_t* p, size_t bytes) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 128 <= bytes; i += 128) {
    a0 = _mm256_add_epi64(a0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
    a1 = _mm256_add_epi64(a1, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
    a2 = _mm256_add_epi64(a2, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 64)));
    a3 = _mm256_add_epi64(a3, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 96)));
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes),
                     _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)));
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

int Main(int argc, char** argv) {
  int threads = 2, rounds = 200;
  long long rows = 2048, cols = 8192;
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--rounds" && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (a == "--shape" && i + 1 < argc && std::sscanf(argv[++i], "%lldx%lld", &rows, &cols) == 2) {
    } else if (!a.empty() && a[0] != '-') {
      names.push_back(a);
    } else {
      std::fprintf(stderr, "usage: %s [--threads N] [--rounds N] [--shape ROWSxCOLS] [TYPE[/plain] ...]\n",
                   argv[0]);
      return 2;
    }
  }
  if (names.empty()) names = {"q4_K", "q4_K/plain", "q6_K", "q6_K/plain", "q8_0", "f16"};
  const cpu::Isa isa = cpu::IsaOrBest(cpu::HostCpuFeatures());
  std::vector<Variant> variants;
  for (const std::string& n : names) {
    const size_t slash = n.find('/');
    const auto type = TypeByName(n.substr(0, slash));
    if (!type || rows % 16 != 0 || cols % Traits(*type).block_size != 0) {
      std::fprintf(stderr, "%s: unknown type or shape\n", n.c_str());
      return 2;
    }
    Variant v;
    v.name = n;
    v.type = *type;
    if (!Fill(v, rows, cols, isa, slash != std::string::npos && n.substr(slash) == "/plain")) {
      std::fprintf(stderr, "%s: out of memory\n", n.c_str());
      return 1;
    }
    variants.push_back(std::move(v));
  }
  auto plain = ResidentBuffer::Allocate(kSampleBytes * 2);
  if (!plain.ok()) return 1;
  std::memset(plain->data(), 1, plain->size());

  ThreadPool pool(threads);
  MatmulScratch scratch(1, cols);
  std::vector<float> x(static_cast<size_t>(cols)), y(static_cast<size_t>(rows));
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& f : x) f = normal(rng);
  const MatmulOptions options{isa};
  std::vector<double> read_gbs;
  std::vector<int> next(variants.size(), 0);
  volatile uint64_t sink = 0;
  size_t read_offset = 0;
  for (int round = 0; round < rounds; ++round) {
    // The roofline of this round: the same threads reading plain huge-page memory.
    std::vector<uint64_t> sums(static_cast<size_t>(threads));
    const uint8_t* base = plain->data() + read_offset;
    read_offset = read_offset == 0 ? kSampleBytes : 0;
    auto t0 = std::chrono::steady_clock::now();
    pool.Run([&](int ith, int nth) {
      const size_t per = kSampleBytes / static_cast<size_t>(nth) / 128 * 128;
      sums[static_cast<size_t>(ith)] = ReadSum(base + per * static_cast<size_t>(ith), per);
    });
    auto t1 = std::chrono::steady_clock::now();
    for (uint64_t s : sums) sink = sink + s;
    const double read = static_cast<double>(kSampleBytes) / Seconds(t0, t1) / 1e9;
    read_gbs.push_back(read);
    for (size_t j = 0; j < variants.size(); ++j) {
      Variant& v = variants[(j + static_cast<size_t>(round)) % variants.size()];
      const size_t vi = static_cast<size_t>(&v - variants.data());
      t0 = std::chrono::steady_clock::now();
      for (int s = 0; s < v.per_sample; ++s) {
        const WeightView w{v.type,      v.data.data() + static_cast<size_t>(next[vi]) * v.matrix_bytes,
                           rows,        cols,
                           v.row_bytes, v.layout};
        next[vi] = (next[vi] + 1) % v.count;
        if (!Matmul(pool, options, w, x.data(), 1, cols, y.data(), rows, scratch).ok()) return 1;
      }
      t1 = std::chrono::steady_clock::now();
      const double gbs = static_cast<double>(v.matrix_bytes) * v.per_sample / Seconds(t0, t1) / 1e9;
      v.gbs.push_back(gbs);
      v.ratio.push_back(gbs / read);
    }
  }
  std::printf("%lld x %lld, %d threads, %d rounds, %s; read roofline median %.1f GB/s (min %.1f, max %.1f)\n",
              rows, cols, threads, rounds, std::string(cpu::IsaName(isa)).c_str(), Median(read_gbs),
              *std::min_element(read_gbs.begin(), read_gbs.end()),
              *std::max_element(read_gbs.begin(), read_gbs.end()));
  std::printf("%-12s %-12s %10s %10s %10s\n", "variant", "layout", "of read", "GB/s med", "GB/s best");
  for (const Variant& v : variants) {
    std::printf("%-12s %-12s %9.0f%% %10.1f %10.1f\n", v.name.c_str(),
                v.layout == WeightLayout::kInterleaved16 ? "interleaved" : "rows", 100 * Median(v.ratio),
                Median(v.gbs), *std::max_element(v.gbs.begin(), v.gbs.end()));
  }
  return 0;
}

}  // namespace
}  // namespace corral

int main(int argc, char** argv) {
  return corral::Main(argc, argv);
}
