#include "tensor/cpu/avx2/avx2_kernels.h"
#include "tensor/cpu/x86/legacy_table_x86.h"

namespace corral::cpu::avx2 {

const DotKernel* FindLegacyKernel(DType weight) {
  return x86::FindInTable(x86::kLegacyKernels, weight);
}

}  // namespace corral::cpu::avx2
