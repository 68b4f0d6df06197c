#include "tensor/cpu/avx512/q6k_interleaved.h"

#include "tensor/cpu/avx512/interleaved_tile.h"
#include "tensor/quant/blocks.h"
#include "tensor/quant/interleave_formats.h"

namespace corral::cpu::avx512 {
namespace {

struct Q6K {
  template <int C>
  static void Run(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, float* y,
                  size_t y_stride);
};

template <int C>
void Q6K::Run(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, float* y,
              size_t y_stride) {
  const int64_t blocks = k / quant::kQK_K;
  Columns<C> cols(act, act_stride);
  const quant::BlockQ8_K* const* a = cols.a;
  __m512* acc = cols.acc;
  const __m512i low_nibbles = _mm512_set1_epi8(0x0F);
  const __m512i bits_45 = _mm512_set1_epi8(0x30);
  const __m512i zero = _mm512_setzero_si512();

  for (int64_t b = 0; b < blocks; ++b) {
    const quant::Q6KParts parts = quant::Q6KInterleavedParts(b, blocks);
    // The block front to back: d first (its line would otherwise be read after the quants).
    const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(group + parts.d)));
    __m512i isum[C];
    for (int c = 0; c < C; ++c) isum[c] = _mm512_setzero_si512();
    // All 16 sub-blocks' scales up front, so the block is read front to back: a load per sub-block from
    // the scales part while the chunks stream past it would be a second memory stream.
    __m512i scales[4];
    for (int i = 0; i < 4; ++i) scales[i] = _mm512_loadu_si512(group + parts.scales + 64 * i);
#pragma GCC unroll 4
    for (int p = 0; p < 16; ++p) {
      // 16 chunks of 192 bytes: two octets, then their high bits.
      const uint8_t* chunk = group + parts.chunks + 192 * p;
      const __m512i x0 = _mm512_loadu_si512(chunk);
      const __m512i x1 = _mm512_loadu_si512(chunk + 64);
      const __m512i h = _mm512_loadu_si512(chunk + 128);
      // Quad j's two high bits sit at bits 2j..2j+1 of h; moved to 4-5 and merged under the low four bits
      // ((a & c) | b: 0xEC). The 16-bit shifts carry a neighbouring byte's bits in; the masks drop them.
      const __m512i q0 = _mm512_ternarylogic_epi32(x0, _mm512_and_si512(_mm512_slli_epi16(h, 4), bits_45),
                                                   low_nibbles, 0xEC);
      const __m512i q1 = _mm512_ternarylogic_epi32(
          _mm512_srli_epi16(x0, 4), _mm512_and_si512(_mm512_slli_epi16(h, 2), bits_45), low_nibbles, 0xEC);
      const __m512i q2 = _mm512_ternarylogic_epi32(x1, _mm512_and_si512(h, bits_45), low_nibbles, 0xEC);
      const __m512i q3 = _mm512_ternarylogic_epi32(
          _mm512_srli_epi16(x1, 4), _mm512_and_si512(_mm512_srli_epi16(h, 2), bits_45), low_nibbles, 0xEC);
      const __m512i scale = _mm512_cvtepi8_epi32(Lane(scales[p / 4], p % 4));
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) {
        const int8_t* aq = a[c][b].qs + 16 * p;
        const __m512i s0 =
            _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, q0, BroadcastQuad(aq)), q2, BroadcastQuad(aq + 8));
        const __m512i s1 = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, q1, BroadcastQuad(aq + 4)), q3,
                                               BroadcastQuad(aq + 12));
        // Σ (q − 32)·a = Σ q·a − 32·Σa.
        const __m512i dot =
            _mm512_sub_epi32(_mm512_add_epi32(s0, s1), _mm512_set1_epi32(32 * a[c][b].bsums[p]));
        isum[c] = _mm512_add_epi32(isum[c], _mm512_mullo_epi32(dot, scale));
      }
    }
    for (int c = 0; c < C; ++c) {
      acc[c] =
          _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[c]), _mm512_mul_ps(d, _mm512_set1_ps(a[c][b].d)), acc[c]);
    }
  }
  cols.Store(y, y_stride);
}

}  // namespace

void Q6KInterleavedTile(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, int cols,
                        float* y, size_t y_stride) {
  RunTile<Q6K>(k, group, act, act_stride, cols, y, y_stride);
}

}  // namespace corral::cpu::avx512
