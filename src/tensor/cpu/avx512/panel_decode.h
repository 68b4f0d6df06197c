// Weight rows decoded for the panel GEMM (panel_matmul.h): per K-step of `step` elements, `step` signed
// bytes q, a float scale and offset (value = scale·q + offset) and the correction −128·Σq that removes the
// +128 shift of the packed activations from the integer sums. Included only by panel_matmul.cpp; internal
// linkage for the reasons given in cpu/x86/x86_simd.h.
#pragma once

#include "tensor/cpu/x86/kquant_tiles_x86.h"
#include "tensor/cpu/x86/legacy_tiles_x86.h"
#include "tensor/cpu/x86/x86_simd.h"
#include "tensor/quant/blocks.h"

namespace corral::cpu::panel {
namespace {

using x86::F16;
using x86::Load256;

// Decodes one weight row of k elements: q[k], and scale/offset/corr[k / step].
using DecodeRowFn = void (*)(const uint8_t* row, int64_t k, int8_t* q, float* scale, float* offset,
                             int32_t* corr);

inline void Store256(void* p, __m256i v) {
  _mm256_storeu_si256(static_cast<__m256i*>(p), v);
}

// Σ of the 4 64-bit lanes of vpsadbw's result.
inline int32_t SadTotal(__m256i sad) {
  const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(sad), _mm256_extracti128_si256(sad, 1));
  return static_cast<int32_t>(_mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1));
}

// −128·Σq for 32 signed bytes: vpsadbw sums unsigned bytes, so sum q + 128 and take 32·128 back off.
inline int32_t CorrectionSigned32(__m256i q) {
  const __m256i biased = _mm256_xor_si256(q, _mm256_set1_epi8(static_cast<char>(0x80)));
  return -128 * (SadTotal(_mm256_sad_epu8(biased, _mm256_setzero_si256())) - 32 * 128);
}

// The same for 32 unsigned bytes below 128.
inline int32_t CorrectionUnsigned32(__m256i u) {
  return -128 * SadTotal(_mm256_sad_epu8(u, _mm256_setzero_si256()));
}

void DecodeQ8_0(const uint8_t* row, int64_t k, int8_t* q, float* scale, float* offset, int32_t* corr) {
  const auto* blocks = reinterpret_cast<const quant::BlockQ8_0*>(row);
  for (int64_t b = 0; b < k / quant::kQK; ++b) {
    const __m256i v = Load256(blocks[b].qs);
    Store256(q + 32 * b, v);
    scale[b] = F16(blocks[b].d);
    offset[b] = 0;
    corr[b] = CorrectionSigned32(v);
  }
}

void DecodeQ4_0(const uint8_t* row, int64_t k, int8_t* q, float* scale, float* offset, int32_t* corr) {
  const auto* blocks = reinterpret_cast<const quant::BlockQ4_0*>(row);
  for (int64_t b = 0; b < k / quant::kQK; ++b) {
    const __m256i v = _mm256_sub_epi8(x86::Nibbles32(blocks[b].qs), _mm256_set1_epi8(8));
    Store256(q + 32 * b, v);
    scale[b] = F16(blocks[b].d);
    offset[b] = 0;
    corr[b] = CorrectionSigned32(v);
  }
}

