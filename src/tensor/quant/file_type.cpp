#include "tensor/quant/file_type.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace corral::quant {
namespace {

struct FileTypeInfo {
  FileType type;
  std::string_view name;
  DType base;
};

constexpr std::array kFileTypes = {
    FileTypeInfo{FileType::kAllF32, "F32", DType::kF32},
    FileTypeInfo{FileType::kF16, "F16", DType::kF16},
    FileTypeInfo{FileType::kBF16, "BF16", DType::kBF16},
    FileTypeInfo{FileType::kQ4_0, "Q4_0", DType::kQ4_0},
    FileTypeInfo{FileType::kQ4_1, "Q4_1", DType::kQ4_1},
    FileTypeInfo{FileType::kQ5_0, "Q5_0", DType::kQ5_0},
    FileTypeInfo{FileType::kQ5_1, "Q5_1", DType::kQ5_1},
    FileTypeInfo{FileType::kQ8_0, "Q8_0", DType::kQ8_0},
    FileTypeInfo{FileType::kQ2_K, "Q2_K", DType::kQ2_K},
    FileTypeInfo{FileType::kQ3_K_S, "Q3_K_S", DType::kQ3_K},
    FileTypeInfo{FileType::kQ3_K_M, "Q3_K_M", DType::kQ3_K},
    FileTypeInfo{FileType::kQ3_K_L, "Q3_K_L", DType::kQ3_K},
    FileTypeInfo{FileType::kQ4_K_S, "Q4_K_S", DType::kQ4_K},
    FileTypeInfo{FileType::kQ4_K_M, "Q4_K_M", DType::kQ4_K},
    FileTypeInfo{FileType::kQ5_K_S, "Q5_K_S", DType::kQ5_K},
    FileTypeInfo{FileType::kQ5_K_M, "Q5_K_M", DType::kQ5_K},
    FileTypeInfo{FileType::kQ6_K, "Q6_K", DType::kQ6_K},
    FileTypeInfo{FileType::kIQ4_NL, "IQ4_NL", DType::kIQ4_NL},
    FileTypeInfo{FileType::kIQ4_XS, "IQ4_XS", DType::kIQ4_XS},
};

const FileTypeInfo& Info(FileType type) {
  for (const FileTypeInfo& info : kFileTypes) {
    if (info.type == type) return info;
  }
  return kFileTypes[0];  // unreachable for values of the enum
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

enum class Role {
  kOutput,
  kTokenEmbd,
  kAttnV,
  kAttnK,
  kAttnQ,
  kAttnOutput,
  kFfnUp,
  kFfnGate,
  kFfnDown,
  kOther
};

// llama.cpp classifies tensors by substrings of their names; attn_qkv counts as attention-v (it holds V).
Role RoleOf(std::string_view name) {
  if (name == "output.weight") return Role::kOutput;
  if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") return Role::kTokenEmbd;
  auto has = [&](std::string_view part) { return name.find(part) != std::string_view::npos; };
  if (has("attn_qkv.weight") || has("attn_kv_b.weight") || has("attn_v.weight")) return Role::kAttnV;
  if (has("attn_k.weight")) return Role::kAttnK;
  if (has("attn_q.weight")) return Role::kAttnQ;
  if (has("attn_output.weight")) return Role::kAttnOutput;
  if (has("ffn_up")) return Role::kFfnUp;
  if (has("ffn_gate")) return Role::kFfnGate;
  if (has("ffn_down")) return Role::kFfnDown;
  return Role::kOther;
}

// Matrices only: 1-D tensors, norms and anything not named *weight keep their stored type.
bool IsQuantizable(const TensorToQuantize& t) {
  const std::string_view name = t.name;
  int dims = static_cast<int>(t.shape.size());
  while (dims > 1 && t.shape[static_cast<size_t>(dims) - 1] == 1) --dims;  // ggml_n_dims ignores trailing 1s
  if (dims < 2 || !name.ends_with("weight")) return false;
  return name.find("_norm.weight") == std::string_view::npos &&
         name.find("ffn_gate_inp.weight") == std::string_view::npos;
}

// The first layers, the last layers and every third one between get more bits (llama.cpp's use_more_bits).
bool UseMoreBits(int64_t i, int64_t n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

// A row length the format's blocks do not divide: llama.cpp demotes to a 32-element block format, or F16.
DType Fallback(DType type, int64_t row_len) {
  if (row_len % Traits(type).block_size == 0) return type;
  DType smaller = type;
  switch (type) {
    case DType::kIQ4_XS:
      smaller = DType::kIQ4_NL;
      break;
    case DType::kQ2_K:
    case DType::kQ3_K:
      smaller = DType::kQ4_0;
      break;
    case DType::kQ4_K:
      smaller = DType::kQ5_0;
      break;
    case DType::kQ5_K:
      smaller = DType::kQ5_1;
      break;
    case DType::kQ6_K:
      smaller = DType::kQ8_0;
      break;
    default:
      break;
  }
  return row_len % Traits(smaller).block_size == 0 ? smaller : DType::kF16;
}

class MixturePlanner {
 public:
  MixturePlanner(FileType file_type, const MixtureOptions& options, int n_attn_v, bool tied)
      : ft_(file_type), options_(options), n_attn_v_(n_attn_v), tied_(tied) {}

  DType Choose(const TensorToQuantize& t) {
    const DType base = BaseType(ft_);
    if (!IsQuantizable(t)) return t.type;
    if (base == DType::kF32 || base == DType::kF16 || base == DType::kBF16) return base;
    DType type = options_.pure ? base : Mixed(t, base);
    return Fallback(type, t.shape[0]);
  }

 private:
  bool Is(FileType f) const { return ft_ == f; }
  int64_t n_gqa() const { return options_.n_heads / options_.n_kv_heads; }

  DType Mixed(const TensorToQuantize& t, DType type) {
    const Role role = RoleOf(t.name);
    if (role == Role::kOutput || (tied_ && role == Role::kTokenEmbd)) {
      // The output matrix decides every logit: Q6_K unless the file is already Q8_0.
      if (t.shape[0] % Traits(type).block_size != 0) return DType::kQ8_0;
      return type == DType::kQ8_0 ? type : DType::kQ6_K;
    }
    switch (role) {
      case Role::kAttnV:
        return AttentionV(type);
      case Role::kFfnDown:
        return FfnDown(type);
      case Role::kAttnOutput:
        if (Is(FileType::kQ2_K)) return DType::kQ3_K;
        if (Is(FileType::kQ3_K_M)) return DType::kQ4_K;
        if (Is(FileType::kQ3_K_L)) return DType::kQ5_K;
        return type;
      default:
        return type;
    }
  }

  DType AttentionV(DType type) {
    const int64_t i = i_attn_v_++;
    if (Is(FileType::kQ2_K)) return n_gqa() >= 4 ? DType::kQ4_K : DType::kQ3_K;
    if (Is(FileType::kQ3_K_M)) return i < 2 ? DType::kQ5_K : DType::kQ4_K;
    if (Is(FileType::kQ3_K_L)) return DType::kQ5_K;
    if ((Is(FileType::kIQ4_NL) || Is(FileType::kIQ4_XS)) && n_gqa() >= 4) return DType::kQ5_K;
    if ((Is(FileType::kQ4_K_M) || Is(FileType::kQ5_K_M)) && UseMoreBits(i, n_attn_v_)) return DType::kQ6_K;
    if (Is(FileType::kQ4_K_S) && i < 4) return DType::kQ5_K;
    return type;
  }

  DType FfnDown(DType type) {
    const int64_t i = i_ffn_down_++;
    const int64_t n = options_.n_layers;
    if (Is(FileType::kQ2_K)) return DType::kQ3_K;
    if (Is(FileType::kQ3_K_M)) return i < n / 16 ? DType::kQ5_K : DType::kQ4_K;
    if (Is(FileType::kQ3_K_L)) return DType::kQ5_K;
    if (Is(FileType::kQ4_K_M)) return UseMoreBits(i, n) ? DType::kQ6_K : type;
    if (i < n / 8 && (Is(FileType::kIQ4_NL) || Is(FileType::kIQ4_XS))) return DType::kQ5_K;
    if (Is(FileType::kQ5_K_M) && UseMoreBits(i, n)) return DType::kQ6_K;
    if (Is(FileType::kQ4_K_S) && i < n / 8) return DType::kQ5_K;
    return type;
  }

  FileType ft_;
  MixtureOptions options_;
  int64_t n_attn_v_;
  bool tied_;
  int64_t i_attn_v_ = 0;
  int64_t i_ffn_down_ = 0;
};

}  // namespace

std::optional<FileType> FileTypeFromName(std::string_view name) {
  for (const FileTypeInfo& info : kFileTypes) {
    if (EqualsIgnoringCase(info.name, name)) return info.type;
  }
  return std::nullopt;
}

std::string_view FileTypeName(FileType type) {
  return Info(type).name;
}

DType BaseType(FileType type) {
  return Info(type).base;
}

uint32_t FileTypeOfPure(DType type) {
  switch (type) {
    case DType::kQ2_K:
      return static_cast<uint32_t>(FileType::kQ2_K);
    case DType::kQ3_K:
      return static_cast<uint32_t>(FileType::kQ3_K_S);
    case DType::kQ4_K:
      return static_cast<uint32_t>(FileType::kQ4_K_S);
    case DType::kQ5_K:
      return static_cast<uint32_t>(FileType::kQ5_K_S);
    default:
      break;
  }
  for (const FileTypeInfo& info : kFileTypes) {
    if (info.base == type) return static_cast<uint32_t>(info.type);
  }
  return 1024;  // LLAMA_FTYPE_GUESSED
}

Result<std::vector<DType>> PlanMixture(FileType file_type, std::span<const TensorToQuantize> tensors,
                                       const MixtureOptions& options) {
  if (options.n_layers < 1 || options.n_heads < 1 || options.n_kv_heads < 1) {
    return Status::InvalidArgument("a quantization mixture needs the layer, head and kv-head counts");
  }
  int n_attn_v = 0;
  bool tied = true;  // llama.cpp assumes tied embeddings until it sees output.weight
  for (const TensorToQuantize& t : tensors) {
    if (t.shape.empty()) return Status::InvalidArgument("tensor " + t.name + " has no shape");
    if (RoleOf(t.name) == Role::kAttnV) ++n_attn_v;
    if (RoleOf(t.name) == Role::kOutput) tied = false;
  }
  MixturePlanner planner(file_type, options, n_attn_v, tied);
  std::vector<DType> types;
  types.reserve(tensors.size());
  for (const TensorToQuantize& t : tensors) types.push_back(planner.Choose(t));
  return types;
}

}  // namespace corral::quant
