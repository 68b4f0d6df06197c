// 512-bit tiles of the K-quants for the AVX-512 family, built to cut instructions per weight byte: a
// matrix-vector product on two threads of this machine ran Q6_K at 65 % of the read bandwidth with the
// 256-bit tiles (bench/README.md), bound by the work per block, not by memory.
//
// A register holds one group of 64 consecutive elements (a quarter super-block), in element order, so the
// activations load as they are. Per group, vpdpbusd sums q·a over four elements into each int32 lane with
// no scale; the lanes stay within int16 (4·63·127 = 32004 for six-bit quants, |a| ≤ 127 in Q8_K), so two
// groups pack into one register of int16 (vpackssdw, never saturating) and one vpdpwssd applies the
// sub-block scales to both. Per 128 elements that is two vpdpbusd, one pack, one vpdpwssd and one scale
// permute, where the 256-bit tiles spend four vpmaddubsw, four vpdpwssd and four scale shuffles. Zen 4
// runs each 512-bit instruction as two 256-bit halves, so what pays is the shorter sequence: 47 instead
// of 85 instructions per super-block, the hot Q6_K kernel 13 % faster (bench/README.md).
//
// After vpackssdw(D0, D1), 128-bit lane L holds int32 lanes 4L..4L+3 of D0 (elements 16L..16L+15 of the
// first group) then those of D1 (the same of the second group); vpdpwssd pairs words 2i and 2i+1, so the
// scale words of lane L are [scale of D0's 16 elements ×4, scale of D1's ×4]: one vpermw of the int16
// scales per group pair. The offset / minimum terms are those of kquant_tiles_x86.h (its decoders' Correction
// and Mins), which this reuses; see there for the arithmetic. See x86_simd.h for why everything here has
// internal linkage.
#pragma once

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)

#include "tensor/cpu/x86/kquant_tiles_x86.h"
#include "tensor/cpu/x86/x86_simd.h"
#include "tensor/quant/blocks.h"

namespace corral::cpu::x86 {
namespace {

// vpermw indices of the scale words for group pair p (groups 2p, 2p+1) from 16 int16 scales, where
// element e of the super-block has scale sub(e) = e / sub_size: word w sits in 128-bit lane L = w / 8 and
// scales group 2p + (w % 8) / 4, elements 16L.. of it.
template <int kSubSize>
inline __m512i PairScaleIndex(int p) {
  alignas(64) int16_t idx[32];
  for (int w = 0; w < 32; ++w) {
    const int group = 2 * p + (w % 8) / 4;
    idx[w] = static_cast<int16_t>((64 * group + 16 * (w / 8)) / kSubSize);
  }
  return _mm512_load_si512(idx);
}

// Q6_K, one half h (128 elements, group pair p = h): ql[64h..64h+63] holds the low nibbles of groups 2h
// (low nibbles) and 2h+1 (high nibbles), bytes 0-31 of each for elements 0-31 of the group and bytes
// 32-63 for elements 32-63; qh[32h + l] holds bits 4-5 of elements 32j + l of the half in bits 2j..2j+1.
// With qh in both 256-bit halves and masked by 0x33 (low half) / 0xCC (high half), a 16-bit shift by
// 4 / 2 (group 2h) or 0 / 2 (group 2h+1, right) puts the wanted bits at 4-5 and zeros at 6-7; the bits that
// cross into the neighbouring byte land at 0-3 and are dropped by the nibble select.
struct Q6KDecoderZ : Q6KDecoder {
  __m512i scale_words;  // the 16 scales as int16 (words 0-15)

