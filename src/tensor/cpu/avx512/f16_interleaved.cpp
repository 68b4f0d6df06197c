#include "tensor/cpu/avx512/f16_interleaved.h"

#include "tensor/cpu/avx512/interleaved_tile.h"

namespace corral::cpu::avx512 {
namespace {

// Activation elements converted to f32 per pass, on the stack (4 rows: 4 KiB).
constexpr int64_t kChunk = 256;

struct F16 {
  template <int C>
  static void Run(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, float* y,
                  size_t y_stride);
};

template <int C>
void F16::Run(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, float* y,
              size_t y_stride) {
  // Four partial sums per activation row, over elements e ≡ 0..3 (mod 4): four independent FMA chains.
  __m512 acc[C][4];
  for (int c = 0; c < C; ++c) {
    for (int j = 0; j < 4; ++j) acc[c][j] = _mm512_setzero_ps();
  }
  alignas(64) float a[C][kChunk];
  for (int64_t e0 = 0; e0 < k; e0 += kChunk) {
    const int64_t n = k - e0 < kChunk ? k - e0 : kChunk;
    for (int c = 0; c < C; ++c) {
      const uint16_t* src = reinterpret_cast<const uint16_t*>(act + c * act_stride) + e0;
      for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 m =
            n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n - i)) - 1);
        _mm512_store_ps(a[c] + i, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, src + i)));
      }
    }
    const uint8_t* w = group + 32 * e0;
    int64_t e = 0;
    for (; e + 4 <= n; e += 4) {
#pragma GCC unroll 4
      for (int j = 0; j < 4; ++j) {
        const __m512 wv =
            _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32 * (e + j))));
#pragma GCC unroll 4
        for (int c = 0; c < C; ++c) acc[c][j] = _mm512_fmadd_ps(wv, _mm512_set1_ps(a[c][e + j]), acc[c][j]);
      }
    }
    for (; e < n; ++e) {
      const __m512 wv = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32 * e)));
      for (int c = 0; c < C; ++c) acc[c][0] = _mm512_fmadd_ps(wv, _mm512_set1_ps(a[c][e]), acc[c][0]);
    }
  }
  for (int c = 0; c < C; ++c) {
    const __m512 sum =
        _mm512_add_ps(_mm512_add_ps(acc[c][0], acc[c][1]), _mm512_add_ps(acc[c][2], acc[c][3]));
    _mm512_storeu_ps(y + c * y_stride, sum);
  }
}

}  // namespace

void F16InterleavedTile(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, int cols,
                        float* y, size_t y_stride) {
  RunTile<F16>(k, group, act, act_stride, cols, y, y_stride);
}

}  // namespace corral::cpu::avx512
