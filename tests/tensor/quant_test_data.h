// Inputs for the quantization tests: f32 rows from several distributions, random quantized blocks with
// sane f16 scales, and bit-exact comparison of float rows.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/fp16.h"
#include "tensor/quant/blocks.h"

namespace corral::testing {

enum class Distribution {
  kGaussian,
  kUniform,
  kHeavyTailed,  // student-t-like body with rare outliers 100× the scale
  kZeros,
  kConstant,
  kTiny,           // gaussian × 1e-30: below every GROUP_MAX_EPS, all blocks treated as zero
  kHuge,           // gaussian × 1e30 (overflows f16 scales, as it does in llama.cpp)
  kSingleNonzero,  // one nonzero element per 32
  kNegativeOnly,
  kSmallIntegers,  // integers in [-8, 7]: hits rounding ties in every format
  kZeroGroups,     // gaussian with every other group of 32 all zero
};

struct NamedDistribution {
  Distribution dist;
  const char* name;
};
inline constexpr NamedDistribution kDistributions[] = {
    {Distribution::kGaussian, "gaussian"},
    {Distribution::kUniform, "uniform"},
    {Distribution::kHeavyTailed, "heavy_tailed"},
    {Distribution::kZeros, "zeros"},
    {Distribution::kConstant, "constant"},
    {Distribution::kTiny, "tiny"},
    {Distribution::kHuge, "huge"},
    {Distribution::kSingleNonzero, "single_nonzero"},
    {Distribution::kNegativeOnly, "negative_only"},
    {Distribution::kSmallIntegers, "small_integers"},
    {Distribution::kZeroGroups, "zero_groups"},
};

inline std::string DistributionName(Distribution d) {
  for (const NamedDistribution& nd : kDistributions) {
    if (nd.dist == d) return nd.name;
  }
  return "?";
}

inline float Sample(Distribution dist, int64_t i, uint32_t seed, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  switch (dist) {
    case Distribution::kGaussian:
      return normal(rng);
    case Distribution::kUniform:
      return std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng);
    case Distribution::kHeavyTailed: {
      const float t = normal(rng) / std::sqrt(std::fabs(normal(rng)) + 0.05f);
      return (rng() % 97 == 0) ? 100.0f * t : t;
    }
    case Distribution::kZeros:
      return 0.0f;
    case Distribution::kConstant:
      return 0.75f;
    case Distribution::kTiny:
      return 1e-30f * normal(rng);
    case Distribution::kHuge:
      return 1e30f * normal(rng);
    case Distribution::kSingleNonzero:
      return (i % 32 == static_cast<int64_t>(seed % 32)) ? normal(rng) : 0.0f;
    case Distribution::kNegativeOnly:
      return -std::fabs(normal(rng)) - 0.01f;
    case Distribution::kSmallIntegers:
      return static_cast<float>(static_cast<int>(rng() % 16) - 8);
    case Distribution::kZeroGroups:
      return (i / 32) % 2 == 1 ? 0.0f : normal(rng);
  }
  return 0.0f;
}

inline std::vector<float> MakeRow(Distribution dist, int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = Sample(dist, i, seed, rng);
  return x;
}

// A plausible f16 scale: mostly normal magnitudes between 2^-20 and 2^4 of either sign, sometimes zero or
// a subnormal, never inf or NaN.
inline uint16_t RandomScale(std::mt19937& rng) {
  const uint32_t pick = rng() % 32;
  if (pick == 0) return 0;
  if (pick == 1) return static_cast<uint16_t>(1 + rng() % 0x3FF);  // subnormal
  std::uniform_real_distribution<float> exponent(-20.0f, 4.0f);
  const float magnitude = std::exp2(exponent(rng));
  return Fp32ToFp16((rng() & 1) ? -magnitude : magnitude);
}

