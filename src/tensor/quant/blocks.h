// Quantized block layouts, bit-compatible with llama.cpp's (ggml-common.h): same fields, same order, same
// sizes, no padding. Every GGUF on the internet stores its weights in these.
#pragma once

#include <cstdint>

namespace corral::quant {

inline constexpr int kQK = 32;           // elements per block of the 32-element formats
inline constexpr int kQK_K = 256;        // elements per super-block of the K-quants
inline constexpr int kKScaleBytes = 12;  // Q4_K/Q5_K pack 8 six-bit scales and 8 six-bit mins in 12 bytes

using f16_t = uint16_t;  // IEEE binary16 bits

struct BlockQ4_0 {
  f16_t d;
  uint8_t qs[kQK / 2];  // element j in the low nibble of qs[j], element j+16 in the high nibble
};
static_assert(sizeof(BlockQ4_0) == 18);

struct BlockQ4_1 {
  f16_t d;
  f16_t m;
  uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ4_1) == 20);

struct BlockQ5_0 {
  f16_t d;
  uint8_t qh[4];  // fifth bit of element j is bit j of this little-endian u32
  uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_0) == 22);

struct BlockQ5_1 {
  f16_t d;
  f16_t m;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_1) == 24);

struct BlockQ8_0 {
  f16_t d;
  int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_0) == 34);

struct BlockQ8_1 {
  f16_t d;
  f16_t s;  // d * sum(qs), so Q4_1/Q5_1 dot products fold the min in once per block
  int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_1) == 36);

struct BlockIQ4_NL {
  f16_t d;
  uint8_t qs[kQK / 2];  // indices into kIQ4NLValues, nibble order as Q4_0
};
static_assert(sizeof(BlockIQ4_NL) == 18);

// The non-linear 4-bit grid of IQ4_NL.
inline constexpr int8_t kIQ4NLValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};

// IQ4_NL's grid over 8 sub-blocks of 32 with 6-bit sub-block scales (stored biased by 32).
struct BlockIQ4_XS {
  f16_t d;
  uint16_t scales_h;             // high 2 bits of sub-block ib's scale at bits 2·ib, 2·ib+1
  uint8_t scales_l[kQK_K / 64];  // low 4 bits: sub-block ib in the low nibble of byte ib/2 when ib is even
  uint8_t qs[kQK_K / 2];         // per sub-block of 32, nibble order as Q4_0
};
static_assert(sizeof(BlockIQ4_XS) == 136);

struct BlockQ2_K {
  uint8_t scales[kQK_K / 16];  // low nibble: 4-bit scale, high nibble: 4-bit min, per 16 elements
  uint8_t qs[kQK_K / 4];
  f16_t d;
  f16_t dmin;
};
static_assert(sizeof(BlockQ2_K) == 84);

struct BlockQ3_K {
  uint8_t hmask[kQK_K / 8];
  uint8_t qs[kQK_K / 4];
  uint8_t scales[12];  // 16 six-bit scales, biased by 32
  f16_t d;
};
static_assert(sizeof(BlockQ3_K) == 110);

struct BlockQ4_K {
  f16_t d;
  f16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

struct BlockQ5_K {
  f16_t d;
  f16_t dmin;
  uint8_t scales[kKScaleBytes];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  f16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// Activations for K-quant dot products. d is f32 here, unlike every other block.
struct BlockQ8_K {
  float d;
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];  // sums of each 16 qs, so the mins of Q2_K/Q4_K/Q5_K fold in cheaply
};
static_assert(sizeof(BlockQ8_K) == 292);

}  // namespace corral::quant
