// The K-quants: super-blocks of 256 elements with quantized sub-block scales (layouts in blocks.h and
// peers.md §2.4). Dequantization equals ggml's dequantize_row_*; quantization equals quantize_row_*_ref,
// which is also what llama-quantize writes without an importance matrix. Counts are in super-blocks.
#pragma once

#include <cstdint>

#include "tensor/quant/blocks.h"

namespace corral::quant {

void DequantizeQ2_K(const BlockQ2_K* x, float* y, int64_t n_blocks);
void DequantizeQ3_K(const BlockQ3_K* x, float* y, int64_t n_blocks);
void DequantizeQ4_K(const BlockQ4_K* x, float* y, int64_t n_blocks);
void DequantizeQ5_K(const BlockQ5_K* x, float* y, int64_t n_blocks);
void DequantizeQ6_K(const BlockQ6_K* x, float* y, int64_t n_blocks);
void DequantizeQ8_K(const BlockQ8_K* x, float* y, int64_t n_blocks);

void QuantizeQ2_K(const float* x, BlockQ2_K* y, int64_t n_blocks);
void QuantizeQ3_K(const float* x, BlockQ3_K* y, int64_t n_blocks);
void QuantizeQ4_K(const float* x, BlockQ4_K* y, int64_t n_blocks);
void QuantizeQ5_K(const float* x, BlockQ5_K* y, int64_t n_blocks);
void QuantizeQ6_K(const float* x, BlockQ6_K* y, int64_t n_blocks);
// Activations for K-quant dot products: d = max/−127 (f32), q = nearest_int(x/d), bsums of each 16.
void QuantizeQ8_K(const float* x, BlockQ8_K* y, int64_t n_blocks);

// Q4_K/Q5_K pack 8 six-bit scales and 8 six-bit mins in 12 bytes: bytes 0–3 hold scales 0–3 plus the top
// two bits of scales 4–7, bytes 4–7 the same for the mins, bytes 8–11 the low nibbles of scale|min 4–7.
struct ScaleMin {
  uint8_t scale;
  uint8_t min;
};
inline ScaleMin UnpackScaleMinK4(const uint8_t* packed, int sub_block) {
  const int j = sub_block;
  if (j < 4) return {static_cast<uint8_t>(packed[j] & 63), static_cast<uint8_t>(packed[j + 4] & 63)};
  return {static_cast<uint8_t>((packed[j + 4] & 0xF) | ((packed[j - 4] >> 6) << 4)),
          static_cast<uint8_t>((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4))};
}

// Q3_K's 16 six-bit scales, biased by 32: the low 4 bits of scale s are the low nibble of byte s (s < 8)
// or the high nibble of byte s − 8; the high 2 bits sit at bits 2·(s/4) of byte 8 + s%4.
inline int UnpackScaleQ3_K(const uint8_t* packed, int s) {
  const int low = s < 8 ? packed[s] & 0xF : packed[s - 8] >> 4;
  const int high = (packed[8 + s % 4] >> (2 * (s / 4))) & 3;
  return (low | (high << 4)) - 32;
}

}  // namespace corral::quant
