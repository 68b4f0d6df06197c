#include "random_model.h"

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

// Rows of ne0 elements quantized as llama-quantize would (ggml_quantize_chunk, no imatrix).
Result<std::vector<uint8_t>> Quantize(const std::vector<float>& values, DType type, int64_t ne0,
                                      int64_t ne1) {
  std::vector<uint8_t> out(RowBytes(type, ne0) * static_cast<size_t>(ne1));
  CORRAL_RETURN_IF_ERROR(quant::QuantizeTensor(type, values.data(), out.data(), ne1, ne0, nullptr));
  return out;
}

// How one tensor's values are made: a seeded N(mean, std²) fill, or given values (rope_freqs).
struct Recipe {
  std::string name;
  std::vector<int64_t> shape;  // ggml order
  double std_dev = 0;
  double mean = 0;
  bool matrix = false;  // 2-D weights take the model's type; vectors stay f32
  std::vector<float> values;
};

class RecipeList {
 public:
  void Matrix(std::string name, int64_t ne0, int64_t ne1, double std_dev) {
    recipes_.push_back({std::move(name), {ne0, ne1}, std_dev, 0, true, {}});
  }
  // A 2-D table kept in f32 whatever the model's type (bert's token_types: ggml cannot add an f16 row to
  // f32 activations, so llama.cpp's converter keeps it f32).
  void F32Table(std::string name, int64_t ne0, int64_t ne1, double std_dev) {
    recipes_.push_back({std::move(name), {ne0, ne1}, std_dev, 0, false, {}});
  }
  void Vector(std::string name, int64_t n, double std_dev, double mean) {
    recipes_.push_back({std::move(name), {n}, std_dev, mean, false, {}});
  }
  void Values(std::string name, std::vector<float> values) {
    const auto n = static_cast<int64_t>(values.size());
    recipes_.push_back({std::move(name), {n}, 0, 0, false, std::move(values)});
  }
  const std::vector<Recipe>& recipes() const { return recipes_; }

 private:
  std::vector<Recipe> recipes_;
};

// Llama 3.1+ frequency scaling (low 1, high 4, original context 8192): per rotary pair a divisor of the
// rotation frequency, as mkgguf.mjs computes it (in double, stored as f32).
std::vector<float> Llama3RopeFactors(int64_t head_dim, double base, double factor) {
  constexpr double kLow = 1, kHigh = 4, kOldCtx = 8192;
  const double low_wavelen = kOldCtx / kLow;
  const double high_wavelen = kOldCtx / kHigh;
  std::vector<float> out(static_cast<size_t>(head_dim / 2));
  for (int64_t i = 0; i < head_dim / 2; ++i) {
    const double freq = 1 / std::pow(base, static_cast<double>(2 * i) / static_cast<double>(head_dim));
    const double wavelen = 2 * M_PI / freq;
    double f;
    if (wavelen < high_wavelen) {
      f = 1;
    } else if (wavelen > low_wavelen) {
      f = factor;
    } else {
      const double smooth = (kOldCtx / wavelen - kLow) / (kHigh - kLow);
      f = 1 / ((1 - smooth) / factor + smooth);
    }
    out[static_cast<size_t>(i)] = static_cast<float>(f);
  }
  return out;
}

double Resolved(double value, double fallback) {
  return value != 0 ? value : fallback;
}

struct Shape {
  int64_t head_dim;
  double rope_base;
  double rms_eps;
  double embd_std;
};

Shape ResolveShape(const ModelSpec& s) {
  const bool llama_like = s.arch == Arch::kLlama || s.arch == Arch::kPhi3;
  return {s.head_dim != 0 ? s.head_dim : s.dim / s.heads,
          Resolved(s.rope_base, s.arch == Arch::kLlama       ? 500000
                                : s.arch == Arch::kPhi3      ? 10000
                                : s.arch == Arch::kNomicBert ? 1000
                                                             : 1000000),
          Resolved(s.rms_eps, llama_like ? 1e-5 : 1e-6),
          Resolved(s.embd_std, s.arch == Arch::kGemma3 ? 1 / static_cast<double>(s.dim)
                                                       : 1 / std::sqrt(static_cast<double>(s.dim)))};
}

