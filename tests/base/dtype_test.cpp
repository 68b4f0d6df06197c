#include "base/dtype.h"

#include <gtest/gtest.h>

namespace corral {
namespace {

TEST(DType, SizesMatchGgml) {
  // Bytes per block from ggml-common.h's static_asserts.
  EXPECT_EQ(RowBytes(DType::kQ4_0, 4096), 4096 / 32 * 18u);
  EXPECT_EQ(RowBytes(DType::kQ4_K, 4096), 4096 / 256 * 144u);
  EXPECT_EQ(RowBytes(DType::kQ6_K, 256), 210u);
  EXPECT_EQ(RowBytes(DType::kQ8_K, 256), 292u);
  EXPECT_EQ(RowBytes(DType::kF16, 3), 6u);
  EXPECT_EQ(RowBytes(DType::kBF16, 3), 6u);
}

TEST(DType, LookupRejectsIdsThatAreNotGgmlTypes) {
  EXPECT_FALSE(LookupDType(4).has_value());   // Q4_2, removed from ggml
  EXPECT_FALSE(LookupDType(31).has_value());  // Q4_0_4_4, removed
  EXPECT_FALSE(LookupDType(1000).has_value());
  ASSERT_TRUE(LookupDType(12).has_value());
  EXPECT_EQ(LookupDType(12)->name, "q4_K");
}

TEST(DType, NamesRoundTrip) {
  for (uint32_t id = 0; id < 64; ++id) {
    auto t = LookupDType(id);
    if (!t) continue;
    EXPECT_EQ(static_cast<uint32_t>(t->type), id);
    EXPECT_EQ(Traits(t->type).name, t->name);
    EXPECT_EQ(DTypeFromName(t->name), t->type);
  }
  EXPECT_EQ(DTypeFromName("Q4_K"), DType::kQ4_K);
  EXPECT_FALSE(DTypeFromName("q4_k_m").has_value());
}

}  // namespace
}  // namespace corral
