// A model's quantization "file type" (llama.cpp's llama_ftype, stored as general.file_type) and the
// per-tensor type mixture llama-quantize gives each one.
//
// Names like Q4_K_M are not one block format: Q4_K_M stores most matrices as Q4_K but attention-v and
// ffn_down of a third of the layers, and the output matrix, as Q6_K. Reproducing llama-quantize's choice
// tensor for tensor (its llama_tensor_get_type, without an importance matrix or user overrides) makes
// `corral create --quantize q4_K_M` produce the same file llama-quantize does, which is what people compare.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"

namespace corral::quant {

// Values are llama_ftype's (general.file_type). Only the mixtures corral can quantize are listed.
enum class FileType : uint32_t {
  kAllF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ8_0 = 7,
  kQ5_0 = 8,
  kQ5_1 = 9,
  kQ2_K = 10,
  kQ3_K_S = 11,
  kQ3_K_M = 12,
  kQ3_K_L = 13,
  kQ4_K_S = 14,
  kQ4_K_M = 15,
  kQ5_K_S = 16,
  kQ5_K_M = 17,
  kQ6_K = 18,
  kIQ4_NL = 25,
  kIQ4_XS = 30,
  kBF16 = 32,
};

// "Q4_K_M", "q4_k_m", "F16", ... (case-insensitive). nullopt for an unknown name.
std::optional<FileType> FileTypeFromName(std::string_view name);
std::string_view FileTypeName(FileType type);

// The block format most matrices get (Q4_K for Q4_K_S and Q4_K_M).
DType BaseType(FileType type);

// llama_ftype of a file whose matrices are all `type` (what llama-quantize --pure writes), e.g. kQ4_K_S for
// Q4_K: llama.cpp has no "pure" file type and labels a pure K-quant file with its _S mixture.
uint32_t FileTypeOfPure(DType type);

// One tensor of a model as the mixture rules see it: its GGUF name, shape (ggml order: ne[0] is the row
// length) and current type.
struct TensorToQuantize {
  std::string name;
  std::vector<int64_t> shape;
  DType type = DType::kF32;
};

struct MixtureOptions {
  int64_t n_layers = 0;    // block_count
  int64_t n_heads = 0;     // attention.head_count
  int64_t n_kv_heads = 0;  // attention.head_count_kv (n_gqa = heads / kv_heads picks Q2_K's attn_v type)
  bool pure = false;       // every quantizable matrix gets BaseType (llama-quantize --pure)
};

// The type each tensor gets, in the order given (the order matters: llama.cpp counts attention-v tensors
// as it meets them). Tensors that are not quantized (1-D, norms, non-".weight") keep their type; a matrix
// whose row length is not a multiple of the chosen format's block falls back as llama.cpp does (Q4_K → Q5_0,
// Q6_K → Q8_0, ..., F16 when nothing fits). InvalidArgument for n_layers < 1 or heads/kv_heads < 1.
Result<std::vector<DType>> PlanMixture(FileType file_type, std::span<const TensorToQuantize> tensors,
                                       const MixtureOptions& options);

}  // namespace corral::quant
