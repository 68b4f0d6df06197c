// The shape and hyper-parameters of a model, read once from GGUF metadata (general.architecture and the
// `<arch>.*` keys, named as llama.cpp's converter writes them) and passed down to everything else.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "tensor/ops/norm_rope.h"

namespace corral::model {

enum class Arch { kLlama, kQwen2, kQwen3, kGemma3, kPhi3, kBert, kNomicBert };

std::string_view ArchName(Arch arch);

// How a sequence's token states become one embedding (`<arch>.pooling_type`, llama.cpp's enum values).
// kNone, a generative model's default, gives the last token's state, as llama.cpp's embedding readers
// (and Ollama) take it.
enum class Pooling { kNone = 0, kMean = 1, kCls = 2, kLast = 3, kRank = 4 };

struct Config {
  Arch arch = Arch::kLlama;
  std::string arch_key;  // the general.architecture string the `<arch>.*` keys are under
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim_k = 0;  // key_length (default n_embd / n_head)
  int64_t head_dim_v = 0;  // value_length (default n_embd / n_head)
  int64_t n_ff = 0;
  int64_t n_ctx_train = 0;
  int64_t n_vocab = 0;  // rows of token_embd (filled in when the weights are bound)
  float rms_eps = 0.f;
  float norm_eps = 0.f;  // LayerNorm epsilon (bert: attention.layer_norm_epsilon)
  // Every token attends to every token of its sequence (bert, nomic-bert: attention.causal = false). Such a
  // model keeps nothing between batches: a sequence is evaluated whole, in one batch.
  bool causal = true;

  ops::RopeMode rope_mode = ops::RopeMode::kNormal;
  int rope_dims = 0;  // rope.dimension_count (default head_dim_k)
  float rope_freq_base = 10000.f;
  float rope_freq_base_swa = 10000.f;  // for sliding-window layers (gemma3: rope.freq_base_swa)
  float rope_freq_scale = 1.f;         // 1 / rope.scaling.factor for linear scaling

  int64_t sliding_window = 0;      // 0: no layer has one
  std::vector<bool> layer_is_swa;  // n_layer entries

  float attention_scale = 0.f;  // multiplies q·k; set per architecture as llama.cpp does
  // gemma3, phi3: llama.cpp multiplies q by the scale before attention instead of scaling q·k (the same
  // math, rounded differently once q is converted to f16).
  bool scale_q_before_attention = false;
  float embedding_scale = 1.f;  // gemma3 multiplies the token embeddings by √n_embd
  Pooling pooling = Pooling::kNone;

  // An encoder with no language-model head (bert, nomic-bert): it gives embeddings and cannot generate text.
  bool is_embedding_only() const { return arch == Arch::kBert || arch == Arch::kNomicBert; }

  int64_t q_dim() const { return n_head * head_dim_k; }
  int64_t k_dim() const { return n_head_kv * head_dim_k; }
  int64_t v_dim() const { return n_head_kv * head_dim_v; }
};

// Errors name the key: InvalidArgument "model: missing llama.block_count", "llama.attention.head_count_kv
// (3) does not divide head_count (4)"; Unsupported for an architecture or rope scaling we do not run.
Result<Config> ReadConfig(const gguf::File& file);

}  // namespace corral::model
