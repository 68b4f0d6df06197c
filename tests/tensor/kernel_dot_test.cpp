// Every dot-product kernel of every instruction-set family this CPU can run, against the scalar reference:
// exactly when the data makes float arithmetic exact (so the integer parts must agree bit for bit), within a
// rounding bound otherwise; and the scalar reference itself against a double-precision dot of the
// dequantized rows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernel_test_data.h"
#include "tensor/cpu/avx512/avx512_kernels.h"
#include "tensor/cpu/cpu_features.h"
#include "tensor/cpu/kernels.h"

namespace corral::cpu {
namespace {

using testing::DoubleDot;
using testing::RandomActivations;
using testing::RandomWeights;
using testing::Scales;

// Float rounding bound for kRandom data, relative to Σ|w_i·a_i|. A quantized block term d_w·d_a·isum is
// rounded at most three times (3u, u = 2^-24) and summing N ≤ 136 terms (4352 / 32) in any order adds at
// most (N - 1)u, so any two orders differ by under 2·142u ≈ 1.7e-5; float rows (up to 4352 products summed
// in 8 to 64 lanes) stay below that too. The double reference carries the f32 rounding of dequantization
// (u per element). K-quant minimums are summed separately from the scaled quants, and these two parts can
// partly cancel in w_i, so the bound gets a factor of 2 of headroom: 2^-15 ≈ 3.1e-5.
constexpr double kRelativeTolerance = 1.0 / 32768;

struct Case {
  DType type;
  Isa isa;
};

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return std::string(DTypeName(info.param.type)) + "_" + std::string(IsaName(info.param.isa));
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (Isa isa : SupportedIsas(HostCpuFeatures())) {
    for (DType t : testing::kDotTypes) cases.push_back({t, isa});
  }
  return cases;
}

// Runs every tile shape of `kernel` on fresh data and compares each output with the scalar reference;
// outputs of rows past n_rows must stay untouched.
void CheckKernelTiles(const Case& p, const DotKernel* kernel, Scales kind) {
  const DotKernel* reference = scalar::FindKernel(p.type);
  ASSERT_NE(kernel, nullptr);
  ASSERT_NE(reference, nullptr);
  ASSERT_EQ(kernel->weight, p.type);
  // Every family has its own kernel for every type: nothing falls back to the reference unnoticed.
  if (p.isa != Isa::kScalar) {
    ASSERT_NE(kernel, reference) << "no " << IsaName(p.isa) << " kernel";
  }
  ASSERT_EQ(kernel->activation, reference->activation);
  const DType act = kernel->activation;
  uint32_t seed = 1000 * static_cast<uint32_t>(p.type) + 7;
  for (int64_t n : testing::TestLengths(p.type)) {
    for (int cols = 1; cols <= kMaxTileCols; ++cols) {
      const int max_rows = kernel->rows[cols];
      ASSERT_GE(max_rows, 1);
      ASSERT_LE(max_rows, kMaxTileRows);
      // Strides with slack, and weights starting off any SIMD alignment (mmapped rows are only as aligned
      // as the block size allows).
      const size_t w_offset = p.type == DType::kF32 ? 4 : 2;
      const size_t w_stride = RowBytes(p.type, n) + 2 * w_offset;
      const size_t a_stride = RowBytes(act, n) + 64;
      const std::vector<uint8_t> w = RandomWeights(p.type, max_rows, n, w_stride, kind, ++seed, w_offset);
      const std::vector<uint8_t> a = RandomActivations(act, cols, n, a_stride, kind, ++seed);
      const uint8_t* w0 = w.data() + w_offset;
      for (int n_rows : {max_rows, 1, max_rows - 1}) {
        if (n_rows < 1) continue;
        SCOPED_TRACE("n=" + std::to_string(n) + " cols=" + std::to_string(cols) +
                     " rows=" + std::to_string(n_rows) + "/" + std::to_string(max_rows));
        const size_t out_stride = kMaxTileRows + 3;
        std::vector<float> out(out_stride * cols, std::numeric_limits<float>::quiet_NaN());
        kernel->tiles[cols](n, w0, w_stride, n_rows, a.data(), a_stride, out.data(), out_stride);
        for (int c = 0; c < cols; ++c) {
          for (int r = 0; r < static_cast<int>(out_stride); ++r) {
            const float got = out[c * out_stride + r];
            if (r >= n_rows) {
              EXPECT_TRUE(std::isnan(got)) << "wrote past n_rows at r=" << r << " c=" << c;
              continue;
            }
            const void* wr = w0 + r * w_stride;
            const void* ac = a.data() + c * a_stride;
            const float want = DotRow(*reference, n, wr, ac);
            if (kind == Scales::kPowerOfTwo) {
              EXPECT_EQ(got, want) << "r=" << r << " c=" << c;
            } else {
              const testing::ExactDot exact = DoubleDot(p.type, wr, act, ac, n);
              EXPECT_NEAR(got, want, kRelativeTolerance * exact.magnitude) << "r=" << r << " c=" << c;
            }
          }
        }
      }
    }
  }
}

class KernelDotTest : public ::testing::TestWithParam<Case> {
 protected:
  void CheckTiles(Scales kind) {
    CheckKernelTiles(GetParam(), FindDotKernel(GetParam().type, GetParam().isa), kind);
  }
};

TEST_P(KernelDotTest, ExactDataMatchesScalarBitForBit) {
  CheckTiles(Scales::kPowerOfTwo);
}

TEST_P(KernelDotTest, RandomDataMatchesScalarWithinRounding) {
  CheckTiles(Scales::kRandom);
}

// FindDotKernel picks one AVX-512 Q4_K kernel by the CPU's GFNI; the other must stay right too, for CPUs
// without it (Cascade Lake has VNNI but no GFNI).
TEST(KernelDotVariants, Avx512Q4KWithAndWithoutGfni) {
  const CpuFeatures& f = HostCpuFeatures();
  if (!IsaSupported(Isa::kAvx512, f)) GTEST_SKIP() << "no AVX-512";
  const Case c{DType::kQ4_K, Isa::kAvx512};
  for (bool gfni : {false, true}) {
    if (gfni && !f.gfni) continue;
    SCOPED_TRACE(gfni ? "gfni" : "no gfni");
    const DotKernel* kernel = avx512::FindKQuantKernel(DType::kQ4_K, gfni);
    ASSERT_NE(kernel, nullptr);
    EXPECT_EQ(kernel == avx512::FindGfniKQuantKernel(DType::kQ4_K), gfni);
    CheckKernelTiles(c, kernel, Scales::kPowerOfTwo);
    CheckKernelTiles(c, kernel, Scales::kRandom);
  }
}

// Every payload bit set (the largest quants each format holds, e.g. Q6_K's 63 everywhere) against
// activations of +127 or -127 everywhere: the SIMD paths sum two or four u·a products in 16-bit lanes
// (vpmaddubsw; the 512-bit Q6_K tile packs four-product sums into int16 with vpackssdw), and these inputs
// come closest to saturating them. The integer sums reach 2^26 and more, past exact f32, so the check is the
// rounding bound; a saturated lane would be off by far more.
TEST_P(KernelDotTest, LargestQuantsMatchScalar) {
  const Case p = GetParam();
  const DotKernel* kernel = FindDotKernel(p.type, p.isa);
  const DotKernel* reference = scalar::FindKernel(p.type);
  ASSERT_NE(kernel, nullptr);
  ASSERT_NE(reference, nullptr);
  const DType act = kernel->activation;
  if (act != DType::kQ8_0 && act != DType::kQ8_1 && act != DType::kQ8_K) GTEST_SKIP() << "float format";
  const int64_t n = 4096 + 256;
  const DTypeTraits& tr = Traits(p.type);
  std::vector<uint8_t> w(RowBytes(p.type, n) * kMaxTileRows, 0xFF);
  for (size_t b = 0; b < w.size() / tr.block_bytes; ++b) {
    for (size_t off : testing::ScaleOffsets(p.type)) {
      const uint16_t h = Fp32ToFp16(1.0f / 32);
      std::memcpy(w.data() + b * tr.block_bytes + off, &h, 2);
    }
  }
  for (int sign : {1, -1}) {
    const size_t a_stride = RowBytes(act, n);
    std::vector<uint8_t> a(a_stride * kMaxTileCols);
    for (size_t row = 0; row < kMaxTileCols; ++row) {
      uint8_t* dst = a.data() + row * a_stride;
      if (act == DType::kQ8_K) {
        auto* blocks = reinterpret_cast<quant::BlockQ8_K*>(dst);
        for (int64_t b = 0; b < n / 256; ++b) {
          blocks[b].d = 0.5f;
          for (int8_t& q : blocks[b].qs) q = static_cast<int8_t>(127 * sign);
          for (int16_t& s : blocks[b].bsums) s = static_cast<int16_t>(16 * 127 * sign);
        }
        continue;
      }
      const size_t bytes = RowBytes(act, 32);
      for (int64_t b = 0; b < n / 32; ++b) {
        uint8_t* blk = dst + b * bytes;
        const uint16_t d = Fp32ToFp16(0.5f), s = Fp32ToFp16(0.5f * 32 * 127 * sign);
        std::memcpy(blk, &d, 2);
        if (act == DType::kQ8_1) std::memcpy(blk + 2, &s, 2);
        std::memset(blk + bytes - 32, static_cast<uint8_t>(127 * sign), 32);
      }
    }
    const float want = DotRow(*reference, n, w.data(), a.data());
    const double bound = kRelativeTolerance * DoubleDot(p.type, w.data(), act, a.data(), n).magnitude;
    for (int cols = 1; cols <= kMaxTileCols; ++cols) {
      const int rows = kernel->rows[cols];
      std::vector<float> out(static_cast<size_t>(rows * cols));
      kernel->tiles[cols](n, w.data(), RowBytes(p.type, n), rows, a.data(), a_stride, out.data(), rows);
      for (float got : out) EXPECT_NEAR(got, want, bound) << "sign " << sign << " cols " << cols;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypesAllIsas, KernelDotTest, ::testing::ValuesIn(AllCases()), CaseName);

// The scalar reference against Σ w_i·a_i of the dequantized rows (quant::DequantizeRow) in double: equal
// when the arithmetic is exact, within the rounding bound otherwise.
class ScalarDotTest : public ::testing::TestWithParam<DType> {};

TEST_P(ScalarDotTest, EqualsDoubleDotOfDequantizedRows) {
  const DType type = GetParam();
  const DotKernel* k = scalar::FindKernel(type);
  ASSERT_NE(k, nullptr);
  uint32_t seed = 77 + static_cast<uint32_t>(type);
  for (Scales kind : {Scales::kPowerOfTwo, Scales::kRandom}) {
    for (int64_t n : testing::TestLengths(type)) {
      SCOPED_TRACE("n=" + std::to_string(n) + (kind == Scales::kRandom ? " random" : " exact"));
      for (int trial = 0; trial < 4; ++trial) {
        const std::vector<uint8_t> w = RandomWeights(type, 1, n, RowBytes(type, n), kind, ++seed);
        const std::vector<uint8_t> a =
            RandomActivations(k->activation, 1, n, RowBytes(k->activation, n), kind, ++seed);
        const testing::ExactDot exact = DoubleDot(type, w.data(), k->activation, a.data(), n);
        const float got = DotRow(*k, n, w.data(), a.data());
        if (kind == Scales::kPowerOfTwo) {
          EXPECT_EQ(static_cast<double>(got), exact.value);
        } else {
          EXPECT_NEAR(got, exact.value, kRelativeTolerance * exact.magnitude);
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, ScalarDotTest, ::testing::ValuesIn(testing::kDotTypes),
                         [](const ::testing::TestParamInfo<DType>& info) {
                           return std::string(DTypeName(info.param));
                         });

TEST(KernelDispatch, ActivationTypesAreGgmlVecDotTypes) {
  // peers.md §2.5 (ggml-cpu.c type_traits_cpu).
  const std::pair<DType, DType> expected[] = {
      {DType::kF32, DType::kF32},     {DType::kF16, DType::kF16},   {DType::kBF16, DType::kBF16},
      {DType::kQ4_0, DType::kQ8_0},   {DType::kQ5_0, DType::kQ8_0}, {DType::kQ8_0, DType::kQ8_0},
      {DType::kIQ4_NL, DType::kQ8_0}, {DType::kQ4_1, DType::kQ8_1}, {DType::kQ5_1, DType::kQ8_1},
      {DType::kQ2_K, DType::kQ8_K},   {DType::kQ3_K, DType::kQ8_K}, {DType::kQ4_K, DType::kQ8_K},
      {DType::kQ5_K, DType::kQ8_K},   {DType::kQ6_K, DType::kQ8_K}, {DType::kIQ4_XS, DType::kQ8_K},
  };
  for (auto [w, a] : expected) {
    EXPECT_EQ(ActivationType(w), a) << DTypeName(w);
    for (Isa isa : SupportedIsas(HostCpuFeatures())) {
      const DotKernel* k = FindDotKernel(w, isa);
      ASSERT_NE(k, nullptr);
      EXPECT_EQ(k->activation, a);
    }
  }
  EXPECT_FALSE(ActivationType(DType::kQ8_K).has_value());
  EXPECT_FALSE(ActivationType(DType::kIQ2_XXS).has_value());
  EXPECT_EQ(FindDotKernel(DType::kIQ2_XXS, Isa::kScalar), nullptr);
}

}  // namespace
}  // namespace corral::cpu