  void Start(const Block& blk) {
    Q6KDecoder::Start(blk);
    scale_words = _mm512_zextsi256_si512(scale16);
  }
  void Pair(int p, __m512i& q0, __m512i& q1) const {
    const __m512i low = _mm512_loadu_si512(ql + 64 * p);
    const __m512i high =
        _mm512_and_si512(_mm512_broadcast_i64x4(Load256(qh + 32 * p)),
                         _mm512_inserti64x4(_mm512_set1_epi8(0x33), _mm256_set1_epi8(-52), 1));
    const __m512i left =
        _mm512_sllv_epi16(high, _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1));
    const __m512i right =
        _mm512_srlv_epi16(high, _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1));
    // Bits 0-3 from the first operand, 4-7 from the second (select by the third): 0xE4.
    q0 = _mm512_ternarylogic_epi32(low, left, _mm512_set1_epi8(0x0F), 0xE4);
    q1 = _mm512_ternarylogic_epi32(_mm512_srli_epi16(low, 4), right, _mm512_set1_epi8(0x0F), 0xE4);
  }
  __m512i PairScales(int p) const { return _mm512_permutexvar_epi16(PairScaleIndex<16>(p), scale_words); }
};

// Q4_K, on CPUs with GFNI: group g (elements 64g..64g+63, sub-blocks 2g and 2g+1) is the low then the high
// nibbles of qs[32g..32g+31]. Those 32 bytes broadcast to both 256-bit halves and one vgf2p8affineqb, whose
// bit matrix is per 64-bit lane, give the 64 quants in element order: x & 0x0F in the lower half, x >> 4 in
// the upper (matrix row byte 7 − i selects the source bit of result bit i). Against the 256-bit tile that is
// a third of the decode instructions per block; the kernel is bound by instructions per block (the hot
// kernel runs as fast from L1 as from L2), so the hot Q4_K kernel gains 6 % (bench/README.md). The dpbusd
// lanes stay within int16 (4·15·128 = 7680).
#if defined(__GFNI__)
struct Q4KDecoderZ {
  using Block = quant::BlockQ4_K;
  static constexpr bool kMin = true;
  const uint8_t* qs;
  float d, dmin;
  __m512i scales_mins;  // [scale 0..7, min 0..7] as bytes, in each 128-bit lane

  void Start(const Block& blk) {
    qs = blk.qs;
    const __m128 both = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(LoadU32(&blk.d))));
    d = _mm_cvtss_f32(both);
    dmin = _mm_cvtss_f32(_mm_movehdup_ps(both));
    scales_mins = _mm512_broadcast_i32x4(UnpackQ4KScalesMins(blk.scales));
  }
  __m256i Correction(__m256i) const { return _mm256_setzero_si256(); }
  // The 8 mins as int16, each twice (bsums are per 16 elements): bytes 8 + w / 2 with zero high bytes.
  __m256i Mins(__m256i bsums) const {
    const __m256i pick = _mm256_setr_epi8(8, -1, 8, -1, 9, -1, 9, -1, 10, -1, 10, -1, 11, -1, 11, -1, 12, -1,
                                          12, -1, 13, -1, 13, -1, 14, -1, 14, -1, 15, -1, 15, -1);
    return _mm256_madd_epi16(_mm256_shuffle_epi8(_mm512_castsi512_si256(scales_mins), pick), bsums);
  }
  __m512i Group(int g) const {
    const __m512i nibbles = _mm512_inserti64x4(_mm512_set1_epi64(0x0102040800000000ll),
                                               _mm256_set1_epi64x(0x1020408000000000ll), 1);
    return _mm512_gf2p8affine_epi64_epi8(_mm512_broadcast_i64x4(Load256(qs + 32 * g)), nibbles, 0);
  }
  void Pair(int p, __m512i& q0, __m512i& q1) const {
    q0 = Group(2 * p);
    q1 = Group(2 * p + 1);
  }
  // PairScaleIndex<32> as an in-lane byte shuffle: lane L's words 0-3 take scale 4p + L/2, words 4-7 scale
  // 4p + 2 + L/2, as int16 (the high bytes zeroed).
  __m512i PairScales(int p) const {
    alignas(64) int8_t pick[64];
    for (int lane = 0; lane < 4; ++lane) {
      for (int w = 0; w < 8; ++w) {
        pick[16 * lane + 2 * w] = static_cast<int8_t>(4 * p + (w < 4 ? 0 : 2) + lane / 2);
        pick[16 * lane + 2 * w + 1] = -1;
      }
    }
    return _mm512_shuffle_epi8(scales_mins, _mm512_load_si512(pick));
  }
};
#endif  // __GFNI__

