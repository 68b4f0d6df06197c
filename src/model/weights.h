// The model's tensors, bound by name either in place in the mmapped GGUF or in a copy of its data section
// (model.h says when). Every tensor's type and shape is checked against the Config when bound; an error
// names the tensor.
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
  // bert: a bias for every projection (optional, as in llama.cpp) and two post-norm LayerNorms with biases.
  std::span<const float> bo, b_up, b_down;
  std::span<const float> attn_out_norm, attn_out_norm_b, layer_out_norm, layer_out_norm_b;
};

struct Weights {
  WeightView token_embd;  // n_vocab rows of n_embd, dequantized one token at a time (any dequantizable type)
  std::span<const float> output_norm;
  WeightView output;  // token_embd itself when the model ties them (no output.weight); none for bert
  // bert: absolute positions (none in nomic-bert), token type 0's row, and the LayerNorm of the summed
  // embeddings.
  const gguf::TensorInfo* position_embd = nullptr;
  const gguf::TensorInfo* token_types = nullptr;  // optional
  std::span<const float> embd_norm, embd_norm_b;
  std::vector<LayerWeights> layers;
  size_t bytes = 0;  // every tensor bound, counted once
};

// Binds the tensors of config.arch. Sets config.n_vocab from token_embd. With `data_copy` (the file's
// whole data section, from data_offset() to the end, copied elsewhere) the views point into the copy,
// otherwise into the file's map.
Result<Weights> BindWeights(const gguf::File& file, Config& config, std::span<const uint8_t> data_copy = {});

}  // namespace corral::model
