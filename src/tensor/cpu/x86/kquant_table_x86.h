// Table of the 256-element formats for one x86 family (included by avx2/ and avx512/ kquant_*.cpp).
#pragma once

#include "tensor/cpu/x86/act_quant_x86.h"
#include "tensor/cpu/x86/kernel_table_x86.h"
#include "tensor/cpu/x86/kquant_tiles_x86.h"
#include "tensor/cpu/x86/kquant_tiles_zmm.h"

namespace corral::cpu::x86 {
namespace {

constexpr DotKernel kKQuantKernels[] = {
    Make<KQuant<Q2KDecoder>>(DType::kQ2_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<Q3KDecoder>>(DType::kQ3_K, DType::kQ8_K, &QuantizeQ8_K),
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
    Make<KQuantZ<Q4KDecoderZ>>(DType::kQ4_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuantZ<Q5KDecoderZ>>(DType::kQ5_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuantZ<Q6KDecoderZ>>(DType::kQ6_K, DType::kQ8_K, &QuantizeQ8_K),
#else
    Make<KQuant<Q4KDecoder>>(DType::kQ4_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<Q5KDecoder>>(DType::kQ5_K, DType::kQ8_K, &QuantizeQ8_K),
    Make<KQuant<Q6KDecoder>>(DType::kQ6_K, DType::kQ8_K, &QuantizeQ8_K),
#endif
    Make<KQuant<IQ4XSDecoder>>(DType::kIQ4_XS, DType::kQ8_K, &QuantizeQ8_K),
};

}  // namespace
}  // namespace corral::cpu::x86
