#include "model/config.h"

#include <cmath>
#include <string>

namespace corral::model {
namespace {

Result<Arch> ParseArch(std::string_view name) {
  // Mistral's dense models are converted as "llama"; a file that says "mistral" is the same network.
  if (name == "llama" || name == "mistral") return Arch::kLlama;
  if (name == "qwen2") return Arch::kQwen2;
  if (name == "qwen3") return Arch::kQwen3;
  if (name == "gemma3") return Arch::kGemma3;
  if (name == "phi3") return Arch::kPhi3;
  if (name == "bert") return Arch::kBert;
  if (name == "nomic-bert") return Arch::kNomicBert;
  return Status::Unsupported(
      "model: architecture '" + std::string(name) +
      "' is not supported (llama, mistral, qwen2, qwen3, gemma3, phi3, bert, nomic-bert)");
}

// Reads `<arch>.<key>` as a positive integer; absent → fallback, or an error naming the key when the
// fallback is 0 (required).
class KeyReader {
 public:
  KeyReader(const gguf::File& file, std::string prefix) : file_(file), prefix_(std::move(prefix)) {}

  std::string Key(std::string_view key) const { return prefix_ + "." + std::string(key); }

  Result<int64_t> Positive(std::string_view key, int64_t fallback = 0) const {
    const std::string full = Key(key);
    const gguf::Value* value = file_.Find(full);
    if (value == nullptr) {
      if (fallback > 0) return fallback;
      return Status::InvalidArgument("model: missing " + full);
    }
    auto v = file_.GetI64(full);
    if (!v.ok()) return v.status().WithContext("model: " + full);
    if (*v <= 0)
      return Status::InvalidArgument("model: " + full + " must be positive, is " + std::to_string(*v));
    return *v;
  }

  Result<float> Float(std::string_view key, float fallback) const {
    auto v = file_.GetF32Or(Key(key), fallback);
    if (!v.ok()) return v.status().WithContext("model: " + Key(key));
    if (!std::isfinite(*v)) return Status::InvalidArgument("model: " + Key(key) + " is not finite");
    return *v;
  }

