// Tiles of the 256-element super-block formats (Q2_K..Q6_K, IQ4_XS) against Q8_K activations. See
// x86_simd.h for why everything here has internal linkage.
//
// Every format decodes 32 elements at a time into unsigned bytes u (at most 63, so maddubs's int16 pair
// sums cannot saturate: 2·63·127 < 32767) and multiplies each int16 pair sum by its sub-block scale while
// widening to int32 (vpdpwssd, or madd + add). What the unsigned form leaves out is a per-sub-block constant
// times Σa, and Q8_K carries Σa per 16 elements (bsums):
//   Q2_K, Q4_K, Q5_K: value = d·sc·u − dmin·m       → subtract dmin·Σ m·Σa (scaled by dmin, not d)
//   Q3_K:             value = d·sc·(u − 4)           → subtract 4·Σ sc·Σa
//   Q6_K:             value = d·sc·(u − 32)          → subtract 32·Σ sc·Σa
// IQ4_XS's grid values are signed up to ±127 and go through the |w|·sign(a) form instead.
// Per (row, column) pair and super-block the int32 lanes become float once: acc += d_w·d_a · lanes.
#pragma once

#include "tensor/cpu/kernels.h"
#include "tensor/cpu/x86/legacy_tiles_x86.h"
#include "tensor/cpu/x86/x86_simd.h"
#include "tensor/quant/blocks.h"