Status CheckSpec(const ModelSpec& s, const Shape& shape) {
  for (int64_t v : {s.dim, s.layers, s.heads, s.kv_heads, s.ffn, s.ctx}) {
    if (v < 1 || v > (int64_t{1} << 24)) {
      return Status::InvalidArgument("dim, layers, heads, kv-heads, ffn and ctx must be in 1..2^24");
    }
  }
  if (s.heads % s.kv_heads != 0) {
    return Status::InvalidArgument("heads " + std::to_string(s.heads) + " must be a multiple of kv-heads " +
                                   std::to_string(s.kv_heads));
  }
  if (shape.head_dim < 2 || shape.head_dim % 2 != 0) {
    return Status::InvalidArgument("the head dimension must be an even integer (RoPE rotates pairs)");
  }
  const bool fixed_head_dim = s.arch == Arch::kLlama || s.arch == Arch::kQwen2 || s.arch == Arch::kPhi3 ||
                              s.arch == Arch::kBert || s.arch == Arch::kNomicBert;
  if (fixed_head_dim && shape.head_dim * s.heads != s.dim) {
    return Status::InvalidArgument(std::string(ArchName(s.arch)) + " needs head-dim * heads == dim");
  }
  if ((s.arch == Arch::kBert || s.arch == Arch::kNomicBert) && (s.pooling < 0 || s.pooling > 3)) {
    return Status::InvalidArgument("bert pooling must be 0 (none), 1 (mean), 2 (cls) or 3 (last)");
  }
  if (s.llama3_rope_factor > 0 && s.arch != Arch::kLlama) {
    return Status::InvalidArgument("llama3 rope scaling is for the llama architecture");
  }
  const DType type = s.file_type ? quant::BaseType(*s.file_type) : s.dtype;
  if (type != DType::kF32 && type != DType::kF16 && !quant::CanQuantize(type))
    return Status::InvalidArgument("corral cannot quantize to " + std::string(DTypeName(type)));
  if (!s.file_type && (s.dim % Traits(type).block_size != 0 || s.ffn % Traits(type).block_size != 0)) {
    return Status::InvalidArgument("dim and ffn must be multiples of " + std::string(DTypeName(type)) +
                                   "'s block size " + std::to_string(Traits(type).block_size));
  }
  return Status::Ok();
}

// bert, in the order llama.cpp's converter writes it: matrices ~ N(0, 1/fan_in); the embedding tables
// ~ N(0, embd_std²) (their sum is LayerNormed at once, so only their relative sizes matter); LayerNorm
// weights ~ 1 + N(0, norm_std²); every bias and LayerNorm bias ~ N(0, (bias_std / 5)²), small enough that
// the attention stays spread over the sequence.
RecipeList PlanBertTensors(const ModelSpec& spec, const Shape& shape, int64_t n_vocab) {
  const int64_t dim = spec.dim;
  const auto inv_sqrt = [](int64_t n) { return 1 / std::sqrt(static_cast<double>(n)); };
  const double bias_std = spec.bias_std / 5;
  const bool nomic = spec.arch == Arch::kNomicBert;
  RecipeList r;
  r.Matrix("token_embd.weight", dim, n_vocab, shape.embd_std);
  r.F32Table("token_types.weight", dim, 2, shape.embd_std);
  if (!nomic) r.Matrix("position_embd.weight", dim, spec.ctx, shape.embd_std);
  r.Vector("token_embd_norm.weight", dim, spec.norm_std, 1);
  r.Vector("token_embd_norm.bias", dim, bias_std, 0);
  for (int64_t layer = 0; layer < spec.layers; ++layer) {
    const std::string p = "blk." + std::to_string(layer) + ".";
    if (nomic) {
      r.Matrix(p + "attn_qkv.weight", dim, 3 * dim, inv_sqrt(dim));
    } else {
      for (const char* qkv : {"attn_q", "attn_k", "attn_v"}) {
        r.Matrix(p + qkv + ".weight", dim, dim, inv_sqrt(dim));
        r.Vector(p + qkv + ".bias", dim, bias_std, 0);
      }
    }
    r.Matrix(p + "attn_output.weight", dim, dim, inv_sqrt(dim));
    if (!nomic) r.Vector(p + "attn_output.bias", dim, bias_std, 0);
    r.Vector(p + "attn_output_norm.weight", dim, spec.norm_std, 1);
    r.Vector(p + "attn_output_norm.bias", dim, bias_std, 0);
    r.Matrix(p + "ffn_up.weight", dim, spec.ffn, inv_sqrt(dim));
    if (nomic) r.Matrix(p + "ffn_gate.weight", dim, spec.ffn, inv_sqrt(dim));
    if (!nomic) r.Vector(p + "ffn_up.bias", spec.ffn, bias_std, 0);
    r.Matrix(p + "ffn_down.weight", spec.ffn, dim, inv_sqrt(spec.ffn));
    if (!nomic) r.Vector(p + "ffn_down.bias", dim, bias_std, 0);
    r.Vector(p + "layer_output_norm.weight", dim, spec.norm_std, 1);
    r.Vector(p + "layer_output_norm.bias", dim, bias_std, 0);
  }
  return r;
}

