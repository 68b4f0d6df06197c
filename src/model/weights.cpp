#include "model/weights.h"

#include <set>
#include <string>

#include "tensor/quant/quant.h"

namespace corral::model {
namespace {

std::string ShapeText(std::initializer_list<int64_t> dims) {
  return gguf::MakeShape(dims).ToString();
}

class Binder {
 public:
  Binder(const gguf::File& file, std::span<const uint8_t> data_copy) : file_(file), data_copy_(data_copy) {}

  // Where the forward pass reads a tensor: in the copy when there is one. The file's parser checked that
  // every tensor lies inside the data section, which the copy holds whole.
  const uint8_t* Data(const gguf::TensorInfo& t) const {
    return data_copy_.empty() ? t.data.data() : data_copy_.data() + t.offset;
  }

  size_t bytes() const { return bytes_; }

  Result<const gguf::TensorInfo*> Find(const std::string& name, bool required) {
    const gguf::TensorInfo* t = file_.FindTensor(name);
    if (t == nullptr) {
      if (required) return Status::InvalidArgument("model: missing tensor '" + name + "'");
      return static_cast<const gguf::TensorInfo*>(nullptr);
    }
    if (counted_.insert(t).second) bytes_ += t->bytes;
    return t;
  }

  Status CheckShape(const gguf::TensorInfo& t, std::initializer_list<int64_t> dims) {
    if (t.shape != gguf::MakeShape(dims)) {
      return Status::InvalidArgument("model: tensor '" + std::string(t.name) + "' has shape " +
                                     t.shape.ToString() + ", expected " + ShapeText(dims));
    }
    return Status::Ok();
  }

  // A matrix of `rows` outputs × `cols` inputs (ggml shape [cols, rows]) that Matmul can use.
  Result<WeightView> Matrix(const std::string& name, int64_t cols, int64_t rows) {
    CORRAL_ASSIGN_OR_RETURN(const gguf::TensorInfo* t, Find(name, true));
    CORRAL_RETURN_IF_ERROR(CheckShape(*t, {cols, rows}));
    if (!CanMatmul(t->type) || cols % Traits(t->type).block_size != 0) {
      return Status::Unsupported("model: tensor '" + name + "' has type " + std::string(DTypeName(t->type)) +
                                 ", which the matmul kernels do not take for rows of " +
                                 std::to_string(cols));
    }
    WeightView w;
    w.type = t->type;
    w.data = Data(*t);
    w.rows = rows;
    w.cols = cols;
    w.row_stride = RowBytes(t->type, cols);
    return w;
  }

  // A table read one row at a time (token, position and type embeddings): [n_embd, rows ≥ min_rows], of a
  // type that dequantizes.
  Result<const gguf::TensorInfo*> Table(const std::string& name, int64_t n_embd, int64_t min_rows,
                                        bool required) {
    CORRAL_ASSIGN_OR_RETURN(const gguf::TensorInfo* t, Find(name, required));
    if (t == nullptr) return t;
    if (t->shape.n_dims != 2 || t->shape.ne[0] != n_embd || t->shape.ne[1] < min_rows) {
      return Status::InvalidArgument("model: tensor '" + name + "' has shape " + t->shape.ToString() +
                                     ", expected [" + std::to_string(n_embd) + ", ≥ " +
                                     std::to_string(min_rows) + "]");
    }
    if (!quant::CanDequantize(t->type)) {
      return Status::Unsupported("model: tensor '" + name + "' has type " + std::string(DTypeName(t->type)) +
                                 ", which cannot be dequantized");
    }
    return t;
  }

  // An f32 vector of n elements (norm weights, biases, rope factors); absent optional ones stay empty.
  Result<std::span<const float>> Vector(const std::string& name, int64_t n, bool required = true) {
    CORRAL_ASSIGN_OR_RETURN(const gguf::TensorInfo* t, Find(name, required));
    if (t == nullptr) return std::span<const float>();
    CORRAL_RETURN_IF_ERROR(CheckShape(*t, {n}));
    if (t->type != DType::kF32) {
      return Status::Unsupported("model: tensor '" + name + "' has type " + std::string(DTypeName(t->type)) +
                                 ", expected f32");
    }
    return std::span<const float>(reinterpret_cast<const float*>(Data(*t)), static_cast<size_t>(n));
  }