namespace corral::cpu::x86 {
namespace {

using quant::BlockQ8_K;
using quant::kQK_K;

// Eight int16 sub-block scales (words of `words`) as the vpdpwssd operands of 32-element pieces: halves[h]
// holds scales 4h..4h+3, each as an int16 pair, in both 128-bit halves, so piece k's vector is one in-lane
// vpshufd (PieceScale; k is a constant once the piece loop is unrolled). Broadcasting each scale from a
// stored array instead made GCC extract it from a register with one or two cross-lane shuffles per piece, on
// the ports the decode shifts use (Q4_K hot kernel 6-10 % slower; bench/README.md).
inline void ScalePairHalves(__m128i words, __m256i (&halves)[2]) {
  halves[0] = _mm256_broadcastsi128_si256(_mm_unpacklo_epi16(words, words));
  halves[1] = _mm256_broadcastsi128_si256(_mm_unpackhi_epi16(words, words));
}

inline __m256i PieceScale(const __m256i (&halves)[2], int k) {
  const __m256i half = halves[k / 4];
  switch (k % 4) {  // vpshufd takes an immediate
    case 0:
      return _mm256_shuffle_epi32(half, 0x00);
    case 1:
      return _mm256_shuffle_epi32(half, 0x55);
    case 2:
      return _mm256_shuffle_epi32(half, 0xAA);
    default:
      return _mm256_shuffle_epi32(half, 0xFF);
  }
}

// Q3_K's 16 signed six-bit scales as int8: low 4 bits in bytes 0-7 (sub-blocks 0-7 low nibbles, 8-15 high
// nibbles), high 2 bits in bytes 8-11 (sub-block s at bits 2·(s/4) of byte 8 + s%4), biased by 32.
inline __m128i UnpackQ3KScales(const uint8_t* packed) {
  uint32_t u[3];
  std::memcpy(u, packed, 12);
  const uint32_t hi = u[2];
  const uint32_t s0 = (u[0] & 0x0f0f0f0f) | (((hi >> 0) & 0x03030303) << 4);
  const uint32_t s1 = (u[1] & 0x0f0f0f0f) | (((hi >> 2) & 0x03030303) << 4);
  const uint32_t s2 = ((u[0] >> 4) & 0x0f0f0f0f) | (((hi >> 4) & 0x03030303) << 4);
  const uint32_t s3 = ((u[1] >> 4) & 0x0f0f0f0f) | (((hi >> 6) & 0x03030303) << 4);
  const __m128i raw =
      _mm_setr_epi32(static_cast<int>(s0), static_cast<int>(s1), static_cast<int>(s2), static_cast<int>(s3));
  return _mm_sub_epi8(raw, _mm_set1_epi8(32));
}

// The 32-byte vector of the int16 scales of two 16-element sub-blocks: lanes 0-7 scale the first 16
// elements (low 128 bits), lanes 8-15 the next. `scales8` holds 8 consecutive int16 scales in both 128-bit
// halves; `pair` picks sub-blocks 2·pair and 2·pair + 1 of them.
inline __m256i SixteenScales(__m256i scales8, int pair) {
  const char lo = static_cast<char>(4 * pair), hi = static_cast<char>(4 * pair + 2);
  const __m256i pick = _mm256_setr_epi8(lo, lo + 1, lo, lo + 1, lo, lo + 1, lo, lo + 1, lo, lo + 1, lo,
                                        lo + 1, lo, lo + 1, lo, lo + 1, hi, hi + 1, hi, hi + 1, hi, hi + 1,
                                        hi, hi + 1, hi, hi + 1, hi, hi + 1, hi, hi + 1, hi, hi + 1);
  return _mm256_shuffle_epi8(scales8, pick);
}

// 8 signed bytes → int16, in both 128-bit halves.
inline __m256i Int16Twice(const int8_t* p) {
  const __m128i v = _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  return _mm256_broadcastsi128_si256(v);
}

// Bit p of every byte moved to bit `to` (bits other than p must be clear... they are masked here).
inline __m256i MoveBit(__m256i bytes, int p, int to) {
  const __m256i bit = _mm256_and_si256(bytes, _mm256_set1_epi8(static_cast<char>(1 << p)));
  if (p < to) return _mm256_slli_epi16(bit, to - p);
  if (p > to) return _mm256_srli_epi16(bit, p - to);
  return bit;
}

// Shared tile skeleton: per super-block, Decode(block, row state) prepares a row, then Piece(k) yields the
// 32 unsigned quants and the int16 scale vector of piece k (elements 32k..32k+31) for that row.
template <typename D, int R, int C>
void KQuantTile(int64_t n, const void* w, size_t w_stride, int n_rows, const void* a, size_t a_stride,
                float* out, size_t out_stride) {
  using Block = typename D::Block;
  const int64_t nb = n / kQK_K;
  const TileRows<R> rows(w, w_stride, n_rows);
  const BlockQ8_K* act[C];
  for (int c = 0; c < C; ++c) {
    act[c] = reinterpret_cast<const BlockQ8_K*>(static_cast<const uint8_t*>(a) +
                                                static_cast<size_t>(c) * a_stride);
  }
  __m256 acc[R][C];
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
  }
  const auto block = [&](int64_t b) __attribute__((always_inline)) {
    D dec[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) dec[r].Start(reinterpret_cast<const Block*>(rows.row[r])[b]);
    __m256i bsums[C];
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) bsums[c] = Load256(act[c][b].bsums);
    // The offset / minimum term starts every (row, column) sum: corrections in int32 lanes (scaled by d) and
    // minimums (scaled by dmin) kept apart.
    // Small tiles split each pair's integer sum over two chains, so the accumulating instruction's latency
    // does not serialize the eight pieces. (Four chains for the 1 × 1 tile cost more in adds than they saved
    // once its loop interleaves four blocks: Q3_K hot kernel −6 %, Q4_K/Q5_K −1 to −4 %.)
    constexpr int kChains = R * C >= 4 ? 1 : 2;
    __m256i isum[kChains][R][C];
    __m256i mins[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) {
        isum[0][r][c] = dec[r].Correction(bsums[c]);
        for (int h = 1; h < kChains; ++h) isum[h][r][c] = _mm256_setzero_si256();
        if constexpr (D::kMin) mins[r][c] = dec[r].Mins(bsums[c]);
      }
    }
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) {
      __m256i av[C];
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) av[c] = Load256(act[c][b].qs + 32 * k);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        __m256i q, scale;
        dec[r].Piece(k, q, scale);
