// Throughput of the scalar (de)quantizers per format: items = f32 elements, bytes = the format's bytes
// (read by dequantization, written by quantization). These are the reference routines, not the SIMD
// matmul kernels; quantization speed matters for `corral create --quantize`, dequantization for
// debugging paths and as a baseline for the kernels.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "tensor/quant/quant.h"

namespace corral {
namespace {

constexpr int64_t kElements = 64 * 1024;

std::vector<float> GaussianRow(int64_t n) {
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = normal(rng);
  return x;
}

void BM_Dequantize(benchmark::State& state, DType type) {
  const std::vector<float> x = GaussianRow(kElements);
  std::vector<uint8_t> bytes(RowBytes(type, kElements));
  quant::QuantizeRow(type, x.data(), bytes.data(), kElements);
  std::vector<float> y(x.size());
  for (auto _ : state) {
    quant::DequantizeRow(type, bytes.data(), y.data(), kElements);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kElements);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}

void BM_Quantize(benchmark::State& state, DType type) {
  const std::vector<float> x = GaussianRow(kElements);
  std::vector<uint8_t> bytes(RowBytes(type, kElements));
  for (auto _ : state) {
    quant::QuantizeRow(type, x.data(), bytes.data(), kElements);
    benchmark::DoNotOptimize(bytes.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kElements);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}

const bool kRegistered = [] {
  for (DType type : {DType::kF16, DType::kBF16, DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1,
                     DType::kQ8_0, DType::kQ8_1, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K,
                     DType::kQ6_K, DType::kQ8_K, DType::kIQ4_NL, DType::kIQ4_XS}) {
    const std::string name(DTypeName(type));
    benchmark::RegisterBenchmark(("BM_Dequantize/" + name).c_str(), BM_Dequantize, type);
    benchmark::RegisterBenchmark(("BM_Quantize/" + name).c_str(), BM_Quantize, type);
  }
  return true;
}();

}  // namespace
}  // namespace corral
