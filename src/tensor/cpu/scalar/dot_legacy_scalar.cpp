// Scalar dot products of the 32-element formats (peers.md §2.3) with Q8_0 / Q8_1 activations. Each block
// contributes (integer dot of the quants) × (weight scale) × (activation scale), plus, for the formats with a
// minimum, min × s where the Q8_1 block's s already holds d·Σq. The float products are formed in the order of
// ggml's portable kernels (see scalar_kernels.h).
#include <cstring>

#include "base/fp16.h"
#include "tensor/cpu/scalar/scalar_kernels.h"

namespace corral::cpu::scalar {
namespace {

using quant::kQK;

// Element j of a 32-element block packed as Q4_0 does: j < 16 in the low nibble of qs[j], j ≥ 16 in the
// high nibble of qs[j - 16].
inline int Nibble(const uint8_t* qs, int j) {
  return j < kQK / 2 ? qs[j] & 0x0F : qs[j - kQK / 2] >> 4;
}

// Fifth bit of element j in Q5_0 / Q5_1: bit j of the little-endian u32 qh.
inline int HighBit(const uint8_t* qh, int j) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof(bits));
  return (bits >> j) & 1;
}

}  // namespace

float DotQ4_0(int64_t n, const quant::BlockQ4_0* w, const quant::BlockQ8_0* a) {
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int isum = 0;
    for (int j = 0; j < kQK; ++j) isum += (Nibble(w[b].qs, j) - 8) * a[b].qs[j];
    sum += static_cast<float>(isum) * Fp16ToFp32(w[b].d) * Fp16ToFp32(a[b].d);
  }
  return sum;
}

float DotQ4_1(int64_t n, const quant::BlockQ4_1* w, const quant::BlockQ8_1* a) {
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int isum = 0;
    for (int j = 0; j < kQK; ++j) isum += Nibble(w[b].qs, j) * a[b].qs[j];
    sum += Fp16ToFp32(w[b].d) * Fp16ToFp32(a[b].d) * static_cast<float>(isum) +
           Fp16ToFp32(w[b].m) * Fp16ToFp32(a[b].s);
  }
  return sum;
}

float DotQ5_0(int64_t n, const quant::BlockQ5_0* w, const quant::BlockQ8_0* a) {
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int isum = 0;
    for (int j = 0; j < kQK; ++j) {
      const int q = Nibble(w[b].qs, j) | (HighBit(w[b].qh, j) << 4);
      isum += (q - 16) * a[b].qs[j];
    }
    sum += Fp16ToFp32(w[b].d) * Fp16ToFp32(a[b].d) * static_cast<float>(isum);
  }
  return sum;
}

float DotQ5_1(int64_t n, const quant::BlockQ5_1* w, const quant::BlockQ8_1* a) {
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int isum = 0;
    for (int j = 0; j < kQK; ++j) {
      const int q = Nibble(w[b].qs, j) | (HighBit(w[b].qh, j) << 4);
      isum += q * a[b].qs[j];
    }
    sum += Fp16ToFp32(w[b].d) * Fp16ToFp32(a[b].d) * static_cast<float>(isum) +
           Fp16ToFp32(w[b].m) * Fp16ToFp32(a[b].s);
  }
  return sum;
}

float DotQ8_0(int64_t n, const quant::BlockQ8_0* w, const quant::BlockQ8_0* a) {
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int isum = 0;
    for (int j = 0; j < kQK; ++j) isum += w[b].qs[j] * a[b].qs[j];
    sum += static_cast<float>(isum) * (Fp16ToFp32(w[b].d) * Fp16ToFp32(a[b].d));
  }
  return sum;
}

float DotIQ4_NL(int64_t n, const quant::BlockIQ4_NL* w, const quant::BlockQ8_0* a) {
  float sum = 0;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int isum = 0;
    for (int j = 0; j < kQK; ++j) isum += quant::kIQ4NLValues[Nibble(w[b].qs, j)] * a[b].qs[j];
    sum += Fp16ToFp32(a[b].d) * Fp16ToFp32(w[b].d) * static_cast<float>(isum);
  }
  return sum;
}

}  // namespace corral::cpu::scalar