#pragma GCC unroll 4
        for (int c = 0; c < C; ++c)
          isum[k % kChains][r][c] = D::Dot(isum[k % kChains][r][c], q, av[c], scale);
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) {
        const float da = act[c][b].d;
        __m256i total = isum[0][r][c];
        for (int h = 1; h < kChains; ++h) total = _mm256_add_epi32(total, isum[h][r][c]);
        acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_set1_ps(dec[r].d * da), acc[r][c]);
        if constexpr (D::kMin) {
          acc[r][c] =
              _mm256_fmadd_ps(_mm256_cvtepi32_ps(mins[r][c]), _mm256_set1_ps(-dec[r].dmin * da), acc[r][c]);
        }
      }
    }
  };
  // The one-tile-row matrix-vector case runs four blocks per loop turn: the compiler then interleaves
  // independent blocks, which the core does not do as well from the rolled loop (hot kernels −4 to −6 %).
  if constexpr (R * C == 1) {
#pragma GCC unroll 4
    for (int64_t b = 0; b < nb; ++b) block(b);
  } else {
    for (int64_t b = 0; b < nb; ++b) block(b);
  }
  for (int r = 0; r < n_rows; ++r) {
    for (int c = 0; c < C; ++c) out[c * out_stride + r] = HorizontalSum(acc[r][c]);
  }
}

// Unsigned quants scaled per int16 pair.
inline __m256i ScaledDot(__m256i acc, __m256i q, __m256i a, __m256i scale) {
  return DotI16(acc, _mm256_maddubs_epi16(q, a), scale);
}

// Q4_K/Q5_K's 12 scale bytes → 16 bytes [scale 0..7, min 0..7] (get_scale_min_k4): bytes 0-3 hold scales
// 0-3 and the top bits of scales 4-7, bytes 4-7 the same for mins, bytes 8-11 the low nibbles of scale (low)
// and min (high) 4-7. Worked on as two 64-bit words [scales | mins] of sub-blocks 0-3 and 4-7.
inline __m128i UnpackQ4KScalesMins(const uint8_t* packed) {
  uint64_t first;
  uint32_t last;
  std::memcpy(&first, packed, 8);
  std::memcpy(&last, packed + 8, 4);
  const uint64_t low6 = first & 0x3f3f3f3f3f3f3f3full;  // [sc0..3 | mn0..3]
  const uint64_t nibbles = ((static_cast<uint64_t>(last >> 4) << 32) | last) & 0x0f0f0f0f0f0f0f0full;
  const uint64_t high6 = nibbles | (((first >> 6) & 0x0303030303030303ull) << 4);  // [sc4..7 | mn4..7]
  const __m128i v = _mm_set_epi64x(static_cast<int64_t>(high6), static_cast<int64_t>(low6));
  return _mm_shuffle_epi32(v, _MM_SHUFFLE(3, 1, 2, 0));  // [sc0..3, sc4..7, mn0..3, mn4..7]
}

struct Q4KDecoder {
  using Block = quant::BlockQ4_K;
  static constexpr bool kMin = true;
  const uint8_t* qs;
  float d, dmin;
  __m256i pair_halves[2];  // scales 4h..4h+3 as int16 pairs, in both 128-bit halves
  __m256i min16;           // the 8 mins as int16, each twice (matching bsums per 16)

  void Start(const Block& blk) {
    qs = blk.qs;
    StartScales(&blk.d, blk.scales);
  }
  // d and dmin (two f16 at `dd`), the scale pairs and the mins, as Q4_K and Q5_K share them.
  void StartScales(const void* dd, const uint8_t* scales) {
    const __m128 both = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(LoadU32(dd))));
    d = _mm_cvtss_f32(both);
    dmin = _mm_cvtss_f32(_mm_movehdup_ps(both));
    const __m128i sm = UnpackQ4KScalesMins(scales);
    ScalePairHalves(_mm_cvtepu8_epi16(sm), pair_halves);
    min16 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(sm, sm));
  }
  __m256i Correction(__m256i) const { return _mm256_setzero_si256(); }
  __m256i Mins(__m256i bsums) const { return _mm256_madd_epi16(min16, bsums); }
  // Piece k: 32-byte chunk k/2 of qs, low nibbles for even k, high for odd.
  void Piece(int k, __m256i& q, __m256i& scale) const {
    const __m256i bytes = Load256(qs + 32 * (k / 2));
    q = _mm256_and_si256(k % 2 == 0 ? bytes : _mm256_srli_epi16(bytes, 4), _mm256_set1_epi8(0x0F));
    scale = PieceScale(pair_halves, k);
  }
  static __m256i Dot(__m256i acc, __m256i q, __m256i a, __m256i scale) { return ScaledDot(acc, q, a, scale); }
};

