// Hand-built blocks decoded to the values their layout (peers.md §2.3) says they hold, and the API's
// handling of types and lengths it cannot serve. No llama.cpp needed.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "base/fp16.h"
#include "tensor/quant/blocks.h"
#include "tensor/quant/quant.h"

namespace corral {
namespace {

using quant::kQK;

std::vector<float> Decode(DType type, const void* block, int64_t n) {
  std::vector<float> y(static_cast<size_t>(n), -999.0f);
  EXPECT_TRUE(quant::DequantizeRow(type, block, y.data(), n));
  return y;
}

TEST(QuantFormat, Q4_0LowNibblesHoldTheFirstHalfHighNibblesTheSecond) {
  quant::BlockQ4_0 b;
  b.d = Fp32ToFp16(0.5f);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const std::vector<float> y = Decode(DType::kQ4_0, &b, kQK);
  // Element j < 16 is (j − 8)·0.5; element j + 16 is (15 − j − 8)·0.5.
  EXPECT_EQ(y[0], -4.0f);
  EXPECT_EQ(y[8], 0.0f);
  EXPECT_EQ(y[15], 3.5f);
  EXPECT_EQ(y[16], 3.5f);
  EXPECT_EQ(y[31], -4.0f);
  EXPECT_EQ(y[20], 1.5f);
}

TEST(QuantFormat, Q4_1AddsTheMinimum) {
  quant::BlockQ4_1 b;
  b.d = Fp32ToFp16(0.25f);
  b.m = Fp32ToFp16(-1.0f);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | (3 << 4));
  const std::vector<float> y = Decode(DType::kQ4_1, &b, kQK);
  EXPECT_EQ(y[0], -1.0f);
  EXPECT_EQ(y[4], 0.0f);
  EXPECT_EQ(y[15], 2.75f);
  EXPECT_EQ(y[16], -0.25f);
  EXPECT_EQ(y[31], -0.25f);
}

TEST(QuantFormat, Q5_0FifthBitOfElementEIsBitEOfQh) {
  quant::BlockQ5_0 b;
  b.d = Fp32ToFp16(1.0f);
  for (int j = 0; j < 16; ++j) b.qs[j] = 0x00;
  // Bits 1 and 17 set (qh is little-endian): elements 1 and 17 get q = 16 → 0; the rest q = 0 → −16.
  const uint32_t qh = (1u << 1) | (1u << 17);
  std::memcpy(b.qh, &qh, 4);
  const std::vector<float> y = Decode(DType::kQ5_0, &b, kQK);
  EXPECT_EQ(y[0], -16.0f);
  EXPECT_EQ(y[1], 0.0f);
  EXPECT_EQ(y[16], -16.0f);
  EXPECT_EQ(y[17], 0.0f);
  b.qs[1] = 0xF7;  // element 1: nibble 7 | 16 = 23 → 7; element 17: nibble 15 | 16 = 31 → 15
  const std::vector<float> z = Decode(DType::kQ5_0, &b, kQK);
  EXPECT_EQ(z[1], 7.0f);
  EXPECT_EQ(z[17], 15.0f);
}

TEST(QuantFormat, Q5_1HighBitAddsSixteenSteps) {
  quant::BlockQ5_1 b;
  b.d = Fp32ToFp16(0.5f);
  b.m = Fp32ToFp16(2.0f);
  std::memset(b.qs, 0x21, sizeof(b.qs));  // low nibble 1, high nibble 2
  const uint32_t qh = 0x80000001u;        // elements 0 and 31
  std::memcpy(b.qh, &qh, 4);
  const std::vector<float> y = Decode(DType::kQ5_1, &b, kQK);
  EXPECT_EQ(y[0], (1 + 16) * 0.5f + 2.0f);
  EXPECT_EQ(y[1], 1 * 0.5f + 2.0f);
  EXPECT_EQ(y[16], 2 * 0.5f + 2.0f);
  EXPECT_EQ(y[31], (2 + 16) * 0.5f + 2.0f);
}

TEST(QuantFormat, Q8_0AndQ8_1AreSignedBytesTimesD) {
  quant::BlockQ8_0 a;
  quant::BlockQ8_1 b;
  a.d = b.d = Fp32ToFp16(0.125f);
  b.s = Fp32ToFp16(12345.0f);  // the precomputed sum does not enter the values
  for (int j = 0; j < kQK; ++j) a.qs[j] = b.qs[j] = static_cast<int8_t>(j * 8 - 128);
  const std::vector<float> ya = Decode(DType::kQ8_0, &a, kQK);
  const std::vector<float> yb = Decode(DType::kQ8_1, &b, kQK);
  EXPECT_EQ(ya[0], -16.0f);
  EXPECT_EQ(ya[16], 0.0f);
  EXPECT_EQ(ya[31], 15.0f);
  EXPECT_EQ(ya, yb);
}

TEST(QuantFormat, IQ4_NLIndexesTheNonLinearGrid) {
  quant::BlockIQ4_NL b;
  b.d = Fp32ToFp16(2.0f);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const std::vector<float> y = Decode(DType::kIQ4_NL, &b, kQK);
  EXPECT_EQ(y[0], -254.0f);  // 2 · kvalues[0] = 2 · −127
  EXPECT_EQ(y[8], 2.0f);     // 2 · kvalues[8] = 2 · 1
  EXPECT_EQ(y[15], 226.0f);  // 2 · 113
  EXPECT_EQ(y[16], 226.0f);
  EXPECT_EQ(y[31], -254.0f);
}

TEST(QuantFormat, IQ4_XSSubBlockScalesAreSixBitsBiasedBy32) {
  quant::BlockIQ4_XS b{};
  b.d = Fp32ToFp16(1.0f);
  // Sub-block 0 scale 33 (→ 1): low nibble 1, high bits 2; sub-block 1 scale 0 (→ −32); sub-block 7 scale 63.
  b.scales_l[0] = 0x01;
  b.scales_l[3] = 0xF0;
  b.scales_h = static_cast<uint16_t>((2u << 0) | (3u << 14));
  std::memset(b.qs, 0x88, sizeof(b.qs));  // every index 8 → value 1
  const std::vector<float> y = Decode(DType::kIQ4_XS, &b, quant::kQK_K);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[32], -32.0f);
  EXPECT_EQ(y[255], 31.0f);
}

