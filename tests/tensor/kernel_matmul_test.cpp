// Matmul against a naive reference: weights dequantized (quant::DequantizeRow), activations quantized to the
// activation format by the scalar quantizer and dequantized back, dot products in double. Every type, every
// family this CPU runs, batch sizes from decode (1) to prefill-like (33), odd output counts, 1-3 threads.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernel_test_data.h"
#include "tensor/cpu/avx512/panel_matmul.h"
#include "tensor/cpu/cpu_features.h"
#include "tensor/cpu/kernels.h"
#include "tensor/cpu/scalar/scalar_kernels.h"
#include "tensor/matmul.h"

namespace corral {
namespace {

using cpu::Isa;

// Same bound as kernel_dot_test.cpp: float summation order and fused multiply-adds differ between paths,
// by at most ~1.7e-5 of Σ|w_i·a_i| for rows of up to 4352 elements; 2^-15 leaves headroom for cancellation
// between the scaled quants and the minimums of the K-quants.
constexpr double kRelativeTolerance = 1.0 / 32768;

struct Problem {
  DType type;
  int64_t n_out;
  int64_t k;
  int64_t m;
  std::vector<uint8_t> w;
  size_t w_stride;
  std::vector<float> x;  // m × k, row stride k + 3
  int64_t x_stride;
};

Problem MakeProblem(DType type, int64_t n_out, int64_t k, int64_t m, uint32_t seed) {
  Problem p{type, n_out, k, m, {}, RowBytes(type, k) + 8, {}, k + 3};
  p.w = testing::RandomWeights(type, n_out, k, p.w_stride, testing::Scales::kRandom, seed);
  std::mt19937 rng(seed + 1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  p.x.assign(static_cast<size_t>(m * p.x_stride), 0.0f);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < k; ++j)
      p.x[i * p.x_stride + j] = normal(rng) * (1.0f + static_cast<float>(i % 3));
  }
  return p;
}

// y (m × n_out) with the reference values and Σ|w·a| per element.
void Reference(const Problem& p, std::vector<double>& value, std::vector<double>& magnitude) {
  const cpu::DotKernel* ref = cpu::scalar::FindKernel(p.type);
  const DType act = ref->activation;
  std::vector<std::vector<double>> wf(p.n_out), af(p.m);
  for (int64_t r = 0; r < p.n_out; ++r)
    wf[r] = testing::Dequantized(p.type, p.w.data() + r * p.w_stride, p.k);
  std::vector<uint8_t> row(RowBytes(act, p.k));
  for (int64_t i = 0; i < p.m; ++i) {
    ref->quantize(p.x.data() + i * p.x_stride, row.data(), p.k);
    af[i] = testing::Dequantized(act, row.data(), p.k);
  }
  value.assign(p.m * p.n_out, 0.0);
  magnitude.assign(p.m * p.n_out, 0.0);
  for (int64_t i = 0; i < p.m; ++i) {
    for (int64_t r = 0; r < p.n_out; ++r) {
      double s = 0, mag = 0;
      for (int64_t j = 0; j < p.k; ++j) {
        s += wf[r][j] * af[i][j];
        mag += std::fabs(wf[r][j] * af[i][j]);
      }
      value[i * p.n_out + r] = s;
      magnitude[i * p.n_out + r] = mag;
    }
  }
}

std::vector<float> RunMatmul(const Problem& p, const MatmulOptions& options, ThreadPool& pool,
                             bool* used_panels = nullptr) {
  MatmulScratch scratch(p.m, p.k);
  const size_t scratch_bytes = scratch.bytes();
  const int64_t y_stride = p.n_out + 5;
  std::vector<float> y(p.m * y_stride, -12345.0f);
  const WeightView w{p.type, p.w.data(), p.n_out, p.k, p.w_stride};
  const Status s = Matmul(pool, options, w, p.x.data(), p.m, p.x_stride, y.data(), y_stride, scratch);
  // Only the panel path takes more scratch than the activation rows.
  if (used_panels != nullptr) *used_panels = scratch.bytes() > scratch_bytes;
  EXPECT_TRUE(s.ok()) << s.ToString();
  // Compact to m × n_out; the padding between output rows must be untouched.
  std::vector<float> out(p.m * p.n_out);
  for (int64_t i = 0; i < p.m; ++i) {
    for (int64_t r = 0; r < y_stride; ++r) {
      if (r < p.n_out) {
        out[i * p.n_out + r] = y[i * y_stride + r];
      } else {
        EXPECT_EQ(y[i * y_stride + r], -12345.0f) << "wrote into the padding of output row " << i;
      }
    }
  }
  return out;
}

struct Case {
  DType type;
  Isa isa;
};

class KernelMatmulTest : public ::testing::TestWithParam<Case> {};

TEST_P(KernelMatmulTest, MatchesDequantizedDoubleReference) {
  const Case c = GetParam();
  const int64_t k = Traits(c.type).block_size == 256 ? 512 : (c.type == DType::kF32 ? 77 : 96);
  uint32_t seed = 11 * static_cast<uint32_t>(c.type) + 3;
  ThreadPool pool1(1), pool2(2), pool3(3);
  for (int64_t m : {1, 2, 3, 7, 16, 33}) {
    for (int64_t n_out : {int64_t{1}, int64_t{37}}) {
      const Problem p = MakeProblem(c.type, n_out, k, m, ++seed);
      std::vector<double> want, magnitude;
      Reference(p, want, magnitude);
      std::vector<float> first;
      for (ThreadPool* pool : {&pool1, &pool2, &pool3}) {
        SCOPED_TRACE("m=" + std::to_string(m) + " n_out=" + std::to_string(n_out) +
                     " threads=" + std::to_string(pool->size()));
        const std::vector<float> got = RunMatmul(p, MatmulOptions{c.isa}, *pool);
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], kRelativeTolerance * magnitude[i]) << "element " << i;
        }
        // Each output element comes from the same kernel call whatever the split: bit-identical results.
        if (first.empty()) {
          first = got;
        } else {
          for (size_t i = 0; i < got.size(); ++i) {
            ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(first[i])) << "element " << i;
          }
        }
      }
    }
  }
}

