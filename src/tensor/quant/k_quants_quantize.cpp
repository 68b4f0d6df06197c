// K-quant encoding, byte-identical with ggml's quantize_row_q{2..6}_K_ref and quantize_row_q8_K_ref.
// Each super-block: search a scale (and min) per sub-block (k_quant_search.h), quantize those scales
// against the largest one, store d (and dmin) as f16, then re-quantize every element against the
// f16-rounded d·sc it will actually be decoded with.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/fp16.h"
#include "tensor/quant/k_quant_search.h"
#include "tensor/quant/k_quants.h"
#include "tensor/quant/quant_math.h"

namespace corral::quant {
namespace {

constexpr float kGroupMaxEps = 1e-15f;  // ggml's GROUP_MAX_EPS

// Q2_K and Q3_K store 2-bit quants four to a byte: element 128h + 32k + l at shift 2k of qs[32h + l].
void PackTwoBitQuants(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kQK_K; j += 128) {
    for (int l = 0; l < 32; ++l) {
      qs[j / 4 + l] =
          static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
    }
  }
}

// Q4_K/Q5_K: 6-bit scales and mins of the 8 sub-blocks into 12 bytes (layout at UnpackScaleMinK4).
void PackScaleMinK4(int j, uint8_t ls, uint8_t lm, uint8_t* packed) {
  if (j < 4) {
    packed[j] = ls;
    packed[j + 4] = lm;
  } else {
    packed[j + 4] = static_cast<uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
    packed[j - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
    packed[j] |= static_cast<uint8_t>((lm >> 4) << 6);
  }
}

// Q4_K and Q5_K share everything but the quant width: per sub-block of 32, an asymmetric search with
// weights rms(sub-block) + |x| (so large elements, which dominate a matmul, are fitted best), 6-bit
// scales and mins relative to the largest, then elements re-quantized to 0 … nmax. Returns d, dmin.
struct ScaleMinResult {
  f16_t d;
  f16_t dmin;
};
template <int nmax>
ScaleMinResult QuantizeScaleMinBlock(const float* x, const AsymmetricSteps& steps, uint8_t* packed_scales,
                                     uint8_t* L) {
  constexpr int kSubBlocks = kQK_K / 32;
  float weights[32];
  float mins[kSubBlocks];
  float scales[kSubBlocks];
  float max_scale = 0;  // the min is subtracted, so scales are never negative
  float max_min = 0;
  for (int j = 0; j < kSubBlocks; ++j) {
    const float* xs = x + 32 * j;
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xs[l]);
    scales[j] = SearchAsymmetricScale<32, nmax, false>(xs, weights, L + 32 * j, &mins[j], steps);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }

  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  for (int j = 0; j < kSubBlocks; ++j) {
    // ggml stores nearest_int into a uint8_t before clamping, so a negative value wraps (then clamps to 63).
    const uint8_t ls = std::min<uint8_t>(63, static_cast<uint8_t>(NearestInt(inv_scale * scales[j])));
    const uint8_t lm = std::min<uint8_t>(63, static_cast<uint8_t>(NearestInt(inv_min * mins[j])));
    PackScaleMinK4(j, ls, lm, packed_scales);
  }
  const ScaleMinResult result{Fp32ToFp16(max_scale / 63.f), Fp32ToFp16(max_min / 63.f)};

  for (int j = 0; j < kSubBlocks; ++j) {
    const ScaleMin sm = UnpackScaleMinK4(packed_scales, j);
    const float d = Fp16ToFp32(result.d) * static_cast<float>(sm.scale);
    if (d == 0) continue;
    const float dm = Fp16ToFp32(result.dmin) * static_cast<float>(sm.min);
    for (int ii = 0; ii < 32; ++ii) {
      const int l = NearestInt((x[32 * j + ii] + dm) / d);
      L[32 * j + ii] = static_cast<uint8_t>(ClampInt(l, 0, nmax));
    }
  }
  return result;
}

}  // namespace

