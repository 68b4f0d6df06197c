// Inputs for the kernel tests: random weight rows of every type (random payload bits, sane f16 scales),
// activation rows, and a float reference built by dequantizing both sides.
//
// Two kinds of scales:
//   kRandom:     scales drawn from a continuous range, as in real models. SIMD and scalar results then differ
//                by float rounding only (different summation order and fused multiply-adds).
//   kPowerOfTwo: every scale ±2^k and every float payload a small integer times 2^k, so each product and
//                partial sum is exactly representable and every summation order gives the same float. SIMD
//                paths must then equal the scalar reference bit for bit: the integer parts are checked
//                exactly. (Exponents span a factor of 2 only, so partial sums stay far below 2^24 units of
//                the smallest product; the tests also check that the scalar result equals the double one.)
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "base/dtype.h"
#include "base/fp16.h"
#include "tensor/cpu/scalar/scalar_kernels.h"
#include "tensor/quant/blocks.h"
#include "tensor/quant/quant.h"

namespace corral::testing {

enum class Scales { kRandom, kPowerOfTwo };

// Every weight type that has a dot kernel.
inline constexpr DType kDotTypes[] = {DType::kF32,    DType::kF16,  DType::kBF16,  DType::kQ4_0,
                                      DType::kQ4_1,   DType::kQ5_0, DType::kQ5_1,  DType::kQ8_0,
                                      DType::kIQ4_NL, DType::kQ2_K, DType::kQ3_K,  DType::kQ4_K,
                                      DType::kQ5_K,   DType::kQ6_K, DType::kIQ4_XS};

// Row lengths worth testing for a type: one block, three blocks, 4096 + 256, and, for the 32-element and
// float formats, lengths that are not a multiple of any SIMD width (7 blocks; 1, 7, 33 floats).
inline std::vector<int64_t> TestLengths(DType type) {
  const int64_t block = Traits(type).block_size;
  if (block == 1) return {1, 7, 16, 33, 100, 4096 + 256};
  if (block == 32) return {32, 96, 224, 4096 + 256};
  return {256, 768, 4096 + 256};
}

// Byte offsets of the f16 scale fields of one block (d, and m / dmin where the format has one).
inline std::vector<size_t> ScaleOffsets(DType type) {
  switch (type) {
    case DType::kQ4_0:
    case DType::kQ5_0:
    case DType::kQ8_0:
    case DType::kIQ4_NL:
    case DType::kIQ4_XS:
      return {0};
    case DType::kQ4_1:
    case DType::kQ5_1:
    case DType::kQ4_K:
    case DType::kQ5_K:
      return {0, 2};
    case DType::kQ2_K:
      return {80, 82};
    case DType::kQ3_K:
      return {108};
    case DType::kQ6_K:
      return {208};
    default:
      return {};
  }
}

inline float RandomScale(Scales kind, std::mt19937& rng, float typical) {
  std::uniform_int_distribution<int> coin(0, 1);
  const float sign = coin(rng) != 0 ? 1.0f : -1.0f;
  if (kind == Scales::kPowerOfTwo) {
    std::uniform_int_distribution<int> exp(-1, 0);
    return sign * std::ldexp(1.0f, exp(rng));
  }
  std::uniform_real_distribution<float> mag(0.25f, 1.0f);
  return sign * typical * mag(rng);
}

// A small integer times a power of two (exact kind) or a gaussian value, as a float payload.
inline float RandomFloat(Scales kind, std::mt19937& rng) {
  if (kind == Scales::kPowerOfTwo) {
    std::uniform_int_distribution<int> v(-64, 64);
    return static_cast<float>(v(rng)) * 0.125f;
  }
  std::normal_distribution<float> normal(0.0f, 1.0f);
  return normal(rng);
}

// rows × n weights of `type`, the first at byte `offset`, each row row_stride bytes apart (row_stride ≥
// RowBytes(type, n) + offset). Quantized
// payload bytes are uniformly random, so every bit pattern of quants and packed sub-block scales occurs,
// Q8_0's -128 included.
inline std::vector<uint8_t> RandomWeights(DType type, int64_t rows, int64_t n, size_t row_stride, Scales kind,
                                          uint32_t seed, size_t offset = 0) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(static_cast<size_t>(rows) * row_stride, 0);
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& b : out) b = static_cast<uint8_t>(byte(rng));
  const DTypeTraits& tr = Traits(type);
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t* row = out.data() + offset + r * row_stride;
    if (type == DType::kF32 || type == DType::kF16 || type == DType::kBF16) {
      for (int64_t i = 0; i < n; ++i) {
        const float v = RandomFloat(kind, rng);
        if (type == DType::kF32) {
          std::memcpy(row + 4 * i, &v, 4);
        } else {
          const uint16_t h = type == DType::kF16 ? Fp32ToFp16(v) : Fp32ToBf16(v);
          std::memcpy(row + 2 * i, &h, 2);
        }
      }
      continue;
    }
    // Scales sized so dequantized weights are O(1): a 6-bit sub-block scale (K-quants) times d near 1/32.
    const float typical = tr.block_size == 256 ? 1.0f / 32 : 1.0f / 8;
    for (int64_t b = 0; b < n / tr.block_size; ++b) {
      for (size_t off : ScaleOffsets(type)) {
        const uint16_t h = Fp32ToFp16(RandomScale(kind, rng, typical));
        std::memcpy(row + b * tr.block_bytes + off, &h, 2);
      }
    }
  }
  return out;
}

