// The AVX-512 K-quant tiles that need GFNI (kquant_tiles_zmm.h: Q4KDecoderZ), built with -mgfni and chosen
// by FindKQuantKernel only when the CPU has it.
#include "tensor/cpu/avx512/avx512_kernels.h"
#include "tensor/cpu/x86/kquant_table_x86.h"

namespace corral::cpu::avx512 {
namespace {

constexpr DotKernel kQ4KGfni = x86::Make<x86::KQuantDecodeZ<x86::Q4KDecoderZ, x86::Q4KDecoder>, 1>(
    DType::kQ4_K, DType::kQ8_K, &x86::QuantizeQ8_K);

}  // namespace

const DotKernel* FindGfniKQuantKernel(DType weight) {
  return weight == DType::kQ4_K ? &kQ4KGfni : nullptr;
}

}  // namespace corral::cpu::avx512
