// Tiles of the 32-element formats (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL) against Q8_0 / Q8_1 activations.
// See x86_simd.h for why everything here has internal linkage.
//
// Per block, each weight row is decoded once into 32 bytes and each activation block loaded once; every
// (row, column) pair then costs one integer dot (vpdpbusd, or maddubs + madd on AVX2) and one fused
// multiply-add of the block's int32 lanes by d_w·d_a into float lanes, summed horizontally at the end.
//
// Signed quants meet the unsigned×signed instructions in one of two ways. Offset formats store q + k
// (Q4_0: k = 8, Q5_0: 16) and the kernel subtracts k·Σa per block (one dot of k with the activations per
// column, shared by all rows). Q8_0 and IQ4_NL are signed outright: with VNNI they get k = 128 too (w ^ 0x80;
// vpdpbusd sums four products into int32, so 255·127 cannot overflow), while AVX2's maddubs adds product
// pairs in int16 and would saturate, so there they use |w| · (a with w's sign).
#pragma once

#include "tensor/cpu/kernels.h"
#include "tensor/cpu/x86/x86_simd.h"
#include "tensor/quant/blocks.h"

namespace corral::cpu::x86 {
namespace {

// kOffset: weights decode to q + kOffset ≥ 0 (0: already unsigned). kSigned: decoded bytes are signed and
// need the |w|·sign(a) form. kMin: the format adds m·(d_a·Σa) per block (Q8_1's s).
struct Q4_0Format {
  using Block = quant::BlockQ4_0;
  using Act = quant::BlockQ8_0;
  static constexpr int kOffset = 8;
  static constexpr bool kSigned = false;
  static constexpr bool kMin = false;
  static __m256i Quants(const Block& b) { return Nibbles32(b.qs); }
};

struct Q5_0Format {
  using Block = quant::BlockQ5_0;
  using Act = quant::BlockQ8_0;
  static constexpr int kOffset = 16;
  static constexpr bool kSigned = false;
  static constexpr bool kMin = false;
  static __m256i Quants(const Block& b) {
    uint32_t qh;
    std::memcpy(&qh, b.qh, sizeof(qh));
    return _mm256_or_si256(Nibbles32(b.qs), BitsToBytes(qh, 0x10));
  }
};

struct Q4_1Format {
  using Block = quant::BlockQ4_1;
  using Act = quant::BlockQ8_1;
  static constexpr int kOffset = 0;
  static constexpr bool kSigned = false;
  static constexpr bool kMin = true;
  static __m256i Quants(const Block& b) { return Nibbles32(b.qs); }
};

struct Q5_1Format {
  using Block = quant::BlockQ5_1;
  using Act = quant::BlockQ8_1;
  static constexpr int kOffset = 0;
  static constexpr bool kSigned = false;
  static constexpr bool kMin = true;
  static __m256i Quants(const Block& b) {
    uint32_t qh;
    std::memcpy(&qh, b.qh, sizeof(qh));
    return _mm256_or_si256(Nibbles32(b.qs), BitsToBytes(qh, 0x10));
  }
};

struct Q8_0Format {
  using Block = quant::BlockQ8_0;
  using Act = quant::BlockQ8_0;
  static constexpr int kOffset = kAvx512 ? 128 : 0;
  static constexpr bool kSigned = !kAvx512;
  static constexpr bool kMin = false;
  static __m256i Quants(const Block& b) {
    const __m256i q = Load256(b.qs);
    return kAvx512 ? _mm256_xor_si256(q, _mm256_set1_epi8(static_cast<char>(0x80))) : q;
  }
};

// The 16-entry IQ4_NL grid as a byte shuffle table in both 128-bit lanes, plus `offset` (mod 256).
inline __m256i IQ4Table(int offset) {
  const int8_t* v = quant::kIQ4NLValues;
  auto e = [&](int i) { return static_cast<char>(v[i] + offset); };
  return _mm256_setr_epi8(e(0), e(1), e(2), e(3), e(4), e(5), e(6), e(7), e(8), e(9), e(10), e(11), e(12),
                          e(13), e(14), e(15), e(0), e(1), e(2), e(3), e(4), e(5), e(6), e(7), e(8), e(9),
                          e(10), e(11), e(12), e(13), e(14), e(15));
}

struct IQ4_NLFormat {
  using Block = quant::BlockIQ4_NL;
  using Act = quant::BlockQ8_0;
  static constexpr int kOffset = kAvx512 ? 128 : 0;
  static constexpr bool kSigned = !kAvx512;
  static constexpr bool kMin = false;
  static __m256i Quants(const Block& b) {
    return _mm256_shuffle_epi8(IQ4Table(kAvx512 ? 128 : 0), Nibbles32(b.qs));
  }
};

template <typename F, int R, int C>
void LegacyTile(int64_t n, const void* w, size_t w_stride, int n_rows, const void* a, size_t a_stride,
                float* out, size_t out_stride) {
  using Block = typename F::Block;
  using Act = typename F::Act;
  const int64_t nb = n / quant::kQK;
  const TileRows<R> rows(w, w_stride, n_rows);
  const Act* act[C];
  for (int c = 0; c < C; ++c) {
    act[c] = reinterpret_cast<const Act*>(static_cast<const uint8_t*>(a) + static_cast<size_t>(c) * a_stride);
  }
  __m256 acc[R][C];
  float min_acc[R][C];
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) {
      acc[r][c] = _mm256_setzero_ps();
      min_acc[r][c] = 0.0f;
    }
  }
  const __m256i zero = _mm256_setzero_si256();
  for (int64_t b = 0; b < nb; ++b) {
    __m256i av[C], base[C];
    float da[C], sa[C];
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) {
      av[c] = Load256(act[c][b].qs);
      da[c] = F16(act[c][b].d);
      if constexpr (F::kMin) sa[c] = F16(act[c][b].s);
      // -offset·Σa spread over the lanes, the starting value of every row's integer dot.
      base[c] =
          F::kOffset != 0
              ? _mm256_sub_epi32(zero, DotU8S8(zero, _mm256_set1_epi8(static_cast<char>(F::kOffset)), av[c]))
              : zero;
    }
    __m256i wq[R];
    float dw[R], mw[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const Block& blk = reinterpret_cast<const Block*>(rows.row[r])[b];
      wq[r] = F::Quants(blk);
      dw[r] = F16(blk.d);
      if constexpr (F::kMin) mw[r] = F16(blk.m);
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) {
        const __m256i isum = F::kSigned ? DotS8S8(zero, wq[r], av[c]) : DotU8S8(base[c], wq[r], av[c]);
        acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(dw[r] * da[c]), acc[r][c]);
        if constexpr (F::kMin) min_acc[r][c] += mw[r] * sa[c];
      }
    }
  }
  for (int r = 0; r < n_rows; ++r) {
    for (int c = 0; c < C; ++c) out[c * out_stride + r] = HorizontalSum(acc[r][c]) + min_acc[r][c];
  }
}

// LegacyTile as a table entry (kernel_table_x86.h).
template <typename F>
struct Legacy {
  template <int R, int C>
  static void Run(int64_t n, const void* w, size_t ws, int nr, const void* a, size_t as, float* o,
                  size_t os) {
    LegacyTile<F, R, C>(n, w, ws, nr, a, as, o, os);
  }
};

}  // namespace
}  // namespace corral::cpu::x86