struct Q5KDecoder : Q4KDecoder {
  using Block = quant::BlockQ5_K;
  __m256i qh;
  void Start(const Block& blk) {
    // Same scale, min and nibble layout as Q4_K; qh sits between scales and qs.
    qs = blk.qs;
    StartScales(&blk.d, blk.scales);
    qh = Load256(blk.qh);
  }
  // Fifth bit of element 32k + l: bit k of qh[l].
  void Piece(int k, __m256i& q, __m256i& scale) const {
    Q4KDecoder::Piece(k, q, scale);
#if defined(__AVX512BW__) && defined(__AVX512VL__)
    const __mmask32 set = _mm256_test_epi8_mask(qh, _mm256_set1_epi8(static_cast<char>(1 << k)));
    q = _mm256_mask_add_epi8(q, set, q, _mm256_set1_epi8(16));
#else
    q = _mm256_or_si256(q, MoveBit(qh, k, 4));
#endif
  }
};

struct Q6KDecoder {
  using Block = quant::BlockQ6_K;
  static constexpr bool kMin = false;
  const uint8_t* ql;
  const uint8_t* qh;
  float d, dmin = 0;
  __m256i scale16;     // the 16 int8 scales as int16, for the −32·Σ sc·Σa correction
  __m256i scales8[2];  // scales of sub-blocks 8h..8h+7, as int16 in both 128-bit halves

  void Start(const Block& blk) {
    ql = blk.ql;
    qh = blk.qh;
    d = F16(blk.d);
    scale16 = _mm256_cvtepi8_epi16(Load128(blk.scales));
    scales8[0] = Int16Twice(blk.scales);
    scales8[1] = Int16Twice(blk.scales + 8);
  }
  __m256i Correction(__m256i bsums) const {
    return _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(_mm256_madd_epi16(scale16, bsums), 5));
  }
  __m256i Mins(__m256i) const { return _mm256_setzero_si256(); }
  // Piece k = 4h + j: low nibbles of ql[64h + 32(j&1) ..] (high nibbles for j ≥ 2), bits 2j..2j+1 of
  // qh[32h ..] as bits 4-5.
  void Piece(int k, __m256i& q, __m256i& scale) const {
    const int h = k / 4, j = k % 4;
    const __m256i low_bytes = Load256(ql + 64 * h + 32 * (j & 1));
    const __m256i high_bytes = Load256(qh + 32 * h);
    const __m256i low = j < 2 ? low_bytes : _mm256_srli_epi16(low_bytes, 4);
    const __m256i high =
        2 * j <= 4 ? _mm256_slli_epi16(high_bytes, 4 - 2 * j) : _mm256_srli_epi16(high_bytes, 2);
#if defined(__AVX512F__) && defined(__AVX512VL__)
    // Bits 0-3 from low, bits 4-5 from high, 6-7 zero: (low & 0x0F) | (high & 0x30) in one ternary op.
    q = _mm256_ternarylogic_epi32(_mm256_and_si256(high, _mm256_set1_epi8(0x30)), low, _mm256_set1_epi8(0x0F),
                                  0xF8);  // A | (B & C)
#else
    q = _mm256_or_si256(_mm256_and_si256(low, _mm256_set1_epi8(0x0F)),
                        _mm256_and_si256(high, _mm256_set1_epi8(0x30)));
#endif
    scale = SixteenScales(scales8[h], j);
  }
  static __m256i Dot(__m256i acc, __m256i q, __m256i a, __m256i scale) {
    return ScaledDot(acc, q, a, scale);
  }
};

struct Q3KDecoder {
  using Block = quant::BlockQ3_K;
  static constexpr bool kMin = false;
  const uint8_t* qs;
  __m256i hmask;
  float d, dmin = 0;
  __m256i scale16;
  __m256i scales8[2];