// Rows longer than a cache chunk and more outputs than one chunk of rows: exercises the L2 chunking of
// matrix-matrix products and uneven thread ranges.
TEST_P(KernelMatmulTest, LargeShapesMatchReference) {
  const Case c = GetParam();
  const int64_t k = 4096 + 256;
  const Problem p = MakeProblem(c.type, 203, k, 9, 99);
  std::vector<double> want, magnitude;
  Reference(p, want, magnitude);
  ThreadPool pool(2);
  const std::vector<float> got = RunMatmul(p, MatmulOptions{c.isa}, pool);
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], kRelativeTolerance * magnitude[i]) << i;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (Isa isa : cpu::SupportedIsas(cpu::HostCpuFeatures())) {
    for (DType t : testing::kDotTypes) cases.push_back({t, isa});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllTypesAllIsas, KernelMatmulTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(DTypeName(info.param.type)) + "_" +
                                  std::string(cpu::IsaName(info.param.isa));
                         });

// The panel GEMM (cpu/avx512/panel_matmul.h) on prefill-like shapes: several 16-row panels per thread with
// a ragged last one, activation rows padded to the 32-row tile, k of 17 super-blocks; against the reference
// and against the tiles of the same family.
class PanelMatmulTest : public ::testing::TestWithParam<DType> {};

