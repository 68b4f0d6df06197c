#include "tensor/cpu/kernels.h"

#include "tensor/cpu/avx2/avx2_kernels.h"
#include "tensor/cpu/avx512/avx512_kernels.h"
#include "tensor/cpu/scalar/scalar_kernels.h"

namespace corral::cpu {

std::optional<DType> ActivationType(DType weight) {
  const DotKernel* k = scalar::FindKernel(weight);
  if (k == nullptr) return std::nullopt;
  return k->activation;
}

const DotKernel* FindDotKernel(DType weight, Isa isa) {
  const DotKernel* found = nullptr;
  switch (isa) {
    case Isa::kAvx512:
      found = avx512::FindLegacyKernel(weight);
      if (found == nullptr) found = avx512::FindKQuantKernel(weight, HostCpuFeatures().gfni);
      if (found == nullptr) found = avx512::FindFloatKernel(weight, HostCpuFeatures().avx512bf16);
      break;
    case Isa::kAvx2:
      found = avx2::FindLegacyKernel(weight);
      if (found == nullptr) found = avx2::FindKQuantKernel(weight);
      if (found == nullptr) found = avx2::FindFloatKernel(weight);
      break;
    case Isa::kScalar:
      break;
  }
  return found != nullptr ? found : scalar::FindKernel(weight);
}

float DotRow(const DotKernel& kernel, int64_t n, const void* w, const void* a) {
  float out = 0;
  kernel.tiles[1](n, w, 0, 1, a, 0, &out, 0);
  return out;
}

}  // namespace corral::cpu