  void Start(const Block& blk) {
    qs = blk.qs;
    hmask = Load256(blk.hmask);
    d = F16(blk.d);
    const __m128i sc = UnpackQ3KScales(blk.scales);
    scale16 = _mm256_cvtepi8_epi16(sc);
    scales8[0] = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(sc));
    scales8[1] = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_srli_si128(sc, 8)));
  }
  __m256i Correction(__m256i bsums) const {
    return _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(_mm256_madd_epi16(scale16, bsums), 2));
  }
  __m256i Mins(__m256i) const { return _mm256_setzero_si256(); }
  // Piece k = 4h + j: bits 2j..2j+1 of qs[32h ..], plus 4 when bit k of hmask is set (u = q + 4·hbit,
  // value u − 4).
  void Piece(int k, __m256i& q, __m256i& scale) const {
    const int h = k / 4, j = k % 4;
    const __m256i two = _mm256_and_si256(_mm256_srli_epi16(Load256(qs + 32 * h), 2 * j), _mm256_set1_epi8(3));
    q = _mm256_or_si256(two, MoveBit(hmask, k, 2));
    scale = SixteenScales(scales8[h], j);
  }
  static __m256i Dot(__m256i acc, __m256i q, __m256i a, __m256i scale) { return ScaledDot(acc, q, a, scale); }
};

struct Q2KDecoder {
  using Block = quant::BlockQ2_K;
  static constexpr bool kMin = true;
  const uint8_t* qs;
  float d, dmin;
  __m256i min16;
  __m256i scales8[2];

  void Start(const Block& blk) {
    qs = blk.qs;
    d = F16(blk.d);
    dmin = F16(blk.dmin);
    const __m128i packed = Load128(blk.scales);
    min16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0x0F)));
    const __m128i sc = _mm_and_si128(packed, _mm_set1_epi8(0x0F));
    scales8[0] = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sc));
    scales8[1] = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_srli_si128(sc, 8)));
  }
  __m256i Correction(__m256i) const { return _mm256_setzero_si256(); }
  __m256i Mins(__m256i bsums) const { return _mm256_madd_epi16(min16, bsums); }
  void Piece(int k, __m256i& q, __m256i& scale) const {
    const int h = k / 4, j = k % 4;
    q = _mm256_and_si256(_mm256_srli_epi16(Load256(qs + 32 * h), 2 * j), _mm256_set1_epi8(3));
    scale = SixteenScales(scales8[h], j);
  }
  static __m256i Dot(__m256i acc, __m256i q, __m256i a, __m256i scale) { return ScaledDot(acc, q, a, scale); }
};

struct IQ4XSDecoder {
  using Block = quant::BlockIQ4_XS;
  static constexpr bool kMin = false;
  const uint8_t* qs;
  float d, dmin = 0;
  __m256i pair_halves[2];

  void Start(const Block& blk) {
    qs = blk.qs;
    d = F16(blk.d);
    // Scale s: low 4 bits in nibble s of scales_l, high 2 bits at bits 2s..2s+1 of scales_h, biased by 32.
    const uint64_t low = _pdep_u64(LoadU32(blk.scales_l), 0x0F0F0F0F0F0F0F0Full);
    const uint64_t high = _pdep_u64(blk.scales_h, 0x0303030303030303ull) << 4;
    const __m128i biased = _mm_cvtsi64_si128(static_cast<int64_t>(low | high));
    ScalePairHalves(_mm_sub_epi16(_mm_cvtepu8_epi16(biased), _mm_set1_epi16(32)), pair_halves);
  }
  __m256i Correction(__m256i) const { return _mm256_setzero_si256(); }
  __m256i Mins(__m256i) const { return _mm256_setzero_si256(); }
  // Piece k: sub-block k, its 16 bytes split into nibbles as in Q4_0, mapped through the grid (signed).
  void Piece(int k, __m256i& q, __m256i& scale) const {
    q = _mm256_shuffle_epi8(IQ4Table(0), Nibbles32(qs + 16 * k));
    scale = PieceScale(pair_halves, k);
  }
  static __m256i Dot(__m256i acc, __m256i q, __m256i a, __m256i scale) {
    return DotI16(acc, _mm256_maddubs_epi16(_mm256_sign_epi8(q, q), _mm256_sign_epi8(a, q)), scale);
  }
};

// KQuantTile as a table entry (kernel_table_x86.h).
template <typename D>
struct KQuant {
  template <int R, int C>
  static void Run(int64_t n, const void* w, size_t ws, int nr, const void* a, size_t as, float* o,
                  size_t os) {
    KQuantTile<D, R, C>(n, w, ws, nr, a, as, o, os);
  }
};

}  // namespace
}  // namespace corral::cpu::x86
