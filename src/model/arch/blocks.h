// One transformer block per architecture family, each written in the order of its math over the steps of
// Forward. The residual stream is f.x(); a block leaves its output there.
#pragma once

#include "base/status.h"
#include "model/forward.h"
#include "model/weights.h"

namespace corral::model {

// llama, mistral: pre-norm, RoPE (normal layout; Llama 3 frequency factors), GQA, SwiGLU.
Status LlamaBlock(Forward& f, const LayerWeights& w, int layer);
// qwen2: llama with q/k/v biases and NeoX RoPE.
Status Qwen2Block(Forward& f, const LayerWeights& w, int layer);
// qwen3: llama with a per-head RMSNorm of q and k before RoPE, NeoX RoPE.
Status Qwen3Block(Forward& f, const LayerWeights& w, int layer);
// gemma3: qwen3's q/k norms plus norms after attention and after the feed-forward, GELU, sliding windows.
Status Gemma3Block(Forward& f, const LayerWeights& w, int layer);
// phi3: llama's math over fused q/k/v and gate/up tensors (split into row ranges when bound), NeoX RoPE.
Status Phi3Block(Forward& f, const LayerWeights& w, int layer);
// bert: bidirectional attention, post-norm LayerNorms, GELU feed-forward, biases everywhere.
Status BertBlock(Forward& f, const LayerWeights& w, int layer);
// nomic-bert: bert with NeoX RoPE on q and k (no position table) and a SwiGLU feed-forward without biases.
Status NomicBertBlock(Forward& f, const LayerWeights& w, int layer);

}  // namespace corral::model
