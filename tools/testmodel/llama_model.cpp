#include "llama_model.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "base/fp16.h"
#include "tensor/quant/quant.h"
#include "weight_rng.h"

namespace corral::testmodel {
namespace {

std::vector<uint8_t> ToBytes(const std::vector<float>& values, DType type) {
  if (type == DType::kF32) {
    const auto* p = reinterpret_cast<const uint8_t*>(values.data());
    return {p, p + values.size() * sizeof(float)};
  }
  std::vector<uint8_t> out(values.size() * sizeof(uint16_t));
  for (size_t i = 0; i < values.size(); ++i) {
    const uint16_t h = Fp32ToFp16(values[i]);
    std::memcpy(out.data() + i * sizeof(h), &h, sizeof(h));
  }
  return out;
}

// Rows of ne0 elements quantized as llama-quantize --pure would (ggml_quantize_chunk, no imatrix).
Result<std::vector<uint8_t>> Quantize(const std::vector<float>& values, DType type, int64_t ne0,
                                      int64_t ne1) {
  std::vector<uint8_t> out(RowBytes(type, ne0) * static_cast<size_t>(ne1));
  CORRAL_RETURN_IF_ERROR(quant::QuantizeTensor(type, values.data(), out.data(), ne1, ne0, nullptr));
  return out;
}

// llama_ftype of a file whose matrices are all `type` (the _S variant for K-quants: no mixture).
uint32_t FileType(DType type) {
  switch (type) {
    case DType::kF32:
      return 0;
    case DType::kF16:
      return 1;
    case DType::kQ4_0:
      return 2;
    case DType::kQ4_1:
      return 3;
    case DType::kQ8_0:
      return 7;
    case DType::kQ5_0:
      return 8;
    case DType::kQ5_1:
      return 9;
    case DType::kQ2_K:
      return 10;
    case DType::kQ3_K:
      return 11;
    case DType::kQ4_K:
      return 14;
    case DType::kQ5_K:
      return 16;
    case DType::kQ6_K:
      return 18;
    case DType::kIQ4_NL:
      return 25;
    case DType::kIQ4_XS:
      return 30;
    case DType::kBF16:
      return 32;
    default:
      return 1024;  // LLAMA_FTYPE_GUESSED
  }
}

class ModelBuilder {
 public:
  ModelBuilder(const LlamaModelSpec& spec, gguf::Writer* out) : spec_(spec), out_(out) {}

  // A weight matrix [ne0, ne1] (ggml order) of spec.dtype with N(0, std^2) entries.
  Status Matrix(const std::string& name, int64_t ne0, int64_t ne1, double std_dev) {
    std::vector<float> values(static_cast<size_t>(ne0 * ne1));
    WeightRng(spec_.seed, name).Fill(values, std_dev);
    if (spec_.dtype == DType::kF32 || spec_.dtype == DType::kF16) {
      return out_->AddTensor(name, spec_.dtype, gguf::MakeShape({ne0, ne1}), ToBytes(values, spec_.dtype));
    }
    CORRAL_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, Quantize(values, spec_.dtype, ne0, ne1));
    return out_->AddTensor(name, spec_.dtype, gguf::MakeShape({ne0, ne1}), std::move(bytes));
  }

  // An f32 vector (norm weights) of N(mean, std^2) entries.
  Status Vector(const std::string& name, int64_t n, double std_dev, double mean) {
    std::vector<float> values(static_cast<size_t>(n));
    WeightRng(spec_.seed, name).Fill(values, std_dev, mean);
    return out_->AddTensor(name, DType::kF32, gguf::MakeShape({n}), ToBytes(values, DType::kF32));
  }

 private:
  const LlamaModelSpec& spec_;
  gguf::Writer* out_;
};

Status CheckSpec(const LlamaModelSpec& s) {
  for (int64_t v : {s.dim, s.layers, s.heads, s.kv_heads, s.ffn, s.ctx}) {
    if (v < 1 || v > (int64_t{1} << 24)) {
      return Status::InvalidArgument("dim, layers, heads, kv-heads, ffn and ctx must be in 1..2^24");
    }
  }
  if (s.heads % s.kv_heads != 0) {
    return Status::InvalidArgument("heads " + std::to_string(s.heads) + " must be a multiple of kv-heads " +
                                   std::to_string(s.kv_heads));
  }
  // The llama architecture has no key_length: head_dim is dim / heads, and RoPE rotates pairs.
  if (s.dim % s.heads != 0 || (s.dim / s.heads) % 2 != 0) {
    return Status::InvalidArgument("dim / heads must be an even integer");
  }
  if (s.dtype != DType::kF32 && s.dtype != DType::kF16 && !quant::CanQuantize(s.dtype))
    return Status::InvalidArgument("corral cannot quantize to " + std::string(DTypeName(s.dtype)));
  if (s.dim % Traits(s.dtype).block_size != 0 || s.ffn % Traits(s.dtype).block_size != 0) {
    return Status::InvalidArgument("dim and ffn must be multiples of " + std::string(DTypeName(s.dtype)) +
                                   "'s block size " + std::to_string(Traits(s.dtype).block_size));
  }
  return Status::Ok();
}

}  // namespace

