// corral's dequantization against llama.cpp's dequantize_row_* on random blocks: every float must carry
// the same bits.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "peer/ggml_peer.h"
#include "quant_test_data.h"
#include "tensor/quant/quant.h"

namespace corral {
namespace {

using testing::GgmlPeer;
using testing::RandomBlocks;
using testing::SameFloatBits;

const GgmlPeer* PeerOrFail() {
  const GgmlPeer* peer = GgmlPeer::Get();
  EXPECT_NE(peer, nullptr) << GgmlPeer::UnavailableReason();
  return peer;
}

class DequantizeParity : public ::testing::TestWithParam<DType> {};

TEST_P(DequantizeParity, RandomBlocksMatchGgmlBitForBit) {
  const GgmlPeer* peer = PeerOrFail();
  if (peer == nullptr) return;
  const DType type = GetParam();
  const int64_t block = Traits(type).block_size;
  // One block, odd block counts, and a row as long as a typical hidden size plus a super-block.
  for (int64_t n_blocks : {int64_t{1}, int64_t{3}, int64_t{17}, (4096 + 256) / block}) {
    for (uint32_t seed : {1u, 2u, 3u}) {
      const std::vector<uint8_t> bytes =
          RandomBlocks(type, n_blocks, seed * 7919 + static_cast<uint32_t>(type));
      const int64_t n = n_blocks * block;
      std::vector<float> expected(static_cast<size_t>(n)), actual(static_cast<size_t>(n));
      ASSERT_TRUE(peer->DequantizeRow(type, bytes.data(), expected.data(), n));
      ASSERT_TRUE(quant::DequantizeRow(type, bytes.data(), actual.data(), n));
      ASSERT_TRUE(SameFloatBits(expected, actual))
          << DTypeName(type) << ", " << n_blocks << " blocks, seed " << seed;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, DequantizeParity,
                         ::testing::Values(DType::kF16, DType::kBF16, DType::kQ4_0, DType::kQ4_1,
                                           DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ2_K,
                                           DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K,
                                           DType::kQ8_K, DType::kIQ4_NL, DType::kIQ4_XS),
                         [](const auto& info) { return std::string(DTypeName(info.param)); });

// ggml has no dequantize_row_q8_1: a Q8_1 block's value is q·d exactly as Q8_0's, so the same d and qs
// repacked as Q8_0 go through ggml's dequantize_row_q8_0.
TEST(DequantizeParityQ8_1, MatchesGgmlQ8_0OnTheSameScalesAndQuants) {
  const GgmlPeer* peer = PeerOrFail();
  if (peer == nullptr) return;
  constexpr int64_t kBlocks = 37;
  const std::vector<uint8_t> bytes = RandomBlocks(DType::kQ8_1, kBlocks, 4242);
  std::vector<quant::BlockQ8_0> as_q8_0(kBlocks);
  for (int64_t i = 0; i < kBlocks; ++i) {
    quant::BlockQ8_1 b;
    std::memcpy(&b, bytes.data() + i * sizeof(b), sizeof(b));
    as_q8_0[i].d = b.d;
    std::memcpy(as_q8_0[i].qs, b.qs, sizeof(b.qs));
  }
  const int64_t n = kBlocks * quant::kQK;
  std::vector<float> expected(n), actual(n);
  ASSERT_TRUE(peer->DequantizeRow(DType::kQ8_0, as_q8_0.data(), expected.data(), n));
  ASSERT_TRUE(quant::DequantizeRow(DType::kQ8_1, bytes.data(), actual.data(), n));
  EXPECT_TRUE(SameFloatBits(expected, actual));
}

}  // namespace
}  // namespace corral
