// Table of the float formats for one x86 family (included by avx2/ and avx512/ float_*.cpp).
#pragma once

#include "tensor/cpu/x86/act_quant_x86.h"
#include "tensor/cpu/x86/float_tiles_x86.h"
#include "tensor/cpu/x86/kernel_table_x86.h"

namespace corral::cpu::x86 {
namespace {

constexpr DotKernel kFloatKernels[] = {
    Make<Float<F32Elems>>(DType::kF32, DType::kF32, &CopyF32),
    Make<Float<F16Elems>>(DType::kF16, DType::kF16, &ConvertF16),
    Make<Float<Bf16Elems>>(DType::kBF16, DType::kBF16, &ConvertBf16),
};

#if defined(__AVX512BF16__)
constexpr DotKernel kBf16DotKernel = Make<Bf16Dot>(DType::kBF16, DType::kBF16, &ConvertBf16);
#endif

}  // namespace
}  // namespace corral::cpu::x86
