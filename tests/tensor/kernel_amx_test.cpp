// The AMX matrix-matrix path (cpu/amx/) against the naive reference of kernel_matmul_test.cpp.
//   - With AMX tiles: Matmul on a CPU that has them. Elsewhere the test reports
//     "AMX not available on this CPU: skipped".
//   - Emulated: the same driver with the tile instructions done in plain code, on any AVX-512 CPU. It checks
//     everything around the tiles (decoding each format into int8 steps, the packed activations as B tiles,
//     tile strides, the per-step scaling and offsets, panel and row edges); only TDPBSSD itself is then taken
//     on trust from its definition. (Verified on a Sapphire Rapids-class Xeon, 2026-11-26.)
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernel_test_data.h"
#include "tensor/cpu/amx/amx_matmul.h"
#include "tensor/cpu/cpu_features.h"
#include "tensor/cpu/kernels.h"
#include "tensor/cpu/scalar/scalar_kernels.h"
#include "tensor/matmul.h"
#include "tensor/quant/interleave.h"

namespace corral {
namespace {

using cpu::Isa;

// As kernel_matmul_test.cpp: float summation order differs from the reference; 2^-15 of Σ|w·a| bounds it.
constexpr double kRelativeTolerance = 1.0 / 32768;

constexpr DType kAmxTypes[] = {DType::kQ8_0, DType::kQ4_0,   DType::kQ5_0, DType::kIQ4_NL,
                               DType::kQ4_1, DType::kQ5_1,   DType::kQ4_K, DType::kQ5_K,
                               DType::kQ6_K, DType::kIQ4_XS, DType::kQ2_K, DType::kQ3_K};

struct Data {
  DType type;
  int64_t n_out, k, m;
  size_t w_stride;
  std::vector<uint8_t> w;
  std::vector<float> x;  // m × k
};

Data MakeData(DType type, int64_t n_out, int64_t k, int64_t m, uint32_t seed) {
  Data d{type, n_out, k, m, RowBytes(type, k) + 8, {}, {}};
  d.w = testing::RandomWeights(type, n_out, k, d.w_stride, testing::Scales::kRandom, seed);
  std::mt19937 rng(seed + 5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  d.x.resize(m * k);
  for (float& v : d.x) v = normal(rng);
  return d;
}

// Checks y (m × n_out, row stride n_out) against double dots of dequantized weights and activations.
void ExpectMatchesReference(const Data& d, const std::vector<float>& y) {
  const cpu::DotKernel* ref = cpu::scalar::FindKernel(d.type);
  std::vector<uint8_t> row(RowBytes(ref->activation, d.k));
  for (int64_t i = 0; i < d.m; ++i) {
    ref->quantize(d.x.data() + i * d.k, row.data(), d.k);
    const std::vector<double> a = testing::Dequantized(ref->activation, row.data(), d.k);
    for (int64_t r = 0; r < d.n_out; ++r) {
      const std::vector<double> w = testing::Dequantized(d.type, d.w.data() + r * d.w_stride, d.k);
      double want = 0, magnitude = 0;
      for (int64_t j = 0; j < d.k; ++j) {
        want += w[j] * a[j];
        magnitude += std::fabs(w[j] * a[j]);
      }
      ASSERT_NEAR(y[i * d.n_out + r], want, kRelativeTolerance * magnitude) << "row " << i << " output " << r;
    }
  }
}

class KernelAmxTest : public ::testing::TestWithParam<DType> {};
class AmxMatmulTest : public ::testing::TestWithParam<DType> {};

// Activations packed as Matmul packs them for AMX, two row ranges as two threads would take them (the
// second a ragged 5-row panel), 47 activation rows (a ragged last block), k past 512.
TEST_P(KernelAmxTest, EmulatedTilesMatchReference) {
  if (!cpu::IsaSupported(Isa::kAvx512, cpu::HostCpuFeatures())) GTEST_SKIP() << "needs AVX-512";
  const DType type = GetParam();
  ASSERT_TRUE(cpu::amx::Supports(type));
  const DType act = *cpu::ActivationType(type);
  const int64_t k = Traits(type).block_size == 256 ? 768 : 544;
  const int64_t n_out = 37, m = 47;
  const Data d = MakeData(type, n_out, k, m, 41);
  const cpu::DotKernel* ref = cpu::scalar::FindKernel(type);
  const size_t act_stride = RowBytes(act, k) + 64;
  std::vector<uint8_t> a(d.m * act_stride);
  for (int64_t i = 0; i < d.m; ++i) ref->quantize(d.x.data() + i * k, a.data() + i * act_stride, k);
  const size_t packed_bytes = (cpu::panel::PackedBytes(type, m, k) + 63) / 64 * 64;
  std::vector<uint8_t> buffer(packed_bytes + cpu::panel::WorkspaceBytes(type, m, k) + 128);
  uint8_t* packed = buffer.data() + (64 - reinterpret_cast<uintptr_t>(buffer.data()) % 64) % 64;
  cpu::panel::PackActivations(type, a.data(), act_stride, m, k, 0, cpu::panel::PackedBlocks(m),
                              /*shifted=*/false, packed);
  std::vector<float> y(m * n_out, -1.0f);
  const cpu::panel::Problem p{type, d.w.data(), d.w_stride, k, packed, m, y.data(), n_out};
  cpu::amx::MultiplyRowsEmulated(p, 0, 16, packed + packed_bytes);
  cpu::amx::MultiplyRowsEmulated(p, 16, n_out, packed + packed_bytes);
  ExpectMatchesReference(d, y);
}

// Interleaved Q4_K (tensor/quant/interleave.h; interleaved Q6_K stays on the panels, as plain Q6_K does):
// the driver restores each group of 16 rows before decoding it, the two row ranges whole groups as Matmul's
// thread ranges are.
TEST(KernelAmx, EmulatedTilesReadInterleavedWeights) {
  if (!cpu::IsaSupported(Isa::kAvx512, cpu::HostCpuFeatures())) GTEST_SKIP() << "needs AVX-512";
  for (DType type : {DType::kQ4_K}) {
    ASSERT_TRUE(cpu::amx::Supports(type));
    const int64_t k = 768, n_out = 48, m = 33;
    Data d = MakeData(type, n_out, k, m, 43);
    // Rows back to back, as a loaded model's are.
    d.w_stride = RowBytes(type, k);
    d.w = testing::RandomWeights(type, n_out, k, d.w_stride, testing::Scales::kRandom, 43);
    std::vector<uint8_t> inter = d.w, group(quant::kInterleaveRows * d.w_stride);
    quant::InterleaveInPlace(type, inter.data(), n_out, k, group.data());
    const cpu::DotKernel* ref = cpu::scalar::FindKernel(type);
    const size_t act_stride = RowBytes(DType::kQ8_K, k);
    std::vector<uint8_t> a(m * act_stride);
    for (int64_t i = 0; i < m; ++i) ref->quantize(d.x.data() + i * k, a.data() + i * act_stride, k);
    const size_t packed_bytes = (cpu::panel::PackedBytes(type, m, k) + 63) / 64 * 64;
    std::vector<uint8_t> buffer(packed_bytes + cpu::panel::WorkspaceBytes(type, m, k) + 128);
    uint8_t* packed = buffer.data() + (64 - reinterpret_cast<uintptr_t>(buffer.data()) % 64) % 64;
    cpu::panel::PackActivations(type, a.data(), act_stride, m, k, 0, cpu::panel::PackedBlocks(m),
                                /*shifted=*/false, packed);
    std::vector<float> y(m * n_out, -1.0f);
    const cpu::panel::Problem p{type,     inter.data(), d.w_stride,          k, packed, m,
                                y.data(), n_out,        /*interleaved=*/true};
    cpu::amx::MultiplyRowsEmulated(p, 0, 16, packed + packed_bytes);
    cpu::amx::MultiplyRowsEmulated(p, 16, n_out, packed + packed_bytes);
    ExpectMatchesReference(d, y);
  }
}

// Every format with a panel decoder through Matmul on a CPU with AMX: on the tiles or, for the formats the
// tiles leave to it, the vpdpbusd panels.
TEST_P(AmxMatmulTest, MatmulOnAmxCpuMatchesReference) {
  if (!cpu::AmxUsable(cpu::HostCpuFeatures())) GTEST_SKIP() << "AMX not available on this CPU: skipped";
  const DType type = GetParam();
  const int64_t k = Traits(type).block_size == 256 ? 768 : 544;
  ThreadPool pool(2);
  for (int64_t m : {32, 47, 64}) {
    const Data d = MakeData(type, 53, k, m, 29 + static_cast<uint32_t>(m));
    MatmulScratch scratch(m, k);
    std::vector<float> y(m * d.n_out);
    const WeightView w{type, d.w.data(), d.n_out, k, d.w_stride};
    ASSERT_TRUE(
        Matmul(pool, MatmulOptions{Isa::kAvx512, true}, w, d.x.data(), m, k, y.data(), d.n_out, scratch)
            .ok());
    SCOPED_TRACE("m=" + std::to_string(m));
    ExpectMatchesReference(d, y);
  }
}

std::vector<DType> TileTypes() {
  std::vector<DType> types;
  for (DType t : kAmxTypes) {
    if (cpu::amx::Supports(t)) types.push_back(t);
  }
  return types;
}

std::string TypeName(const ::testing::TestParamInfo<DType>& info) {
  return std::string(DTypeName(info.param));
}

INSTANTIATE_TEST_SUITE_P(AmxTypes, KernelAmxTest, ::testing::ValuesIn(TileTypes()), TypeName);
INSTANTIATE_TEST_SUITE_P(PanelTypes, AmxMatmulTest, ::testing::ValuesIn(kAmxTypes), TypeName);

TEST(KernelAmx, SixteenElementStepFormatsStayOnThePanels) {
  for (DType t : {DType::kQ6_K, DType::kQ3_K, DType::kQ2_K}) {
    EXPECT_FALSE(cpu::amx::Supports(t)) << DTypeName(t);
    EXPECT_TRUE(cpu::panel::Supports(t)) << DTypeName(t);
  }
}

}  // namespace
}  // namespace corral
