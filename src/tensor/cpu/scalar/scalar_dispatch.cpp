// The scalar DotKernel table: every tile is a plain loop of single dot products.
#include <cstring>

#include "tensor/cpu/scalar/scalar_kernels.h"

namespace corral::cpu::scalar {
namespace {

template <typename W, typename A, float (*Dot)(int64_t, const W*, const A*), int C>
void Tile(int64_t n, const void* w, size_t w_stride, int n_rows, const void* a, size_t a_stride, float* out,
          size_t out_stride) {
  for (int c = 0; c < C; ++c) {
    const auto* act = reinterpret_cast<const A*>(static_cast<const uint8_t*>(a) + c * a_stride);
    for (int r = 0; r < n_rows; ++r) {
      const auto* row = reinterpret_cast<const W*>(static_cast<const uint8_t*>(w) + r * w_stride);
      out[c * out_stride + r] = Dot(n, row, act);
    }
  }
}

template <typename A, void (*Quantize)(const float*, A*, int64_t)>
void QuantizeErased(const float* x, void* dst, int64_t n) {
  Quantize(x, static_cast<A*>(dst), n);
}

void CopyF32(const float* x, void* dst, int64_t n) {
  std::memcpy(dst, x, static_cast<size_t>(n) * sizeof(float));
}

template <typename W, typename A, float (*Dot)(int64_t, const W*, const A*)>
constexpr DotKernel Make(DType weight, DType activation, QuantizeRowFn quantize) {
  return DotKernel{
      weight,
      activation,
      quantize,
      {nullptr, &Tile<W, A, Dot, 1>, &Tile<W, A, Dot, 2>, &Tile<W, A, Dot, 3>, &Tile<W, A, Dot, 4>},
      {0, 4, 4, 4, 4}};
}

using quant::BlockIQ4_NL;
using quant::BlockIQ4_XS;
using quant::BlockQ2_K;
using quant::BlockQ3_K;
using quant::BlockQ4_0;
using quant::BlockQ4_1;
using quant::BlockQ4_K;
using quant::BlockQ5_0;
using quant::BlockQ5_1;
using quant::BlockQ5_K;
using quant::BlockQ6_K;
using quant::BlockQ8_0;
using quant::BlockQ8_1;
using quant::BlockQ8_K;

constexpr QuantizeRowFn kQ8_0 = &QuantizeErased<BlockQ8_0, QuantizeRowQ8_0>;
constexpr QuantizeRowFn kQ8_1 = &QuantizeErased<BlockQ8_1, QuantizeRowQ8_1>;
constexpr QuantizeRowFn kQ8_K = &QuantizeErased<BlockQ8_K, QuantizeRowQ8_K>;
constexpr QuantizeRowFn kF16 = &QuantizeErased<uint16_t, ConvertRowF16>;
constexpr QuantizeRowFn kBf16 = &QuantizeErased<uint16_t, ConvertRowBf16>;

constexpr DotKernel kKernels[] = {
    Make<float, float, DotF32>(DType::kF32, DType::kF32, &CopyF32),
    Make<uint16_t, uint16_t, DotF16>(DType::kF16, DType::kF16, kF16),
    Make<uint16_t, uint16_t, DotBf16>(DType::kBF16, DType::kBF16, kBf16),
    Make<BlockQ4_0, BlockQ8_0, DotQ4_0>(DType::kQ4_0, DType::kQ8_0, kQ8_0),
    Make<BlockQ4_1, BlockQ8_1, DotQ4_1>(DType::kQ4_1, DType::kQ8_1, kQ8_1),
    Make<BlockQ5_0, BlockQ8_0, DotQ5_0>(DType::kQ5_0, DType::kQ8_0, kQ8_0),
    Make<BlockQ5_1, BlockQ8_1, DotQ5_1>(DType::kQ5_1, DType::kQ8_1, kQ8_1),
    Make<BlockQ8_0, BlockQ8_0, DotQ8_0>(DType::kQ8_0, DType::kQ8_0, kQ8_0),
    Make<BlockIQ4_NL, BlockQ8_0, DotIQ4_NL>(DType::kIQ4_NL, DType::kQ8_0, kQ8_0),
    Make<BlockQ2_K, BlockQ8_K, DotQ2_K>(DType::kQ2_K, DType::kQ8_K, kQ8_K),
    Make<BlockQ3_K, BlockQ8_K, DotQ3_K>(DType::kQ3_K, DType::kQ8_K, kQ8_K),
    Make<BlockQ4_K, BlockQ8_K, DotQ4_K>(DType::kQ4_K, DType::kQ8_K, kQ8_K),
    Make<BlockQ5_K, BlockQ8_K, DotQ5_K>(DType::kQ5_K, DType::kQ8_K, kQ8_K),
    Make<BlockQ6_K, BlockQ8_K, DotQ6_K>(DType::kQ6_K, DType::kQ8_K, kQ8_K),
    Make<BlockIQ4_XS, BlockQ8_K, DotIQ4_XS>(DType::kIQ4_XS, DType::kQ8_K, kQ8_K),
};

}  // namespace

const DotKernel* FindKernel(DType weight) {
  for (const DotKernel& k : kKernels) {
    if (k.weight == weight) return &k;
  }
  return nullptr;
}

}  // namespace corral::cpu::scalar
