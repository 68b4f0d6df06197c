// 512-bit tiles of the most used K-quants (Q4_K, Q5_K, Q6_K) for the AVX-512 family. Same arithmetic as
// kquant_tiles_x86.h (unsigned quants, int16 pair products scaled per sub-block by vpdpwssd, the offset or
// minimum folded in through Q8_K's 16-element sums), on 64 elements per instruction: half the instructions
// per byte of the 256-bit version, which decides the speed of a decode step once the kernel is no longer
// waiting for memory. See x86_simd.h for why everything here has internal linkage.
//
// Register layout. A 64-byte load of Q4_K/Q5_K quants holds two 32-byte chunks; its low nibbles are
// elements [0..31 | 64..95] and its high nibbles [32..63 | 96..127] (peers.md §2.4). Rather than reorder the
// weights (per row), the kernel reorders the activations (per column, shared by the tile's rows) to match:
// vshufi64x2 of two 64-byte activation loads. Q6_K needs no reordering: the low nibbles of ql[0..63] are
// elements 0..63 and the high nibbles 64..127.
#pragma once

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)

#include "tensor/cpu/x86/kquant_tiles_x86.h"
#include "tensor/cpu/x86/x86_simd.h"
#include "tensor/quant/blocks.h"

namespace corral::cpu::x86 {
namespace {

inline __m512i Load512(const void* p) {
  return _mm512_loadu_si512(p);
}

inline float HorizontalSum512(__m512 v) {
  return HorizontalSum(_mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)));
}

// Activations of piece j (64 elements) in the order a decoder's quants come in.
struct NaturalOrder {
  static __m512i Piece(const int8_t* qs, int j) { return Load512(qs + 64 * j); }
};

// Q4_K order: piece 2i takes elements [128i .. +31 | 128i + 64 .. +95], piece 2i+1 the other two quarters.
struct NibbleOrder {
  static __m512i Piece(const int8_t* qs, int j) {
    const __m512i first = Load512(qs + 128 * (j / 2)), second = Load512(qs + 128 * (j / 2) + 64);
    return j % 2 == 0 ? _mm512_shuffle_i64x2(first, second, _MM_SHUFFLE(1, 0, 1, 0))
                      : _mm512_shuffle_i64x2(first, second, _MM_SHUFFLE(3, 2, 3, 2));
  }
};

// int16 lanes 0-15 and 16-31 of a piece scaled by sub-block scales s0 and s1: picked by vpshufb from the 8
// int16 scales repeated in every 128-bit lane.
inline __m512i HalfScales(__m512i scales8, int s0, int s1) {
  const char a = static_cast<char>(2 * s0), b = static_cast<char>(2 * s1);
  const __m512i pick =
      _mm512_set_epi8(b + 1, b, b + 1, b, b + 1, b, b + 1, b, b + 1, b, b + 1, b, b + 1, b, b + 1, b, b + 1,
                      b, b + 1, b, b + 1, b, b + 1, b, b + 1, b, b + 1, b, b + 1, b, b + 1, b, a + 1, a,
                      a + 1, a, a + 1, a, a + 1, a, a + 1, a, a + 1, a, a + 1, a, a + 1, a, a + 1, a, a + 1,
                      a, a + 1, a, a + 1, a, a + 1, a, a + 1, a, a + 1, a, a + 1, a);
  return _mm512_shuffle_epi8(scales8, pick);
}

struct Q4KDecoderZ {
  using Block = quant::BlockQ4_K;
  using ActOrder = NibbleOrder;
  static constexpr bool kMin = true;
  const uint8_t* qs;
  float d, dmin;
  __m512i scales8;  // the 8 scales as int16, in every 128-bit lane
  __m256i min16;    // the 8 mins as int16, each twice (matching bsums per 16)

