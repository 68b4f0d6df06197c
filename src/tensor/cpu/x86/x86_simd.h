// Building blocks of the x86 kernels, compiled once per instruction-set family: this header (and the other
// x86/*.h) is included only by the translation units in cpu/avx2/ and cpu/avx512/, each built with its own
// -m flags, and adapts to them (__AVX512VNNI__ and friends).
//
// Everything here lives in an anonymous namespace on purpose. An inline function or template with external
// linkage compiled in two translation units with different -m flags is still one function to the linker,
// which keeps either copy: the AVX-512 build of a helper could end up called on an AVX2-only CPU. Internal
// linkage gives each family its own copy. For the same reason these files use no std:: templates and no
// inline functions from other corral headers (block structs and constants only).
#pragma once

// GCC 12 reports its own AVX-512 intrinsics (built on _mm512_undefined_*) as (maybe-)uninitialized once
// inlined; the warning points into these headers, so silence it for them only.
#pragma GCC diagnostic push
#if !defined(__clang__)  // clang has no -Wmaybe-uninitialized and would reject the pragma under -Werror
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace corral::cpu::x86 {
namespace {

#if defined(__AVX512VNNI__) && defined(__AVX512VL__) && defined(__AVX512BW__)
// VNNI sums four u8·s8 products straight into int32 lanes (vpdpbusd), and int16 pairs times int16 scales
// (vpdpwssd), one instruction each where AVX2 needs maddubs + madd + add.
constexpr bool kAvx512 = true;
#else
constexpr bool kAvx512 = false;
#endif

inline __m256i Load256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}
inline __m128i Load128(const void* p) {
  return _mm_loadu_si128(static_cast<const __m128i*>(p));
}

inline uint16_t LoadU16(const void* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline uint32_t LoadU32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline float F16(uint16_t h) {
  return _cvtsh_ss(h);
}  // exact, like every f16 → f32 conversion

// acc + (Σ of 4 consecutive u·s products) per int32 lane. On the AVX2 path u·s pairs are summed in int16
// first (maddubs), so every u ≤ 128 when |s| ≤ 127: 2·128·127 = 32512 < 32767. All callers keep to that.
inline __m256i DotU8S8(__m256i acc, __m256i u, __m256i s) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return _mm256_dpbusd_epi32(acc, u, s);
#else
  return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

// acc + (p[2i]·scale[2i] + p[2i+1]·scale[2i+1]) per int32 lane i, for int16 p and scales.
inline __m256i DotI16(__m256i acc, __m256i p, __m256i scale) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return _mm256_dpwssd_epi32(acc, p, scale);
#else
  return _mm256_add_epi32(acc, _mm256_madd_epi16(p, scale));
#endif
}

// u·s products of 32 signed bytes w and a via the unsigned×signed instruction: |w| · (a with w's sign).
// Exact for w = -128 too (|−128| = 128 as unsigned); a is never −128 (activations are symmetric, ±127).
inline __m256i DotS8S8(__m256i acc, __m256i w, __m256i a) {
  return DotU8S8(acc, _mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
}

inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline int32_t HorizontalSum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
  return _mm_cvtsi128_si32(s);
}

// 16 bytes of packed nibbles → 32 bytes in element order (low nibbles first): the Q4_0 family's layout.
inline __m256i Nibbles32(const uint8_t* qs) {
  const __m128i q = Load128(qs);
  const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(q), _mm_srli_epi16(q, 4), 1);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// Byte j = `value` where bit j of the 32-bit word is set, else 0.
inline __m256i BitsToBytes(uint32_t bits, int8_t value) {
#if defined(__AVX512BW__) && defined(__AVX512VL__)
  return _mm256_maskz_mov_epi8(static_cast<__mmask32>(bits), _mm256_set1_epi8(value));
#else
  // Spread byte k of the word over bytes 8k..8k+7, keep bit j % 8 of each and compare.
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int>(bits)),
      _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000));
  const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
  const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
  return _mm256_and_si256(set, _mm256_set1_epi8(value));
#endif
}

// Rows of a tile: n_rows real ones; the rest alias the last real row (computed, never stored), so the tile
// code has no per-row branches.
template <int R>
struct TileRows {
  const uint8_t* row[R];
  TileRows(const void* w, size_t stride, int n_rows) {
    for (int r = 0; r < R; ++r) {
      const int real = r < n_rows ? r : n_rows - 1;
      row[r] = static_cast<const uint8_t*>(w) + static_cast<size_t>(real) * stride;
    }
  }
};

}  // namespace
}  // namespace corral::cpu::x86