void QuantizeQ2_K(const float* x, BlockQ2_K* y, int64_t n_blocks) {
  constexpr int kSubBlocks = kQK_K / 16;
  constexpr float kQ4Scale = 15.f;
  constexpr AsymmetricSteps kSteps{-0.5f, 0.1f, 15};
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK_K) {
    uint8_t L[kQK_K];
    float weights[16];
    float mins[kSubBlocks];
    float scales[kSubBlocks];
    float max_scale = 0;
    float max_min = 0;
    for (int j = 0; j < kSubBlocks; ++j) {
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] = SearchAsymmetricScale<16, 3, true>(x + 16 * j, weights, L + 16 * j, &mins[j], kSteps);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }

    // 4-bit scales in the low nibbles, 4-bit mins in the high nibbles, both relative to their maximum.
    if (max_scale > 0) {
      const float iscale = kQ4Scale / max_scale;
      for (int j = 0; j < kSubBlocks; ++j)
        y[i].scales[j] = static_cast<uint8_t>(NearestInt(iscale * scales[j]));
      y[i].d = Fp32ToFp16(max_scale / kQ4Scale);
    } else {
      for (int j = 0; j < kSubBlocks; ++j) y[i].scales[j] = 0;
      y[i].d = Fp32ToFp16(0.f);
    }
    if (max_min > 0) {
      const float iscale = kQ4Scale / max_min;
      for (int j = 0; j < kSubBlocks; ++j) {
        const int l = NearestInt(iscale * mins[j]);
        y[i].scales[j] |= static_cast<uint8_t>(static_cast<unsigned>(l) << 4);
      }
      y[i].dmin = Fp32ToFp16(max_min / kQ4Scale);
    } else {
      y[i].dmin = Fp32ToFp16(0.f);
    }

    for (int j = 0; j < kSubBlocks; ++j) {
      const float d = Fp16ToFp32(y[i].d) * static_cast<float>(y[i].scales[j] & 0xF);
      if (d == 0) continue;
      const float dm = Fp16ToFp32(y[i].dmin) * static_cast<float>(y[i].scales[j] >> 4);
      for (int ii = 0; ii < 16; ++ii) {
        const int l = NearestInt((x[16 * j + ii] + dm) / d);
        L[16 * j + ii] = static_cast<uint8_t>(ClampInt(l, 0, 3));
      }
    }
    PackTwoBitQuants(L, y[i].qs);
  }
}

void QuantizeQ3_K(const float* x, BlockQ3_K* y, int64_t n_blocks) {
  constexpr int kSubBlocks = kQK_K / 16;
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK_K) {
    int8_t L[kQK_K];
    float scales[kSubBlocks];
    float max_scale = 0;  // signed: the scale of largest magnitude
    float amax = 0;
    for (int j = 0; j < kSubBlocks; ++j) {
      scales[j] = SearchSymmetricScaleIterative<16, 4>(x + 16 * j, L + 16 * j);
      const float scale = std::fabs(scales[j]);
      if (scale > amax) {
        amax = scale;
        max_scale = scales[j];
      }
    }

    // Signed 6-bit sub-block scales against −32/max_scale, stored biased by 32 (layout at UnpackScaleQ3_K).
    std::memset(y[i].scales, 0, sizeof(y[i].scales));
    if (max_scale != 0) {
      const float iscale = -32.f / max_scale;
      for (int j = 0; j < kSubBlocks; ++j) {
        // ggml narrows nearest_int to int8_t before clamping.
        const int l =
            std::max(-32,
                     std::min(31, static_cast<int>(static_cast<int8_t>(NearestInt(iscale * scales[j]))))) +
            32;
        if (j < 8) {
          y[i].scales[j] = static_cast<uint8_t>(l & 0xF);
        } else {
          y[i].scales[j - 8] |= static_cast<uint8_t>((l & 0xF) << 4);
        }
        y[i].scales[j % 4 + 8] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
      }
      y[i].d = Fp32ToFp16(1 / iscale);
    } else {
      y[i].d = Fp32ToFp16(0.f);
    }

    for (int j = 0; j < kSubBlocks; ++j) {
      const float d = Fp16ToFp32(y[i].d) * static_cast<float>(UnpackScaleQ3_K(y[i].scales, j));
      if (d == 0) continue;
      for (int ii = 0; ii < 16; ++ii) {
        const int l = NearestInt(x[16 * j + ii] / d);
        L[16 * j + ii] = static_cast<int8_t>(ClampInt(l, -4, 3) + 4);
      }
    }

    // The high bit of quant e goes to bit e/32 of hmask[e%32]; the low two bits are packed as Q2_K's.
    std::memset(y[i].hmask, 0, sizeof(y[i].hmask));
    uint8_t low[kQK_K];
    for (int e = 0; e < kQK_K; ++e) {
      int q = L[e];
      if (q > 3) {
        y[i].hmask[e % 32] |= static_cast<uint8_t>(1u << (e / 32));
        q -= 4;
      }
      low[e] = static_cast<uint8_t>(q);
    }
    PackTwoBitQuants(low, y[i].qs);
  }
}

void QuantizeQ4_K(const float* x, BlockQ4_K* y, int64_t n_blocks) {
  constexpr AsymmetricSteps kSteps{-1.f, 0.1f, 20};
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK_K) {
    uint8_t L[kQK_K];
    const ScaleMinResult r = QuantizeScaleMinBlock<15>(x, kSteps, y[i].scales, L);
    y[i].d = r.d;
    y[i].dmin = r.dmin;
    // Each 32 bytes of qs hold 64 elements: the first 32 in the low nibbles, the next 32 in the high ones.
    for (int j = 0; j < kQK_K; j += 64) {
      for (int l = 0; l < 32; ++l) y[i].qs[j / 2 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
    }
  }
}

