// K-quant decoding. The float operations (sub-block scale d·sc first, then ·q, then − dmin·m) are in
// ggml's order, so every value equals dequantize_row_* to the last bit.
#include "base/fp16.h"
#include "tensor/quant/k_quants.h"

namespace corral::quant {

void DequantizeQ2_K(const BlockQ2_K* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const float d = Fp16ToFp32(x[i].d);
    const float dmin = Fp16ToFp32(x[i].dmin);
    // Element e: 2 bits at shift 2·((e%128)/32) of qs[32·(e/128) + e%32]; sub-block (scale) e/16.
    for (int e = 0; e < kQK_K; ++e) {
      const uint8_t sc = x[i].scales[e / 16];
      const int q = (x[i].qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
      const float dl = d * static_cast<float>(sc & 0xF);
      const float ml = dmin * static_cast<float>(sc >> 4);
      y[e] = dl * static_cast<float>(q) - ml;
    }
    y += kQK_K;
  }
}

void DequantizeQ3_K(const BlockQ3_K* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const float d = Fp16ToFp32(x[i].d);
    float dl[kQK_K / 16];
    for (int s = 0; s < kQK_K / 16; ++s) dl[s] = d * static_cast<float>(UnpackScaleQ3_K(x[i].scales, s));
    // Low 2 bits as Q2_K; a clear high bit (hmask[e%32] bit e/32) subtracts 4, giving −4 … 3.
    for (int e = 0; e < kQK_K; ++e) {
      const int low = (x[i].qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
      const bool high = (x[i].hmask[e % 32] >> (e / 32)) & 1;
      y[e] = dl[e / 16] * static_cast<float>(low - (high ? 0 : 4));
    }
    y += kQK_K;
  }
}

void DequantizeQ4_K(const BlockQ4_K* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const float d = Fp16ToFp32(x[i].d);
    const float dmin = Fp16ToFp32(x[i].dmin);
    // 64 elements per 32 bytes of qs: the first 32 in the low nibbles, the next 32 in the high nibbles.
    for (int chunk = 0; chunk < kQK_K / 64; ++chunk) {
      const uint8_t* q = x[i].qs + 32 * chunk;
      const ScaleMin lo = UnpackScaleMinK4(x[i].scales, 2 * chunk);
      const ScaleMin hi = UnpackScaleMinK4(x[i].scales, 2 * chunk + 1);
      const float d1 = d * static_cast<float>(lo.scale), m1 = dmin * static_cast<float>(lo.min);
      const float d2 = d * static_cast<float>(hi.scale), m2 = dmin * static_cast<float>(hi.min);
      for (int l = 0; l < 32; ++l) y[l] = d1 * static_cast<float>(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) y[32 + l] = d2 * static_cast<float>(q[l] >> 4) - m2;
      y += 64;
    }
  }
}

void DequantizeQ5_K(const BlockQ5_K* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const float d = Fp16ToFp32(x[i].d);
    const float dmin = Fp16ToFp32(x[i].dmin);
    // Nibbles as Q4_K; the fifth bit of element e is bit e/32 of qh[e%32].
    for (int chunk = 0; chunk < kQK_K / 64; ++chunk) {
      const uint8_t* q = x[i].qs + 32 * chunk;
      const ScaleMin lo = UnpackScaleMinK4(x[i].scales, 2 * chunk);
      const ScaleMin hi = UnpackScaleMinK4(x[i].scales, 2 * chunk + 1);
      const float d1 = d * static_cast<float>(lo.scale), m1 = dmin * static_cast<float>(lo.min);
      const float d2 = d * static_cast<float>(hi.scale), m2 = dmin * static_cast<float>(hi.min);
      const int bit_lo = 2 * chunk, bit_hi = 2 * chunk + 1;
      for (int l = 0; l < 32; ++l) {
        const int high = ((x[i].qh[l] >> bit_lo) & 1) << 4;
        y[l] = d1 * static_cast<float>((q[l] & 0xF) + high) - m1;
      }
      for (int l = 0; l < 32; ++l) {
        const int high = ((x[i].qh[l] >> bit_hi) & 1) << 4;
        y[32 + l] = d2 * static_cast<float>((q[l] >> 4) + high) - m2;
      }
      y += 64;
    }
  }
}

void DequantizeQ6_K(const BlockQ6_K* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const float d = Fp16ToFp32(x[i].d);
    // Element e = 128h + 32k + l: low nibble of ql[64h + l] (k=0), of ql[64h + 32 + l] (k=1), high nibbles
    // of the same (k=2, 3); its top 2 bits at shift 2k of qh[32h + l]; stored with a bias of 32.
    for (int e = 0; e < kQK_K; ++e) {
      const int h = e / 128, k = (e % 128) / 32, l = e % 32;
      const uint8_t packed = x[i].ql[64 * h + 32 * (k & 1) + l];
      const int low = k < 2 ? packed & 0xF : packed >> 4;
      const int high = (x[i].qh[32 * h + l] >> (2 * k)) & 3;
      const int q = (low | (high << 4)) - 32;
      y[e] = d * static_cast<float>(x[i].scales[e / 16]) * static_cast<float>(q);
    }
    y += kQK_K;
  }
}

void DequantizeQ8_K(const BlockQ8_K* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    for (int e = 0; e < kQK_K; ++e) y[e] = x[i].d * static_cast<float>(x[i].qs[e]);
    y += kQK_K;
  }
}

}  // namespace corral::quant
