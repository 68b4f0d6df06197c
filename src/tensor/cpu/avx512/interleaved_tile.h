// Pieces shared by the interleaved K-quant kernels (q4k_interleaved.cpp, q6k_interleaved.cpp). Internal
// linkage, like x86_simd.h: included only by files built with the AVX-512 family's flags.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "tensor/quant/blocks.h"

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

// The C activation rows (Q8_K) of a tile and their float accumulators, one per row of the group in each
// lane.
template <int C>
struct Columns {
  const quant::BlockQ8_K* a[C];
  __m512 acc[C];

  Columns(const uint8_t* act, size_t act_stride) {
    for (int c = 0; c < C; ++c) {
      a[c] = reinterpret_cast<const quant::BlockQ8_K*>(act + c * act_stride);
      acc[c] = _mm512_setzero_ps();
    }
  }
  void Store(float* y, size_t y_stride) const {
    for (int c = 0; c < C; ++c) _mm512_storeu_ps(y + c * y_stride, acc[c]);
  }
};

// Kernel::Run<C>(k, group, act, act_stride, y, y_stride) for C = 1..4 activation rows, by count.
template <typename Kernel>
void RunTile(int64_t k, const uint8_t* group, const uint8_t* act, size_t act_stride, int cols, float* y,
             size_t y_stride) {
  switch (cols) {
    case 1:
      return Kernel::template Run<1>(k, group, act, act_stride, y, y_stride);
    case 2:
      return Kernel::template Run<2>(k, group, act, act_stride, y, y_stride);
    case 3:
      return Kernel::template Run<3>(k, group, act, act_stride, y, y_stride);
    default:
      return Kernel::template Run<4>(k, group, act, act_stride, y, y_stride);
  }
}

}  // namespace
}  // namespace corral::cpu::avx512
