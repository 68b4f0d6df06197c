#include "tensor/cpu/avx512/avx512_kernels.h"
#include "tensor/cpu/x86/kquant_table_x86.h"

namespace corral::cpu::avx512 {

const DotKernel* FindKQuantKernel(DType weight, bool gfni) {
  if (gfni) {
    if (const DotKernel* k = FindGfniKQuantKernel(weight)) return k;
  }
  return x86::FindInTable(x86::kKQuantKernels, weight);
}

}  // namespace corral::cpu::avx512
