// Weight rows decoded for the panel GEMM (panel_matmul.h): per K-step of `step` elements, `step` signed
// bytes q, a float scale and offset (value = scale·q + offset) and the correction −128·Σq that removes the
// +128 shift of the packed activations from the integer sums. Included only by panel_matmul.cpp; internal
// linkage for the reasons given in cpu/x86/x86_simd.h.
#pragma once

#include "tensor/cpu/avx512/panel_layout.h"
#include "tensor/cpu/x86/kquant_tiles_x86.h"
#include "tensor/cpu/x86/legacy_tiles_x86.h"
#include "tensor/cpu/x86/x86_simd.h"
#include "tensor/quant/blocks.h"

namespace corral::cpu::panel {
namespace {

using x86::F16;
using x86::Load256;

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

// Q4_K / Q5_K: sub-block j of a super-block is K-step 8b + j, its quants the low (j even) or high (j odd)
// nibbles of qs[32·(j/2) ..], plus 16 where bit j of qh[l] is set (Q5_K); value d·sc_j·q − dmin·m_j.
template <bool kFifthBit>
void DecodeQ45K(const uint8_t* row, int64_t k, const DecodedRow& o) {
  using Block = std::conditional_t<kFifthBit, quant::BlockQ5_K, quant::BlockQ4_K>;
  const auto* blocks = reinterpret_cast<const Block*>(row);
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  for (int64_t b = 0; b < k / quant::kQK_K; ++b) {
    const Block& blk = blocks[b];
    alignas(16) uint8_t sm[16];  // [scale 0..7, min 0..7]
    _mm_store_si128(reinterpret_cast<__m128i*>(sm), x86::UnpackQ4KScalesMins(blk.scales));
    const float d = F16(blk.d), dmin = F16(blk.dmin);
    o.d[b] = d;
    o.dmin[b] = dmin;
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
      Store256(o.q + 32 * s, v);
      o.scale[s] = d * static_cast<float>(sm[j]);
      o.offset[s] = -dmin * static_cast<float>(sm[8 + j]);
      o.corr[s] = CorrectionUnsigned32(v);
      o.iscale[s] = sm[j];
      o.imin[s] = sm[8 + j];
    }
  }
}

// Q6_K: K-steps of 16 elements (its sub-blocks); value d·sc_j·(u − 32) with u the six-bit quant.
void DecodeQ6K(const uint8_t* row, int64_t k, const DecodedRow& o) {
  const auto* blocks = reinterpret_cast<const quant::BlockQ6_K*>(row);
  for (int64_t b = 0; b < k / quant::kQK_K; ++b) {
    x86::Q6KDecoder dec;
    dec.Start(blocks[b]);
    const float d = F16(blocks[b].d);
    o.d[b] = d;
    o.dmin[b] = 0;
    for (int piece = 0; piece < 8; ++piece) {
      __m256i u, unused_scale;
      dec.Piece(piece, u, unused_scale);
      const int64_t s = 16 * b + 2 * piece;
      Store256(o.q + 16 * s, _mm256_sub_epi8(u, _mm256_set1_epi8(32)));
      // vpsadbw lanes 0-1 sum the first 16 bytes, lanes 2-3 the second.
      const __m256i sad = _mm256_sad_epu8(u, _mm256_setzero_si256());
      const __m128i lo = _mm256_castsi256_si128(sad), hi = _mm256_extracti128_si256(sad, 1);
      const int64_t sum0 = _mm_cvtsi128_si64(lo) + _mm_extract_epi64(lo, 1);
      const int64_t sum1 = _mm_cvtsi128_si64(hi) + _mm_extract_epi64(hi, 1);
      for (int h = 0; h < 2; ++h) {
        o.scale[s + h] = d * static_cast<float>(blocks[b].scales[2 * piece + h]);
        o.offset[s + h] = 0;
        o.iscale[s + h] = blocks[b].scales[2 * piece + h];
        o.imin[s + h] = 0;
      }
      o.corr[s] = static_cast<int32_t>(-128 * (sum0 - 16 * 32));
      o.corr[s + 1] = static_cast<int32_t>(-128 * (sum1 - 16 * 32));
    }
  }
}

// −128·Σq of each 16-byte half of 32 signed bytes (two K-steps of the 16-element formats).
inline void CorrectionsSigned16x2(__m256i q, int32_t* corr) {
  const __m256i biased = _mm256_xor_si256(q, _mm256_set1_epi8(static_cast<char>(0x80)));
  const __m256i sad = _mm256_sad_epu8(biased, _mm256_setzero_si256());  // lanes 0-1: bytes 0-15; 2-3: 16-31
  const __m128i lo = _mm256_castsi256_si128(sad), hi = _mm256_extracti128_si256(sad, 1);
  corr[0] = static_cast<int32_t>(-128 * (_mm_cvtsi128_si64(lo) + _mm_extract_epi64(lo, 1) - 16 * 128));
  corr[1] = static_cast<int32_t>(-128 * (_mm_cvtsi128_si64(hi) + _mm_extract_epi64(hi, 1) - 16 * 128));
}

// The 32-element formats, one block per K-step, with the quant decoders of the x86 tiles
// (legacy_tiles_x86.h), which give q + F::kOffset: Q4_0 stores q + 8, Q5_0 q + 16, and for the vpdpbusd
// tiles Q8_0 and IQ4_NL come shifted by 128; Q4_1 / Q5_1 are unsigned with the block minimum as offset.
template <typename F>
void DecodeLegacy(const uint8_t* row, int64_t k, const DecodedRow& o) {
  const auto* blocks = reinterpret_cast<const typename F::Block*>(row);
  for (int64_t b = 0; b < k / quant::kQK; ++b) {
    const __m256i v = _mm256_sub_epi8(F::Quants(blocks[b]), _mm256_set1_epi8(static_cast<char>(F::kOffset)));
    Store256(o.q + 32 * b, v);
    o.scale[b] = F16(blocks[b].d);
    if constexpr (F::kMin) {
      o.offset[b] = F16(blocks[b].m);
    } else {
      o.offset[b] = 0;
    }
    o.corr[b] = CorrectionSigned32(v);
  }
}

// IQ4_XS: sub-block j (32 elements, K-step 8b + j) as IQ4_NL with scale d·(ls_j − 32).
void DecodeIQ4XS(const uint8_t* row, int64_t k, const DecodedRow& o) {
  const auto* blocks = reinterpret_cast<const quant::BlockIQ4_XS*>(row);
  const __m256i grid = x86::IQ4Table(0);
  for (int64_t b = 0; b < k / quant::kQK_K; ++b) {
    const quant::BlockIQ4_XS& blk = blocks[b];
    const float d = F16(blk.d);
    o.d[b] = d;
    o.dmin[b] = 0;
    for (int j = 0; j < 8; ++j) {
      const __m256i v = _mm256_shuffle_epi8(grid, x86::Nibbles32(blk.qs + 16 * j));
      const int64_t s = 8 * b + j;
      Store256(o.q + 32 * s, v);
      const int ls = ((blk.scales_l[j / 2] >> (4 * (j % 2))) & 15) | (((blk.scales_h >> (2 * j)) & 3) << 4);
      o.scale[s] = d * static_cast<float>(ls - 32);
      o.offset[s] = 0;
      o.iscale[s] = ls - 32;
      o.imin[s] = 0;
      o.corr[s] = CorrectionSigned32(v);
    }
  }
}

// Q2_K / Q3_K: K-steps of 16 (their sub-blocks); piece p holds elements 32p..32p+31, two steps. Q2_K's
// value d·(sc_j & 15)·q − dmin·(sc_j >> 4); Q3_K's d·(sc_j − 32)·(u − 4), u with its high bit from hmask.
void DecodeQ2K(const uint8_t* row, int64_t k, const DecodedRow& o) {
  const auto* blocks = reinterpret_cast<const quant::BlockQ2_K*>(row);
  for (int64_t b = 0; b < k / quant::kQK_K; ++b) {
    const quant::BlockQ2_K& blk = blocks[b];
    const float d = F16(blk.d), dmin = F16(blk.dmin);
    o.d[b] = d;
    o.dmin[b] = dmin;
    for (int piece = 0; piece < 8; ++piece) {
      const int h = piece / 4, j = piece % 4;
      const __m256i v =
          _mm256_and_si256(_mm256_srli_epi16(Load256(blk.qs + 32 * h), 2 * j), _mm256_set1_epi8(3));
      const int64_t s = 16 * b + 2 * piece;
      Store256(o.q + 16 * s, v);
      for (int half = 0; half < 2; ++half) {
        const uint8_t sc = blk.scales[2 * piece + half];
        o.scale[s + half] = d * static_cast<float>(sc & 15);
        o.offset[s + half] = -dmin * static_cast<float>(sc >> 4);
        o.iscale[s + half] = sc & 15;
        o.imin[s + half] = sc >> 4;
      }
      CorrectionsSigned16x2(v, o.corr + s);
    }
  }
}

void DecodeQ3K(const uint8_t* row, int64_t k, const DecodedRow& o) {
  const auto* blocks = reinterpret_cast<const quant::BlockQ3_K*>(row);
  for (int64_t b = 0; b < k / quant::kQK_K; ++b) {
    const quant::BlockQ3_K& blk = blocks[b];
    const float d = F16(blk.d);
    o.d[b] = d;
    o.dmin[b] = 0;
    alignas(16) int8_t sc[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(sc), x86::UnpackQ3KScales(blk.scales));
    const __m256i hmask = Load256(blk.hmask);
    for (int piece = 0; piece < 8; ++piece) {
      const int h = piece / 4, j = piece % 4;
      const __m256i two =
          _mm256_and_si256(_mm256_srli_epi16(Load256(blk.qs + 32 * h), 2 * j), _mm256_set1_epi8(3));
      const __m256i v =
          _mm256_sub_epi8(_mm256_or_si256(two, x86::MoveBit(hmask, piece, 2)), _mm256_set1_epi8(4));
      const int64_t s = 16 * b + 2 * piece;
      Store256(o.q + 16 * s, v);
      for (int half = 0; half < 2; ++half) {
        o.scale[s + half] = d * static_cast<float>(sc[2 * piece + half]);
        o.offset[s + half] = 0;
        o.iscale[s + half] = sc[2 * piece + half];
        o.imin[s + half] = 0;
      }
      CorrectionsSigned16x2(v, o.corr + s);
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
    {DType::kQ8_0, DType::kQ8_0, 32, false, &DecodeLegacy<x86::Q8_0Format>},
    {DType::kQ4_0, DType::kQ8_0, 32, false, &DecodeLegacy<x86::Q4_0Format>},
    {DType::kQ4_K, DType::kQ8_K, 32, true, &DecodeQ45K<false>},
    {DType::kQ5_K, DType::kQ8_K, 32, true, &DecodeQ45K<true>},
    {DType::kQ6_K, DType::kQ8_K, 16, false, &DecodeQ6K},
    {DType::kQ5_0, DType::kQ8_0, 32, false, &DecodeLegacy<x86::Q5_0Format>},
    {DType::kIQ4_NL, DType::kQ8_0, 32, false, &DecodeLegacy<x86::IQ4_NLFormat>},
    {DType::kQ4_1, DType::kQ8_1, 32, true, &DecodeLegacy<x86::Q4_1Format>},
    {DType::kQ5_1, DType::kQ8_1, 32, true, &DecodeLegacy<x86::Q5_1Format>},
    {DType::kIQ4_XS, DType::kQ8_K, 32, false, &DecodeIQ4XS},
    {DType::kQ2_K, DType::kQ8_K, 16, true, &DecodeQ2K},
    {DType::kQ3_K, DType::kQ8_K, 16, false, &DecodeQ3K},
};

const PanelFormat* FindPanelFormat(DType type) {
  for (const PanelFormat& f : kPanelFormats) {
    if (f.type == type) return &f;
  }
  return nullptr;
}

}  // namespace
}  // namespace corral::cpu::panel