void QuantizeQ5_K(const float* x, BlockQ5_K* y, int64_t n_blocks) {
  constexpr AsymmetricSteps kSteps{-0.5f, 0.1f, 15};
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK_K) {
    uint8_t L[kQK_K];
    const ScaleMinResult r = QuantizeScaleMinBlock<31>(x, kSteps, y[i].scales, L);
    y[i].d = r.d;
    y[i].dmin = r.dmin;
    // Low nibbles as Q4_K; the fifth bit of element e goes to bit e/32 of qh[e%32].
    std::memset(y[i].qh, 0, sizeof(y[i].qh));
    for (int j = 0; j < kQK_K; j += 64) {
      for (int l = 0; l < 32; ++l) {
        int lo = L[j + l];
        int hi = L[j + l + 32];
        if (lo > 15) {
          lo -= 16;
          y[i].qh[l] |= static_cast<uint8_t>(1u << (j / 32));
        }
        if (hi > 15) {
          hi -= 16;
          y[i].qh[l] |= static_cast<uint8_t>(2u << (j / 32));
        }
        y[i].qs[j / 2 + l] = static_cast<uint8_t>(lo | (hi << 4));
      }
    }
  }
}

void QuantizeQ6_K(const float* x, BlockQ6_K* y, int64_t n_blocks) {
  constexpr int kSubBlocks = kQK_K / 16;
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK_K) {
    int8_t L[kQK_K];
    float scales[kSubBlocks];
    float max_scale = 0;
    float max_abs_scale = 0;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      scales[ib] = SearchSymmetricScale<16, 32>(x + 16 * ib, L + 16 * ib);
      const float abs_scale = std::fabs(scales[ib]);
      if (abs_scale > max_abs_scale) {
        max_abs_scale = abs_scale;
        max_scale = scales[ib];
      }
    }
    if (max_abs_scale < kGroupMaxEps) {
      std::memset(&y[i], 0, sizeof(y[i]));
      continue;
    }

    // int8 sub-block scales against −128/max_scale (so the largest is −128 … 127).
    const float iscale = -128.f / max_scale;
    y[i].d = Fp32ToFp16(1 / iscale);
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      y[i].scales[ib] = static_cast<int8_t>(std::min(127, NearestInt(iscale * scales[ib])));
    }
    for (int j = 0; j < kSubBlocks; ++j) {
      const float d = Fp16ToFp32(y[i].d) * static_cast<float>(y[i].scales[j]);
      if (d == 0) continue;
      for (int ii = 0; ii < 16; ++ii) {
        const int l = NearestInt(x[16 * j + ii] / d);
        L[16 * j + ii] = static_cast<int8_t>(ClampInt(l, -32, 31) + 32);
      }
    }

    // Element 128h + 32k + l: low nibble in ql[64h + 32·(k&1) + l] (k ≥ 2: high nibble), top two bits at
    // shift 2k of qh[32h + l].
    for (int h = 0; h < kQK_K / 128; ++h) {
      const int8_t* Lh = L + 128 * h;
      uint8_t* ql = y[i].ql + 64 * h;
      uint8_t* qh = y[i].qh + 32 * h;
      for (int l = 0; l < 32; ++l) {
        ql[l] = static_cast<uint8_t>((Lh[l] & 0xF) | ((Lh[l + 64] & 0xF) << 4));
        ql[l + 32] = static_cast<uint8_t>((Lh[l + 32] & 0xF) | ((Lh[l + 96] & 0xF) << 4));
        qh[l] = static_cast<uint8_t>((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) | ((Lh[l + 64] >> 4) << 4) |
                                     ((Lh[l + 96] >> 4) << 6));
      }
    }
  }
}

void QuantizeQ8_K(const float* x, BlockQ8_K* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, x += kQK_K) {
    const float max = LargestMagnitude(x, kQK_K);
    if (max == 0) {
      // ggml leaves bsums untouched here; corral zeroes them, the only value consistent with q = 0.
      std::memset(&y[i], 0, sizeof(y[i]));
      continue;
    }
    // −127 rather than −128 keeps every quant in −127 … 127 (ggml's note: IQ2_XXS's AVX path needs it).
    const float iscale = -127.f / max;
    for (int j = 0; j < kQK_K; ++j)
      y[i].qs[j] = static_cast<int8_t>(std::min(127, NearestInt(iscale * x[j])));
    for (int j = 0; j < kQK_K / 16; ++j) {
      int sum = 0;
      for (int ii = 0; ii < 16; ++ii) sum += y[i].qs[16 * j + ii];
      y[i].bsums[j] = static_cast<int16_t>(sum);
    }
    y[i].d = 1 / iscale;
  }
}

}  // namespace corral::quant
