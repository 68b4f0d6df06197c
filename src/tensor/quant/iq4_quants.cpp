#include "tensor/quant/iq4_quants.h"

#include <algorithm>
#include <cmath>

#include "base/fp16.h"
#include "tensor/quant/quant_math.h"

namespace corral::quant {
namespace {

// 32 elements from 16 bytes of grid indices: element j in the low nibble of qs[j], j + 16 in the high one.
void DecodeGrid32(const uint8_t* qs, float scale, float* y) {
  for (int j = 0; j < kQK / 2; ++j) {
    y[j] = scale * static_cast<float>(kIQ4NLValues[qs[j] & 0xF]);
    y[j + kQK / 2] = scale * static_cast<float>(kIQ4NLValues[qs[j] >> 4]);
  }
}

constexpr float kGroupMaxEps = 1e-15f;  // ggml's GROUP_MAX_EPS
constexpr int kGridSize = 16;

// The grid index nearest to v (ties to the lower one), by bisection over the sorted kIQ4NLValues.
int NearestGridIndex(float v) {
  const int8_t* g = kIQ4NLValues;
  if (v <= g[0]) return 0;
  if (v >= g[kGridSize - 1]) return kGridSize - 1;
  int lo = 0, hi = kGridSize - 1;
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (v < g[mid]) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return v - g[hi - 1] < g[hi] - v ? hi - 1 : hi;
}

// Σ w·q·x and Σ w·q² (w = x²) for the grid indices nearest to id·x.
struct Fit {
  float sumqx = 0;
  float sumq2 = 0;
};
Fit FitAt(const float* x, float id, uint8_t* indices) {
  Fit f;
  for (int j = 0; j < kQK; ++j) {
    const int l = NearestGridIndex(id * x[j]);
    if (indices != nullptr) indices[j] = static_cast<uint8_t>(l);
    const float q = kIQ4NLValues[l];
    const float w = x[j] * x[j];
    f.sumqx += w * q * x[j];
    f.sumq2 += w * q * q;
  }
  return f;
}

// The scale of one group of 32 (0 for a group below 1e-15, indices then left untouched). The first fit
// takes d = max/−127 (ntry ≤ 0: the largest element lands on the grid's end −127) or d = max/127
// (ntry > 0), stores its indices and the least-squares scale Σwqx/Σwq²; ntry > 0 then tries
// id = (k − 127)/max for k = −ntry … ntry and keeps the scale of the best fit (not its indices).
float FitGroup(const float* x, int ntry, uint8_t* indices) {
  const float max = LargestMagnitude(x, kQK);
  if (std::fabs(max) < kGroupMaxEps) return 0.0f;
  const float grid_end = kIQ4NLValues[0];
  const float d0 = ntry > 0 ? -max / grid_end : max / grid_end;
  Fit f = FitAt(x, 1 / d0, indices);
  float d = f.sumq2 > 0 ? f.sumqx / f.sumq2 : 0.f;
  float best = d * f.sumqx;
  for (int itry = -ntry; itry <= ntry; ++itry) {
    const float id = static_cast<float>(itry + kIQ4NLValues[0]) / max;
    f = FitAt(x, id, nullptr);
    if (f.sumq2 > 0 && f.sumqx * f.sumqx > best * f.sumq2) {
      d = f.sumqx / f.sumq2;
      best = d * f.sumqx;
    }
  }
  return d;
}

// 32 indices into 16 bytes, element j in the low nibble of byte j, j + 16 in the high nibble.
void PackIndices32(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kQK / 2; ++j) qs[j] = static_cast<uint8_t>(L[j] | (L[j + kQK / 2] << 4));
}

void QuantizeIQ4_NLBlocks(const float* x, BlockIQ4_NL* y, int64_t n_blocks, int ntry) {
  uint8_t L[kQK] = {};  // shared across blocks on purpose, see iq4_quants.h
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK) {
    const float d = FitGroup(x, ntry, L);
    y[i].d = Fp32ToFp16(d);
    if (ntry > 0) {
      const float id = d != 0 ? 1 / d : 0;
      for (int j = 0; j < kQK; ++j) L[j] = static_cast<uint8_t>(NearestGridIndex(id * x[j]));
    }
    PackIndices32(L, y[i].qs);
  }
}

}  // namespace

void QuantizeIQ4_NL(const float* x, BlockIQ4_NL* y, int64_t n_blocks) {
  QuantizeIQ4_NLBlocks(x, y, n_blocks, -1);
}

void QuantizeIQ4_NLSearched(const float* x, BlockIQ4_NL* y, int64_t n_blocks) {
  QuantizeIQ4_NLBlocks(x, y, n_blocks, 7);
}

void QuantizeIQ4_XS(const float* x, BlockIQ4_XS* y, int64_t n_blocks) {
  constexpr int kSubBlocks = kQK_K / kQK;
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK_K) {
    float scales[kSubBlocks];
    float max_scale = 0, amax_scale = 0;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      scales[ib] = FitGroup(x + kQK * ib, 7, nullptr);
      if (std::fabs(scales[ib]) > amax_scale) {
        amax_scale = std::fabs(scales[ib]);
        max_scale = scales[ib];
      }
    }
    // Sub-block scales as 6-bit integers l against d = max/−32 (stored l + 32); indices re-picked for the
    // unrounded d·l.
    const float d = -max_scale / 32;
    y[i].d = Fp32ToFp16(d);
    y[i].scales_h = 0;
    const float id = d != 0 ? 1 / d : 0.f;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      const int l = std::max(-32, std::min(31, NearestInt(id * scales[ib])));
      const float dl = d * static_cast<float>(l);
      const float idl = dl != 0 ? 1 / dl : 0.f;
      uint8_t L[kQK];
      for (int j = 0; j < kQK; ++j) L[j] = static_cast<uint8_t>(NearestGridIndex(idl * x[kQK * ib + j]));
      PackIndices32(L, y[i].qs + 16 * ib);
      const int stored = l + 32;
      if (ib % 2 == 0) {
        y[i].scales_l[ib / 2] = static_cast<uint8_t>(stored & 0xF);
      } else {
        y[i].scales_l[ib / 2] |= static_cast<uint8_t>((stored & 0xF) << 4);
      }
      y[i].scales_h |= static_cast<uint16_t>((stored >> 4) << (2 * ib));
    }
  }
}

void DequantizeIQ4_NL(const BlockIQ4_NL* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) DecodeGrid32(x[i].qs, Fp16ToFp32(x[i].d), y + i * kQK);
}

void DequantizeIQ4_XS(const BlockIQ4_XS* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const float d = Fp16ToFp32(x[i].d);
    for (int ib = 0; ib < kQK_K / kQK; ++ib) {
      const int low = (x[i].scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF;
      const int high = (x[i].scales_h >> (2 * ib)) & 3;
      const float dl = d * static_cast<float>((low | (high << 4)) - 32);
      DecodeGrid32(x[i].qs + 16 * ib, dl, y + i * kQK_K + kQK * ib);
    }
  }
}

}  // namespace corral::quant
