// Tiles of the float formats: F32 with F32, F16 with F16, BF16 with BF16 activations. Products are summed
// in f32 lanes (several per pair, so the fused multiply-add latency is hidden), then horizontally. See
// x86_simd.h for why everything here has internal linkage.
#pragma once

#include "tensor/cpu/kernels.h"
#include "tensor/cpu/x86/x86_simd.h"

namespace corral::cpu::x86 {
namespace {

// Element loaders: 8 (ymm) or 16 (zmm) elements as f32.
struct F32Elems {
  using T = float;
  static __m256 Load8(const float* p) { return _mm256_loadu_ps(p); }
  static float One(const float* p) { return *p; }
#if defined(__AVX512F__)
  static __m512 Load16(const float* p) {
    return _mm512_loadu_ps(p);
  }
  static __m512 Load16Masked(const float* p, __mmask16 m) {
    return _mm512_maskz_loadu_ps(m, p);
  }
#endif
};

struct F16Elems {
  using T = uint16_t;
  static __m256 Load8(const uint16_t* p) { return _mm256_cvtph_ps(Load128(p)); }
  static float One(const uint16_t* p) { return F16(*p); }
#if defined(__AVX512F__)
  static __m512 Load16(const uint16_t* p) {
    return _mm512_cvtph_ps(Load256(p));
  }
  static __m512 Load16Masked(const uint16_t* p, __mmask16 m) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
  }
#endif
};

struct Bf16Elems {
  using T = uint16_t;
  static __m256 Load8(const uint16_t* p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(Load128(p)), 16));
  }
  static float One(const uint16_t* p) {
    const uint32_t bits = static_cast<uint32_t>(*p) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
#if defined(__AVX512F__)
  static __m512 Load16(const uint16_t* p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(Load256(p)), 16));
  }
  static __m512 Load16Masked(const uint16_t* p, __mmask16 m) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p)), 16));
  }
#endif
};

#if defined(__AVX512F__)
inline float HorizontalSum(__m512 v) {
  const __m256 s = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  return HorizontalSum(s);
}
#endif

template <typename E, int R, int C>
void FloatTile(int64_t n, const void* w, size_t w_stride, int n_rows, const void* a, size_t a_stride,
               float* out, size_t out_stride) {
  using T = typename E::T;
  const TileRows<R> rows(w, w_stride, n_rows);
  const T* wr[R];
  const T* ac[C];
  for (int r = 0; r < R; ++r) wr[r] = reinterpret_cast<const T*>(rows.row[r]);
  for (int c = 0; c < C; ++c) {
    ac[c] = reinterpret_cast<const T*>(static_cast<const uint8_t*>(a) + static_cast<size_t>(c) * a_stride);
  }
  float result[R][C];
#if defined(__AVX512F__)
  // Several accumulators per pair when the tile is small, so at least 4 FMA chains are in flight.
  constexpr int kSplit = R * C >= 4 ? 1 : (R * C >= 2 ? 2 : 4);
  __m512 acc[kSplit][R][C];
  for (int s = 0; s < kSplit; ++s) {
    for (int r = 0; r < R; ++r) {
      for (int c = 0; c < C; ++c) acc[s][r][c] = _mm512_setzero_ps();
    }
  }
  int64_t i = 0;
  for (; i + 16 * kSplit <= n; i += 16 * kSplit) {
#pragma GCC unroll 4
    for (int s = 0; s < kSplit; ++s) {
      __m512 av[C];
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) av[c] = E::Load16(ac[c] + i + 16 * s);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const __m512 wv = E::Load16(wr[r] + i + 16 * s);
#pragma GCC unroll 4
        for (int c = 0; c < C; ++c) acc[s][r][c] = _mm512_fmadd_ps(wv, av[c], acc[s][r][c]);
      }
    }
  }
  for (; i < n; i += 16) {
    const __mmask16 m =
        n - i >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (n - i)) - 1);
    __m512 av[C];
    for (int c = 0; c < C; ++c) av[c] = E::Load16Masked(ac[c] + i, m);
    for (int r = 0; r < R; ++r) {
      const __m512 wv = E::Load16Masked(wr[r] + i, m);
      for (int c = 0; c < C; ++c) acc[0][r][c] = _mm512_fmadd_ps(wv, av[c], acc[0][r][c]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) {
      __m512 sum = acc[0][r][c];
      for (int s = 1; s < kSplit; ++s) sum = _mm512_add_ps(sum, acc[s][r][c]);
      result[r][c] = HorizontalSum(sum);
    }
  }
