// Table of the 256-element formats for one x86 family (included by avx2/ and avx512/ kquant_*.cpp).
//
// Both families use the 256-bit tiles, except Q6_K's matrix-vector tile on AVX-512 (kquant_tiles_zmm.h). A
// 512-bit version of every tile (64 quants per instruction, activations reordered to the nibble order by
// vshufi64x2) was slower on Zen 4 in every tile shape, e.g. Q4_K 76 vs 85 GFLOP/s (1 × 1 tile), 132 vs 151
// (2 × 4), Q6_K 70 vs 84 and 149 vs 163, L2-resident: Zen 4 runs a 512-bit instruction as two 256-bit
// halves, so only a cheaper sequence pays, as Q6_K's group-pair step is (bench/README.md).
#pragma once

#include "tensor/cpu/x86/act_quant_x86.h"
#include "tensor/cpu/x86/kernel_table_x86.h"
#include "tensor/cpu/x86/kquant_tiles_x86.h"
#include "tensor/cpu/x86/kquant_tiles_zmm.h"

namespace corral::cpu::x86 {
namespace {

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
using Q6KEntry = KQuantDecodeZ<Q6KDecoderZ, Q6KDecoder>;
#else
using Q6KEntry = KQuant<Q6KDecoder>;
#endif

constexpr DotKernel kKQuantKernels[] = {
    Make<KQuant<Q2KDecoder>>(DType::kQ2_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<Q3KDecoder>>(DType::kQ3_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<Q4KDecoder>>(DType::kQ4_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<Q5KDecoder>>(DType::kQ5_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<Q6KEntry>(DType::kQ6_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<IQ4XSDecoder>>(DType::kIQ4_XS, DType::kQ8_K, &QuantizeQ8_K),
};

}  // namespace
}  // namespace corral::cpu::x86
