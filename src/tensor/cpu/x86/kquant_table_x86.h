// Table of the 256-element formats for one x86 family (included by avx2/ and avx512/ kquant_*.cpp).
//
// Both families use the 256-bit tiles, except Q6_K's matrix-vector tile on AVX-512 (kquant_tiles_zmm.h), and
// Q4_K's where the CPU also has GFNI (avx512/kquant_gfni_avx512.cpp). A
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

// Two activation rows (two sequences decoding together) take a one-row tile, as one row does: the weights
// then stream as one sequential read per thread. Against the 4 × 2 tile, 2-thread Matmul of 2 rows over
// DRAM-resident 2048 × 8192 weights took 0.67× the time for Q6_K, 0.88× Q5_K, 0.96× Q4_K (Zen 4, best of 3
// interleaved runs). Q6_K keeps one weight row up to 4 activation rows (0.88×, 0.90× at 4 and 8 rows); the
// others lost 2-10 % there, and nothing changed at 64 rows.
constexpr DotKernel kKQuantKernels[] = {
    Make<KQuant<Q2KDecoder>, 1>(DType::kQ2_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<Q3KDecoder>, 1>(DType::kQ3_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<Q4KDecoder>, 1>(DType::kQ4_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<Q5KDecoder>, 1>(DType::kQ5_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<Q6KEntry, 1, 1, 1>(DType::kQ6_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<IQ4XSDecoder>>(DType::kIQ4_XS, DType::kQ8_K, &QuantizeQ8_K),
};

}  // namespace
}  // namespace corral::cpu::x86
