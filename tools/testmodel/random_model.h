// A model with random, seeded weights and a real tokenizer (every tokenizer.* key of a vocab GGUF), for
// tests.
//
// For the architectures ../shared/peer/mkgguf.mjs writes (llama, qwen2, qwen3, gemma3) the layout is
// exactly mkgguf's: the same metadata keys and types, tensor names, order, shapes, standard deviations and
// generator, so for the same shape and seed every tensor is bit-identical to mkgguf's and llama.cpp loads
// the file. phi3 (fused attn_qkv and gate|up, which mkgguf lacks) follows the same conventions, and so does
// bert (an embedding model: absolute position and token-type embeddings, LayerNorms with biases, biases on
// every projection, GELU; llama.cpp's tensor names and keys, with bert.pooling_type) and nomic-bert (bert
// with RoPE instead of position embeddings, a fused attn_qkv and a SwiGLU feed-forward, no biases but the
// LayerNorms', as nomic-embed-text has them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/dtype.h"
#include "base/status.h"
#include "gguf/file.h"
#include "gguf/writer.h"
#include "tensor/quant/file_type.h"

namespace corral::testmodel {

enum class Arch { kLlama, kQwen2, kQwen3, kGemma3, kPhi3, kBert, kNomicBert };

std::optional<Arch> ArchFromName(std::string_view name);
std::string_view ArchName(Arch arch);

struct ModelSpec {
  Arch arch = Arch::kLlama;
  int64_t dim = 256;
  int64_t layers = 2;
  int64_t heads = 4;
  int64_t kv_heads = 2;
  int64_t head_dim = 0;  // 0: dim / heads (llama, qwen2 and phi3 require that)
  int64_t ffn = 768;
  int64_t ctx = 4096;
  double rope_base =
      0;               // 0: the architecture's default (llama 500000, others 1000000; phi3 10000; nomic 1000)
  double rms_eps = 0;  // 0: llama/phi3 1e-5, others 1e-6
  double llama3_rope_factor = 0;  // > 0: Llama 3.1-style frequency scaling, written as rope_freqs.weight
  int64_t swa = 512;              // gemma3 sliding window (every 6th layer global)
  bool tied = false;
  uint32_t seed = 1;
  double logit_std = 6;       // target std of the output logits (sets output_norm's scale)
  double norm_std = 0.2;      // spread of the RMSNorm weights around 1
  double bias_std = 0.5;      // qwen2 q/k/v biases (bert's biases: a fifth of it)
  int pooling = 1;            // <bert arch>.pooling_type: llama.cpp's 0 none, 1 mean, 2 cls, 3 last
  double embd_std = 0;        // 0: 1/sqrt(dim) (gemma3: 1/dim, since it scales embeddings by sqrt(dim))
  std::string name;           // general.name; derived from the shape when empty
  std::string chat_template;  // tokenizer.chat_template; empty: the vocab's, if it has one

  // The matrices' type: every one `dtype` (f32/f16 as mkgguf; a quantized type as llama-quantize --pure of
  // the f32 model), or, when file_type is set, llama-quantize's mixture for that file type applied to the
  // f32 model (Q4_K_M: Q6_K output and some attn_v/ffn_down, ...).
  DType dtype = DType::kF16;
  std::optional<quant::FileType> file_type;
};

// Adds the model's metadata and tensors (owned by the writer) to `out`. `vocab_label` names the vocab in
// general.name / general.description. InvalidArgument for an impossible shape or a vocab without tokens.
Status BuildRandomModel(const gguf::File& vocab, const std::string& vocab_label, const ModelSpec& spec,
                        gguf::Writer* out);

}  // namespace corral::testmodel