// Tensors in mkgguf's order, with its standard deviations: every matrix ~ N(0, 1/fan_in), norm weights
// ~ 1 + N(0, norm_std²), and output_norm scaled so that logits have std ≈ logit_std.
RecipeList PlanTensors(const ModelSpec& spec, const Shape& shape, int64_t n_vocab) {
  const int64_t dim = spec.dim;
  const int64_t q_dim = spec.heads * shape.head_dim;
  const int64_t kv_dim = spec.kv_heads * shape.head_dim;
  const auto inv_sqrt = [](int64_t n) { return 1 / std::sqrt(static_cast<double>(n)); };
  const bool qk_norm = spec.arch == Arch::kQwen3 || spec.arch == Arch::kGemma3;
  const bool gemma = spec.arch == Arch::kGemma3;
  RecipeList r;
  r.Matrix("token_embd.weight", dim, n_vocab, shape.embd_std);
  if (spec.llama3_rope_factor > 0) {
    r.Values("rope_freqs.weight",
             Llama3RopeFactors(shape.head_dim, shape.rope_base, spec.llama3_rope_factor));
  }
  for (int64_t layer = 0; layer < spec.layers; ++layer) {
    const std::string p = "blk." + std::to_string(layer) + ".";
    r.Vector(p + "attn_norm.weight", dim, spec.norm_std, 1);
    if (spec.arch == Arch::kPhi3) {
      r.Matrix(p + "attn_qkv.weight", dim, q_dim + 2 * kv_dim, inv_sqrt(dim));
    } else {
      r.Matrix(p + "attn_q.weight", dim, q_dim, inv_sqrt(dim));
      r.Matrix(p + "attn_k.weight", dim, kv_dim, inv_sqrt(dim));
      r.Matrix(p + "attn_v.weight", dim, kv_dim, inv_sqrt(dim));
    }
    if (spec.arch == Arch::kQwen2) {
      r.Vector(p + "attn_q.bias", q_dim, spec.bias_std, 0);
      r.Vector(p + "attn_k.bias", kv_dim, spec.bias_std, 0);
      r.Vector(p + "attn_v.bias", kv_dim, spec.bias_std, 0);
    }
    if (qk_norm) {
      r.Vector(p + "attn_q_norm.weight", shape.head_dim, spec.norm_std, 1);
      r.Vector(p + "attn_k_norm.weight", shape.head_dim, spec.norm_std, 1);
    }
    r.Matrix(p + "attn_output.weight", q_dim, dim, inv_sqrt(q_dim));
    if (gemma) r.Vector(p + "post_attention_norm.weight", dim, spec.norm_std, 1);
    r.Vector(p + "ffn_norm.weight", dim, spec.norm_std, 1);
    if (spec.arch == Arch::kPhi3) {
      r.Matrix(p + "ffn_up.weight", dim, 2 * spec.ffn, inv_sqrt(dim));  // gate rows, then up rows
    } else {
      r.Matrix(p + "ffn_gate.weight", dim, spec.ffn, inv_sqrt(dim));
      r.Matrix(p + "ffn_up.weight", dim, spec.ffn, inv_sqrt(dim));
    }
    r.Matrix(p + "ffn_down.weight", spec.ffn, dim, inv_sqrt(spec.ffn));
    if (gemma) r.Vector(p + "post_ffw_norm.weight", dim, spec.norm_std, 1);
  }
  // logits = (output_norm ⊙ rmsnorm(h)) · W_out with rms(rmsnorm(h)) = 1, so std(logit) ≈ g·std(W_out)·√dim.
  const double out_std = spec.tied ? shape.embd_std : inv_sqrt(dim);
  const double g = spec.logit_std / (out_std * std::sqrt(static_cast<double>(dim)));
  r.Vector("output_norm.weight", dim, spec.norm_std * g, g);
  if (!spec.tied) r.Matrix("output.weight", dim, n_vocab, out_std);
  return r;
}