 private:
  const gguf::File& file_;
  std::span<const uint8_t> data_copy_;
  std::set<const gguf::TensorInfo*> counted_;
  size_t bytes_ = 0;
};

// Rows [first, first + n) of a matrix, as a matrix of their own (fused tensors split without copying).
WeightView RowRange(const WeightView& w, int64_t first, int64_t n) {
  WeightView r = w;
  r.data = static_cast<const uint8_t*>(w.data) + static_cast<size_t>(first) * w.row_stride;
  r.rows = n;
  return r;
}

// bert (llama.cpp's llama_model_bert): q/k/v fused or separate, every bias optional, LayerNorms with biases
// after the embeddings, after attention and after the feed-forward; no output head. nomic-bert: no position
// table (RoPE instead) and a gated feed-forward (ffn_gate), whose biases llama.cpp never applies.
Status BindBert(Binder& b, const Config& c, Weights& w) {
  const bool nomic = c.arch == Arch::kNomicBert;
  if (!nomic) {
    CORRAL_ASSIGN_OR_RETURN(w.position_embd, b.Table("position_embd.weight", c.n_embd, c.n_ctx_train, true));
  }
  CORRAL_ASSIGN_OR_RETURN(w.token_types, b.Table("token_types.weight", c.n_embd, 1, false));
  CORRAL_ASSIGN_OR_RETURN(w.embd_norm, b.Vector("token_embd_norm.weight", c.n_embd));
  CORRAL_ASSIGN_OR_RETURN(w.embd_norm_b, b.Vector("token_embd_norm.bias", c.n_embd));
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int64_t i = 0; i < c.n_layer; ++i) {
    LayerWeights& l = w.layers[static_cast<size_t>(i)];
    const std::string p = "blk." + std::to_string(i) + ".";
    CORRAL_ASSIGN_OR_RETURN(const gguf::TensorInfo* fused, b.Find(p + "attn_qkv.weight", false));
    if (fused != nullptr) {
      CORRAL_ASSIGN_OR_RETURN(WeightView qkv,
                              b.Matrix(p + "attn_qkv.weight", c.n_embd, c.q_dim() + c.k_dim() + c.v_dim()));
      l.wq = RowRange(qkv, 0, c.q_dim());
      l.wk = RowRange(qkv, c.q_dim(), c.k_dim());
      l.wv = RowRange(qkv, c.q_dim() + c.k_dim(), c.v_dim());
      CORRAL_ASSIGN_OR_RETURN(std::span<const float> bqkv,
                              b.Vector(p + "attn_qkv.bias", c.q_dim() + c.k_dim() + c.v_dim(), false));
      if (!bqkv.empty()) {
        l.bq = bqkv.subspan(0, static_cast<size_t>(c.q_dim()));
        l.bk = bqkv.subspan(static_cast<size_t>(c.q_dim()), static_cast<size_t>(c.k_dim()));
        l.bv = bqkv.subspan(static_cast<size_t>(c.q_dim() + c.k_dim()), static_cast<size_t>(c.v_dim()));
      }
    } else {
      CORRAL_ASSIGN_OR_RETURN(l.wq, b.Matrix(p + "attn_q.weight", c.n_embd, c.q_dim()));
      CORRAL_ASSIGN_OR_RETURN(l.wk, b.Matrix(p + "attn_k.weight", c.n_embd, c.k_dim()));
      CORRAL_ASSIGN_OR_RETURN(l.wv, b.Matrix(p + "attn_v.weight", c.n_embd, c.v_dim()));
    }
    // Separate biases may accompany a fused matrix in older files (llama.cpp looks for them too).
    if (l.bq.empty()) {
      CORRAL_ASSIGN_OR_RETURN(l.bq, b.Vector(p + "attn_q.bias", c.q_dim(), false));
      CORRAL_ASSIGN_OR_RETURN(l.bk, b.Vector(p + "attn_k.bias", c.k_dim(), false));
      CORRAL_ASSIGN_OR_RETURN(l.bv, b.Vector(p + "attn_v.bias", c.v_dim(), false));
    }
    CORRAL_ASSIGN_OR_RETURN(l.wo, b.Matrix(p + "attn_output.weight", c.n_head * c.head_dim_v, c.n_embd));
    CORRAL_ASSIGN_OR_RETURN(l.bo, b.Vector(p + "attn_output.bias", c.n_embd, false));
    CORRAL_ASSIGN_OR_RETURN(l.attn_out_norm, b.Vector(p + "attn_output_norm.weight", c.n_embd));
    CORRAL_ASSIGN_OR_RETURN(l.attn_out_norm_b, b.Vector(p + "attn_output_norm.bias", c.n_embd));
    CORRAL_ASSIGN_OR_RETURN(l.w_up, b.Matrix(p + "ffn_up.weight", c.n_embd, c.n_ff));
    CORRAL_ASSIGN_OR_RETURN(l.w_down, b.Matrix(p + "ffn_down.weight", c.n_ff, c.n_embd));
    if (nomic) {
      CORRAL_ASSIGN_OR_RETURN(l.w_gate, b.Matrix(p + "ffn_gate.weight", c.n_embd, c.n_ff));
    } else {
      CORRAL_ASSIGN_OR_RETURN(l.b_up, b.Vector(p + "ffn_up.bias", c.n_ff, false));
      CORRAL_ASSIGN_OR_RETURN(l.b_down, b.Vector(p + "ffn_down.bias", c.n_embd, false));
    }
    CORRAL_ASSIGN_OR_RETURN(l.layer_out_norm, b.Vector(p + "layer_output_norm.weight", c.n_embd));
    CORRAL_ASSIGN_OR_RETURN(l.layer_out_norm_b, b.Vector(p + "layer_output_norm.bias", c.n_embd));
  }
  return Status::Ok();
}

}  // namespace

