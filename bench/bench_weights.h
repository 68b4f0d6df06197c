// Weights for the matmul benchmarks: 16 rows of gaussian values quantized to `type`, laid out as `layout`
// asks, and tiled over the whole buffer (the kernels have no data-dependent branches, so repeating rows
// costs nothing in realism and saves quantizing hundreds of MiB).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "base/dtype.h"
#include "tensor/matmul.h"
#include "tensor/quant/interleave.h"
#include "tensor/quant/quant.h"

namespace corral::bench {

// REQUIRES: `bytes` is a whole number of rows of `cols` elements; an interleaved layout is possible for
// 16-row groups of `type`.
inline void FillWeights(DType type, WeightLayout layout, int64_t cols, uint8_t* data, size_t bytes) {
  constexpr int64_t kSeedRows = 16;
  const size_t row_bytes = RowBytes(type, cols);
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> x(kSeedRows * cols);
  for (float& v : x) v = normal(rng);
  for (int64_t r = 0; r < kSeedRows; ++r)
    quant::QuantizeRow(type, x.data() + r * cols, data + r * row_bytes, cols);
  if (layout == WeightLayout::kInterleaved16) {
    std::vector<uint8_t> buffer(kSeedRows * row_bytes);
    quant::InterleaveInPlace(type, data, kSeedRows, cols, buffer.data());
  }
  for (size_t off = kSeedRows * row_bytes; off < bytes; off += kSeedRows * row_bytes) {
    std::memcpy(data + off, data, std::min(kSeedRows * row_bytes, bytes - off));
  }
}

}  // namespace corral::bench
