// Table of the 32-element formats for one x86 family (included by avx2/ and avx512/ legacy_*.cpp).
#pragma once

#include "tensor/cpu/x86/act_quant_x86.h"
#include "tensor/cpu/x86/kernel_table_x86.h"
#include "tensor/cpu/x86/legacy_tiles_x86.h"
#include "tensor/cpu/x86/legacy_tiles_zmm.h"

namespace corral::cpu::x86 {
namespace {

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
template <typename F>
using LegacyEntry = LegacyZ<F>;
#else
template <typename F>
using LegacyEntry = Legacy<F>;
#endif

constexpr DotKernel kLegacyKernels[] = {
    Make<LegacyEntry<Q4_0Format>>(DType::kQ4_0, DType::kQ8_0, &QuantizeQ8_0),
    Make<LegacyEntry<Q4_1Format>>(DType::kQ4_1, DType::kQ8_1, &QuantizeQ8_1),
    Make<LegacyEntry<Q5_0Format>>(DType::kQ5_0, DType::kQ8_0, &QuantizeQ8_0),
    Make<LegacyEntry<Q5_1Format>>(DType::kQ5_1, DType::kQ8_1, &QuantizeQ8_1),
    Make<LegacyEntry<Q8_0Format>>(DType::kQ8_0, DType::kQ8_0, &QuantizeQ8_0),
    Make<LegacyEntry<IQ4_NLFormat>>(DType::kIQ4_NL, DType::kQ8_0, &QuantizeQ8_0),
};

}  // namespace
}  // namespace corral::cpu::x86