// rows × n activations in format `act`, rows row_stride bytes apart. kRandom: gaussian floats with a
// different magnitude per block, quantized by the scalar quantizer (what matmul feeds the kernels).
// kPowerOfTwo: random quants, one in eight anywhere in [-127, 127] (the quantizers never write -128) and the
// rest in [-8, 8], a fixed scale (the weights' scales vary), block sums consistent with the quants. The mix
// keeps the extremes that could saturate 16-bit intermediate sums while the total stays exact in f32.
inline std::vector<uint8_t> RandomActivations(DType act, int64_t rows, int64_t n, size_t row_stride,
                                              Scales kind, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(static_cast<size_t>(rows) * row_stride, 0);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> wide(-127, 127), narrow(-8, 8), pick(0, 7);
  auto q = [&](std::mt19937& g) { return pick(g) == 0 ? wide(g) : narrow(g); };
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t* row = out.data() + r * row_stride;
    if (kind == Scales::kRandom) {
      std::vector<float> x(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        const float block_scale = std::ldexp(1.0f, static_cast<int>((i / 32) % 5) - 2);
        x[i] = normal(rng) * block_scale;
      }
      const cpu::DotKernel* any = nullptr;
      switch (act) {
        case DType::kQ8_0:
          any = cpu::scalar::FindKernel(DType::kQ8_0);
          break;
        case DType::kQ8_1:
          any = cpu::scalar::FindKernel(DType::kQ4_1);
          break;
        case DType::kQ8_K:
          any = cpu::scalar::FindKernel(DType::kQ4_K);
          break;
        case DType::kF16:
          any = cpu::scalar::FindKernel(DType::kF16);
          break;
        case DType::kBF16:
          any = cpu::scalar::FindKernel(DType::kBF16);
          break;
        default:
          any = cpu::scalar::FindKernel(DType::kF32);
          break;
      }
      any->quantize(x.data(), row, n);
      continue;
    }
    switch (act) {
      case DType::kQ8_0:
      case DType::kQ8_1: {
        const bool has_sum = act == DType::kQ8_1;
        const size_t bytes = has_sum ? sizeof(quant::BlockQ8_1) : sizeof(quant::BlockQ8_0);
        for (int64_t b = 0; b < n / 32; ++b) {
          uint8_t* blk = row + b * bytes;
          int8_t* qs = reinterpret_cast<int8_t*>(blk + (has_sum ? 4 : 2));
          int sum = 0;
          for (int j = 0; j < 32; ++j) sum += (qs[j] = static_cast<int8_t>(q(rng)));
          const float d = 0.125f;
          const uint16_t dh = Fp32ToFp16(d), sh = Fp32ToFp16(d * static_cast<float>(sum));
          std::memcpy(blk, &dh, 2);
          if (has_sum) std::memcpy(blk + 2, &sh, 2);
        }
        break;
      }
      case DType::kQ8_K: {
        auto* blocks = reinterpret_cast<quant::BlockQ8_K*>(row);
        for (int64_t b = 0; b < n / 256; ++b) {
          for (int j = 0; j < 256; ++j) blocks[b].qs[j] = static_cast<int8_t>(q(rng));
          for (int g = 0; g < 16; ++g) {
            int sum = 0;
            for (int j = 0; j < 16; ++j) sum += blocks[b].qs[16 * g + j];
            blocks[b].bsums[g] = static_cast<int16_t>(sum);
          }
          blocks[b].d = 0.5f;
        }
        break;
      }
      default: {
        for (int64_t i = 0; i < n; ++i) {
          const float v = RandomFloat(kind, rng) * 0.5f;
          if (act == DType::kF32) {
            std::memcpy(row + 4 * i, &v, 4);
          } else {
            const uint16_t h = act == DType::kF16 ? Fp32ToFp16(v) : Fp32ToBf16(v);
            std::memcpy(row + 2 * i, &h, 2);
          }
        }
      }
    }
  }
  return out;
}

// Dequantized row (quant::DequantizeRow, tested bit-exact against llama.cpp by the quant tests).
inline std::vector<double> Dequantized(DType type, const void* row, int64_t n) {
  std::vector<float> f(static_cast<size_t>(n));
  if (type == DType::kF32) {
    std::memcpy(f.data(), row, static_cast<size_t>(n) * 4);
  } else if (!quant::DequantizeRow(type, row, f.data(), n)) {
    ADD_FAILURE() << "cannot dequantize " << DTypeName(type);
  }
  return {f.begin(), f.end()};
}

struct ExactDot {
  double value = 0;      // Σ w_i a_i in double
  double magnitude = 0;  // Σ |w_i a_i|: the scale of the rounding error of any float summation
};

inline ExactDot DoubleDot(DType weight, const void* w, DType act, const void* a, int64_t n) {
  const std::vector<double> wf = Dequantized(weight, w, n), af = Dequantized(act, a, n);
  ExactDot out;
  for (int64_t i = 0; i < n; ++i) {
    out.value += wf[i] * af[i];
    out.magnitude += std::fabs(wf[i] * af[i]);
  }
  return out;
}

}  // namespace corral::testing
