#include "base/fp16.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace corral {
namespace {

TEST(Fp16, EveryHalfRoundTripsThroughFloat) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = Fp16ToFp32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(Fp16ToFp32(Fp32ToFp16(f))));
      continue;
    }
    ASSERT_EQ(Fp32ToFp16(f), h) << std::hex << h;
  }
}

TEST(Fp16, KnownValuesAndRounding) {
  EXPECT_EQ(Fp32ToFp16(1.0f), 0x3C00);
  EXPECT_EQ(Fp32ToFp16(-2.0f), 0xC000);
  EXPECT_EQ(Fp32ToFp16(65504.0f), 0x7BFF);
  EXPECT_EQ(Fp32ToFp16(1e6f), 0x7C00);                 // overflow → inf
  EXPECT_EQ(Fp32ToFp16(5.9604645e-8f), 0x0001);        // smallest subnormal
  EXPECT_EQ(Fp32ToFp16(1.0f + 1.0f / 2048), 0x3C00);   // halfway: ties to even (down)
  EXPECT_EQ(Fp32ToFp16(1.0f + 3.0f / 2048), 0x3C02);   // halfway: ties to even (up)
  EXPECT_FLOAT_EQ(Fp16ToFp32(0x3555), 0.33325195f);
}

TEST(Bf16, RoundsToNearestEvenAndKeepsNaN) {
  EXPECT_EQ(Fp32ToBf16(1.0f), 0x3F80);
  EXPECT_EQ(Bf16ToFp32(0x3F80), 1.0f);
  EXPECT_EQ(Fp32ToBf16(std::bit_cast<float>(0x3F808000u)), 0x3F80);  // tie → even
  EXPECT_EQ(Fp32ToBf16(std::bit_cast<float>(0x3F818000u)), 0x3F82);
  EXPECT_TRUE(std::isnan(Bf16ToFp32(Fp32ToBf16(std::numeric_limits<float>::quiet_NaN()))));
}

}  // namespace
}  // namespace corral