// Q4_K / Q5_K: sub-block j of a super-block is K-step 8b + j, its quants the low (j even) or high (j odd)
// nibbles of qs[32·(j/2) ..], plus 16 where bit j of qh[l] is set (Q5_K); value d·sc_j·q − dmin·m_j.
template <bool kFifthBit>
void DecodeQ45K(const uint8_t* row, int64_t k, int8_t* q, float* scale, float* offset, int32_t* corr) {
  using Block = std::conditional_t<kFifthBit, quant::BlockQ5_K, quant::BlockQ4_K>;
  const auto* blocks = reinterpret_cast<const Block*>(row);
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  for (int64_t b = 0; b < k / quant::kQK_K; ++b) {
    const Block& blk = blocks[b];
    alignas(16) uint8_t sm[16];  // [scale 0..7, min 0..7]
    _mm_store_si128(reinterpret_cast<__m128i*>(sm), x86::UnpackQ4KScalesMins(blk.scales));
    const float d = F16(blk.d), dmin = F16(blk.dmin);
    [[maybe_unused]] __m256i qh;
    if constexpr (kFifthBit) qh = Load256(blk.qh);
    for (int j = 0; j < 8; ++j) {
      const __m256i bytes = Load256(blk.qs + 32 * (j / 2));
      __m256i v = _mm256_and_si256(j % 2 == 0 ? bytes : _mm256_srli_epi16(bytes, 4), low4);
      if constexpr (kFifthBit) {
        const __mmask32 set = _mm256_test_epi8_mask(qh, _mm256_set1_epi8(static_cast<char>(1 << j)));
        v = _mm256_mask_add_epi8(v, set, v, _mm256_set1_epi8(16));
      }
      const int64_t s = 8 * b + j;
      Store256(q + 32 * s, v);
      scale[s] = d * static_cast<float>(sm[j]);
      offset[s] = -dmin * static_cast<float>(sm[8 + j]);
      corr[s] = CorrectionUnsigned32(v);
    }
  }
}

// Q6_K: K-steps of 16 elements (its sub-blocks); value d·sc_j·(u − 32) with u the six-bit quant.
void DecodeQ6K(const uint8_t* row, int64_t k, int8_t* q, float* scale, float* offset, int32_t* corr) {
  const auto* blocks = reinterpret_cast<const quant::BlockQ6_K*>(row);
  for (int64_t b = 0; b < k / quant::kQK_K; ++b) {
    x86::Q6KDecoder dec;
    dec.Start(blocks[b]);
    const float d = F16(blocks[b].d);
    for (int piece = 0; piece < 8; ++piece) {
      __m256i u, unused_scale;
      dec.Piece(piece, u, unused_scale);
      const int64_t s = 16 * b + 2 * piece;
      Store256(q + 16 * s, _mm256_sub_epi8(u, _mm256_set1_epi8(32)));
      // vpsadbw lanes 0-1 sum the first 16 bytes, lanes 2-3 the second.
      const __m256i sad = _mm256_sad_epu8(u, _mm256_setzero_si256());
      const __m128i lo = _mm256_castsi256_si128(sad), hi = _mm256_extracti128_si256(sad, 1);
      const int64_t sum0 = _mm_cvtsi128_si64(lo) + _mm_extract_epi64(lo, 1);
      const int64_t sum1 = _mm_cvtsi128_si64(hi) + _mm_extract_epi64(hi, 1);
      for (int h = 0; h < 2; ++h) {
        scale[s + h] = d * static_cast<float>(blocks[b].scales[2 * piece + h]);
        offset[s + h] = 0;
      }
      corr[s] = static_cast<int32_t>(-128 * (sum0 - 16 * 32));
      corr[s + 1] = static_cast<int32_t>(-128 * (sum1 - 16 * 32));
    }
  }
}

struct PanelFormat {
  DType type;
  DType activation;
  int step;     // elements per K-step
  bool offset;  // whether any step has a nonzero offset
  DecodeRowFn decode;
};

constexpr PanelFormat kPanelFormats[] = {
    {DType::kQ8_0, DType::kQ8_0, 32, false, &DecodeQ8_0},
    {DType::kQ4_0, DType::kQ8_0, 32, false, &DecodeQ4_0},
    {DType::kQ4_K, DType::kQ8_K, 32, true, &DecodeQ45K<false>},
    {DType::kQ5_K, DType::kQ8_K, 32, true, &DecodeQ45K<true>},
    {DType::kQ6_K, DType::kQ8_K, 16, false, &DecodeQ6K},
};

const PanelFormat* FindPanelFormat(DType type) {
  for (const PanelFormat& f : kPanelFormats) {
    if (f.type == type) return &f;
  }
  return nullptr;
}

}  // namespace
}  // namespace corral::cpu::panel
