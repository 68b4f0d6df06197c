// Activation quantization: every instruction-set family writes the same bytes as the scalar quantizer, and
// the scalar quantizer rounds as llama.cpp's x86 SIMD builds do (the parity test holds it against those
// builds themselves; the cases here pin the documented rules).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/fp16.h"
#include "tensor/cpu/cpu_features.h"
#include "tensor/cpu/kernels.h"
#include "tensor/cpu/scalar/scalar_kernels.h"
#include "tensor/quant/blocks.h"

namespace corral::cpu {
namespace {

// Rows that exercise the corners: gaussian with a different magnitude per block, exact ties (k + 0.5 with
// amax 127, so the scale is exactly 1), all-zero blocks, a lone outlier, equal magnitudes of both signs,
// and values near the f32 limits.
std::vector<std::vector<float>> TestRows(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<std::vector<float>> rows;
  std::vector<float> x(n);
  for (int64_t i = 0; i < n; ++i) x[i] = normal(rng) * std::ldexp(1.0f, static_cast<int>((i / 32) % 7) - 3);
  rows.push_back(x);
  std::uniform_int_distribution<int> k(-127, 126);
  for (int64_t i = 0; i < n; ++i) x[i] = i % 32 == 0 ? 127.0f : static_cast<float>(k(rng)) + 0.5f;
  rows.push_back(x);
  for (int64_t i = 0; i < n; ++i) x[i] = (i / 32) % 2 == 0 ? 0.0f : normal(rng);
  rows.push_back(x);
  for (int64_t i = 0; i < n; ++i) x[i] = i % 97 == 5 ? 1000.0f : normal(rng) * 0.01f;
  rows.push_back(x);
  for (int64_t i = 0; i < n; ++i) x[i] = (i % 3 == 0 ? -1.0f : 1.0f) * static_cast<float>(1 + i % 4);
  rows.push_back(x);
  for (int64_t i = 0; i < n; ++i) x[i] = normal(rng) * 1e-30f;
  rows.push_back(x);
  for (int64_t i = 0; i < n; ++i) x[i] = normal(rng) * 1e30f;
  rows.push_back(x);
  return rows;
}

struct ActCase {
  DType weight;  // any weight type whose activation format is under test
  Isa isa;
};

std::vector<ActCase> ActCases() {
  std::vector<ActCase> cases;
  for (Isa isa : SupportedIsas(HostCpuFeatures())) {
    for (DType w : {DType::kQ8_0, DType::kQ4_0, DType::kQ5_0, DType::kIQ4_NL, DType::kQ4_1, DType::kQ5_1,
                    DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kIQ4_XS,
                    DType::kF16, DType::kBF16, DType::kF32}) {
      cases.push_back({w, isa});
    }
  }
  return cases;
}

class KernelActQuantTest : public ::testing::TestWithParam<ActCase> {};

TEST_P(KernelActQuantTest, SameBytesAsScalar) {
  const DotKernel* k = FindDotKernel(GetParam().weight, GetParam().isa);
  const DotKernel* ref = scalar::FindKernel(GetParam().weight);
  ASSERT_NE(k, nullptr);
  ASSERT_NE(ref, nullptr);
  const int64_t block = Traits(k->activation).block_size == 1 ? 1 : Traits(k->activation).block_size;
  for (int64_t n : {block * 1, block * 3, int64_t{4096 + 256}, block == 1 ? int64_t{37} : block * 7}) {
    for (const std::vector<float>& x : TestRows(n, static_cast<uint32_t>(n))) {
      const size_t bytes = RowBytes(k->activation, n);
      std::vector<uint8_t> got(bytes + 16, 0xAB), want(bytes + 16, 0xAB);
      k->quantize(x.data(), got.data(), n);
      ref->quantize(x.data(), want.data(), n);
      ASSERT_EQ(got, want) << "n=" << n;  // includes the 16 guard bytes: nothing written past the row
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllFormatsAllIsas, KernelActQuantTest, ::testing::ValuesIn(ActCases()),
                         [](const ::testing::TestParamInfo<ActCase>& info) {
                           return std::string(DTypeName(info.param.weight)) + "_" +
                                  std::string(IsaName(info.param.isa));
                         });

TEST(ScalarActQuant, Q8_0RoundsTiesToEvenWithScale127OverAmax) {
  // amax = 127 makes the scale exactly 1, so k + 0.5 is an exact tie: the SIMD builds round it to even
  // (ggml's reference roundf would round away from zero).
  float x[32] = {127.0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f};
  quant::BlockQ8_0 b;
  scalar::QuantizeRowQ8_0(x, &b, 32);
  EXPECT_EQ(Fp16ToFp32(b.d), Fp16ToFp32(Fp32ToFp16(1.0f)));
  const int8_t want[8] = {127, 0, 2, 2, 0, -2, -2, 126};
  for (int j = 0; j < 8; ++j) EXPECT_EQ(b.qs[j], want[j]) << j;
  for (int j = 8; j < 32; ++j) EXPECT_EQ(b.qs[j], 0) << j;
}

TEST(ScalarActQuant, Q8_1SumIsF32ScaleTimesIntegerSum) {
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = 0.1f * static_cast<float>(j - 7);
  quant::BlockQ8_1 b;
  scalar::QuantizeRowQ8_1(x, &b, 32);
  int sum = 0;
  for (int j = 0; j < 32; ++j) sum += b.qs[j];
  const float amax = 0.1f * 24;
  EXPECT_EQ(b.s, Fp32ToFp16(amax / 127.f * static_cast<float>(sum)));
}

TEST(ScalarActQuant, Q8_KTakesTheSignOfTheFirstLargestElement) {
  std::vector<float> x(256, 0.25f);
  x[10] = -2.0f;  // first of the two largest magnitudes: max = -2, iscale = +63.5
  x[20] = 2.0f;
  quant::BlockQ8_K b;
  scalar::QuantizeRowQ8_K(x.data(), &b, 256);
  EXPECT_EQ(b.d, 1 / (-127.f / -2.0f));
  EXPECT_EQ(b.qs[10], -127);
  EXPECT_EQ(b.qs[20], 127);
  EXPECT_EQ(b.qs[0], 16);  // 0.25 · 63.5 = 15.875
  EXPECT_EQ(b.bsums[0], 15 * 16 - 127);
  EXPECT_EQ(b.bsums[1], 15 * 16 + 127);
}

TEST(ScalarActQuant, Q8_KAllZeroBlockIsZero) {
  std::vector<float> x(256, 0.0f);
  quant::BlockQ8_K b;
  std::memset(&b, 0x5A, sizeof(b));
  scalar::QuantizeRowQ8_K(x.data(), &b, 256);
  EXPECT_EQ(b.d, 0.0f);
  for (int j = 0; j < 256; ++j) ASSERT_EQ(b.qs[j], 0);
  for (int g = 0; g < 16; ++g) ASSERT_EQ(b.bsums[g], 0);
}

}  // namespace
}  // namespace corral::cpu
