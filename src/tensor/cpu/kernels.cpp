#include "tensor/cpu/kernels.h"

#include "tensor/cpu/scalar/scalar_kernels.h"

namespace corral::cpu {

std::optional<DType> ActivationType(DType weight) {
  const DotKernel* k = scalar::FindKernel(weight);
  if (k == nullptr) return std::nullopt;
  return k->activation;
}

const DotKernel* FindDotKernel(DType weight, Isa isa) {
  (void)isa;
  return scalar::FindKernel(weight);
}

float DotRow(const DotKernel& kernel, int64_t n, const void* w, const void* a) {
  float out = 0;
  kernel.tiles[1](n, w, 0, 1, a, 0, &out, 0);
  return out;
}

}  // namespace corral::cpu
