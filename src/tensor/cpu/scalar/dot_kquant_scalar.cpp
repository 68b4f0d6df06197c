// Scalar dot products of the 256-element super-block formats (K-quants, IQ4_XS; peers.md §2.4) with Q8_K
// activations. Each function first decodes the integer quant and the integer sub-block scale of element e as
// the layout defines them, then sums scale·q·a exactly in integers. Q2_K/Q4_K/Q5_K subtract a per-sub-block
// minimum, which dotted with the activations is min · Σa — the Q8_K block carries Σa per 16 elements (bsums),
// so that term costs 16 multiplications instead of 256.
//
// The float part follows ggml's portable kernels exactly (scalar_kernels.h): Q3_K..Q6_K accumulate the
// integer products in eight lanes by e % 8, scale each lane by d separately and add the lanes last.
#include "base/fp16.h"
#include "tensor/cpu/scalar/scalar_kernels.h"

namespace corral::cpu::scalar {
namespace {

using quant::kQK_K;

// Two bits of element e, as Q2_K and Q3_K pack them: 32-byte groups of four 2-bit fields per byte.
inline int TwoBits(const uint8_t* qs, int e) {
  const int half = e / 128, shift = 2 * ((e % 128) / 32), l = e % 32;
  return (qs[32 * half + l] >> shift) & 3;
}

// Q3_K's 6-bit signed sub-block scale s (0..15): low 4 bits in bytes 0-7, high 2 bits in bytes 8-11.
inline int Q3KScale(const uint8_t* scales, int s) {
  const int low = s < 8 ? scales[s] & 15 : scales[s - 8] >> 4;
  const int high = (scales[8 + s % 4] >> (2 * (s / 4))) & 3;
  return (low | (high << 4)) - 32;
}

// Q4_K/Q5_K's get_scale_min_k4: 6-bit scale and min of sub-block s (0..7) from 12 packed bytes.
inline void Q4KScaleMin(const uint8_t* scales, int s, int& scale, int& min) {
  if (s < 4) {
    scale = scales[s] & 63;
    min = scales[s + 4] & 63;
  } else {
    scale = (scales[s + 4] & 15) | ((scales[s - 4] >> 6) << 4);
    min = (scales[s + 4] >> 4) | ((scales[s] >> 6) << 4);
  }
}

// Q4_K/Q5_K nibble of element e: chunk c = e/64 holds 32 bytes; its first 32 elements are the low nibbles.
inline int Q4KNibble(const uint8_t* qs, int e) {
  const uint8_t byte = qs[32 * (e / 64) + e % 32];
  return (e % 64) < 32 ? byte & 15 : byte >> 4;
}

// Σ over the 8 sub-blocks of 32 of min · (Σa of the sub-block), the Q8_K sums being per 16 elements.
inline int MinTerm(const uint8_t* scales, const int16_t* bsums) {
  int sum = 0;
  for (int s = 0; s < 8; ++s) {
    int scale, min;
    Q4KScaleMin(scales, s, scale, min);
    sum += min * (bsums[2 * s] + bsums[2 * s + 1]);
  }
  return sum;
}

// ggml's lane order: lanes[l] += product of element e for e % 8 == l, then per block sums[l] += d·lanes[l].
struct LaneSums {
  float sums[8] = {};
  void AddBlock(float d, const int32_t (&lanes)[8]) {
    for (int l = 0; l < 8; ++l) sums[l] += d * static_cast<float>(lanes[l]);
  }
  float Finish(float start) const {
    for (int l = 0; l < 8; ++l) start += sums[l];
    return start;
  }
};

}  // namespace

float DotQ2_K(int64_t n, const quant::BlockQ2_K* w, const quant::BlockQ8_K* a) {
  float sum = 0;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const quant::BlockQ2_K& x = w[b];
    int isum = 0;
    for (int e = 0; e < kQK_K; ++e) isum += (x.scales[e / 16] & 15) * TwoBits(x.qs, e) * a[b].qs[e];
    int min_sum = 0;
    for (int s = 0; s < 16; ++s) min_sum += (x.scales[s] >> 4) * a[b].bsums[s];
    const float dall = a[b].d * Fp16ToFp32(x.d);
    const float dmin = a[b].d * Fp16ToFp32(x.dmin);
    sum += dall * static_cast<float>(isum) - dmin * static_cast<float>(min_sum);
  }
  return sum;
}

