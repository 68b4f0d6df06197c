// Table of the 256-element formats for one x86 family (included by avx2/ and avx512/ kquant_*.cpp).
//
// Both families use the 256-bit tiles: on Zen 4 a 512-bit version (64 quants per instruction, activations
// reordered to the nibble order by vshufi64x2) was slower in every tile shape, e.g. Q4_K 76 vs 85 GFLOP/s
// (1 × 1 tile), 132 vs 151 (2 × 4), Q6_K 70 vs 84 and 149 vs 163, L2-resident (bench/README.md).
#pragma once

#include "tensor/cpu/x86/act_quant_x86.h"
#include "tensor/cpu/x86/kernel_table_x86.h"
#include "tensor/cpu/x86/kquant_tiles_x86.h"

namespace corral::cpu::x86 {
namespace {

constexpr DotKernel kKQuantKernels[] = {
    Make<KQuant<Q2KDecoder>>(DType::kQ2_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<Q3KDecoder>>(DType::kQ3_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<Q4KDecoder>>(DType::kQ4_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<Q5KDecoder>>(DType::kQ5_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<Q6KDecoder>>(DType::kQ6_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<IQ4XSDecoder>>(DType::kIQ4_XS, DType::kQ8_K, &QuantizeQ8_K),
};

}  // namespace
}  // namespace corral::cpu::x86