// n_blocks blocks of `type` with random bytes, f16 scale fields replaced by RandomScale (Q8_K's f32 d by a
// float of the same range). The quant fields stay arbitrary: every bit pattern there is a valid block.
inline std::vector<uint8_t> RandomBlocks(DType type, int64_t n_blocks, uint32_t seed) {
  using namespace corral::quant;
  std::mt19937 rng(seed);
  const size_t block_bytes = Traits(type).block_bytes;
  std::vector<uint8_t> bytes(block_bytes * static_cast<size_t>(n_blocks));
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  auto set_half = [&](size_t offset) {
    for (int64_t i = 0; i < n_blocks; ++i) {
      const uint16_t h = RandomScale(rng);
      std::memcpy(bytes.data() + static_cast<size_t>(i) * block_bytes + offset, &h, sizeof(h));
    }
  };
  switch (type) {
    case DType::kF16:
      for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
        const uint16_t h = RandomScale(rng);
        std::memcpy(bytes.data() + i, &h, 2);
      }
      break;
    case DType::kBF16:
      for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
        if (((bytes[i + 1] << 1 | bytes[i] >> 7) & 0xFF) == 0xFF) bytes[i + 1] ^= 0x40;  // no inf/NaN
      }
      break;
    case DType::kQ4_0:
      set_half(offsetof(BlockQ4_0, d));
      break;
    case DType::kQ4_1:
      set_half(offsetof(BlockQ4_1, d));
      set_half(offsetof(BlockQ4_1, m));
      break;
    case DType::kQ5_0:
      set_half(offsetof(BlockQ5_0, d));
      break;
    case DType::kQ5_1:
      set_half(offsetof(BlockQ5_1, d));
      set_half(offsetof(BlockQ5_1, m));
      break;
    case DType::kQ8_0:
      set_half(offsetof(BlockQ8_0, d));
      break;
    case DType::kQ8_1:
      set_half(offsetof(BlockQ8_1, d));
      set_half(offsetof(BlockQ8_1, s));
      break;
    case DType::kQ2_K:
      set_half(offsetof(BlockQ2_K, d));
      set_half(offsetof(BlockQ2_K, dmin));
      break;
    case DType::kQ3_K:
      set_half(offsetof(BlockQ3_K, d));
      break;
    case DType::kQ4_K:
      set_half(offsetof(BlockQ4_K, d));
      set_half(offsetof(BlockQ4_K, dmin));
      break;
    case DType::kQ5_K:
      set_half(offsetof(BlockQ5_K, d));
      set_half(offsetof(BlockQ5_K, dmin));
      break;
    case DType::kQ6_K:
      set_half(offsetof(BlockQ6_K, d));
      break;
    case DType::kIQ4_NL:
      set_half(offsetof(BlockIQ4_NL, d));
      break;
    case DType::kIQ4_XS:
      set_half(offsetof(BlockIQ4_XS, d));
      break;
    case DType::kQ8_K:
      for (int64_t i = 0; i < n_blocks; ++i) {
        const float d = Fp16ToFp32(RandomScale(rng));
        std::memcpy(bytes.data() + static_cast<size_t>(i) * block_bytes + offsetof(BlockQ8_K, d), &d, 4);
      }
      break;
    default:
      break;
  }
  return bytes;
}

// Bit-for-bit equality of two float rows (so −0 ≠ +0), reporting the first difference. (AssertionResult
// formats each << on its own, so hex output is built in a stream first.)
inline ::testing::AssertionResult SameFloatBits(const std::vector<float>& expected,
                                                const std::vector<float>& actual) {
  if (expected.size() != actual.size()) {
    return ::testing::AssertionFailure() << "sizes " << expected.size() << " vs " << actual.size();
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::bit_cast<uint32_t>(expected[i]) != std::bit_cast<uint32_t>(actual[i])) {
      std::ostringstream why;
      why << "element " << i << ": expected " << expected[i] << " (0x" << std::hex
          << std::bit_cast<uint32_t>(expected[i]) << "), got " << actual[i] << " (0x"
          << std::bit_cast<uint32_t>(actual[i]) << ")";
      return ::testing::AssertionFailure() << why.str();
    }
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult SameBytes(const std::vector<uint8_t>& expected,
                                            const std::vector<uint8_t>& actual, size_t block_bytes) {
  if (expected.size() != actual.size()) {
    return ::testing::AssertionFailure() << "sizes " << expected.size() << " vs " << actual.size();
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    if (expected[i] != actual[i]) {
      std::ostringstream why;
      why << "byte " << i << " (block " << i / block_bytes << ", offset " << i % block_bytes
          << "): expected 0x" << std::hex << int{expected[i]} << ", got 0x" << int{actual[i]};
      return ::testing::AssertionFailure() << why.str();
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace corral::testing
