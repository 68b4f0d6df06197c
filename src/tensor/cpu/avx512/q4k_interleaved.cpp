#include "tensor/cpu/avx512/q4k_interleaved.h"

#include "tensor/cpu/avx512/interleaved_tile.h"
#include "tensor/quant/blocks.h"

namespace corral::cpu::avx512 {
namespace {

constexpr size_t kGroupBlockBytes = 16 * sizeof(quant::BlockQ4_K);

struct Q4K {
  template <int C>
  static void Run(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, float* y,
                  size_t y_stride);
};

template <int C>
void Q4K::Run(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, float* y,
              size_t y_stride) {
  const int64_t blocks = k / quant::kQK_K;
  Columns<C> cols(act, act_stride);
  const quant::BlockQ8_K* const* a = cols.a;
  __m512* acc = cols.acc;
  const __m512i low_nibbles = _mm512_set1_epi8(0x0F);
  const __m512i high_nibbles = _mm512_set1_epi8(static_cast<char>(0xF0));
  const __m512i six_bits = _mm512_set1_epi8(0x3F);
  const __m512i bits_45 = _mm512_set1_epi8(0x30);
  const __m256i ones16 = _mm256_set1_epi16(1);

  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* g = group + static_cast<size_t>(b) * kGroupBlockBytes;
    // The packed scale bytes j = 0..3, 4..7, 8..11, each 16 rows wide, unpacked as get_scale_min_k4 does:
    // scales and minimums 0-3 are the low six bits of bytes 0-3 and 4-7; 4-7 take their low four bits from
    // bytes 8-11 (low / high nibble) and their top two from the top of bytes 0-3 / 4-7. (x >> 2) & 0x30
    // puts a byte's top two bits at 4-5; the 16-bit shifts carry the neighbouring byte's bits in above and
    // below, and the masks drop them.
    // The block front to back: d and dmin first (their line would otherwise be read after the quants).
    const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(g)));
    const __m512 dmin = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(g + 32)));
    const __m512i z0 = _mm512_loadu_si512(g + 64);
    const __m512i z1 = _mm512_loadu_si512(g + 128);
    const __m512i z2 = _mm512_loadu_si512(g + 192);
    const __m512i scales_lo = _mm512_and_si512(z0, six_bits);
    const __m512i mins_lo = _mm512_and_si512(z1, six_bits);
    // (a & c) | b: 0xEC.
    const __m512i scales_hi =
        _mm512_ternarylogic_epi32(z2, _mm512_and_si512(_mm512_srli_epi16(z0, 2), bits_45), low_nibbles, 0xEC);
    const __m512i mins_hi = _mm512_ternarylogic_epi32(
        _mm512_srli_epi16(z2, 4), _mm512_and_si512(_mm512_srli_epi16(z1, 2), bits_45), low_nibbles, 0xEC);

    // Minimum term: Σ_j min_j · (Σ of activation elements 32j..32j+31), as four vpdpwssd over the pairs
    // (min_2i, min_2i+1) of each row.
    __m512i min_pairs[4];
    for (int i = 0; i < 4; ++i) {
      const __m512i src = i < 2 ? mins_lo : mins_hi;
      min_pairs[i] = _mm512_or_si512(_mm512_cvtepu8_epi32(Lane(src, (2 * i) % 4)),
                                     _mm512_slli_epi32(_mm512_cvtepu8_epi32(Lane(src, (2 * i + 1) % 4)), 16));
    }
    __m512i isum[C], msum[C];
    for (int c = 0; c < C; ++c) {
      // Sums per 32 as int16 pairs: dword i of [s0 s1 s2 s3 s0 s1 s2 s3 | s4 ... s7 s4 ... s7] words.
      const __m256i per32 =
          _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[c][b].bsums)), ones16);
      const __m512i pairs = _mm512_castsi256_si512(_mm256_packs_epi32(per32, per32));
      __m512i m = _mm512_setzero_si512();
      m = _mm512_dpwssd_epi32(m, min_pairs[0], _mm512_permutexvar_epi32(_mm512_set1_epi32(0), pairs));
      m = _mm512_dpwssd_epi32(m, min_pairs[1], _mm512_permutexvar_epi32(_mm512_set1_epi32(1), pairs));
      m = _mm512_dpwssd_epi32(m, min_pairs[2], _mm512_permutexvar_epi32(_mm512_set1_epi32(4), pairs));
      m = _mm512_dpwssd_epi32(m, min_pairs[3], _mm512_permutexvar_epi32(_mm512_set1_epi32(5), pairs));
      msum[c] = m;
      isum[c] = _mm512_setzero_si512();
    }

    const uint8_t* octets = g + 256;
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      __m512i sum_lo[C], sum_hi[C];
      for (int c = 0; c < C; ++c) sum_lo[c] = sum_hi[c] = _mm512_setzero_si512();
#pragma GCC unroll 4
      for (int t = 4 * j; t < 4 * j + 4; ++t) {
        const __m512i x = _mm512_loadu_si512(octets + 64 * t);
        const __m512i lo = _mm512_and_si512(x, low_nibbles);
        const __m512i hi = _mm512_and_si512(x, high_nibbles);
#pragma GCC unroll 4
        for (int c = 0; c < C; ++c) {
          sum_lo[c] = _mm512_dpbusd_epi32(sum_lo[c], lo, BroadcastQuad(a[c][b].qs + 8 * t));
          sum_hi[c] = _mm512_dpbusd_epi32(sum_hi[c], hi, BroadcastQuad(a[c][b].qs + 8 * t + 4));
        }
      }
      const __m512i scale = _mm512_cvtepu8_epi32(Lane(j < 4 ? scales_lo : scales_hi, j % 4));
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) {
        const __m512i sum = _mm512_add_epi32(sum_lo[c], _mm512_srai_epi32(sum_hi[c], 4));
        isum[c] = _mm512_add_epi32(isum[c], _mm512_mullo_epi32(sum, scale));
      }
    }

    for (int c = 0; c < C; ++c) {
      const __m512 da = _mm512_set1_ps(a[c][b].d);
      acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[c]), _mm512_mul_ps(d, da), acc[c]);
      acc[c] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(msum[c]), _mm512_mul_ps(dmin, da), acc[c]);
    }
  }
  cols.Store(y, y_stride);
}

}  // namespace

void Q4KInterleavedTile(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, int cols,
                        float* y, size_t y_stride) {
  RunTile<Q4K>(k, group, act, act_stride, cols, y, y_stride);
}

}  // namespace corral::cpu::avx512
