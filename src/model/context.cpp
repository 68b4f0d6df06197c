#include "model/context.h"

#include <string>

#include "model/arch/blocks.h"
#include "model/forward.h"

namespace corral::model {
namespace {

using BlockFn = Status (*)(Forward&, const LayerWeights&, int);

BlockFn BlockFor(Arch arch) {
  switch (arch) {
    case Arch::kLlama:
      return &LlamaBlock;
    case Arch::kQwen2:
      return &Qwen2Block;
    case Arch::kQwen3:
      return &Qwen3Block;
    case Arch::kGemma3:
      return &Gemma3Block;
    case Arch::kPhi3:
      return &Phi3Block;
    case Arch::kBert:
      return &BertBlock;
    case Arch::kNomicBert:
      return &NomicBertBlock;
  }
  return &LlamaBlock;
}

ContextOptions Resolved(ContextOptions o) {
  if (o.n_outputs_max == 0) o.n_outputs_max = o.n_seq_max;
  return o;
}

}  // namespace

Context::Context(const Model& model, const ContextOptions& options)
    : model_(model),
      options_(options),
      // A bidirectional model keeps nothing between batches: its cache rows are empty.
      kv_(model.config().n_layer, model.config().causal ? model.config().k_dim() : 0,
          model.config().causal ? model.config().v_dim() : 0, options.n_ctx, options.n_seq_max,
          options.kv_block_size),
      forward_(std::make_unique<Forward>(model.config(), options.n_batch_max, options.n_outputs_max,
                                         options.n_threads, options.n_ctx, options.kv_block_size,
                                         options.two_pass_attention, model.gelu_table())),
      grown_length_(static_cast<size_t>(options.n_seq_max), 0),
      logits_(options.embeddings ? 0
                                 : static_cast<size_t>(options.n_outputs_max) *
                                       static_cast<size_t>(model.config().n_vocab)) {}

Context::~Context() = default;

Result<std::unique_ptr<Context>> Context::Create(const Model& model, const ContextOptions& requested) {
  const ContextOptions o = Resolved(requested);
  if (o.n_ctx < 1 || o.n_batch_max < 1 || o.n_seq_max < 1 || o.n_threads < 0 || o.n_outputs_max < 1 ||
      o.kv_block_size < 1) {
    return Status::InvalidArgument(
        "context: n_ctx, n_batch_max, n_seq_max, n_outputs_max and kv_block_size "
        "must be positive, n_threads ≥ 0");
  }
  if (model.config().is_embedding_only() && !o.embeddings) {
    return Status::InvalidArgument(
        "context: '" + std::string(ArchName(model.config().arch)) +
        "' is an embedding model; it has no language-model head and cannot generate "
        "text (use it for embeddings)");
  }
  return std::unique_ptr<Context>(new Context(model, o));
}

size_t Context::memory_bytes() const {
  return kv_.bytes() + forward_->scratch_bytes() + logits_.size() * sizeof(float);
}

std::span<const float> Context::Logits(int i) const {
  const size_t n_vocab = static_cast<size_t>(model_.config().n_vocab);
  return std::span<const float>(logits_).subspan(static_cast<size_t>(i) * n_vocab, n_vocab);
}

Status Context::Validate(const Batch& batch) {
  const int n = batch.size();
  if (n < 1) return Status::InvalidArgument("decode: empty batch");
  if (batch.pos.size() != batch.token.size() || batch.seq.size() != batch.token.size() ||
      batch.wants_logits.size() != batch.token.size()) {
    return Status::InvalidArgument("decode: batch vectors differ in length");
  }
  if (n > options_.n_batch_max) {
    return Status::OutOfRange("decode: batch of " + std::to_string(n) + " tokens exceeds n_batch_max " +
                              std::to_string(options_.n_batch_max));
  }
  const bool causal = model_.config().causal;
  // A bidirectional model caches nothing: grown_length_ counts each sequence's tokens in this batch.
  for (int s = 0; s < options_.n_seq_max; ++s)
    grown_length_[static_cast<size_t>(s)] = causal ? kv_.length(s) : 0;
  int outputs = 0;
  for (int i = 0; i < n; ++i) {
    const int32_t seq = batch.seq[static_cast<size_t>(i)];
    const int32_t pos = batch.pos[static_cast<size_t>(i)];
    const int32_t token = batch.token[static_cast<size_t>(i)];
    // Messages are built only on failure: validation runs for every token and must not allocate.
    auto where = [i] { return "decode: token " + std::to_string(i) + ": "; };
    if (token < 0 || token >= model_.config().n_vocab)
      return Status::InvalidArgument(where() + "token id out of range");
    if (seq < 0 || seq >= options_.n_seq_max)
      return Status::InvalidArgument(where() + "sequence id out of range");
    int32_t& length = grown_length_[static_cast<size_t>(seq)];
    if (!causal && pos != length) {
      return Status::InvalidArgument(
          where() + "position " + std::to_string(pos) + " of sequence " + std::to_string(seq) +
          ": a bidirectional model needs each sequence whole in one batch, positions "
          "0, 1, 2, ... in order");
    }
    if (model_.weights().position_embd != nullptr && pos >= model_.config().n_ctx_train) {
      return Status::OutOfRange(where() + "position " + std::to_string(pos) + " is beyond the model's " +
                                std::to_string(model_.config().n_ctx_train) + " position embeddings");
    }
    if (pos < 0 || pos > length) {
      return Status::InvalidArgument(where() + "position " + std::to_string(pos) +
                                     " does not continue sequence " + std::to_string(seq) + " (length " +
                                     std::to_string(length) + ")");
    }
    if (pos >= options_.n_ctx) return Status::OutOfRange(where() + "position beyond n_ctx");
    length = std::max(length, pos + 1);
    if (batch.wants_logits[static_cast<size_t>(i)] != 0) ++outputs;
  }
  if (outputs > options_.n_outputs_max) {
    return Status::OutOfRange("decode: " + std::to_string(outputs) +
                              " tokens want logits, n_outputs_max is " +
                              std::to_string(options_.n_outputs_max));
  }
  if (!causal) {
    n_outputs_ = outputs;
    return Status::Ok();
  }
  int blocks = 0;
  for (int s = 0; s < options_.n_seq_max; ++s)
    blocks += kv_.BlocksToGrow(s, grown_length_[static_cast<size_t>(s)]);
  if (blocks > kv_.free_blocks()) return Status::OutOfRange("decode: the KV cache is full");
  for (int s = 0; s < options_.n_seq_max; ++s)
    CORRAL_RETURN_IF_ERROR(kv_.Grow(s, grown_length_[static_cast<size_t>(s)]));
  n_outputs_ = outputs;
  return Status::Ok();
}

Status Context::Decode(const Batch& batch) {
  n_outputs_ = 0;
  CORRAL_RETURN_IF_ERROR(Validate(batch));
  const Config& c = model_.config();
  const Weights& w = model_.weights();
  Forward& f = *forward_;
  f.Begin(batch, kv_);
  f.Embed(w.token_embd, c.embedding_scale);
  if (c.is_embedding_only()) {
    // llama.cpp hard-codes token type 0 ("sentence A").
    if (w.token_types != nullptr) f.AddTableRow(*w.token_types, 0);
    if (w.position_embd != nullptr) f.AddPositionEmbeddings(*w.position_embd);
    f.LayerNorm(f.x(), w.embd_norm, w.embd_norm_b, f.x());
  }
  const BlockFn block = BlockFor(c.arch);
  for (int64_t layer = 0; layer < c.n_layer; ++layer) {
    CORRAL_RETURN_IF_ERROR(block(f, w.layers[static_cast<size_t>(layer)], static_cast<int>(layer)));
  }
  return f.Output(w, options_.embeddings ? std::span<float>() : std::span<float>(logits_));
}

std::span<const float> Context::Embedding(int i) const {
  const auto n_embd = static_cast<size_t>(model_.config().n_embd);
  return forward_->output_rows().subspan(static_cast<size_t>(i) * n_embd, n_embd);
}

}  // namespace corral::model
