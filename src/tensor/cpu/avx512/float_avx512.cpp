#include "tensor/cpu/avx512/avx512_kernels.h"
#include "tensor/cpu/x86/float_table_x86.h"

namespace corral::cpu::avx512 {

const DotKernel* FindFloatKernel(DType weight, bool bf16_dot) {
  if (weight == DType::kBF16 && bf16_dot) return &x86::kBf16DotKernel;
  return x86::FindInTable(x86::kFloatKernels, weight);
}

}  // namespace corral::cpu::avx512