  void StartScales(const uint8_t* packed, const void* dd_ptr) {
    const __m128 dd = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(LoadU32(dd_ptr))));  // d, dmin
    d = _mm_cvtss_f32(dd);
    dmin = _mm_cvtss_f32(_mm_movehdup_ps(dd));
    const __m128i sm = UnpackQ4KScalesMins(packed);
    scales8 = _mm512_broadcast_i32x4(_mm_cvtepu8_epi16(sm));
    min16 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(sm, sm));
  }
  void Start(const Block& blk) {
    qs = blk.qs;
    StartScales(blk.scales, &blk.d);
  }
  __m256i Correction(__m256i) const { return _mm256_setzero_si256(); }
  __m256i Mins(__m256i bsums) const { return _mm256_madd_epi16(min16, bsums); }
  // Piece j: the low (even j) or high (odd j) nibbles of qs[64·(j/2) ..], sub-blocks (4·(j/2) + j%2, +2).
  void Piece(int j, __m512i& q, __m512i& scale) const {
    const __m512i bytes = Load512(qs + 64 * (j / 2));
    q = _mm512_and_si512(j % 2 == 0 ? bytes : _mm512_srli_epi16(bytes, 4), _mm512_set1_epi8(0x0F));
    const int s = 4 * (j / 2) + j % 2;
    scale = HalfScales(scales8, s, s + 2);
  }
};

struct Q5KDecoderZ : Q4KDecoderZ {
  using Block = quant::BlockQ5_K;
  __m512i qh2;  // qh in both 256-bit halves
  void Start(const Block& blk) {
    qs = blk.qs;
    StartScales(blk.scales, &blk.d);
    qh2 = _mm512_broadcast_i64x4(Load256(blk.qh));
  }
  // Fifth bit of element 32k + l is bit k of qh[l]; piece j covers k = s and s + 2 in its two halves.
  void Piece(int j, __m512i& q, __m512i& scale) const {
    Q4KDecoderZ::Piece(j, q, scale);
    const int k = 4 * (j / 2) + j % 2;
    const __m512i bits = _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(1 << k)),
                                            _mm256_set1_epi8(static_cast<char>(1 << (k + 2))), 1);
    q = _mm512_mask_add_epi8(q, _mm512_test_epi8_mask(qh2, bits), q, _mm512_set1_epi8(16));
  }
};

struct Q6KDecoderZ {
  using Block = quant::BlockQ6_K;
  using ActOrder = NaturalOrder;
  static constexpr bool kMin = false;
  const uint8_t* ql;
  __m512i qh;
  float d, dmin = 0;
  __m256i scale16;   // the 16 int8 scales as int16
  __m512i scales16;  // the same in both 256-bit halves, for vpermw

  void Start(const Block& blk) {
    ql = blk.ql;
    qh = Load512(blk.qh);
    d = F16(blk.d);
    scale16 = _mm256_cvtepi8_epi16(Load128(blk.scales));
    scales16 = _mm512_broadcast_i64x4(scale16);
  }
  __m256i Correction(__m256i bsums) const {
    return _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(_mm256_madd_epi16(scale16, bsums), 5));
  }
  __m256i Mins(__m256i) const { return _mm256_setzero_si256(); }
  // Piece j = 2h + t covers elements 128h + 64t .. +63: low nibbles (t = 0) or high nibbles (t = 1) of
  // ql[64h ..], i.e. k = 2t and 2t + 1 in its two 256-bit halves; bits 2k..2k+1 of qh[32h + l] on top.
  void Piece(int j, __m512i& q, __m512i& scale) const {
    const int h = j / 2, t = j % 2;
    const __m512i low_bytes = Load512(ql + 64 * h);
    const __m512i low = t == 0 ? low_bytes : _mm512_srli_epi16(low_bytes, 4);
    // qh[32h .. 32h + 31] in both halves; the first half needs bits 2k → 4 for k = 2t, the second for 2t + 1.
    const __m512i high_bytes =
        _mm512_shuffle_i64x2(qh, qh, h == 0 ? _MM_SHUFFLE(1, 0, 1, 0) : _MM_SHUFFLE(3, 2, 3, 2));
    const int k0 = 2 * t, k1 = 2 * t + 1;
    auto shifted = [&](int k) {
      // bits 2k..2k+1 to 4..5: a left shift of 4 - 2k (k ≤ 2) or a right shift of 2k - 4.
      return k <= 2 ? _mm512_slli_epi16(high_bytes, 4 - 2 * k) : _mm512_srli_epi16(high_bytes, 2 * k - 4);
    };
    const __m512i high =
        _mm512_mask_blend_epi64(0xF0, shifted(k0), shifted(k1));  // first half from k0, second from k1
    q = _mm512_ternarylogic_epi32(_mm512_and_si512(high, _mm512_set1_epi8(0x30)), low, _mm512_set1_epi8(0x0F),
                                  0xF8);  // A | (B & C)
    // int16 lanes of 16 elements each: sub-blocks 4j .. 4j+3, one per 128-bit lane.
    const __m512i idx = _mm512_set_epi16(4 * j + 3, 4 * j + 3, 4 * j + 3, 4 * j + 3, 4 * j + 3, 4 * j + 3,
                                         4 * j + 3, 4 * j + 3, 4 * j + 2, 4 * j + 2, 4 * j + 2, 4 * j + 2,
                                         4 * j + 2, 4 * j + 2, 4 * j + 2, 4 * j + 2, 4 * j + 1, 4 * j + 1,
                                         4 * j + 1, 4 * j + 1, 4 * j + 1, 4 * j + 1, 4 * j + 1, 4 * j + 1,
                                         4 * j, 4 * j, 4 * j, 4 * j, 4 * j, 4 * j, 4 * j, 4 * j);
    scale = _mm512_permutexvar_epi16(idx, scales16);
  }
};