Status BuildLlamaModel(const gguf::File& vocab, const std::string& vocab_label, const LlamaModelSpec& spec,
                       gguf::Writer* out) {
  CORRAL_RETURN_IF_ERROR(CheckSpec(spec));
  CORRAL_ASSIGN_OR_RETURN(const gguf::Array* tokens, vocab.GetArray("tokenizer.ggml.tokens"));
  if (tokens->element_type() != gguf::ValueType::kString || tokens->empty()) {
    return Status::InvalidArgument("the vocab's tokenizer.ggml.tokens is not a non-empty string array");
  }
  const auto n_vocab = static_cast<int64_t>(tokens->size());
  const int64_t dim = spec.dim;
  const int64_t head_dim = dim / spec.heads;
  const std::string seed = std::to_string(spec.seed);

  // Metadata: mkgguf.mjs's keys, types and order for --arch llama.
  out->SetString("general.architecture", "llama");
  out->SetString("general.type", "model");
  out->SetString("general.name", spec.name.empty()
                                     ? "random llama " + vocab_label + " d" + std::to_string(dim) + " l" +
                                           std::to_string(spec.layers)
                                     : spec.name);
  char description[256];
  std::snprintf(description, sizeof(description),
                "random weights (corral-testmodel seed=%s logit-std=%g norm-std=%g) with the %s tokenizer",
                seed.c_str(), spec.logit_std, spec.norm_std, vocab_label.c_str());
  out->SetString("general.description", description);
  out->SetU32("general.file_type", FileType(spec.dtype));
  out->SetU32("llama.vocab_size", static_cast<uint32_t>(n_vocab));
  out->SetU32("llama.context_length", static_cast<uint32_t>(spec.ctx));
  out->SetU32("llama.embedding_length", static_cast<uint32_t>(dim));
  out->SetU32("llama.block_count", static_cast<uint32_t>(spec.layers));
  out->SetU32("llama.feed_forward_length", static_cast<uint32_t>(spec.ffn));
  out->SetU32("llama.attention.head_count", static_cast<uint32_t>(spec.heads));
  out->SetU32("llama.attention.head_count_kv", static_cast<uint32_t>(spec.kv_heads));
  out->SetF32("llama.rope.freq_base", static_cast<float>(spec.rope_base));
  out->SetF32("llama.attention.layer_norm_rms_epsilon", static_cast<float>(spec.rms_eps));
  out->SetU32("llama.rope.dimension_count", static_cast<uint32_t>(head_dim));
  for (const gguf::KeyValue& kv : vocab.metadata()) {
    if (kv.key.starts_with("tokenizer.")) out->SetValue(kv.key, kv.value);
  }
  out->SetU32("general.quantization_version", 2);

  // Tensors, in mkgguf's order, with its standard deviations: every matrix ~ N(0, 1/fan_in), norm weights
  // ~ 1 + N(0, norm_std^2), and output_norm scaled so that logits have std ~ logit_std.
  ModelBuilder b(spec, out);
  const double embd_std = 1 / std::sqrt(static_cast<double>(dim));
  CORRAL_RETURN_IF_ERROR(b.Matrix("token_embd.weight", dim, n_vocab, embd_std));
  const int64_t q_dim = spec.heads * head_dim;
  const int64_t kv_dim = spec.kv_heads * head_dim;
  for (int64_t layer = 0; layer < spec.layers; ++layer) {
    const std::string p = "blk." + std::to_string(layer) + ".";
    CORRAL_RETURN_IF_ERROR(b.Vector(p + "attn_norm.weight", dim, spec.norm_std, 1));
    CORRAL_RETURN_IF_ERROR(
        b.Matrix(p + "attn_q.weight", dim, q_dim, 1 / std::sqrt(static_cast<double>(dim))));
    CORRAL_RETURN_IF_ERROR(
        b.Matrix(p + "attn_k.weight", dim, kv_dim, 1 / std::sqrt(static_cast<double>(dim))));
    CORRAL_RETURN_IF_ERROR(
        b.Matrix(p + "attn_v.weight", dim, kv_dim, 1 / std::sqrt(static_cast<double>(dim))));
    CORRAL_RETURN_IF_ERROR(
        b.Matrix(p + "attn_output.weight", q_dim, dim, 1 / std::sqrt(static_cast<double>(q_dim))));
    CORRAL_RETURN_IF_ERROR(b.Vector(p + "ffn_norm.weight", dim, spec.norm_std, 1));
    CORRAL_RETURN_IF_ERROR(
        b.Matrix(p + "ffn_gate.weight", dim, spec.ffn, 1 / std::sqrt(static_cast<double>(dim))));
    CORRAL_RETURN_IF_ERROR(
        b.Matrix(p + "ffn_up.weight", dim, spec.ffn, 1 / std::sqrt(static_cast<double>(dim))));
    CORRAL_RETURN_IF_ERROR(
        b.Matrix(p + "ffn_down.weight", spec.ffn, dim, 1 / std::sqrt(static_cast<double>(spec.ffn))));
  }
  // logits = (output_norm ⊙ rmsnorm(h)) · W_out with rms(rmsnorm(h)) = 1, so std(logit) ≈ g·std(W_out)·√dim.
  const double out_std = spec.tied ? embd_std : 1 / std::sqrt(static_cast<double>(dim));
  const double g = spec.logit_std / (out_std * std::sqrt(static_cast<double>(dim)));
  CORRAL_RETURN_IF_ERROR(b.Vector("output_norm.weight", dim, spec.norm_std * g, g));
  if (!spec.tied) CORRAL_RETURN_IF_ERROR(b.Matrix("output.weight", dim, n_vocab, out_std));
  return Status::Ok();
}

}  // namespace corral::testmodel
