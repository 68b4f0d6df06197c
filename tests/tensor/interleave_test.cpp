// Interleaved Q4_K, Q6_K and F16 (tensor/quant/interleave.h): the rearrangement is lossless, single rows come
// back out as DequantizeRow gives them, and Matmul gives the plain layout's results with it on every family —
// through the AVX-512 kernels that read the layout directly (against a double reference computed from the
// plain rows), and through the panel GEMM and the other families' tiles, which restore the rows first
// (bit-identical to the plain layout).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernel_test_data.h"
#include "tensor/cpu/amx/amx_matmul.h"
#include "tensor/cpu/avx512/panel_matmul.h"
#include "tensor/cpu/cpu_features.h"
#include "tensor/cpu/scalar/scalar_kernels.h"
#include "tensor/matmul.h"
#include "tensor/quant/interleave.h"
#include "tensor/quant/quant.h"

namespace corral {
namespace {

using cpu::Isa;

constexpr double kRelativeTolerance = 1.0 / 32768;  // as kernel_matmul_test.cpp

constexpr DType kInterleavedTypes[] = {DType::kQ4_K, DType::kQ6_K, DType::kF16};

std::vector<uint8_t> RandomRows(DType type, int64_t rows, int64_t k, uint32_t seed) {
  return testing::RandomWeights(type, rows, k, RowBytes(type, k), testing::Scales::kRandom, seed);
}

std::vector<uint8_t> Interleaved(DType type, std::vector<uint8_t> w, int64_t rows, int64_t k) {
  std::vector<uint8_t> buffer(quant::kInterleaveRows * RowBytes(type, k));
  quant::InterleaveInPlace(type, w.data(), rows, k, buffer.data());
  return w;
}

std::string TypeName(const ::testing::TestParamInfo<DType>& info) {
  return std::string(DTypeName(info.param));
}

class InterleaveTest : public ::testing::TestWithParam<DType> {};

TEST_P(InterleaveTest, RoundTripRestoresEveryByte) {
  const DType type = GetParam();
  const int64_t rows = 48, k = 768;
  const std::vector<uint8_t> plain = RandomRows(type, rows, k, 5);
  const std::vector<uint8_t> inter = Interleaved(type, plain, rows, k);
  EXPECT_NE(inter, plain);
  const size_t group_bytes = quant::kInterleaveRows * RowBytes(type, k);
  std::vector<uint8_t> restored(plain.size());
  for (int64_t g = 0; g < rows / quant::kInterleaveRows; ++g) {
    quant::DeinterleaveGroup(type, inter.data() + g * group_bytes, k, restored.data() + g * group_bytes);
  }
  EXPECT_EQ(restored, plain);
}

TEST_P(InterleaveTest, SingleRowsDequantizeAsThePlainRows) {
  const DType type = GetParam();
  const int64_t rows = 32, k = 512;
  const std::vector<uint8_t> plain = RandomRows(type, rows, k, 6);
  const std::vector<uint8_t> inter = Interleaved(type, plain, rows, k);
  std::vector<float> want(k), got(k);
  for (int64_t r : {0, 5, 15, 16, 31}) {
    ASSERT_TRUE(quant::DequantizeRow(type, plain.data() + r * RowBytes(type, k), want.data(), k));
    quant::DequantizeInterleavedRow(type, inter.data(), r, k, got.data());
    EXPECT_EQ(got, want) << "row " << r;
  }
}

TEST_P(InterleaveTest, OnlyWholeGroupsOfPackedRows) {
  const DType type = GetParam();
  const size_t row = RowBytes(type, 512);
  EXPECT_TRUE(quant::CanInterleave(type, 16, 512, row));
  EXPECT_TRUE(quant::CanInterleave(type, 2048, 512, row));
  EXPECT_FALSE(quant::CanInterleave(type, 24, 512, row));
  EXPECT_FALSE(quant::CanInterleave(type, 0, 512, row));
  EXPECT_FALSE(quant::CanInterleave(type, 16, 300, RowBytes(type, 256)));
  EXPECT_FALSE(quant::CanInterleave(type, 16, 512, row + 8));  // a padded row stride
}

INSTANTIATE_TEST_SUITE_P(KQuants, InterleaveTest, ::testing::ValuesIn(kInterleavedTypes), TypeName);

TEST(Interleave, OtherTypesCannot) {
  EXPECT_FALSE(quant::CanInterleave(DType::kQ5_K, 16, 512, RowBytes(DType::kQ5_K, 512)));
  EXPECT_FALSE(quant::CanInterleave(DType::kQ8_0, 16, 512, RowBytes(DType::kQ8_0, 512)));
}

std::vector<float> Multiply(ThreadPool& pool, const MatmulOptions& options, const WeightView& w,
                            const std::vector<float>& x, int64_t m) {
  MatmulScratch scratch(m, w.cols);
  std::vector<float> y(static_cast<size_t>(m * w.rows), -1.0f);
  const Status s = Matmul(pool, options, w, x.data(), m, w.cols, y.data(), w.rows, scratch);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return y;
}

struct Case {
  DType type;
  Isa isa;
};

class InterleavedMatmulTest : public ::testing::TestWithParam<Case> {};

TEST_P(InterleavedMatmulTest, MatchesPlainLayoutAndReference) {
  const auto [type, isa] = GetParam();
  const int64_t n_out = 48, k = 4096 + 256;  // 3 groups, 17 super-blocks
  const std::vector<uint8_t> plain = RandomRows(type, n_out, k, 17);
  const std::vector<uint8_t> inter = Interleaved(type, plain, n_out, k);
  const size_t stride = RowBytes(type, k);
  const WeightView plain_view{type, plain.data(), n_out, k, stride};
  WeightView inter_view = plain_view;
  inter_view.data = inter.data();
  inter_view.layout = WeightLayout::kInterleaved16;

  std::vector<std::vector<double>> wf(n_out);
  for (int64_t r = 0; r < n_out; ++r) wf[r] = testing::Dequantized(type, plain.data() + r * stride, k);
  const cpu::DotKernel* ref = cpu::scalar::FindKernel(type);
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  ThreadPool pool1(1), pool2(2), pool3(3);
  for (int64_t m : std::vector<int64_t>{1, 2, 3, 4, 5, 8, 31, 32, 33, 64, kInterleavedPanelMinRows + 3}) {
    std::vector<float> x(static_cast<size_t>(m * k));
    for (float& v : x) v = normal(rng);
    // The reference: the activations as the scalar quantizer rounds them, dot products in double.
    std::vector<double> want(m * n_out), magnitude(m * n_out);
    std::vector<uint8_t> row(RowBytes(ref->activation, k));
    for (int64_t i = 0; i < m; ++i) {
      ref->quantize(x.data() + i * k, row.data(), k);
      const std::vector<double> a = testing::Dequantized(ref->activation, row.data(), k);
      for (int64_t r = 0; r < n_out; ++r) {
        for (int64_t j = 0; j < k; ++j) {
          want[i * n_out + r] += wf[r][j] * a[j];
          magnitude[i * n_out + r] += std::fabs(wf[r][j] * a[j]);
        }
      }
    }
    const MatmulOptions options{isa};
    const std::vector<float> expected = Multiply(pool2, options, plain_view, x, m);
    // The AVX-512 kernels sum in another order than the plain layout's tiles and panels; everywhere else
    // (the panel GEMM from kInterleavedPanelMinRows, AMX from 32 rows for the formats it takes, the other
    // families) the same kernels see the same rows.
    const bool amx = cpu::AmxUsable(cpu::HostCpuFeatures()) && m >= kPanelMinRows && cpu::amx::Supports(type);
    const bool panels = cpu::panel::Supports(type) && m >= kInterleavedPanelMinRows;
    const bool own_kernel = isa == Isa::kAvx512 && !amx && !panels;
    for (ThreadPool* pool : {&pool1, &pool2, &pool3}) {
      SCOPED_TRACE("m=" + std::to_string(m) + " threads=" + std::to_string(pool->size()));
      const std::vector<float> got = Multiply(*pool, options, inter_view, x, m);
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], kRelativeTolerance * magnitude[i]) << "element " << i;
        if (!own_kernel) {
          ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(expected[i])) << "element " << i;
        }
      }
    }
  }
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (DType type : kInterleavedTypes) {
    for (Isa isa : cpu::SupportedIsas(cpu::HostCpuFeatures())) cases.push_back({type, isa});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(TypesAndIsas, InterleavedMatmulTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(DTypeName(info.param.type)) + "_" +
                                  std::string(cpu::IsaName(info.param.isa));
                         });

TEST(InterleavedMatmul, RejectsMatricesThatCannotHaveTheLayout) {
  ThreadPool pool(1);
  MatmulScratch scratch(1, 512);
  std::vector<float> x(512), y(24);
  const MatmulOptions options{Isa::kScalar};
  std::vector<uint8_t> q4k(RowBytes(DType::kQ4_K, 512) * 24);
  const WeightView ragged{
      DType::kQ4_K, q4k.data(), 24, 512, RowBytes(DType::kQ4_K, 512), WeightLayout::kInterleaved16};
  EXPECT_EQ(Matmul(pool, options, ragged, x.data(), 1, 512, y.data(), 24, scratch).code(),
            StatusCode::kInvalidArgument);
  std::vector<uint8_t> q80(RowBytes(DType::kQ8_0, 512) * 16);
  const WeightView other{
      DType::kQ8_0, q80.data(), 16, 512, RowBytes(DType::kQ8_0, 512), WeightLayout::kInterleaved16};
  EXPECT_EQ(Matmul(pool, options, other, x.data(), 1, 512, y.data(), 16, scratch).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace corral