// The type of every tensor: f32 for vectors; the spec's dtype, or the file type's mixture, for matrices.
Result<std::vector<DType>> PlanTypes(const ModelSpec& spec, const std::vector<Recipe>& recipes) {
  if (!spec.file_type) {
    std::vector<DType> types;
    for (const Recipe& r : recipes) types.push_back(r.matrix ? spec.dtype : DType::kF32);
    return types;
  }
  std::vector<quant::TensorToQuantize> tensors;
  for (const Recipe& r : recipes) tensors.push_back({r.name, r.shape, DType::kF32});
  return quant::PlanMixture(*spec.file_type, tensors,
                            {.n_layers = spec.layers, .n_heads = spec.heads, .n_kv_heads = spec.kv_heads});
}

Status AddTensor(const ModelSpec& spec, const Recipe& recipe, DType type, gguf::Writer* out) {
  std::vector<float> values = recipe.values;
  if (values.empty()) {
    int64_t n = 1;
    for (int64_t d : recipe.shape) n *= d;
    values.resize(static_cast<size_t>(n));
    WeightRng(spec.seed, recipe.name).Fill(values, recipe.std_dev, recipe.mean);
  }
  gguf::Shape shape = recipe.shape.size() == 1 ? gguf::MakeShape({recipe.shape[0]})
                                               : gguf::MakeShape({recipe.shape[0], recipe.shape[1]});
  if (type == DType::kF32 || type == DType::kF16) {
    return out->AddTensor(recipe.name, type, shape, ToBytes(values, type));
  }
  const int64_t ne1 = recipe.shape.size() > 1 ? recipe.shape[1] : 1;
  CORRAL_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, Quantize(values, type, recipe.shape[0], ne1));
  return out->AddTensor(recipe.name, type, shape, std::move(bytes));
}

}  // namespace

std::optional<Arch> ArchFromName(std::string_view name) {
  for (Arch a : {Arch::kLlama, Arch::kQwen2, Arch::kQwen3, Arch::kGemma3, Arch::kPhi3, Arch::kBert,
                 Arch::kNomicBert}) {
    if (ArchName(a) == name) return a;
  }
  return std::nullopt;
}

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
  return "llama";
}

