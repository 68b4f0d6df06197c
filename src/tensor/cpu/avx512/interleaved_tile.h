// Pieces shared by the interleaved K-quant kernels (q4k_interleaved.cpp, q6k_interleaved.cpp). Internal
// linkage, like x86_simd.h: included only by files built with the AVX-512 family's flags.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace corral::cpu::avx512 {
namespace {

// Four activation bytes in every int32 lane: one quad against the same quad of 16 weight rows.
inline __m512i BroadcastQuad(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// Bytes [16·lane, 16·lane + 16) of `v`: one byte per row of a group.
inline __m128i Lane(__m512i v, int lane) {
  switch (lane) {
    case 0:
      return _mm512_castsi512_si128(v);
    case 1:
      return _mm512_extracti32x4_epi32(v, 1);
    case 2:
      return _mm512_extracti32x4_epi32(v, 2);
    default:
      return _mm512_extracti32x4_epi32(v, 3);
  }
}

// A tile kernel Tile<C>(k, group, act, act_stride, y, y_stride) for C = 1..4 activation rows, by count.
template <template <int> class Kernel>
void RunTile(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, int cols, float* y,
             size_t y_stride) {
  switch (cols) {
    case 1:
      return Kernel<1>::Run(k, group, act, act_stride, y, y_stride);
    case 2:
      return Kernel<2>::Run(k, group, act, act_stride, y, y_stride);
    case 3:
      return Kernel<3>::Run(k, group, act, act_stride, y, y_stride);
    default:
      return Kernel<4>::Run(k, group, act, act_stride, y, y_stride);
  }
}

}  // namespace
}  // namespace corral::cpu::avx512
