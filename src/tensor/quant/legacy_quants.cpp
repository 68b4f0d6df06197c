#include "tensor/quant/legacy_quants.h"

#include <cstring>

#include "base/fp16.h"

namespace corral::quant {
namespace {

constexpr int kHalf = kQK / 2;  // qs[j] holds element j (low nibble) and element j + 16 (high nibble)

// Q5_0/Q5_1 keep the fifth bit of element e at bit e of a little-endian u32.
uint32_t LoadHighBits(const uint8_t (&qh)[4]) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof(bits));
  return bits;
}

}  // namespace

void DequantizeQ4_0(const BlockQ4_0* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, y += kQK) {
    const float d = Fp16ToFp32(x[i].d);
    for (int j = 0; j < kHalf; ++j) {
      y[j] = static_cast<float>((x[i].qs[j] & 0x0F) - 8) * d;
      y[j + kHalf] = static_cast<float>((x[i].qs[j] >> 4) - 8) * d;
    }
  }
}

void DequantizeQ4_1(const BlockQ4_1* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, y += kQK) {
    const float d = Fp16ToFp32(x[i].d);
    const float m = Fp16ToFp32(x[i].m);
    for (int j = 0; j < kHalf; ++j) {
      y[j] = static_cast<float>(x[i].qs[j] & 0x0F) * d + m;
      y[j + kHalf] = static_cast<float>(x[i].qs[j] >> 4) * d + m;
    }
  }
}

void DequantizeQ5_0(const BlockQ5_0* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, y += kQK) {
    const float d = Fp16ToFp32(x[i].d);
    const uint32_t qh = LoadHighBits(x[i].qh);
    for (int j = 0; j < kHalf; ++j) {
      const int hi_lo = static_cast<int>((qh >> j) & 1) << 4;
      const int hi_hi = static_cast<int>((qh >> (j + kHalf)) & 1) << 4;
      y[j] = static_cast<float>(((x[i].qs[j] & 0x0F) | hi_lo) - 16) * d;
      y[j + kHalf] = static_cast<float>(((x[i].qs[j] >> 4) | hi_hi) - 16) * d;
    }
  }
}

void DequantizeQ5_1(const BlockQ5_1* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, y += kQK) {
    const float d = Fp16ToFp32(x[i].d);
    const float m = Fp16ToFp32(x[i].m);
    const uint32_t qh = LoadHighBits(x[i].qh);
    for (int j = 0; j < kHalf; ++j) {
      const int hi_lo = static_cast<int>((qh >> j) & 1) << 4;
      const int hi_hi = static_cast<int>((qh >> (j + kHalf)) & 1) << 4;
      y[j] = static_cast<float>((x[i].qs[j] & 0x0F) | hi_lo) * d + m;
      y[j + kHalf] = static_cast<float>((x[i].qs[j] >> 4) | hi_hi) * d + m;
    }
  }
}

void DequantizeQ8_0(const BlockQ8_0* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, y += kQK) {
    const float d = Fp16ToFp32(x[i].d);
    for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(x[i].qs[j]) * d;
  }
}

void DequantizeQ8_1(const BlockQ8_1* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, y += kQK) {
    const float d = Fp16ToFp32(x[i].d);
    for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(x[i].qs[j]) * d;
  }
}

}  // namespace corral::quant
