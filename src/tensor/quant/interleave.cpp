#include "tensor/quant/interleave.h"

#include <cstring>

#include "base/fp16.h"
#include "tensor/quant/blocks.h"
#include "tensor/quant/interleave_formats.h"
#include "tensor/quant/quant.h"

namespace corral::quant {

size_t InterleavedBlockBytes(DType type) {
  return kInterleaveRows * Traits(type).block_bytes;
}

bool CanInterleave(DType type, int64_t rows, int64_t k, size_t row_stride) {
  const bool kquant = type == DType::kQ4_K || type == DType::kQ6_K;
  return (kquant || type == DType::kF16) && rows > 0 && rows % kInterleaveRows == 0 && k > 0 &&
         (!kquant || k % kQK_K == 0) && row_stride == RowBytes(type, k);
}

void InterleaveGroup(DType type, const uint8_t* rows, int64_t k, uint8_t* group) {
  if (type == DType::kF16) {
    InterleaveF16Group(rows, k, group);
  } else if (type == DType::kQ4_K) {
    InterleaveQ4KGroup(rows, k, group);
  } else {
    InterleaveQ6KGroup(rows, k, group);
  }
}

namespace {

// Row r's plain block b of the interleaved group at `group` (`blocks` per row), into `out`.
void DeinterleaveBlock(DType type, const uint8_t* group, int64_t blocks, int r, int64_t b, uint8_t* out) {
  if (type == DType::kQ4_K) {
    DeinterleaveQ4KBlock(group, b, blocks, r, out);
  } else {
    DeinterleaveQ6KBlock(group, b, blocks, r, out);
  }
}

}  // namespace

void DeinterleaveGroup(DType type, const uint8_t* group, int64_t k, uint8_t* rows) {
  if (type == DType::kF16) return DeinterleaveF16Group(group, k, rows);
  const size_t block_bytes = Traits(type).block_bytes;
  const int64_t blocks = k / kQK_K;
  for (int r = 0; r < kInterleaveRows; ++r) {
    for (int64_t b = 0; b < blocks; ++b) {
      DeinterleaveBlock(type, group, blocks, r, b, rows + (r * blocks + b) * block_bytes);
    }
  }
}

void DequantizeInterleavedRow(DType type, const uint8_t* data, int64_t row, int64_t k, float* out) {
  const uint8_t* group =
      data + static_cast<size_t>(row / kInterleaveRows) * kInterleaveRows * RowBytes(type, k);
  if (type == DType::kF16) {
    for (int64_t e = 0; e < k; ++e) {
      uint16_t h;
      std::memcpy(&h, group + 32 * e + 2 * (row % kInterleaveRows), 2);
      out[e] = Fp16ToFp32(h);
    }
    return;
  }
  alignas(16) uint8_t block[sizeof(BlockQ6_K)];
  for (int64_t b = 0; b < k / kQK_K; ++b) {
    DeinterleaveBlock(type, group, k / kQK_K, static_cast<int>(row % kInterleaveRows), b, block);
    DequantizeRow(type, block, out + b * kQK_K, kQK_K);
  }
}

void InterleaveInPlace(DType type, uint8_t* data, int64_t rows, int64_t k, uint8_t* buffer) {
  const size_t group_bytes = kInterleaveRows * RowBytes(type, k);
  for (int64_t r0 = 0; r0 < rows; r0 += kInterleaveRows) {
    uint8_t* group = data + static_cast<size_t>(r0 / kInterleaveRows) * group_bytes;
    std::memcpy(buffer, group, group_bytes);
    InterleaveGroup(type, buffer, k, group);
  }
}

}  // namespace corral::quant
