// The steps a transformer block is made of, each over every token of the batch and split across the thread
// pool. The architecture files (arch/*.cpp) compose them in the order of their math; what differs between
// families stays there. All buffers are sized by the constructor for the largest batch.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "model/batch.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "model/weights.h"
#include "tensor/matmul.h"
#include "tensor/ops/attention.h"
#include "tensor/ops/norm_rope.h"

namespace corral::model {

// Row-major activations: n_rows rows of `width` floats.
struct Rows {
  float* data = nullptr;
  int64_t width = 0;
  float* row(int64_t i) const { return data + i * width; }
};

class Forward {
 public:
  // two_pass_attention: llama.cpp's softmax arithmetic (ops::AttendHeadTwoPass) instead of the online one.
  Forward(const Config& config, int n_batch_max, int n_outputs_max, int n_threads, int n_ctx,
          int kv_block_size, bool two_pass_attention, std::span<const uint16_t> gelu_table);

  const Config& config() const { return config_; }
  ThreadPool& pool() { return pool_; }
  size_t scratch_bytes() const;

  // Per batch: the tokens, their positions and sequences (spans into the Batch) and the cache.
  void Begin(const Batch& batch, KvCache& kv);
  int n_tokens() const { return n_tokens_; }

  // Buffers for the block steps (n_tokens rows each).
  Rows x() { return {x_.data(), config_.n_embd}; }  // the residual stream
  Rows normed() { return {normed_.data(), config_.n_embd}; }
  Rows q() { return {q_.data(), config_.q_dim()}; }
  Rows k() { return {k_.data(), config_.k_dim()}; }
  Rows v() { return {v_.data(), config_.v_dim()}; }
  Rows attn() { return {attn_.data(), config_.n_head * config_.head_dim_v}; }
  Rows proj() { return {proj_.data(), config_.n_embd}; }
  Rows gate() { return {gate_.data(), config_.n_ff}; }
  Rows up() { return {up_.data(), config_.n_ff}; }

  // x = token_embd rows of the batch's tokens × scale.
  void Embed(const WeightView& token_embd, float scale);
  // bert's embeddings: x += the table's row `row` for every token (token type 0), x += the row of each
  // token's position (absolute position embeddings).
  void AddTableRow(const gguf::TensorInfo& table, int64_t row);
  void AddPositionEmbeddings(const gguf::TensorInfo& table);
  // out = RMSNorm(in) · w, row by row (in may equal out).
  void Norm(Rows in, std::span<const float> w, Rows out);
  // out = LayerNorm(in) · w + b, row by row (in may equal out), with config.norm_eps.
  void LayerNorm(Rows in, std::span<const float> w, std::span<const float> b, Rows out);
  // RMSNorm of every head_dim slice of every row (qwen3/gemma3 q/k norms), in place.
  void HeadNorm(Rows rows, int64_t head_dim, std::span<const float> w);
  // out = in · Wᵀ.
  Status Project(const WeightView& w, Rows in, Rows out);
  void AddBias(Rows rows, std::span<const float> bias);
  // Rotates q and k by their tokens' positions (rope base of the layer: sliding-window layers may differ).
  void Rope(int layer, std::span<const float> freq_factors, Rows q, Rows k);
  // Writes k and v into the cache, then out = attention of q over each token's sequence (causal; sliding
  // window where the layer has one).
  void Attention(int layer, Rows q, Rows k, Rows v, Rows out);
  // Bidirectional attention (bert): each token attends to every token of its own sequence in this batch,
  // none of them cached; tokens of other sequences are invisible to it. f32 throughout, as llama.cpp's
  // cache-less attention keeps k and v in f32.
  void BidirectionalAttention(Rows q, Rows k, Rows v, Rows out);
  // into += add.
  void Add(Rows into, Rows add);
  // gate = silu(gate) · up, or gelu(gate) · up.
  void SwiGlu(Rows gate, Rows up);
  void GeGlu(Rows gate, Rows up);
  // rows = gelu(rows) (ggml's tanh approximation through its f16 table).
  void Gelu(Rows rows);

  // Final norm and output projection for the rows that want logits; logits row i for the i-th of them.
  // With no logits (embedding mode) only the norm runs; a model without output_norm (bert, whose last layer
  // ends in a LayerNorm) gives those rows as they are.
  Status Output(const Weights& weights, std::span<float> logits);
  // The normed final states of the last Output, one n_embd row per output token.
  std::span<const float> output_rows() const { return out_rows_; }

 private:
  void PrepareRope(float freq_base, std::span<const float> freq_factors);

  const Config& config_;
  ThreadPool pool_;
  MatmulOptions matmul_options_;
  MatmulScratch matmul_scratch_;
  ops::AttentionKernels kernels_;
  ops::SwiGluFn swiglu_ = nullptr;
  std::span<const uint16_t> gelu_table_;
  int kv_block_size_;
  bool two_pass_attention_;
  size_t thread_scratch_floats_;

  std::vector<float> x_, normed_, q_, k_, v_, attn_, proj_, gate_, up_, out_rows_;
  std::vector<float> rope_cache_;      // [n_batch_max][rope_dims] for the layer being computed
  std::vector<float> thread_scratch_;  // per thread: q rounded to f16, then per query of ops::kMaxRowsHeads
                                       // 64 lanes × head_dim_v, scores (n_ctx)
  float rope_cache_base_ = 0.f;  // base the table was made for (NaN: none yet in this batch)
  const float* rope_cache_factors_ = nullptr;

  const Batch* batch_ = nullptr;
  KvCache* kv_ = nullptr;
  int n_tokens_ = 0;
};

}  // namespace corral::model