float DotQ3_K(int64_t n, const quant::BlockQ3_K* w, const quant::BlockQ8_K* a) {
  LaneSums acc;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const quant::BlockQ3_K& x = w[b];
    int32_t lanes[8] = {};
    for (int e = 0; e < kQK_K; ++e) {
      const int high = (x.hmask[e % 32] >> (e / 32)) & 1;
      const int q = TwoBits(x.qs, e) - (high ? 0 : 4);
      lanes[e % 8] += Q3KScale(x.scales, e / 16) * q * a[b].qs[e];
    }
    acc.AddBlock(Fp16ToFp32(x.d) * a[b].d, lanes);
  }
  return acc.Finish(0.0f);
}

float DotQ4_K(int64_t n, const quant::BlockQ4_K* w, const quant::BlockQ8_K* a) {
  LaneSums acc;
  float min_sum = 0;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const quant::BlockQ4_K& x = w[b];
    int32_t lanes[8] = {};
    for (int e = 0; e < kQK_K; ++e) {
      int scale, min;
      Q4KScaleMin(x.scales, e / 32, scale, min);
      lanes[e % 8] += scale * Q4KNibble(x.qs, e) * a[b].qs[e];
    }
    acc.AddBlock(Fp16ToFp32(x.d) * a[b].d, lanes);
    min_sum -= Fp16ToFp32(x.dmin) * a[b].d * static_cast<float>(MinTerm(x.scales, a[b].bsums));
  }
  return acc.Finish(min_sum);
}

float DotQ5_K(int64_t n, const quant::BlockQ5_K* w, const quant::BlockQ8_K* a) {
  LaneSums acc;
  float min_sum = 0;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const quant::BlockQ5_K& x = w[b];
    int32_t lanes[8] = {};
    for (int e = 0; e < kQK_K; ++e) {
      int scale, min;
      Q4KScaleMin(x.scales, e / 32, scale, min);
      const int q = Q4KNibble(x.qs, e) + 16 * ((x.qh[e % 32] >> (e / 32)) & 1);
      lanes[e % 8] += scale * q * a[b].qs[e];
    }
    acc.AddBlock(Fp16ToFp32(x.d) * a[b].d, lanes);
    min_sum -= Fp16ToFp32(x.dmin) * a[b].d * static_cast<float>(MinTerm(x.scales, a[b].bsums));
  }
  return acc.Finish(min_sum);
}

float DotQ6_K(int64_t n, const quant::BlockQ6_K* w, const quant::BlockQ8_K* a) {
  LaneSums acc;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const quant::BlockQ6_K& x = w[b];
    int32_t lanes[8] = {};
    for (int e = 0; e < kQK_K; ++e) {
      // Low 4 bits: ql bytes 64h..64h+63, the second 32 of them for k odd, the high nibble for k ≥ 2.
      const int half = e / 128, k = (e % 128) / 32, l = e % 32;
      const uint8_t low_byte = x.ql[64 * half + 32 * (k & 1) + l];
      const int low = k < 2 ? low_byte & 15 : low_byte >> 4;
      const int high = (x.qh[32 * half + l] >> (2 * k)) & 3;
      const int q = (low | (high << 4)) - 32;
      lanes[e % 8] += x.scales[e / 16] * q * a[b].qs[e];
    }
    acc.AddBlock(Fp16ToFp32(x.d) * a[b].d, lanes);
  }
  return acc.Finish(0.0f);
}

float DotIQ4_XS(int64_t n, const quant::BlockIQ4_XS* w, const quant::BlockQ8_K* a) {
  float sum = 0;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const quant::BlockIQ4_XS& x = w[b];
    const float d = Fp16ToFp32(x.d) * a[b].d;
    for (int s = 0; s < 8; ++s) {
      const int low = (x.scales_l[s / 2] >> (4 * (s % 2))) & 15;
      const int high = (x.scales_h >> (2 * s)) & 3;
      const int scale = (low | (high << 4)) - 32;
      const uint8_t* qs = x.qs + 16 * s;
      const int8_t* q8 = a[b].qs + 32 * s;
      int isum = 0;
      for (int j = 0; j < 16; ++j) {
        isum += quant::kIQ4NLValues[qs[j] & 15] * q8[j] + quant::kIQ4NLValues[qs[j] >> 4] * q8[j + 16];
      }
      sum += d * static_cast<float>(scale) * static_cast<float>(isum);
    }
  }
  return sum;
}

}  // namespace corral::cpu::scalar