// 512-bit tile: the K-quant arithmetic of KQuantTile with the group-pair step above.
template <typename D, int R, int C>
void KQuantTileZ(int64_t n, const void* w, size_t w_stride, int n_rows, const void* a, size_t a_stride,
                 float* out, size_t out_stride) {
  using Block = typename D::Block;
  const int64_t nb = n / kQK_K;
  const TileRows<R> rows(w, w_stride, n_rows);
  const BlockQ8_K* act[C];
  for (int c = 0; c < C; ++c) {
    act[c] = reinterpret_cast<const BlockQ8_K*>(static_cast<const uint8_t*>(a) +
                                                static_cast<size_t>(c) * a_stride);
  }
  __m512 acc[R][C];
  __m256 acc_min[R][C];
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) {
      acc[r][c] = _mm512_setzero_ps();
      acc_min[r][c] = _mm256_setzero_ps();
    }
  }
  const __m512i zero = _mm512_setzero_si512();
#pragma GCC unroll 4
  for (int64_t b = 0; b < nb; ++b) {
    D dec[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) dec[r].Start(reinterpret_cast<const Block*>(rows.row[r])[b]);
    __m512i isum[R][C];
    __m256i mins[R][C];
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) {
      const __m256i bsums = Load256(act[c][b].bsums);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        isum[r][c] = _mm512_zextsi256_si512(dec[r].Correction(bsums));
        if constexpr (D::kMin) mins[r][c] = dec[r].Mins(bsums);
      }
    }
#pragma GCC unroll 2
    for (int p = 0; p < 2; ++p) {
      __m512i av0[C], av1[C];
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) {
        av0[c] = _mm512_loadu_si512(act[c][b].qs + 128 * p);
        av1[c] = _mm512_loadu_si512(act[c][b].qs + 128 * p + 64);
      }
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        __m512i q0, q1;
        dec[r].Pair(p, q0, q1);
        const __m512i scales = dec[r].PairScales(p);
#pragma GCC unroll 4
        for (int c = 0; c < C; ++c) {
          const __m512i d0 = _mm512_dpbusd_epi32(zero, q0, av0[c]);
          const __m512i d1 = _mm512_dpbusd_epi32(zero, q1, av1[c]);
          isum[r][c] = _mm512_dpwssd_epi32(isum[r][c], _mm512_packs_epi32(d0, d1), scales);
        }
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) {
        const float da = act[c][b].d;
        acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[r][c]), _mm512_set1_ps(dec[r].d * da), acc[r][c]);
        if constexpr (D::kMin) {
          acc_min[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mins[r][c]), _mm256_set1_ps(-dec[r].dmin * da),
                                          acc_min[r][c]);
        }
      }
    }
  }
  for (int r = 0; r < n_rows; ++r) {
    for (int c = 0; c < C; ++c) {
      const __m256 halves =
          _mm256_add_ps(_mm512_castps512_ps256(acc[r][c]),
                        _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc[r][c]), 1)));
      out[c * out_stride + r] = HorizontalSum(_mm256_add_ps(halves, acc_min[r][c]));
    }
  }
}

// A table entry (kernel_table_x86.h) that runs KQuantTileZ for the one-column (matrix-vector) tile and the
// 256-bit KQuantTile for the wider ones: there each (row, column) pair keeps its own accumulators, and the
// 4 × 2 Q6_K tile ran 5 % slower in 512 bits (register spills), the 2 × 4 one even.
template <typename DZ, typename D>
struct KQuantDecodeZ {
  template <int R, int C>
  static void Run(int64_t n, const void* w, size_t ws, int nr, const void* a, size_t as, float* o,
                  size_t os) {
    if constexpr (C == 1) {
      KQuantTileZ<DZ, R, C>(n, w, ws, nr, a, as, o, os);
    } else {
      KQuantTile<D, R, C>(n, w, ws, nr, a, as, o, os);
    }
  }
};

}  // namespace
}  // namespace corral::cpu::x86

#endif
