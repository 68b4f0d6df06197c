// K-quant decoding. The float operations (sub-block scale d·sc first, then ·q, then − dmin·m) are in
// ggml's order, so every value equals dequantize_row_* to the last bit.
#include "base/fp16.h"
#include "tensor/quant/k_quants.h"

namespace corral::quant {

void DequantizeQ2_K(const BlockQ2_K* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const float d = Fp16ToFp32(x[i].d);
    const float dmin = Fp16ToFp32(x[i].dmin);
    // Element 128h + 32k + l: 2 bits at shift 2k of qs[32h + l]; its sub-block (scale byte) is e/16.
    for (int h = 0; h < 2; ++h) {
      const uint8_t* q = x[i].qs + 32 * h;
      for (int k = 0; k < 4; ++k) {
        for (int half = 0; half < 2; ++half) {
          const uint8_t sc = x[i].scales[8 * h + 2 * k + half];
          const float dl = d * static_cast<float>(sc & 0xF);
          const float ml = dmin * static_cast<float>(sc >> 4);
          float* out = y + 128 * h + 32 * k + 16 * half;
          for (int l = 0; l < 16; ++l)
            out[l] = dl * static_cast<float>((q[16 * half + l] >> (2 * k)) & 3) - ml;
        }
      }
    }
    y += kQK_K;
  }
}

void DequantizeQ3_K(const BlockQ3_K* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const float d = Fp16ToFp32(x[i].d);
    // Low 2 bits as Q2_K; a clear high bit (hmask[e%32] bit e/32) subtracts 4, giving −4 … 3.
    for (int h = 0; h < 2; ++h) {
      const uint8_t* q = x[i].qs + 32 * h;
      for (int k = 0; k < 4; ++k) {
        const int hbit = 4 * h + k;
        for (int half = 0; half < 2; ++half) {
          const float dl = d * static_cast<float>(UnpackScaleQ3_K(x[i].scales, 8 * h + 2 * k + half));
          float* out = y + 128 * h + 32 * k + 16 * half;
          for (int l = 0; l < 16; ++l) {
            const int m = 16 * half + l;
            const int low = (q[m] >> (2 * k)) & 3;
            const int sub = ((x[i].hmask[m] >> hbit) & 1) ? 0 : 4;
            out[l] = dl * static_cast<float>(low - sub);
          }
        }
      }
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
    // Element 128h + 32k + l: low nibble of ql[64h + l] (k=0), of ql[64h + 32 + l] (k=1), high nibbles of
    // the same (k=2, 3); its top 2 bits at shift 2k of qh[32h + l]; stored with a bias of 32.
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = x[i].ql + 64 * h;
      const uint8_t* qh = x[i].qh + 32 * h;
      // d·scale first, as ggml multiplies (d·sc)·q.
      float dsc[8];
      for (int s = 0; s < 8; ++s) dsc[s] = d * static_cast<float>(x[i].scales[8 * h + s]);
      float* out = y + 128 * h;
      for (int l = 0; l < 32; ++l) {
        const int s = l / 16;
        const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        out[l] = dsc[s] * static_cast<float>(q1);
        out[l + 32] = dsc[s + 2] * static_cast<float>(q2);
        out[l + 64] = dsc[s + 4] * static_cast<float>(q3);
        out[l + 96] = dsc[s + 6] * static_cast<float>(q4);
      }
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