TEST(QuantFormat, PlainFloatTypes) {
  const float f32[2] = {1.5f, -0.0f};
  EXPECT_EQ(Decode(DType::kF32, f32, 2), std::vector<float>({1.5f, -0.0f}));
  const uint16_t f16[2] = {0x3C00, 0xC000};
  EXPECT_EQ(Decode(DType::kF16, f16, 2), std::vector<float>({1.0f, -2.0f}));
  const uint16_t bf16[2] = {0x3F80, 0x4040};
  EXPECT_EQ(Decode(DType::kBF16, bf16, 2), std::vector<float>({1.0f, 3.0f}));
}

TEST(QuantApi, ReportsWhichTypesItServes) {
  for (DType t : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ4_0, DType::kQ4_1, DType::kQ5_0,
                  DType::kQ5_1, DType::kQ8_0, DType::kQ8_1, DType::kQ2_K, DType::kQ3_K, DType::kQ4_K,
                  DType::kQ5_K, DType::kQ6_K, DType::kQ8_K, DType::kIQ4_NL, DType::kIQ4_XS}) {
    EXPECT_TRUE(quant::CanDequantize(t)) << DTypeName(t);
  }
  for (DType t : {DType::kIQ2_XXS, DType::kIQ3_S, DType::kI32, DType::kF64, DType::kTQ1_0, DType::kMXFP4}) {
    EXPECT_FALSE(quant::CanDequantize(t)) << DTypeName(t);
    EXPECT_FALSE(quant::CanQuantize(t)) << DTypeName(t);
  }
}

TEST(QuantApi, DequantizeRejectsPartialBlocksAndUnknownTypesWithoutWriting) {
  std::vector<uint8_t> bytes(4 * 256, 0);
  std::vector<float> y(256, 7.0f);
  EXPECT_FALSE(quant::DequantizeRow(DType::kQ4_0, bytes.data(), y.data(), 33));
  EXPECT_FALSE(quant::DequantizeRow(DType::kQ4_K, bytes.data(), y.data(), 128));
  EXPECT_FALSE(quant::DequantizeRow(DType::kQ8_0, bytes.data(), y.data(), -32));
  EXPECT_FALSE(quant::DequantizeRow(DType::kIQ2_XXS, bytes.data(), y.data(), 256));
  for (float v : y) ASSERT_EQ(v, 7.0f);
  EXPECT_TRUE(quant::DequantizeRow(DType::kQ4_0, bytes.data(), y.data(), 0));
}

}  // namespace
}  // namespace corral
