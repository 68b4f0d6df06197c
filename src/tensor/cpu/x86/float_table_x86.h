// Table of the float formats for one x86 family (included by avx2/ and avx512/ float_*.cpp).
#pragma once

#include "tensor/cpu/x86/act_quant_x86.h"
#include "tensor/cpu/x86/float_tiles_x86.h"
#include "tensor/cpu/x86/kernel_table_x86.h"

namespace corral::cpu::x86 {
namespace {

// Weight rows of the matrix-vector tile, for long rows (float_tiles_x86.h: FloatRowsTile takes short rows
// one at a time). A float activation row is 2-4 bytes per element (16-32 KiB for k = 8192, against Zen 4's
// 32 KiB L1): with one weight row per tile, it falls out of L1 between rows and every weight byte costs an
// activation byte from L2 and, for F16 / BF16, a conversion. Eight rows share each activation vector: the
// L2-resident rate (BM_KernelHot, k = 8192, one thread, Zen 4) went from 34 to 53 GB/s (F16), 41 to 77
// (BF16), 47 to 78 (F32) with AVX-512, and 50 to 70 (F16) with AVX2.
constexpr int kFloatRows1 = 8;

constexpr DotKernel kFloatKernels[] = {
    Make<Float<F32Elems>, kRows2, kRows3, kRows4, kFloatRows1>(DType::kF32, DType::kF32, &CopyF32),
    Make<Float<F16Elems>, kRows2, kRows3, kRows4, kFloatRows1>(DType::kF16, DType::kF16, &ConvertF16),
    Make<Float<Bf16Elems>, kRows2, kRows3, kRows4, kFloatRows1>(DType::kBF16, DType::kBF16, &ConvertBf16),
};

#if defined(__AVX512BF16__)
constexpr DotKernel kBf16DotKernel =
    Make<Bf16Dot, kRows2, kRows3, kRows4, kFloatRows1>(DType::kBF16, DType::kBF16, &ConvertBf16);
#endif

}  // namespace
}  // namespace corral::cpu::x86
