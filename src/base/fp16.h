// IEEE binary16 and bfloat16 conversions, bit-exact with ggml's (round to nearest even; subnormals kept;
// NaN stays NaN). F16C is used where the compiler targets it, otherwise the portable bit manipulation.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace corral {

inline float Fp16ToFp32(uint16_t h) {
  // Portable conversion via float scaling (exact for every binary16 value, subnormals included).
  const uint32_t w = static_cast<uint32_t>(h) << 16;
  const uint32_t sign = w & 0x80000000u;
  const uint32_t two_w = w + w;
  constexpr uint32_t kExpOffset = 0xE0u << 23;
  const float exp_scale = std::bit_cast<float>(0x7800000u);  // 2^-112
  const float normalized = std::bit_cast<float>((two_w >> 4) + kExpOffset) * exp_scale;
  constexpr uint32_t kMagicMask = 126u << 23;
  constexpr float kMagicBias = 0.5f;
  const float denormalized = std::bit_cast<float>((two_w >> 17) | kMagicMask) - kMagicBias;
  constexpr uint32_t kDenormCutoff = 1u << 27;
  const uint32_t result =
      sign | (two_w < kDenormCutoff ? std::bit_cast<uint32_t>(denormalized) : std::bit_cast<uint32_t>(normalized));
  return std::bit_cast<float>(result);
}

inline uint16_t Fp32ToFp16(float f) {
  // Round to nearest even by letting the FPU do the rounding at the right exponent.
  const float scale_to_inf = std::bit_cast<float>(0x77800000u);   // 2^112
  const float scale_to_zero = std::bit_cast<float>(0x08800000u);  // 2^-110
  float base = (f < 0 ? -f : f) * scale_to_inf * scale_to_zero;
  const uint32_t w = std::bit_cast<uint32_t>(f);
  const uint32_t shl1_w = w + w;
  const uint32_t sign = w & 0x80000000u;
  uint32_t bias = shl1_w & 0xFF000000u;
  if (bias < 0x71000000u) bias = 0x71000000u;
  base = std::bit_cast<float>((bias >> 1) + 0x07800000u) + base;
  const uint32_t bits = std::bit_cast<uint32_t>(base);
  const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
  const uint32_t mantissa_bits = bits & 0x00000FFFu;
  const uint32_t nonsign = exp_bits + mantissa_bits;
  return static_cast<uint16_t>((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

inline float Bf16ToFp32(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

// ggml's rounding: NaN is quieted, everything else rounds to nearest even.
inline uint16_t Fp32ToBf16(float f) {
  uint32_t u = std::bit_cast<uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 64);
  return static_cast<uint16_t>((u + (0x7fffu + ((u >> 16) & 1))) >> 16);
}

}  // namespace corral
