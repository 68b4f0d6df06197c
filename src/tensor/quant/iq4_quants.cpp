#include "tensor/quant/iq4_quants.h"

#include "base/fp16.h"

namespace corral::quant {
namespace {

// 32 elements from 16 bytes of grid indices: element j in the low nibble of qs[j], j + 16 in the high one.
void DecodeGrid32(const uint8_t* qs, float scale, float* y) {
  for (int j = 0; j < kQK / 2; ++j) {
    y[j] = scale * static_cast<float>(kIQ4NLValues[qs[j] & 0xF]);
    y[j + kQK / 2] = scale * static_cast<float>(kIQ4NLValues[qs[j] >> 4]);
  }
}

}  // namespace

void DequantizeIQ4_NL(const BlockIQ4_NL* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) DecodeGrid32(x[i].qs, Fp16ToFp32(x[i].d), y + i * kQK);
}

void DequantizeIQ4_XS(const BlockIQ4_XS* x, float* y, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i) {
    const float d = Fp16ToFp32(x[i].d);
    for (int ib = 0; ib < kQK_K / kQK; ++ib) {
      const int low = (x[i].scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF;
      const int high = (x[i].scales_h >> (2 * ib)) & 3;
      const float dl = d * static_cast<float>((low | (high << 4)) - 32);
      DecodeGrid32(x[i].qs + 16 * ib, dl, y + i * kQK_K + kQK * ib);
    }
  }
}

}  // namespace corral::quant