#else
  constexpr int kSplit = R * C >= 4 ? 1 : (R * C >= 2 ? 2 : 4);
  __m256 acc[kSplit][R][C];
  for (int s = 0; s < kSplit; ++s) {
    for (int r = 0; r < R; ++r) {
      for (int c = 0; c < C; ++c) acc[s][r][c] = _mm256_setzero_ps();
    }
  }
  int64_t i = 0;
  for (; i + 8 * kSplit <= n; i += 8 * kSplit) {
#pragma GCC unroll 4
    for (int s = 0; s < kSplit; ++s) {
      __m256 av[C];
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) av[c] = E::Load8(ac[c] + i + 8 * s);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const __m256 wv = E::Load8(wr[r] + i + 8 * s);
#pragma GCC unroll 4
        for (int c = 0; c < C; ++c) acc[s][r][c] = _mm256_fmadd_ps(wv, av[c], acc[s][r][c]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) {
      __m256 sum = acc[0][r][c];
      for (int s = 1; s < kSplit; ++s) sum = _mm256_add_ps(sum, acc[s][r][c]);
      result[r][c] = HorizontalSum(sum);
    }
  }
  for (; i < n; ++i) {
    for (int r = 0; r < R; ++r) {
      for (int c = 0; c < C; ++c) result[r][c] += E::One(wr[r] + i) * E::One(ac[c] + i);
    }
  }
#endif
  for (int r = 0; r < n_rows; ++r) {
    for (int c = 0; c < C; ++c) out[c * out_stride + r] = result[r][c];
  }
}

#if defined(__AVX512BF16__)
// BF16 pairs multiplied and summed straight into f32 lanes by vdpbf16ps: 32 elements per instruction.
template <int R, int C>
void Bf16DotTile(int64_t n, const void* w, size_t w_stride, int n_rows, const void* a, size_t a_stride,
                 float* out, size_t out_stride) {
  const TileRows<R> rows(w, w_stride, n_rows);
  const uint16_t* wr[R];
  const uint16_t* ac[C];
  for (int r = 0; r < R; ++r) wr[r] = reinterpret_cast<const uint16_t*>(rows.row[r]);
  for (int c = 0; c < C; ++c) {
    ac[c] =
        reinterpret_cast<const uint16_t*>(static_cast<const uint8_t*>(a) + static_cast<size_t>(c) * a_stride);
  }
  __m512 acc[R][C];
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_ps();
  }
  for (int64_t i = 0; i < n; i += 32) {
    // The tail loads zeros past n (a zero bf16 adds nothing).
    const __mmask32 m = n - i >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((uint64_t{1} << (n - i)) - 1);
    __m512bh av[C];
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) av[c] = reinterpret_cast<__m512bh>(_mm512_maskz_loadu_epi16(m, ac[c] + i));
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512bh wv = reinterpret_cast<__m512bh>(_mm512_maskz_loadu_epi16(m, wr[r] + i));
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) acc[r][c] = _mm512_dpbf16_ps(acc[r][c], wv, av[c]);
    }
  }
  for (int r = 0; r < n_rows; ++r) {
    for (int c = 0; c < C; ++c) out[c * out_stride + r] = HorizontalSum(acc[r][c]);
  }
}
#endif

// Activation rows up to this size stay in L1 while weight rows stream past them.
inline constexpr size_t kL1ActivationBytes = 8 * 1024;

// The matrix-vector tile of R rows (float_table_x86.h: kFloatRows1) for long rows, row by row for short
// ones. Each weight row of a tile is its own memory stream, and on Zen 4 several streams per thread read
// DRAM slower than one (2 threads, 8192 × 2048 F16, median of 5: 34 GB/s one row at a time, 30 with 8
// rows, 25 with 2); with short rows the activation row stays in L1 and nothing is gained by sharing it.
// With long rows (a 1B model's ffn_down: 16 KiB of F16 activations) it falls out of L1 between rows, and
// 8 rows sharing it win (2048 × 8192: 27.6 against 20.8 GB/s).
template <typename E, int R>
void FloatRowsTile(int64_t n, const void* w, size_t ws, int nr, const void* a, size_t as, float* o,
                   size_t os) {
  if (static_cast<size_t>(n) * sizeof(typename E::T) <= kL1ActivationBytes) {
    for (int r = 0; r < nr; ++r)
      FloatTile<E, 1, 1>(n, static_cast<const uint8_t*>(w) + r * ws, ws, 1, a, as, o + r, os);
    return;
  }
  FloatTile<E, R, 1>(n, w, ws, nr, a, as, o, os);
}

// The tiles as table entries (kernel_table_x86.h).
template <typename E>
struct Float {
  template <int R, int C>
  static void Run(int64_t n, const void* w, size_t ws, int nr, const void* a, size_t as, float* o,
                  size_t os) {
    if constexpr (C == 1 && R > 1) {
      FloatRowsTile<E, R>(n, w, ws, nr, a, as, o, os);
    } else {
      FloatTile<E, R, C>(n, w, ws, nr, a, as, o, os);
    }
  }
};

#if defined(__AVX512BF16__)
struct Bf16Dot {
  template <int R, int C>
  static void Run(int64_t n, const void* w, size_t ws, int nr, const void* a, size_t as, float* o,
                  size_t os) {
    Bf16DotTile<R, C>(n, w, ws, nr, a, as, o, os);
  }
};
#endif

}  // namespace
}  // namespace corral::cpu::x86
