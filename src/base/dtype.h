// Tensor element types, numbered exactly as ggml numbers them (GGUF stores these ids), with the block
// geometry every byte-size computation uses. It lives in base because both gguf/ (sizes of stored tensors)
// and tensor/ (kernels) need it, and neither may depend on the other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace corral {

enum class DType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
};

struct DTypeTraits {
  DType type;
  std::string_view name;  // as ggml prints it: "q4_K", "f16", ...
  int64_t block_size;     // elements per block (1 for plain types)
  size_t block_bytes;     // bytes per block
  bool computable;        // corral can dequantize it and multiply with it
};

// Every id a GGUF may legitimately contain (including ones corral cannot compute with); nullopt for ids
// that are not ggml types at all, so a reader can reject them instead of guessing.
std::optional<DTypeTraits> LookupDType(uint32_t id);
const DTypeTraits& Traits(DType type);  // REQUIRES: type is a listed DType

inline std::string_view DTypeName(DType t) { return Traits(t).name; }
std::optional<DType> DTypeFromName(std::string_view name);  // case-insensitive: "Q4_K", "q4_k", "f16"

// Bytes of a row of n elements; REQUIRES n % block_size == 0.
inline size_t RowBytes(DType t, int64_t n) {
  const DTypeTraits& tr = Traits(t);
  return static_cast<size_t>(n / tr.block_size) * tr.block_bytes;
}

}  // namespace corral
