// Per-step decoding of every format the AMX path takes: a weight row's K-step s becomes `step` int8 quants
// plus a float scale and offset (value = scale·q + offset), and an activation row's step gives the address
// of its int8 quants, its scale d_a and d_a·Σa. Plain code following the block layouts (peers.md §2.3-2.4):
// it runs once per 16 weight rows × step and is reused by every block of 16 activation rows.
// Included only by amx_matmul.cpp; internal linkage for the reasons given in cpu/x86/x86_simd.h.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "base/dtype.h"
#include "tensor/quant/blocks.h"

namespace corral::cpu::amx {
namespace {

using quant::kQK;
using quant::kQK_K;

inline float Half(uint16_t h) {
  return _cvtsh_ss(h);
}

inline uint16_t U16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// Element j (0..31) of a Q4_0-style nibble block.
inline int Nib(const uint8_t* qs, int j) {
  return j < 16 ? qs[j] & 15 : qs[j - 16] >> 4;
}

inline int Bit5(const uint8_t* qh, int j) {
  uint32_t bits;
  std::memcpy(&bits, qh, 4);
  return (bits >> j) & 1;
}

// get_scale_min_k4 of Q4_K/Q5_K.
inline void ScaleMinK4(const uint8_t* s, int j, int& scale, int& min) {
  if (j < 4) {
    scale = s[j] & 63;
    min = s[j + 4] & 63;
  } else {
    scale = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
    min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

using DecodeFn = void (*)(const uint8_t* row, int64_t s, int8_t* q, float& scale, float& offset);

void DecodeQ8_0(const uint8_t* row, int64_t s, int8_t* q, float& scale, float& offset) {
  const auto& b = reinterpret_cast<const quant::BlockQ8_0*>(row)[s];
  std::memcpy(q, b.qs, kQK);
  scale = Half(b.d);
  offset = 0;
}

void DecodeQ4_0(const uint8_t* row, int64_t s, int8_t* q, float& scale, float& offset) {
  const auto& b = reinterpret_cast<const quant::BlockQ4_0*>(row)[s];
  for (int j = 0; j < kQK; ++j) q[j] = static_cast<int8_t>(Nib(b.qs, j) - 8);
  scale = Half(b.d);
  offset = 0;
}

void DecodeQ4_1(const uint8_t* row, int64_t s, int8_t* q, float& scale, float& offset) {
  const auto& b = reinterpret_cast<const quant::BlockQ4_1*>(row)[s];
  for (int j = 0; j < kQK; ++j) q[j] = static_cast<int8_t>(Nib(b.qs, j));
  scale = Half(b.d);
  offset = Half(b.m);
}

void DecodeQ5_0(const uint8_t* row, int64_t s, int8_t* q, float& scale, float& offset) {
  const auto& b = reinterpret_cast<const quant::BlockQ5_0*>(row)[s];
  for (int j = 0; j < kQK; ++j) q[j] = static_cast<int8_t>((Nib(b.qs, j) | (Bit5(b.qh, j) << 4)) - 16);
  scale = Half(b.d);
  offset = 0;
}

void DecodeQ5_1(const uint8_t* row, int64_t s, int8_t* q, float& scale, float& offset) {
  const auto& b = reinterpret_cast<const quant::BlockQ5_1*>(row)[s];
  for (int j = 0; j < kQK; ++j) q[j] = static_cast<int8_t>(Nib(b.qs, j) | (Bit5(b.qh, j) << 4));
  scale = Half(b.d);
  offset = Half(b.m);
}

void DecodeIQ4_NL(const uint8_t* row, int64_t s, int8_t* q, float& scale, float& offset) {
  const auto& b = reinterpret_cast<const quant::BlockIQ4_NL*>(row)[s];
  for (int j = 0; j < kQK; ++j) q[j] = quant::kIQ4NLValues[Nib(b.qs, j)];
  scale = Half(b.d);
  offset = 0;
}

// Q4_K/Q5_K step s = sub-block j = s % 8 of super-block s / 8: elements 32j .. 32j + 31, whose nibbles are
// the low (j even) or high (j odd) halves of qs[32·(j/2) ..].
void DecodeQ4_K(const uint8_t* row, int64_t s, int8_t* q, float& scale, float& offset) {
  const auto& b = reinterpret_cast<const quant::BlockQ4_K*>(row)[s / 8];
  const int j = static_cast<int>(s % 8);
  int sc, mn;
  ScaleMinK4(b.scales, j, sc, mn);
  const uint8_t* qs = b.qs + 32 * (j / 2);
  for (int l = 0; l < 32; ++l) q[l] = static_cast<int8_t>(j % 2 == 0 ? qs[l] & 15 : qs[l] >> 4);
  scale = Half(b.d) * static_cast<float>(sc);
  offset = -Half(b.dmin) * static_cast<float>(mn);
}

void DecodeQ5_K(const uint8_t* row, int64_t s, int8_t* q, float& scale, float& offset) {
  const auto& b = reinterpret_cast<const quant::BlockQ5_K*>(row)[s / 8];
  const int j = static_cast<int>(s % 8);
  int sc, mn;
  ScaleMinK4(b.scales, j, sc, mn);
  const uint8_t* qs = b.qs + 32 * (j / 2);
  for (int l = 0; l < 32; ++l) {
    const int nib = j % 2 == 0 ? qs[l] & 15 : qs[l] >> 4;
    q[l] = static_cast<int8_t>(nib + 16 * ((b.qh[l] >> j) & 1));
  }
  scale = Half(b.d) * static_cast<float>(sc);
  offset = -Half(b.dmin) * static_cast<float>(mn);
}

// Q6_K step s (16 elements) = sub-block j = s % 16 of super-block s / 16: elements 16j .. 16j + 15.
void DecodeQ6_K(const uint8_t* row, int64_t s, int8_t* q, float& scale, float& offset) {
  const auto& b = reinterpret_cast<const quant::BlockQ6_K*>(row)[s / 16];
  const int j = static_cast<int>(s % 16);
  for (int i = 0; i < 16; ++i) {
    const int e = 16 * j + i;
    const int half = e / 128, k = (e % 128) / 32, l = e % 32;
    const uint8_t low_byte = b.ql[64 * half + 32 * (k & 1) + l];
    const int low = k < 2 ? low_byte & 15 : low_byte >> 4;
    const int high = (b.qh[32 * half + l] >> (2 * k)) & 3;
    q[i] = static_cast<int8_t>((low | (high << 4)) - 32);
  }
  scale = Half(b.d) * static_cast<float>(b.scales[j]);
  offset = 0;
}

// Q2_K/Q3_K 2-bit field of element e.
inline int TwoBits(const uint8_t* qs, int e) {
  return (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
}

void DecodeQ2_K(const uint8_t* row, int64_t s, int8_t* q, float& scale, float& offset) {
  const auto& b = reinterpret_cast<const quant::BlockQ2_K*>(row)[s / 16];
  const int j = static_cast<int>(s % 16);
  for (int i = 0; i < 16; ++i) q[i] = static_cast<int8_t>(TwoBits(b.qs, 16 * j + i));
  scale = Half(b.d) * static_cast<float>(b.scales[j] & 15);
  offset = -Half(b.dmin) * static_cast<float>(b.scales[j] >> 4);
}

void DecodeQ3_K(const uint8_t* row, int64_t s, int8_t* q, float& scale, float& offset) {
  const auto& b = reinterpret_cast<const quant::BlockQ3_K*>(row)[s / 16];
  const int j = static_cast<int>(s % 16);
  for (int i = 0; i < 16; ++i) {
    const int e = 16 * j + i;
    const int high = (b.hmask[e % 32] >> (e / 32)) & 1;
    q[i] = static_cast<int8_t>(TwoBits(b.qs, e) - (high ? 0 : 4));
  }
  const int low = j < 8 ? b.scales[j] & 15 : b.scales[j - 8] >> 4;
  const int hi2 = (b.scales[8 + j % 4] >> (2 * (j / 4))) & 3;
  scale = Half(b.d) * static_cast<float>((low | (hi2 << 4)) - 32);
  offset = 0;
}

void DecodeIQ4_XS(const uint8_t* row, int64_t s, int8_t* q, float& scale, float& offset) {
  const auto& b = reinterpret_cast<const quant::BlockIQ4_XS*>(row)[s / 8];
  const int j = static_cast<int>(s % 8);
  const uint8_t* qs = b.qs + 16 * j;
  for (int i = 0; i < 32; ++i) q[i] = quant::kIQ4NLValues[Nib(qs, i)];
  const int low = (b.scales_l[j / 2] >> (4 * (j % 2))) & 15;
  const int high = (b.scales_h >> (2 * j)) & 3;
  scale = Half(b.d) * static_cast<float>((low | (high << 4)) - 32);
  offset = 0;
}

struct WeightFormat {
  DType type;
  DType activation;
  int step;  // elements per K-step: 32, or 16 where sub-blocks are 16 elements
  DecodeFn decode;
};

constexpr WeightFormat kFormats[] = {
    {DType::kQ8_0, DType::kQ8_0, 32, &DecodeQ8_0},     {DType::kQ4_0, DType::kQ8_0, 32, &DecodeQ4_0},
    {DType::kQ5_0, DType::kQ8_0, 32, &DecodeQ5_0},     {DType::kIQ4_NL, DType::kQ8_0, 32, &DecodeIQ4_NL},
    {DType::kQ4_1, DType::kQ8_1, 32, &DecodeQ4_1},     {DType::kQ5_1, DType::kQ8_1, 32, &DecodeQ5_1},
    {DType::kQ4_K, DType::kQ8_K, 32, &DecodeQ4_K},     {DType::kQ5_K, DType::kQ8_K, 32, &DecodeQ5_K},
    {DType::kIQ4_XS, DType::kQ8_K, 32, &DecodeIQ4_XS}, {DType::kQ6_K, DType::kQ8_K, 16, &DecodeQ6_K},
    {DType::kQ2_K, DType::kQ8_K, 16, &DecodeQ2_K},     {DType::kQ3_K, DType::kQ8_K, 16, &DecodeQ3_K},
};

const WeightFormat* FindFormat(DType type) {
  for (const WeightFormat& f : kFormats) {
    if (f.type == type) return &f;
  }
  return nullptr;
}

// K-step s (of `step` elements) of one activation row.
struct ActStep {
  const int8_t* qs;
  float d;      // d_a
  float d_sum;  // d_a · Σa over the step
};

inline ActStep ActivationStep(DType act, const uint8_t* row, int64_t s, int step) {
  switch (act) {
    case DType::kQ8_0: {
      const auto& b = reinterpret_cast<const quant::BlockQ8_0*>(row)[s];
      return {b.qs, Half(b.d), 0.0f};
    }
    case DType::kQ8_1: {
      const auto& b = reinterpret_cast<const quant::BlockQ8_1*>(row)[s];
      return {b.qs, Half(b.d), Half(b.s)};
    }
    default: {  // Q8_K: the step lies inside one super-block; its Σa from the 16-element sums
      const int64_t e = s * step;
      const auto& b = reinterpret_cast<const quant::BlockQ8_K*>(row)[e / kQK_K];
      const int off = static_cast<int>(e % kQK_K);
      int sum = 0;
      for (int g = off / 16; g < (off + step) / 16; ++g) sum += b.bsums[g];
      return {b.qs + off, b.d, b.d * static_cast<float>(sum)};
    }
  }
}

}  // namespace
}  // namespace corral::cpu::amx
