// Quantize → dequantize without llama.cpp: values on a format's grid come back exactly, the error on
// ordinary data stays within a bound derived from the format's step, and the API rejects what it cannot do.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "quant_test_data.h"
#include "tensor/quant/quant.h"

namespace corral {
namespace {

using testing::Distribution;
using testing::DistributionName;
using testing::MakeRow;

std::vector<float> RoundTrip(DType type, const std::vector<float>& x) {
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> bytes(RowBytes(type, n));
  EXPECT_EQ(quant::QuantizeRow(type, x.data(), bytes.data(), n), bytes.size());
  std::vector<float> y(x.size());
  EXPECT_TRUE(quant::DequantizeRow(type, bytes.data(), y.data(), n));
  return y;
}

// A block whose values are exactly q·d (+ m) for the format's integer grid, with the grid's end reached so
// the reference quantizer derives exactly d (and m). d and m are powers of two, so every product is exact.
struct GridCase {
  DType type;
  int q_min, q_max;  // the integer range the grid spans, ends included in the block
  float d, m;
};

TEST(QuantRoundTrip, ValuesOnTheGridComeBackExactly) {
  const GridCase cases[] = {
      {DType::kQ4_0, -8, 7, 0.25f, 0.0f},     // d = max/−8 with max = −8d
      {DType::kQ5_0, -16, 15, 0.125f, 0.0f},  // d = max/−16
      {DType::kQ4_1, 0, 15, 0.5f, -3.0f},     // d = (max − min)/15, m = min
      {DType::kQ5_1, 0, 31, 0.0625f, 1.0f},   // d = (max − min)/31
      {DType::kQ8_0, -127, 127, 0.5f, 0.0f},  // d = amax/127
      {DType::kQ8_1, -127, 127, 2.0f, 0.0f},
      {DType::kQ8_K, -127, 127, 0.25f, 0.0f},  // d = 1/(−127/max), exact for max = −127·2^k
  };
  for (const GridCase& c : cases) {
    SCOPED_TRACE(std::string(DTypeName(c.type)));
    const int64_t block = Traits(c.type).block_size;
    std::vector<float> x(static_cast<size_t>(2 * block));
    for (size_t i = 0; i < x.size(); ++i) {
      // The grid's low end first (it sets the sign of max for the symmetric formats), then a sweep.
      const int q = (i % block == 0)   ? c.q_min
                    : (i % block == 1) ? c.q_max
                                       : c.q_min + static_cast<int>(i * 7 % (c.q_max - c.q_min + 1));
      x[i] = static_cast<float>(q) * c.d + c.m;
    }
    EXPECT_EQ(RoundTrip(c.type, x), x);
  }
}

// The searched formats recover data that lies on their grid when every group shares one power-of-two step
// and reaches the grid's negative end: the search's first candidate fits exactly, and the sub-block scales
// (all equal) quantize without loss. (Q2_K/Q4_K/Q5_K store d = max_scale/15 or /63 in f16, which is not
// exact, so they are left to the error bound below.)
TEST(QuantRoundTrip, SearchedFormatsRecoverValuesOnTheirGrid) {
  struct SearchedCase {
    DType type;
    int levels;          // grid indices 0 … levels−1
    const int8_t* grid;  // value of each index (nullptr: index − levels/2)
    float d;
  };
  const SearchedCase cases[] = {
      {DType::kQ6_K, 64, nullptr, 0.25f},
      {DType::kQ3_K, 8, nullptr, 0.5f},
      {DType::kIQ4_NL, 16, quant::kIQ4NLValues, 0.125f},
      {DType::kIQ4_XS, 16, quant::kIQ4NLValues, 0.125f},
  };
  for (const SearchedCase& c : cases) {
    SCOPED_TRACE(std::string(DTypeName(c.type)));
    std::vector<float> x(512);
    for (size_t i = 0; i < x.size(); ++i) {
      const int index = (i % 16 == 0) ? 0 : static_cast<int>(i * 7 % c.levels);  // index 0 starts each 16
      const int value = c.grid != nullptr ? c.grid[index] : index - c.levels / 2;
      x[i] = static_cast<float>(value) * c.d;
    }
    EXPECT_EQ(RoundTrip(c.type, x), x);
  }
}

TEST(QuantRoundTrip, FloatFormatsKeepRepresentableValues) {
  const std::vector<float> halves = {0.0f,          -0.0f,           1.0f,    -2.5f, 65504.0f,
                                     5.9604645e-8f, 0.333251953125f, -1024.0f};
  EXPECT_EQ(RoundTrip(DType::kF16, halves), halves);
  const std::vector<float> bf = {0.0f, 1.0f, -3.0f, 1e30f, -1.5e-30f, 0.0078125f, 3.3895314e38f, -0.0f};
  std::vector<float> bf_exact(bf.size());
  for (size_t i = 0; i < bf.size(); ++i) bf_exact[i] = Bf16ToFp32(Fp32ToBf16(bf[i]));
  EXPECT_EQ(RoundTrip(DType::kBF16, bf_exact), bf_exact);
  const std::vector<float> any = {1e-40f, -7.25f, 3.4e38f, 0.1f};
  EXPECT_EQ(RoundTrip(DType::kF32, any), any);
}

// Bound on RMS(dequantized − x): a format that rounds each element to a grid of step s·amax (amax of the
// group sharing one scale) has error ≤ step/2 per element and RMS ≈ step/√12 on spread-out data. The
// margin of 1.5 covers what the grid's ideal does not: f16-rounded scales, sub-block scales quantized to
// 4–8 bits, clamped ends. s per format:
//   Q8_0, Q8_1, Q8_K: 1/127 (d = amax/127)      Q4_0: 1/8, Q5_0: 1/16 (d = amax/8, amax/16)
//   Q4_1: 2/15, Q5_1: 2/31 (range ≤ 2·amax)     Q6_K: 1/32 (6-bit signed), Q3_K: 1/4 (3-bit signed)
//   Q4_K: 2/15, Q5_K: 2/31, Q2_K: 2/3 (asymmetric 4/5/2-bit with a min)
//   IQ4_NL, IQ4_XS: 24/127 (the widest gap of the non-linear grid, 89 → 113)
//   F16: 2^-10, BF16: 2^-7 (relative spacing near amax)
struct ErrorModel {
  DType type;
  int group;    // elements sharing one scale
  double step;  // grid step in units of the group's amax
};

constexpr ErrorModel kModels[] = {
    {DType::kF16, 32, 1.0 / 1024},    {DType::kBF16, 32, 1.0 / 128},  {DType::kQ4_0, 32, 1.0 / 8},
    {DType::kQ4_1, 32, 2.0 / 15},     {DType::kQ5_0, 32, 1.0 / 16},   {DType::kQ5_1, 32, 2.0 / 31},
    {DType::kQ8_0, 32, 1.0 / 127},    {DType::kQ8_1, 32, 1.0 / 127},  {DType::kQ2_K, 16, 2.0 / 3},
    {DType::kQ3_K, 16, 1.0 / 4},      {DType::kQ4_K, 32, 2.0 / 15},   {DType::kQ5_K, 32, 2.0 / 31},
    {DType::kQ6_K, 16, 1.0 / 32},     {DType::kQ8_K, 256, 1.0 / 127}, {DType::kIQ4_NL, 32, 24.0 / 127},
    {DType::kIQ4_XS, 32, 24.0 / 127},
};

double Rms(const std::vector<float>& v) {
  double s = 0;
  for (float f : v) s += static_cast<double>(f) * f;
  return std::sqrt(s / static_cast<double>(v.size()));
}

class QuantErrorBound : public ::testing::TestWithParam<ErrorModel> {};

TEST_P(QuantErrorBound, RmseWithinTheFormatsStep) {
  const ErrorModel model = GetParam();
  constexpr double kMargin = 1.5;
  for (Distribution dist : {Distribution::kGaussian, Distribution::kUniform, Distribution::kHeavyTailed,
                            Distribution::kNegativeOnly}) {
    const std::vector<float> x = MakeRow(dist, 4096 + 256, 5);
    const std::vector<float> y = RoundTrip(model.type, x);
    std::vector<float> diff(x.size());
    for (size_t i = 0; i < x.size(); ++i) diff[i] = y[i] - x[i];
    // Expected step/√12 from each group's own amax, combined as an RMS over groups.
    double bound_sq = 0;
    for (size_t g = 0; g < x.size(); g += model.group) {
      float amax = 0;
      for (int i = 0; i < model.group; ++i) amax = std::max(amax, std::fabs(x[g + i]));
      const double step = model.step * amax;
      bound_sq += step * step / 12.0 * model.group;
    }
    const double bound = kMargin * std::sqrt(bound_sq / static_cast<double>(x.size()));
    const double rmse = Rms(diff);
    EXPECT_LE(rmse, bound) << DTypeName(model.type) << " on " << DistributionName(dist) << ": RMSE/RMS "
                           << rmse / Rms(x) << ", bound/RMS " << bound / Rms(x);
    EXPECT_GT(rmse, 0.0) << "a lossy format cannot be exact on random data";
  }
}

INSTANTIATE_TEST_SUITE_P(StoredFormats, QuantErrorBound, ::testing::ValuesIn(kModels),
                         [](const auto& info) { return std::string(DTypeName(info.param.type)); });

TEST(QuantApi, QuantizeRowRejectsPartialBlocksAndUnknownTypesWithoutWriting) {
  std::vector<float> x(512, 1.0f);
  std::vector<uint8_t> out(4096, 0xAB);
  EXPECT_EQ(quant::QuantizeRow(DType::kQ4_0, x.data(), out.data(), 48), 0u);
  EXPECT_EQ(quant::QuantizeRow(DType::kQ8_0, x.data(), out.data(), -32), 0u);
  EXPECT_EQ(quant::QuantizeRow(DType::kIQ2_XXS, x.data(), out.data(), 256), 0u);
  EXPECT_EQ(quant::QuantizeRow(DType::kI8, x.data(), out.data(), 256), 0u);
  for (uint8_t b : out) ASSERT_EQ(b, 0xAB);
  EXPECT_EQ(quant::QuantizeRow(DType::kQ4_0, x.data(), out.data(), 64), 2u * sizeof(quant::BlockQ4_0));
}

TEST(QuantApi, QuantizeTensorExplainsWhatItCannotDo) {
  std::vector<float> x(4 * 256, 0.5f);
  std::vector<uint8_t> out(4 * 1024);
  const Status partial = quant::QuantizeTensor(DType::kQ4_0, x.data(), out.data(), 2, 48, nullptr);
  EXPECT_EQ(partial.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(partial.message().find("48"), std::string::npos) << partial.message();
  EXPECT_NE(partial.message().find("32"), std::string::npos) << partial.message();
  EXPECT_EQ(quant::QuantizeTensor(DType::kQ8_0, x.data(), out.data(), -1, 32, nullptr).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(quant::QuantizeTensor(DType::kQ8_0, nullptr, out.data(), 1, 32, nullptr).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(quant::QuantizeTensor(DType::kIQ2_XS, x.data(), out.data(), 1, 256, nullptr).code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(quant::QuantizeTensor(DType::kQ8_1, x.data(), out.data(), 1, 32, nullptr).code(),
            StatusCode::kUnsupported);
  EXPECT_TRUE(quant::QuantizeTensor(DType::kQ8_0, nullptr, nullptr, 0, 32, nullptr).ok());
}

// Rows are independent: QuantizeTensor on any thread count equals QuantizeRow applied row by row (IQ4_NL
// excepted by design, see quant.h).
TEST(QuantApi, QuantizeTensorEqualsRowByRowOnAnyThreadCount) {
  constexpr int64_t kRows = 9, kRowLen = 512;
  const std::vector<float> x = MakeRow(Distribution::kGaussian, kRows * kRowLen, 3);
  ThreadPool pool(3);
  for (DType type :
       {DType::kF16, DType::kBF16, DType::kQ4_0, DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kQ8_0,
        DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kIQ4_XS}) {
    const size_t row_bytes = RowBytes(type, kRowLen);
    std::vector<uint8_t> by_rows(kRows * row_bytes), serial(by_rows.size()), threaded(by_rows.size());
    for (int64_t r = 0; r < kRows; ++r) {
      quant::QuantizeRow(type, x.data() + r * kRowLen, by_rows.data() + r * row_bytes, kRowLen);
    }
    ASSERT_TRUE(quant::QuantizeTensor(type, x.data(), serial.data(), kRows, kRowLen, nullptr).ok());
    ASSERT_TRUE(quant::QuantizeTensor(type, x.data(), threaded.data(), kRows, kRowLen, &pool).ok());
    EXPECT_EQ(serial, by_rows) << DTypeName(type);
    EXPECT_EQ(threaded, by_rows) << DTypeName(type);
  }
}

}  // namespace
}  // namespace corral
