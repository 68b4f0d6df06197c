// The AVX-512 kernel family (Isa::kAvx512): AVX-512 F/BW/DQ/VL + VNNI on top of AVX2, built from cpu/x86/
// with this folder's flags. Call only when IsaSupported(Isa::kAvx512, ...). One translation unit per format
// family.
#pragma once

#include "base/dtype.h"
#include "tensor/cpu/cpu_features.h"
#include "tensor/cpu/kernels.h"

namespace corral::cpu::avx512 {

const DotKernel* FindLegacyKernel(DType weight);  // Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL
// Q2_K..Q6_K, IQ4_XS; Q4_K's matrix-vector tile decodes with vgf2p8affineqb when gfni (the CPU has GFNI).
const DotKernel* FindKQuantKernel(DType weight, bool gfni);
// The GFNI builds (kquant_gfni_avx512.cpp, compiled with -mgfni): Q4_K, else nullptr.
const DotKernel* FindGfniKQuantKernel(DType weight);
// F32, F16, BF16; BF16 rows use vdpbf16ps when bf16_dot (the CPU has AVX512_BF16).
const DotKernel* FindFloatKernel(DType weight, bool bf16_dot);
}  // namespace corral::cpu::avx512