 private:
  const gguf::File& file_;
  std::string prefix_;
};

}  // namespace

std::string_view ArchName(Arch arch) {
  switch (arch) {
    case Arch::kLlama:
      return "llama";
    case Arch::kQwen2:
      return "qwen2";
    case Arch::kQwen3:
      return "qwen3";
    case Arch::kGemma3:
      return "gemma3";
    case Arch::kPhi3:
      return "phi3";
    case Arch::kBert:
      return "bert";
    case Arch::kNomicBert:
      return "nomic-bert";
  }
  return "?";
}

Result<Config> ReadConfig(const gguf::File& file) {
  Config c;
  auto arch_name = file.GetString("general.architecture");
  if (!arch_name.ok()) return Status::InvalidArgument("model: missing general.architecture");
  CORRAL_ASSIGN_OR_RETURN(c.arch, ParseArch(*arch_name));
  c.arch_key = std::string(*arch_name);
  const KeyReader keys(file, c.arch_key);

  CORRAL_ASSIGN_OR_RETURN(c.n_embd, keys.Positive("embedding_length"));
  CORRAL_ASSIGN_OR_RETURN(c.n_layer, keys.Positive("block_count"));
  CORRAL_ASSIGN_OR_RETURN(c.n_ff, keys.Positive("feed_forward_length"));
  CORRAL_ASSIGN_OR_RETURN(c.n_ctx_train, keys.Positive("context_length"));
  if (file.Find(keys.Key("pooling_type")) != nullptr) {
    Result<int64_t> pooling = file.GetI64(keys.Key("pooling_type"));
    if (!pooling.ok() || *pooling < 0 || *pooling > 4) {
      return Status::InvalidArgument("model: " + keys.Key("pooling_type") + " must be 0-4");
    }
    c.pooling = static_cast<Pooling>(*pooling);
  }
  CORRAL_ASSIGN_OR_RETURN(c.n_head, keys.Positive("attention.head_count"));
  const gguf::Value* kv_value = file.Find(keys.Key("attention.head_count_kv"));
  if (kv_value != nullptr && !file.GetI64(keys.Key("attention.head_count_kv")).ok()) {
    return Status::Unsupported("model: " + keys.Key("attention.head_count_kv") +
                               " must be one integer (per-layer head counts are not supported)");
  }
  CORRAL_ASSIGN_OR_RETURN(c.n_head_kv, keys.Positive("attention.head_count_kv", c.n_head));
  if (c.n_head % c.n_head_kv != 0) {
    return Status::InvalidArgument("model: " + keys.Key("attention.head_count_kv") + " (" +
                                   std::to_string(c.n_head_kv) + ") does not divide " +
                                   keys.Key("attention.head_count") + " (" + std::to_string(c.n_head) + ")");
  }
  const int64_t default_head_dim = c.n_embd % c.n_head == 0 ? c.n_embd / c.n_head : 0;
  CORRAL_ASSIGN_OR_RETURN(c.head_dim_k, keys.Positive("attention.key_length", default_head_dim));
  CORRAL_ASSIGN_OR_RETURN(c.head_dim_v, keys.Positive("attention.value_length", default_head_dim));
  if (c.head_dim_k != c.head_dim_v) {
    return Status::Unsupported("model: key_length " + std::to_string(c.head_dim_k) + " != value_length " +
                               std::to_string(c.head_dim_v));
  }
  CORRAL_ASSIGN_OR_RETURN(const int64_t rope_dims, keys.Positive("rope.dimension_count", c.head_dim_k));
  if (rope_dims > c.head_dim_k || rope_dims % 2 != 0) {
    return Status::InvalidArgument("model: " + keys.Key("rope.dimension_count") + " (" +
                                   std::to_string(rope_dims) + ") must be even and at most the head size " +
                                   std::to_string(c.head_dim_k));
  }
  c.rope_dims = static_cast<int>(rope_dims);

  // llama.cpp's defaults: the norm's epsilon is required (bert normalises by LayerNorm, the decoders by
  // RMSNorm); rope base 10000 when absent.
  const std::string eps_key =
      c.is_embedding_only() ? "attention.layer_norm_epsilon" : "attention.layer_norm_rms_epsilon";
  if (file.Find(keys.Key(eps_key)) == nullptr)
    return Status::InvalidArgument("model: missing " + keys.Key(eps_key));
  CORRAL_ASSIGN_OR_RETURN(const float eps, keys.Float(eps_key, 0.f));
  (c.is_embedding_only() ? c.norm_eps : c.rms_eps) = eps;
  if (c.is_embedding_only()) {
    // llama.cpp defaults to causal attention when the key is absent; converted bert files say false.
    Result<bool> causal = file.GetBoolOr(keys.Key("attention.causal"), true);
    if (!causal.ok()) return causal.status().WithContext("model: " + keys.Key("attention.causal"));
    if (*causal) {
      return Status::Unsupported("model: " + c.arch_key + " with causal attention (" +
                                 keys.Key("attention.causal") + " is true or absent) is not supported");
    }
    c.causal = false;
  }
  CORRAL_ASSIGN_OR_RETURN(c.rope_freq_base, keys.Float("rope.freq_base", 10000.f));
  CORRAL_ASSIGN_OR_RETURN(c.rope_freq_base_swa, keys.Float("rope.freq_base_swa", c.rope_freq_base));
  if (c.rope_freq_base <= 0.f || c.rope_freq_base_swa <= 0.f) {
    return Status::InvalidArgument("model: " + keys.Key("rope.freq_base") + " must be positive");
  }

  auto scaling = file.GetStringOr(keys.Key("rope.scaling.type"), "none");
  if (!scaling.ok()) return scaling.status().WithContext("model: " + keys.Key("rope.scaling.type"));
  if (*scaling == "linear") {
    CORRAL_ASSIGN_OR_RETURN(const float factor, keys.Float("rope.scaling.factor", 1.f));
    if (factor <= 0.f)
      return Status::InvalidArgument("model: " + keys.Key("rope.scaling.factor") + " must be > 0");
    c.rope_freq_scale = 1.f / factor;
  } else if (*scaling != "none" && !(*scaling == "longrope" && c.arch == Arch::kPhi3)) {
    // Llama 3 scaling needs no key: it arrives as the rope_freqs.weight tensor.
    return Status::Unsupported("model: rope scaling '" + std::string(*scaling) + "' is not supported");
  }

  // Rope layout per architecture, as llama.cpp's llama_model_rope_type assigns it.
  c.rope_mode = c.arch == Arch::kLlama ? ops::RopeMode::kNormal : ops::RopeMode::kNeox;
  c.attention_scale = 1.f / std::sqrt(static_cast<float>(c.head_dim_k));
  c.layer_is_swa.assign(static_cast<size_t>(c.n_layer), false);
  c.scale_q_before_attention = c.arch == Arch::kGemma3 || c.arch == Arch::kPhi3;

  if (c.arch == Arch::kGemma3) {
    c.embedding_scale = std::sqrt(static_cast<float>(c.n_embd));
    // llama.cpp: Gemma 3 27B (62 layers) scales by 1/√(n_embd/n_head) (query_pre_attn_scalar), the
    // others by 1/√key_length.
    if (c.n_layer == 62) c.attention_scale = 1.f / std::sqrt(static_cast<float>(c.n_embd / c.n_head));
    auto window = file.GetU32Or(keys.Key("attention.sliding_window"), 0);
    if (!window.ok()) return window.status().WithContext("model: " + keys.Key("attention.sliding_window"));
    c.sliding_window = *window;
    if (c.sliding_window > 0) {
      // Every sixth layer is global (sliding_window_pattern, default 6): layer i slides when i % 6 < 5.
      auto pattern = file.GetU32Or(keys.Key("attention.sliding_window_pattern"), 6);
      if (!pattern.ok()) return pattern.status().WithContext("model: sliding_window_pattern");
      for (int64_t i = 0; i < c.n_layer; ++i) {
        c.layer_is_swa[static_cast<size_t>(i)] = *pattern == 0 || i % *pattern < *pattern - 1;
      }
    }
  }
  // phi3's sliding window is ignored by llama.cpp (its PR 13676): every layer attends to the full context.
  return c;
}

}  // namespace corral::model
