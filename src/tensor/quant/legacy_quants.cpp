#include "tensor/quant/legacy_quants.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "base/fp16.h"
#include "tensor/quant/quant_math.h"

namespace corral::quant {
namespace {

constexpr int kHalf = kQK / 2;  // qs[j] holds element j (low nibble) and element j + 16 (high nibble)

// Q5_0/Q5_1 keep the fifth bit of element e at bit e of a little-endian u32.
uint32_t LoadHighBits(const uint8_t (&qh)[4]) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof(bits));
  return bits;
}

void StoreHighBits(uint32_t bits, uint8_t (&qh)[4]) {
  std::memcpy(qh, &bits, sizeof(bits));
}

// ggml writes `(int8_t)(v)` and `(uint8_t)(v)`: truncation toward zero, keeping the low byte.
int8_t TruncateToInt8(float v) {
  return static_cast<int8_t>(TruncateToInt32(v));
}
uint8_t TruncateToUint8(float v) {
  return static_cast<uint8_t>(TruncateToInt32(v));
}

// The quant of a symmetric format: MIN(limit, (int8_t)(v + bias)) stored as a byte.
uint8_t SymmetricQuant(float v, float bias, int limit) {
  return static_cast<uint8_t>(std::min<int>(limit, TruncateToInt8(v + bias)));
}

struct Range {
  float min = FLT_MAX;
  float max = -FLT_MAX;
};
Range RangeOf(const float* x, int n) {
  Range r;
  for (int i = 0; i < n; ++i) {
    if (x[i] < r.min) r.min = x[i];
    if (x[i] > r.max) r.max = x[i];
  }
  return r;
}

float Reciprocal(float d) {
  return d != 0.0f ? 1.0f / d : 0.0f;
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

void QuantizeQ4_0(const float* x, BlockQ4_0* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK) {
    const float d = LargestMagnitude(x, kQK) / -8;
    const float id = Reciprocal(d);
    y[i].d = Fp32ToFp16(d);
    for (int j = 0; j < kHalf; ++j) {
      const uint8_t lo = SymmetricQuant(x[j] * id, 8.5f, 15);
      const uint8_t hi = SymmetricQuant(x[j + kHalf] * id, 8.5f, 15);
      y[i].qs[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

void QuantizeQ4_1(const float* x, BlockQ4_1* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK) {
    const Range r = RangeOf(x, kQK);
    const float d = (r.max - r.min) / 15;
    const float id = Reciprocal(d);
    y[i].d = Fp32ToFp16(d);
    y[i].m = Fp32ToFp16(r.min);
    for (int j = 0; j < kHalf; ++j) {
      const uint8_t lo = SymmetricQuant((x[j] - r.min) * id, 0.5f, 15);
      const uint8_t hi = SymmetricQuant((x[j + kHalf] - r.min) * id, 0.5f, 15);
      y[i].qs[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

void QuantizeQ5_0(const float* x, BlockQ5_0* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK) {
    const float d = LargestMagnitude(x, kQK) / -16;
    const float id = Reciprocal(d);
    y[i].d = Fp32ToFp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kHalf; ++j) {
      const uint8_t lo = SymmetricQuant(x[j] * id, 16.5f, 31);
      const uint8_t hi = SymmetricQuant(x[j + kHalf] * id, 16.5f, 31);
      y[i].qs[j] = static_cast<uint8_t>((lo & 0x0F) | ((hi & 0x0F) << 4));
      qh |= ((lo & 0x10u) >> 4) << j;
      qh |= ((hi & 0x10u) >> 4) << (j + kHalf);
    }
    StoreHighBits(qh, y[i].qh);
  }
}

void QuantizeQ5_1(const float* x, BlockQ5_1* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK) {
    const Range r = RangeOf(x, kQK);
    const float d = (r.max - r.min) / 31;
    const float id = Reciprocal(d);
    y[i].d = Fp32ToFp16(d);
    y[i].m = Fp32ToFp16(r.min);
    uint32_t qh = 0;
    for (int j = 0; j < kHalf; ++j) {
      // Unlike Q4_1, ggml does not clamp here: (max − min)·id + 0.5 cannot reach 32.
      const uint8_t lo = TruncateToUint8((x[j] - r.min) * id + 0.5f);
      const uint8_t hi = TruncateToUint8((x[j + kHalf] - r.min) * id + 0.5f);
      y[i].qs[j] = static_cast<uint8_t>((lo & 0x0F) | ((hi & 0x0F) << 4));
      qh |= ((lo & 0x10u) >> 4) << j;
      qh |= ((hi & 0x10u) >> 4) << (j + kHalf);
    }
    StoreHighBits(qh, y[i].qh);
  }
}

namespace {

// Q8_0 and Q8_1 share the scale and the rounding (roundf: half away from zero); returns d.
float QuantizeBytes32(const float* x, int8_t* qs) {
  float amax = 0.0f;
  for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127;
  const float id = Reciprocal(d);
  for (int j = 0; j < kQK; ++j) qs[j] = static_cast<int8_t>(TruncateToInt32(std::round(x[j] * id)));
  return d;
}

}  // namespace

void QuantizeQ8_0(const float* x, BlockQ8_0* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK) y[i].d = Fp32ToFp16(QuantizeBytes32(x, y[i].qs));
}

void QuantizeQ8_1(const float* x, BlockQ8_1* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK) {
    const float d = QuantizeBytes32(x, y[i].qs);
    int sum = 0;
    for (int j = 0; j < kQK; ++j) sum += y[i].qs[j];
    y[i].d = Fp32ToFp16(d);
    y[i].s = Fp32ToFp16(static_cast<float>(sum) * d);
  }
}

}  // namespace corral::quant
