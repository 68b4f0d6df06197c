// The AVX2 kernel family (Isa::kAvx2): AVX2 + FMA + F16C + BMI2, built from cpu/x86/ with this folder's
// flags. Call only when IsaSupported(Isa::kAvx2, ...). One translation unit per format family.
#pragma once

#include "base/dtype.h"
#include "tensor/cpu/kernels.h"

namespace corral::cpu::avx2 {

const DotKernel* FindLegacyKernel(DType weight);  // Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL
const DotKernel* FindKQuantKernel(DType weight);  // Q2_K..Q6_K, IQ4_XS
const DotKernel* FindFloatKernel(DType weight);   // F32, F16, BF16
}  // namespace corral::cpu::avx2
