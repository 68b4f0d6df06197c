// Attention of one decoded token over a deep f16 KV cache: one layer of the Llama-3.2-1B shape (32 query
// heads over 8 KV heads, head dim 64) at depths 512 and 4096, the cache in 64-position blocks as
// model::KvCache lays it out, on one thread (the forward pass splits heads over threads). This is what
// makes decode slower as the context fills (bench/README.md, `corral bench -d`). Counters:
//   ns/cell   time per (query head, cached position) pair
//   GB/s      K and V bytes of the cache per second, counting each KV head's rows once
#include <benchmark/benchmark.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "base/fp16.h"
#include "tensor/cpu/cpu_features.h"
#include "tensor/ops/attention.h"

namespace corral {
namespace {

constexpr int kHeads = 32;
constexpr int kKvHeads = 8;
constexpr int kHeadDim = 64;
constexpr int kBlock = 64;

struct Cache {
  std::vector<uint16_t> k, v;
  std::vector<int32_t> block_ids;
  ops::KvBlocks view;

  explicit Cache(int depth) {
    const int blocks = (depth + kBlock - 1) / kBlock;
    const size_t elements = static_cast<size_t>(blocks) * kBlock * kKvHeads * kHeadDim;
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.f, 1.f);
    k.resize(elements);
    v.resize(elements);
    for (uint16_t& x : k) x = Fp32ToFp16(normal(rng));
    for (uint16_t& x : v) x = Fp32ToFp16(normal(rng));
    // Blocks in shuffled order, as a cache that has served several sequences holds them.
    block_ids.resize(blocks);
    std::iota(block_ids.begin(), block_ids.end(), 0);
    std::shuffle(block_ids.begin(), block_ids.end(), rng);
    view = {k.data(),
            v.data(),
            block_ids.data(),
            kBlock,
            int64_t{kBlock} * kKvHeads * kHeadDim,
            int64_t{kKvHeads} * kHeadDim};
  }
};

// grouped: the query heads of each KV head together (ops::AttendGroupTwoPass, what the forward pass runs);
// otherwise head by head (ops::AttendHeadTwoPass), for comparison.
void BM_DecodeAttention(benchmark::State& state, bool grouped) {
  const int depth = static_cast<int>(state.range(0));
  const Cache cache(depth);
  const ops::AttentionKernels kernels = ops::AttentionKernelsFor(cpu::BestIsa(cpu::HostCpuFeatures()));
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> q(kHeads * kHeadDim);
  for (float& x : q) x = Fp16ToFp32(Fp32ToFp16(normal(rng)));
  constexpr int kGroup = kHeads / kKvHeads;
  std::vector<float> scores(kGroup * depth), lanes(kGroup * 64 * kHeadDim), out(kHeads * kHeadDim);
  for (auto _ : state) {
    for (int kv_head = 0; kv_head < kKvHeads; ++kv_head) {
      ops::HeadSpec spec;
      spec.k_offset = spec.v_offset = kv_head * kHeadDim;
      spec.head_dim_k = spec.head_dim_v = kHeadDim;
      spec.scale = 0.125f;
      const float* qg = q.data() + kv_head * kGroup * kHeadDim;
      float* og = out.data() + kv_head * kGroup * kHeadDim;
      if (grouped) {
        ops::AttendGroupTwoPass(kernels, cache.view, spec, kGroup, qg, kHeadDim, 0, depth - 1, 4,
                                scores.data(), lanes.data(), og, kHeadDim);
      } else {
        for (int g = 0; g < kGroup; ++g) {
          ops::AttendHeadTwoPass(kernels, cache.view, spec, qg + g * kHeadDim, 0, depth - 1, 4, scores.data(),
                                 lanes.data(), og + g * kHeadDim);
        }
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  const double calls = static_cast<double>(state.iterations());
  state.counters["ns/cell"] = benchmark::Counter(calls * kHeads * depth / 1e9,
                                                 benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["GB/s"] =
      benchmark::Counter(calls * 2.0 * depth * kKvHeads * kHeadDim * 2 / 1e9, benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_DecodeAttention, grouped, true)
    ->Arg(512)
    ->Arg(4096)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_DecodeAttention, per_head, false)
    ->Arg(512)
    ->Arg(4096)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace corral