Result<Weights> BindWeights(const gguf::File& file, Config& c, std::span<const uint8_t> data_copy) {
  if (!data_copy.empty() && data_copy.size() != file.file_size() - file.data_offset()) {
    return Status::Internal("model: the copied data section has " + std::to_string(data_copy.size()) +
                            " bytes, the file's " + std::to_string(file.file_size() - file.data_offset()));
  }
  Binder b(file, data_copy);
  Weights w;
  CORRAL_ASSIGN_OR_RETURN(const gguf::TensorInfo* token_embd, b.Find("token_embd.weight", true));
  if (token_embd->shape.n_dims != 2 || token_embd->shape.ne[0] != c.n_embd) {
    return Status::InvalidArgument("model: tensor 'token_embd.weight' has shape " +
                                   token_embd->shape.ToString() + ", expected [" + std::to_string(c.n_embd) +
                                   ", n_vocab]");
  }
  if (!quant::CanDequantize(token_embd->type)) {
    return Status::Unsupported("model: tensor 'token_embd.weight' has type " +
                               std::string(DTypeName(token_embd->type)) + ", which cannot be dequantized");
  }
  c.n_vocab = token_embd->shape.ne[1];
  w.token_embd.type = token_embd->type;
  w.token_embd.data = b.Data(*token_embd);
  w.token_embd.rows = c.n_vocab;
  w.token_embd.cols = c.n_embd;
  w.token_embd.row_stride = RowBytes(token_embd->type, c.n_embd);
  if (c.is_embedding_only()) {
    CORRAL_RETURN_IF_ERROR(BindBert(b, c, w));
    w.bytes = b.bytes();
    return w;
  }
  CORRAL_ASSIGN_OR_RETURN(w.output_norm, b.Vector("output_norm.weight", c.n_embd));
  CORRAL_ASSIGN_OR_RETURN(const gguf::TensorInfo* output, b.Find("output.weight", false));
  CORRAL_ASSIGN_OR_RETURN(
      w.output, b.Matrix(output != nullptr ? "output.weight" : "token_embd.weight", c.n_embd, c.n_vocab));
  // Llama 3 rope scaling: one table of n_rot/2 divisors for every layer.
  CORRAL_ASSIGN_OR_RETURN(std::span<const float> rope_factors,
                          b.Vector("rope_freqs.weight", c.rope_dims / 2, /*required=*/false));
  if (c.arch == Arch::kPhi3 && rope_factors.empty()) {
    // LongRoPE: llama.cpp uses the short factors while the context stays within the original length.
    CORRAL_ASSIGN_OR_RETURN(rope_factors, b.Vector("rope_factors_short.weight", c.rope_dims / 2, false));
  }

  const bool has_qk_norm = c.arch == Arch::kQwen3 || c.arch == Arch::kGemma3;
  w.layers.resize(static_cast<size_t>(c.n_layer));
  for (int64_t i = 0; i < c.n_layer; ++i) {
    LayerWeights& l = w.layers[static_cast<size_t>(i)];
    const std::string p = "blk." + std::to_string(i) + ".";
    l.rope_factors = rope_factors;
    CORRAL_ASSIGN_OR_RETURN(l.attn_norm, b.Vector(p + "attn_norm.weight", c.n_embd));
    if (c.arch == Arch::kPhi3) {
      CORRAL_ASSIGN_OR_RETURN(WeightView qkv,
                              b.Matrix(p + "attn_qkv.weight", c.n_embd, c.q_dim() + c.k_dim() + c.v_dim()));
      l.wq = RowRange(qkv, 0, c.q_dim());
      l.wk = RowRange(qkv, c.q_dim(), c.k_dim());
      l.wv = RowRange(qkv, c.q_dim() + c.k_dim(), c.v_dim());
    } else {
      CORRAL_ASSIGN_OR_RETURN(l.wq, b.Matrix(p + "attn_q.weight", c.n_embd, c.q_dim()));
      CORRAL_ASSIGN_OR_RETURN(l.wk, b.Matrix(p + "attn_k.weight", c.n_embd, c.k_dim()));
      CORRAL_ASSIGN_OR_RETURN(l.wv, b.Matrix(p + "attn_v.weight", c.n_embd, c.v_dim()));
    }
    if (c.arch == Arch::kQwen2) {
      CORRAL_ASSIGN_OR_RETURN(l.bq, b.Vector(p + "attn_q.bias", c.q_dim()));
      CORRAL_ASSIGN_OR_RETURN(l.bk, b.Vector(p + "attn_k.bias", c.k_dim()));
      CORRAL_ASSIGN_OR_RETURN(l.bv, b.Vector(p + "attn_v.bias", c.v_dim()));
    }
    if (has_qk_norm) {
      CORRAL_ASSIGN_OR_RETURN(l.q_norm, b.Vector(p + "attn_q_norm.weight", c.head_dim_k));
      CORRAL_ASSIGN_OR_RETURN(l.k_norm, b.Vector(p + "attn_k_norm.weight", c.head_dim_k));
    }
    CORRAL_ASSIGN_OR_RETURN(l.wo, b.Matrix(p + "attn_output.weight", c.n_head * c.head_dim_v, c.n_embd));
    CORRAL_ASSIGN_OR_RETURN(l.ffn_norm, b.Vector(p + "ffn_norm.weight", c.n_embd));
    if (c.arch == Arch::kPhi3) {
      CORRAL_ASSIGN_OR_RETURN(WeightView up, b.Matrix(p + "ffn_up.weight", c.n_embd, 2 * c.n_ff));
      // ggml's swiglu on the fused output activates the first half: silu(gate) · up.
      l.w_gate = RowRange(up, 0, c.n_ff);
      l.w_up = RowRange(up, c.n_ff, c.n_ff);
    } else {
      CORRAL_ASSIGN_OR_RETURN(l.w_gate, b.Matrix(p + "ffn_gate.weight", c.n_embd, c.n_ff));
      CORRAL_ASSIGN_OR_RETURN(l.w_up, b.Matrix(p + "ffn_up.weight", c.n_embd, c.n_ff));
    }
    CORRAL_ASSIGN_OR_RETURN(l.w_down, b.Matrix(p + "ffn_down.weight", c.n_ff, c.n_embd));
    if (c.arch == Arch::kGemma3) {
      CORRAL_ASSIGN_OR_RETURN(l.post_attn_norm, b.Vector(p + "post_attention_norm.weight", c.n_embd));
      CORRAL_ASSIGN_OR_RETURN(l.post_ffn_norm, b.Vector(p + "post_ffw_norm.weight", c.n_embd));
    }
  }
  w.bytes = b.bytes();
  return w;
}

}  // namespace corral::model
