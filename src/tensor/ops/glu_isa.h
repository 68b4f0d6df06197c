// Per-instruction-family SwiGLU behind SwiGluFor (internal to tensor/ops).
#pragma once

#include <cstdint>

namespace corral::ops {
namespace avx2 {
void SwiGlu(const float* gate, const float* up, int64_t n, float* out);
}  // namespace avx2
namespace avx512 {
void SwiGlu(const float* gate, const float* up, int64_t n, float* out);
}  // namespace avx512
}  // namespace corral::ops