Status BuildRandomModel(const gguf::File& vocab, const std::string& vocab_label, const ModelSpec& spec,
                        gguf::Writer* out) {
  const Shape shape = ResolveShape(spec);
  CORRAL_RETURN_IF_ERROR(CheckSpec(spec, shape));
  CORRAL_ASSIGN_OR_RETURN(const gguf::Array* tokens, vocab.GetArray("tokenizer.ggml.tokens"));
  if (tokens->element_type() != gguf::ValueType::kString || tokens->empty()) {
    return Status::InvalidArgument("the vocab's tokenizer.ggml.tokens is not a non-empty string array");
  }
  const auto n_vocab = static_cast<int64_t>(tokens->size());
  const std::string a(ArchName(spec.arch));
  const std::string seed = std::to_string(spec.seed);
  const bool bert = spec.arch == Arch::kBert || spec.arch == Arch::kNomicBert;
  const RecipeList recipes = bert ? PlanBertTensors(spec, shape, n_vocab) : PlanTensors(spec, shape, n_vocab);
  CORRAL_ASSIGN_OR_RETURN(std::vector<DType> types, PlanTypes(spec, recipes.recipes()));

  // Metadata: mkgguf.mjs's keys, types and order.
  out->SetString("general.architecture", a);
  out->SetString("general.type", "model");
  out->SetString("general.name", spec.name.empty()
                                     ? "random " + a + " " + vocab_label + " d" + std::to_string(spec.dim) +
                                           " l" + std::to_string(spec.layers)
                                     : spec.name);
  char description[256];
  std::snprintf(description, sizeof(description),
                "random weights (corral-testmodel seed=%s logit-std=%g norm-std=%g) with the %s tokenizer",
                seed.c_str(), spec.logit_std, spec.norm_std, vocab_label.c_str());
  out->SetString("general.description", description);
  out->SetU32("general.file_type",
              spec.file_type ? static_cast<uint32_t>(*spec.file_type) : quant::FileTypeOfPure(spec.dtype));
  const auto u32 = [](int64_t v) { return static_cast<uint32_t>(v); };
  out->SetU32(a + ".vocab_size", u32(n_vocab));
  out->SetU32(a + ".context_length", u32(spec.ctx));
  out->SetU32(a + ".embedding_length", u32(spec.dim));
  out->SetU32(a + ".block_count", u32(spec.layers));
  out->SetU32(a + ".feed_forward_length", u32(spec.ffn));
  out->SetU32(a + ".attention.head_count", u32(spec.heads));
  out->SetU32(a + ".attention.head_count_kv", u32(spec.kv_heads));
  if (bert) {
    // BERT's LayerNorm epsilon (1e-12 in bert-base and bge), bidirectional attention, the pooling.
    out->SetF32(a + ".attention.layer_norm_epsilon", 1e-12f);
    out->SetBool(a + ".attention.causal", false);
    out->SetU32(a + ".pooling_type", static_cast<uint32_t>(spec.pooling));
    if (spec.arch == Arch::kNomicBert)
      out->SetF32(a + ".rope.freq_base", static_cast<float>(shape.rope_base));
  } else {
    out->SetF32(a + ".rope.freq_base", static_cast<float>(shape.rope_base));
    out->SetF32(a + ".attention.layer_norm_rms_epsilon", static_cast<float>(shape.rms_eps));
  }
  if (spec.arch == Arch::kLlama || spec.arch == Arch::kPhi3) {
    out->SetU32(a + ".rope.dimension_count", u32(shape.head_dim));
  }
  if (spec.arch == Arch::kQwen3 || spec.arch == Arch::kGemma3 || shape.head_dim * spec.heads != spec.dim) {
    out->SetU32(a + ".attention.key_length", u32(shape.head_dim));
    out->SetU32(a + ".attention.value_length", u32(shape.head_dim));
  }
  if (spec.arch == Arch::kGemma3) {
    out->SetU32(a + ".attention.sliding_window", u32(spec.swa));
    out->SetF32(a + ".rope.freq_base_swa", 10000);
  }
  for (const gguf::KeyValue& kv : vocab.metadata()) {
    if (kv.key.starts_with("tokenizer.")) out->SetValue(kv.key, kv.value);
  }
  // llama.cpp refuses a bert without a token type count (the bert vocabs carry it; others do not).
  if (bert && vocab.Find("tokenizer.ggml.token_type_count") == nullptr) {
    out->SetU32("tokenizer.ggml.token_type_count", 2);
  }
  if (!spec.chat_template.empty()) out->SetString("tokenizer.chat_template", spec.chat_template);
  out->SetU32("general.quantization_version", 2);

  for (size_t i = 0; i < recipes.recipes().size(); ++i) {
    CORRAL_RETURN_IF_ERROR(AddTensor(spec, recipes.recipes()[i], types[i], out));
  }
  return Status::Ok();
}

}  // namespace corral::testmodel
