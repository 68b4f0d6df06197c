// corral's quantizers against llama.cpp's: quantize_row_<type>_ref bytes for single rows,
// ggml_quantize_chunk bytes for tensors, on data from many distributions and row lengths; then the
// round trip through both dequantizers, compared bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "peer/ggml_peer.h"
#include "quant_test_data.h"
#include "tensor/quant/quant.h"

namespace corral {
namespace {

using testing::Distribution;
using testing::DistributionName;
using testing::GgmlPeer;
using testing::MakeRow;
using testing::SameBytes;
using testing::SameFloatBits;

const GgmlPeer* PeerOrFail() {
  const GgmlPeer* peer = GgmlPeer::Get();
  EXPECT_NE(peer, nullptr) << GgmlPeer::UnavailableReason();
  return peer;
}

// One block, odd block counts, and a hidden-size row plus one super-block.
std::vector<int64_t> RowLengths(DType type) {
  const int64_t block = Traits(type).block_size == 1 ? 32 : Traits(type).block_size;
  return {block, 3 * block, 17 * block, 4096 + 256};
}

// ggml's quantize_row_<type>_ref, or for the float types the row conversions ggml_quantize_chunk uses.
std::vector<uint8_t> GgmlQuantizeRow(const GgmlPeer& peer, DType type, const std::vector<float>& x) {
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> out(RowBytes(type, n), 0);
  if (type == DType::kF16 || type == DType::kBF16 || type == DType::kF32) {
    EXPECT_EQ(peer.QuantizeChunk(type, x.data(), out.data(), 1, n), out.size());
  } else {
    EXPECT_TRUE(peer.QuantizeRowRef(type, x.data(), out.data(), n))
        << "no ggml reference for " << DTypeName(type);
  }
  return out;
}

std::vector<float> GgmlDequantize(const GgmlPeer& peer, DType type, const std::vector<uint8_t>& bytes,
                                  int64_t n) {
  std::vector<float> y(static_cast<size_t>(n));
  if (type == DType::kF32) {
    std::memcpy(y.data(), bytes.data(), bytes.size());
  } else if (type == DType::kQ8_1) {
    // ggml cannot decode Q8_1 (activations only); the bytes were already compared, so decode them with
    // corral and let the byte equality carry the parity.
    EXPECT_TRUE(quant::DequantizeRow(type, bytes.data(), y.data(), n));
  } else {
    EXPECT_TRUE(peer.DequantizeRow(type, bytes.data(), y.data(), n));
  }
  return y;
}

// RMS(y − x) / RMS(x), the figure quantization papers and llama.cpp's test-quantize-fns report.
double RelativeRmse(const std::vector<float>& x, const std::vector<float>& y) {
  double err = 0, ref = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    err += (static_cast<double>(y[i]) - x[i]) * (static_cast<double>(y[i]) - x[i]);
    ref += static_cast<double>(x[i]) * x[i];
  }
  return ref > 0 ? std::sqrt(err / ref) : std::sqrt(err);
}

// quantize_row_iq4_nl_ref leaves the indices of a block below 1e-15 as they were in its reused buffer,
// which for a leading run of such blocks is uninitialised stack memory (iq4_quants.h). Those indices
// (and only those) are taken from ggml's output after checking that ggml, like corral, stored d = 0.
void AdoptUndefinedIQ4NLIndices(const std::vector<float>& x, const std::vector<uint8_t>& expected,
                                std::vector<uint8_t>& actual) {
  constexpr size_t kBlockBytes = sizeof(quant::BlockIQ4_NL);
  for (size_t b = 0; b < expected.size() / kBlockBytes; ++b) {
    float amax = 0;
    for (int j = 0; j < quant::kQK; ++j) amax = std::max(amax, std::fabs(x[b * quant::kQK + j]));
    if (amax >= 1e-15f) return;  // from here on the indices are defined
    const size_t at = b * kBlockBytes;
    ASSERT_EQ(expected[at] | expected[at + 1], 0) << "ggml stored a nonzero d for an all-zero block " << b;
    std::copy(expected.begin() + at + 2, expected.begin() + at + kBlockBytes, actual.begin() + at + 2);
  }
}

class QuantizeParity : public ::testing::TestWithParam<DType> {};
class QuantizeTensorParity : public ::testing::TestWithParam<DType> {};

TEST_P(QuantizeParity, RowBytesAndRoundTripMatchGgml) {
  const GgmlPeer* peer = PeerOrFail();
  if (peer == nullptr) return;
  const DType type = GetParam();
  const size_t block_bytes = Traits(type).block_bytes;
  for (const testing::NamedDistribution& named : testing::kDistributions) {
    const Distribution dist = named.dist;
    for (int64_t n : RowLengths(type)) {
      for (uint32_t seed : {11u, 12u}) {
        SCOPED_TRACE(DistributionName(dist) + ", n=" + std::to_string(n) + ", seed " + std::to_string(seed));
        const std::vector<float> x = MakeRow(dist, n, seed + static_cast<uint32_t>(n));
        const std::vector<uint8_t> expected = GgmlQuantizeRow(*peer, type, x);
        std::vector<uint8_t> actual(expected.size(), 0);
        ASSERT_EQ(quant::QuantizeRow(type, x.data(), actual.data(), n), actual.size());
        if (type == DType::kIQ4_NL) AdoptUndefinedIQ4NLIndices(x, expected, actual);
        ASSERT_TRUE(SameBytes(expected, actual, block_bytes));

        const std::vector<float> theirs = GgmlDequantize(*peer, type, expected, n);
        std::vector<float> ours(static_cast<size_t>(n));
        ASSERT_TRUE(quant::DequantizeRow(type, actual.data(), ours.data(), n));
        ASSERT_TRUE(SameFloatBits(theirs, ours));
        // Huge inputs overflow the f16 scales (inf·0 = NaN on both sides); the bits above already agree.
        const double rmse = RelativeRmse(x, theirs);
        if (std::isfinite(rmse)) {
          EXPECT_EQ(rmse, RelativeRmse(x, ours));
        }
      }
    }
  }
}

// What llama-quantize writes: ggml_quantize_chunk over a multi-row tensor, against QuantizeTensor on one
// and on two threads.
TEST_P(QuantizeTensorParity, BytesMatchGgmlQuantizeChunk) {
  const GgmlPeer* peer = PeerOrFail();
  if (peer == nullptr) return;
  const DType type = GetParam();
  const int64_t row_len = Traits(type).block_size == 256 ? 512 : 96;
  ThreadPool two_threads(2);
  for (Distribution dist : {Distribution::kGaussian, Distribution::kHeavyTailed, Distribution::kSingleNonzero,
                            Distribution::kZeroGroups, Distribution::kZeros}) {
    for (int64_t rows : {int64_t{1}, int64_t{7}}) {
      SCOPED_TRACE(DistributionName(dist) + ", rows=" + std::to_string(rows));
      const std::vector<float> x = MakeRow(dist, rows * row_len, 99 + static_cast<uint32_t>(rows));
      std::vector<uint8_t> expected(rows * RowBytes(type, row_len), 0);
      ASSERT_EQ(peer->QuantizeChunk(type, x.data(), expected.data(), rows, row_len), expected.size());
      for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &two_threads}) {
        std::vector<uint8_t> actual(expected.size(), 0);
        ASSERT_TRUE(quant::QuantizeTensor(type, x.data(), actual.data(), rows, row_len, pool).ok());
        ASSERT_TRUE(SameBytes(expected, actual, Traits(type).block_bytes))
            << (pool ? "2 threads" : "1 thread");
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, QuantizeParity,
                         ::testing::Values(DType::kF32, DType::kF16, DType::kBF16, DType::kQ4_0, DType::kQ4_1,
                                           DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ8_1,
                                           DType::kQ2_K, DType::kQ3_K, DType::kQ4_K, DType::kQ5_K,
                                           DType::kQ6_K, DType::kQ8_K, DType::kIQ4_NL, DType::kIQ4_XS),
                         [](const auto& info) { return std::string(DTypeName(info.param)); });

// Every type llama-quantize can write (not the activation formats Q8_1/Q8_K, which ggml_quantize_chunk
// rejects).
INSTANTIATE_TEST_SUITE_P(StoredTypes, QuantizeTensorParity,
                         ::testing::Values(DType::kF32, DType::kF16, DType::kBF16, DType::kQ4_0, DType::kQ4_1,
                                           DType::kQ5_0, DType::kQ5_1, DType::kQ8_0, DType::kQ2_K,
                                           DType::kQ3_K, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K,
                                           DType::kIQ4_NL, DType::kIQ4_XS),
                         [](const auto& info) { return std::string(DTypeName(info.param)); });

}  // namespace
}  // namespace corral
