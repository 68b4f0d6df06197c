// DType dispatch for the row conversions and the threaded tensor quantizer.
#include "tensor/quant/quant.h"

#include <array>
#include <cstring>
#include <string>

#include "tensor/quant/float_formats.h"
#include "tensor/quant/iq4_quants.h"
#include "tensor/quant/k_quants.h"
#include "tensor/quant/legacy_quants.h"

namespace corral::quant {
namespace {

using DequantizeFn = void (*)(const void* src, float* dst, int64_t n_blocks);
using QuantizeFn = void (*)(const float* src, void* dst, int64_t n_blocks);

// One row of the table per format. `quantize_ref` reproduces quantize_row_<type>_ref; `quantize_file`
// reproduces ggml_quantize_chunk without an importance matrix (what llama-quantize writes).
struct Codec {
  DType type;
  DequantizeFn dequantize;
  QuantizeFn quantize_ref;
  QuantizeFn quantize_file;
};

template <typename Block, void (*Fn)(const Block*, float*, int64_t)>
void DequantizeAs(const void* src, float* dst, int64_t n_blocks) {
  Fn(static_cast<const Block*>(src), dst, n_blocks);
}

template <typename Block, void (*Fn)(const float*, Block*, int64_t)>
void QuantizeAs(const float* src, void* dst, int64_t n_blocks) {
  Fn(src, static_cast<Block*>(dst), n_blocks);
}

void DequantizeF32(const void* src, float* dst, int64_t n) {
  std::memcpy(dst, src, n * sizeof(float));
}
void QuantizeF32(const float* src, void* dst, int64_t n) {
  std::memcpy(dst, src, n * sizeof(float));
}

// A block format whose reference quantizer is also what llama-quantize uses.
template <typename Block, void (*Dequantize)(const Block*, float*, int64_t),
          void (*Quantize)(const float*, Block*, int64_t)>
constexpr Codec BlockCodec(DType type) {
  return {type, DequantizeAs<Block, Dequantize>, QuantizeAs<Block, Quantize>, QuantizeAs<Block, Quantize>};
}

// Q8_1 and Q8_K carry activations inside matmuls; llama.cpp never stores them in a file, and
// ggml_quantize_chunk rejects them, so QuantizeTensor does too.
template <typename Block, void (*Dequantize)(const Block*, float*, int64_t),
          void (*Quantize)(const float*, Block*, int64_t)>
constexpr Codec ActivationCodec(DType type) {
  return {type, DequantizeAs<Block, Dequantize>, QuantizeAs<Block, Quantize>, nullptr};
}

constexpr std::array kCodecs = {
    Codec{DType::kF32, DequantizeF32, QuantizeF32, QuantizeF32},
    BlockCodec<uint16_t, DequantizeF16, QuantizeF16>(DType::kF16),
    BlockCodec<uint16_t, DequantizeBF16, QuantizeBF16>(DType::kBF16),
    BlockCodec<BlockQ4_0, DequantizeQ4_0, QuantizeQ4_0>(DType::kQ4_0),
    BlockCodec<BlockQ4_1, DequantizeQ4_1, QuantizeQ4_1>(DType::kQ4_1),
    BlockCodec<BlockQ5_0, DequantizeQ5_0, QuantizeQ5_0>(DType::kQ5_0),
    BlockCodec<BlockQ5_1, DequantizeQ5_1, QuantizeQ5_1>(DType::kQ5_1),
    BlockCodec<BlockQ8_0, DequantizeQ8_0, QuantizeQ8_0>(DType::kQ8_0),
    ActivationCodec<BlockQ8_1, DequantizeQ8_1, QuantizeQ8_1>(DType::kQ8_1),
    BlockCodec<BlockQ2_K, DequantizeQ2_K, QuantizeQ2_K>(DType::kQ2_K),
    BlockCodec<BlockQ3_K, DequantizeQ3_K, QuantizeQ3_K>(DType::kQ3_K),
    BlockCodec<BlockQ4_K, DequantizeQ4_K, QuantizeQ4_K>(DType::kQ4_K),
    BlockCodec<BlockQ5_K, DequantizeQ5_K, QuantizeQ5_K>(DType::kQ5_K),
    BlockCodec<BlockQ6_K, DequantizeQ6_K, QuantizeQ6_K>(DType::kQ6_K),
    ActivationCodec<BlockQ8_K, DequantizeQ8_K, QuantizeQ8_K>(DType::kQ8_K),
    Codec{DType::kIQ4_NL, DequantizeAs<BlockIQ4_NL, DequantizeIQ4_NL>,
          QuantizeAs<BlockIQ4_NL, QuantizeIQ4_NL>, QuantizeAs<BlockIQ4_NL, QuantizeIQ4_NLSearched>},
    BlockCodec<BlockIQ4_XS, DequantizeIQ4_XS, QuantizeIQ4_XS>(DType::kIQ4_XS),
};

const Codec* FindCodec(DType type) {
  for (const Codec& c : kCodecs) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool IsWholeBlocks(DType type, int64_t n) {
  return n >= 0 && n % Traits(type).block_size == 0;
}

}  // namespace

bool CanDequantize(DType type) {
  return FindCodec(type) != nullptr;
}

bool DequantizeRow(DType type, const void* src, float* dst, int64_t n) {
  const Codec* codec = FindCodec(type);
  if (codec == nullptr || !IsWholeBlocks(type, n)) return false;
  codec->dequantize(src, dst, n / Traits(type).block_size);
  return true;
}

bool CanQuantize(DType type) {
  const Codec* codec = FindCodec(type);
  return codec != nullptr && codec->quantize_ref != nullptr;
}

size_t QuantizeRow(DType type, const float* src, void* dst, int64_t n) {
  const Codec* codec = FindCodec(type);
  if (codec == nullptr || codec->quantize_ref == nullptr || !IsWholeBlocks(type, n)) return 0;
  codec->quantize_ref(src, dst, n / Traits(type).block_size);
  return RowBytes(type, n);
}

Status QuantizeTensor(DType type, const float* src, void* dst, int64_t rows, int64_t row_len,
                      ThreadPool* pool) {
  const Codec* codec = FindCodec(type);
  if (codec == nullptr || codec->quantize_ref == nullptr) {
    return Status::Unsupported("cannot quantize to " + std::string(DTypeName(type)));
  }
  if (codec->quantize_file == nullptr) {
    return Status::Unsupported(std::string(DTypeName(type)) +
                               " is an activation format, not stored in model files");
  }
  if (rows < 0 || row_len < 0) {
    return Status::InvalidArgument("negative tensor shape " + std::to_string(rows) + " x " +
                                   std::to_string(row_len));
  }
  const int64_t block = Traits(type).block_size;
  if (row_len % block != 0) {
    return Status::InvalidArgument("row length " + std::to_string(row_len) + " is not a multiple of " +
                                   std::string(DTypeName(type)) + "'s block size " + std::to_string(block));
  }
  if (rows == 0 || row_len == 0) return Status::Ok();
  if (src == nullptr || dst == nullptr) return Status::InvalidArgument("null tensor buffer");

  const size_t row_bytes = RowBytes(type, row_len);
  const int64_t blocks_per_row = row_len / block;
  // Rows are independent in every format (ggml_quantize_chunk quantizes them one after another), so any
  // split over threads gives the same bytes.
  auto quantize_rows = [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      codec->quantize_file(src + r * row_len, static_cast<uint8_t*>(dst) + r * row_bytes, blocks_per_row);
    }
  };
  if (pool == nullptr) {
    quantize_rows(0, rows);
  } else {
    pool->ParallelFor(rows, 1, quantize_rows);
  }
  return Status::Ok();
}

}  // namespace corral::quant