template <typename D, int R, int C>
void KQuantTileZ(int64_t n, const void* w, size_t w_stride, int n_rows, const void* a, size_t a_stride,
                 float* out, size_t out_stride) {
  using Block = typename D::Block;
  using Order = typename D::ActOrder;
  const int64_t nb = n / kQK_K;
  const TileRows<R> rows(w, w_stride, n_rows);
  const BlockQ8_K* act[C];
  for (int c = 0; c < C; ++c) {
    act[c] = reinterpret_cast<const BlockQ8_K*>(static_cast<const uint8_t*>(a) +
                                                static_cast<size_t>(c) * a_stride);
  }
  __m512 acc[R][C];
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < nb; ++b) {
    D dec[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) dec[r].Start(reinterpret_cast<const Block*>(rows.row[r])[b]);
    __m512i isum[R][C];
    __m256i mins[R][C];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) {
        const __m256i bsums = Load256(act[c][b].bsums);
        isum[r][c] = _mm512_zextsi256_si512(dec[r].Correction(bsums));
        if constexpr (D::kMin) mins[r][c] = dec[r].Mins(bsums);
      }
    }
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      __m512i av[C];
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) av[c] = Order::Piece(act[c][b].qs, j);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        __m512i q, scale;
        dec[r].Piece(j, q, scale);
#pragma GCC unroll 4
        for (int c = 0; c < C; ++c) {
          isum[r][c] = _mm512_dpwssd_epi32(isum[r][c], _mm512_maddubs_epi16(q, av[c]), scale);
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
          const __m512 m = _mm512_zextps256_ps512(_mm256_cvtepi32_ps(mins[r][c]));
          acc[r][c] = _mm512_fmadd_ps(m, _mm512_set1_ps(-dec[r].dmin * da), acc[r][c]);
        }
      }
    }
  }
  for (int r = 0; r < n_rows; ++r) {
    for (int c = 0; c < C; ++c) out[c * out_stride + r] = HorizontalSum512(acc[r][c]);
  }
}

// KQuantTileZ as a table entry (kernel_table_x86.h).
template <typename D>
struct KQuantZ {
  template <int R, int C>
  static void Run(int64_t n, const void* w, size_t ws, int nr, const void* a, size_t as, float* o,
                  size_t os) {
    KQuantTileZ<D, R, C>(n, w, ws, nr, a, as, o, os);
  }
};

}  // namespace
}  // namespace corral::cpu::x86

#endif  // AVX-512 F/BW/VNNI
