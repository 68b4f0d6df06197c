#include "tensor/cpu/avx2/avx2_kernels.h"
#include "tensor/cpu/x86/float_table_x86.h"

namespace corral::cpu::avx2 {

const DotKernel* FindFloatKernel(DType weight) {
  return x86::FindInTable(x86::kFloatKernels, weight);
}

}  // namespace corral::cpu::avx2
