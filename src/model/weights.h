// The model's tensors, bound by name to the mmapped GGUF (never copied). Every tensor's type and shape is
// checked against the Config when bound; an error names the tensor.
#pragma once

#include <span>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "model/config.h"
#include "tensor/matmul.h"

namespace corral::model {

struct LayerWeights {
  std::span<const float> attn_norm;
  WeightView wq, wk, wv;                  // phi3: row ranges of the fused attn_qkv
  std::span<const float> bq, bk, bv;      // qwen2 (empty elsewhere)
  std::span<const float> q_norm, k_norm;  // qwen3, gemma3: per-head RMSNorm weights (head_dim_k)
  WeightView wo;
  std::span<const float> post_attn_norm;  // gemma3
  std::span<const float> ffn_norm;
  WeightView w_gate, w_up;  // phi3: the two halves of the fused ffn_up
  WeightView w_down;
  std::span<const float> post_ffn_norm;  // gemma3
  std::span<const float> rope_factors;   // Llama 3 rope_freqs.weight (shared by every layer) or empty
};

struct Weights {
  const gguf::TensorInfo* token_embd = nullptr;  // rows dequantized one token at a time
  std::span<const float> output_norm;
  WeightView output;  // token_embd itself when the model ties them (no output.weight)
  std::vector<LayerWeights> layers;
  size_t bytes = 0;  // every tensor bound, counted once
};

// Binds the tensors of config.arch. Sets config.n_vocab from token_embd.
Result<Weights> BindWeights(const gguf::File& file, Config& config);

}  // namespace corral::model
