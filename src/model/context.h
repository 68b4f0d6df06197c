// A Context runs forward passes of a Model: it owns the KV cache, every scratch buffer (sized here for the
// largest batch, so Decode allocates nothing), the matmul scratch and the thread pool.
//
//   CORRAL_ASSIGN_OR_RETURN(auto ctx, Context::Create(model, {.n_ctx = 4096, .n_batch_max = 512}));
//   CORRAL_RETURN_IF_ERROR(ctx->Decode(batch));
//   std::span<const float> logits = ctx->Logits(0);  // the first token of the batch that asked for logits
//
// Thread safety: one Decode at a time per Context.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "model/batch.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "tensor/matmul.h"
#include "tensor/ops/attention.h"

namespace corral::model {

struct ContextOptions {
  int n_ctx = 4096;        // positions per sequence
  int n_batch_max = 512;   // tokens per Decode
  int n_seq_max = 1;       // sequence ids 0..n_seq_max-1
  int n_threads = 0;       // 0: one per hardware thread
  int n_outputs_max = 0;   // tokens per Decode that may ask for logits; 0: n_seq_max
  int kv_block_size = 64;  // positions per KV cache block
  // Attention by llama.cpp's arithmetic (all scores, then f16-rounded probabilities; the parity tests need
  // it) or by the online softmax (one pass, f32 probabilities).
  bool two_pass_attention = true;
  // Embedding mode: the tokens that ask for output get their final normed hidden state (Embedding(i))
  // instead of logits; no output projection runs and no logits buffer is allocated.
  bool embeddings = false;
};

class Forward;

class Context {
 public:
  // InvalidArgument for bad sizes, and for a generation context (embeddings off) on an embedding-only model.
  static Result<std::unique_ptr<Context>> Create(const Model& model, const ContextOptions& options);
  ~Context();

  // Runs the batch: appends each token's keys and values to its sequence and computes logits for the tokens
  // that ask. Positions of a sequence must continue it (pos ≤ its length, in increasing order within the
  // batch). A bidirectional model (Config::causal false: bert) caches nothing: each sequence of the batch
  // must be there whole, positions 0, 1, 2, ..., and sequences never see each other. Errors: InvalidArgument
  // for a bad token/position/sequence, OutOfRange when the batch, the outputs or the KV cache exceed their
  // sizes; the cache is unchanged then.
  Status Decode(const Batch& batch);

  int n_outputs() const { return n_outputs_; }
  // Logits (n_vocab floats) of the i-th token of the last batch that asked for them.
  std::span<const float> Logits(int i) const;
  // In embedding mode: the final normed hidden state (n_embd floats) of the i-th token that asked.
  std::span<const float> Embedding(int i) const;

  // Forgets a sequence (or keeps only its first `length` positions) and returns its KV blocks to the pool.
  void ClearSequence(int seq) { kv_.Clear(seq); }
  void TruncateSequence(int seq, int32_t length) { kv_.Truncate(seq, length); }
  int32_t SequenceLength(int seq) const { return kv_.length(seq); }

  const Model& model() const { return model_; }
  const ContextOptions& options() const { return options_; }
  // KV cache, scratch and matmul scratch (the weights are counted by Model::weight_bytes).
  size_t memory_bytes() const;
  size_t kv_bytes() const { return kv_.bytes(); }

 private:
  Context(const Model& model, const ContextOptions& options);
  Status Validate(const Batch& batch);

  const Model& model_;
  ContextOptions options_;
  KvCache kv_;
  std::unique_ptr<Forward> forward_;
  std::vector<int32_t> grown_length_;  // per sequence, while validating a batch
  std::vector<float> logits_;          // n_outputs_max rows of n_vocab
  int n_outputs_ = 0;
};

}  // namespace corral::model