TEST_P(PanelMatmulTest, MatchesReferenceAndTiles) {
  const Case c{GetParam(), Isa::kAvx512};
  const int64_t k = 4096 + 256;
  ThreadPool pool(2);
  for (int64_t m : {kPanelMinRows, int64_t{77}}) {
    SCOPED_TRACE("m=" + std::to_string(m));
    const Problem p = MakeProblem(c.type, 45, k, m, 7 + static_cast<uint32_t>(m));
    std::vector<double> want, magnitude;
    Reference(p, want, magnitude);
    bool used_panels = false;
    MatmulOptions panels{c.isa};
    panels.use_amx = false;  // on CPUs with AMX, the vpdpbusd multiplier (kernel_amx_test.cpp tests AMX's)
    const std::vector<float> got = RunMatmul(p, panels, pool, &used_panels);
    EXPECT_TRUE(used_panels);
    MatmulOptions tiles_only{c.isa};
    tiles_only.use_amx = false;
    tiles_only.use_panels = false;
    const std::vector<float> tiles = RunMatmul(p, tiles_only, pool, &used_panels);
    EXPECT_FALSE(used_panels);
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_NEAR(got[i], want[i], kRelativeTolerance * magnitude[i]) << i;
      ASSERT_NEAR(got[i], tiles[i], kRelativeTolerance * magnitude[i]) << i;
    }
  }
}

// The formats with a panel decoder, on CPUs with the AVX-512 family (none elsewhere: nothing to skip).
std::vector<DType> PanelTypes() {
  std::vector<DType> types;
  if (!cpu::IsaSupported(Isa::kAvx512, cpu::HostCpuFeatures())) return types;
  for (DType t : testing::kDotTypes) {
    if (cpu::panel::Supports(t)) types.push_back(t);
  }
  return types;
}

INSTANTIATE_TEST_SUITE_P(PanelTypes, PanelMatmulTest, ::testing::ValuesIn(PanelTypes()),
                         [](const ::testing::TestParamInfo<DType>& info) {
                           return std::string(DTypeName(info.param));
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PanelMatmulTest);

TEST(KernelMatmul, RejectsBadArguments) {
  ThreadPool pool(1);
  MatmulScratch scratch(4, 512);
  std::vector<uint8_t> w(RowBytes(DType::kQ4_K, 512) * 3);
  std::vector<float> x(4 * 512), y(4 * 3);
  const MatmulOptions opt{Isa::kScalar};
  const WeightView good{DType::kQ4_K, w.data(), 3, 512, RowBytes(DType::kQ4_K, 512)};
  EXPECT_TRUE(Matmul(pool, opt, good, x.data(), 4, 512, y.data(), 3, scratch).ok());

  WeightView odd = good;
  odd.cols = 300;  // not a multiple of 256
  EXPECT_EQ(Matmul(pool, opt, odd, x.data(), 1, 300, y.data(), 3, scratch).code(),
            StatusCode::kInvalidArgument);
  WeightView short_stride = good;
  short_stride.row_stride -= 1;
  EXPECT_EQ(Matmul(pool, opt, short_stride, x.data(), 1, 512, y.data(), 3, scratch).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Matmul(pool, opt, good, x.data(), 5, 512, y.data(), 3, scratch).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Matmul(pool, opt, good, x.data(), 0, 512, y.data(), 3, scratch).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Matmul(pool, opt, good, x.data(), 2, 511, y.data(), 3, scratch).code(),
            StatusCode::kInvalidArgument);
  MatmulScratch small(4, 256);
  EXPECT_EQ(Matmul(pool, opt, good, x.data(), 1, 512, y.data(), 3, small).code(),
            StatusCode::kInvalidArgument);
  WeightView unsupported = good;
  unsupported.type = DType::kIQ2_XXS;
  EXPECT_EQ(Matmul(pool, opt, unsupported, x.data(), 1, 512, y.data(), 3, scratch).code(),
            StatusCode::kUnsupported);
  EXPECT_FALSE(CanMatmul(DType::kIQ2_XXS));
  EXPECT_TRUE(CanMatmul(DType::kQ6_K));
}

}  // namespace
}  // namespace corral
