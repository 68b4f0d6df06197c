#include "tensor/cpu/avx512/avx512_kernels.h"
#include "tensor/cpu/x86/legacy_table_x86.h"

namespace corral::cpu::avx512 {

const DotKernel* FindLegacyKernel(DType weight) {
  return x86::FindInTable(x86::kLegacyKernels, weight);
}

}  // namespace corral::cpu::avx512
