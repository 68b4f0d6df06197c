// A llama-architecture model with random, seeded weights and a real tokenizer (every tokenizer.* key of a
// vocab GGUF), laid out exactly as ../shared/peer/mkgguf.mjs lays out its `--arch llama` models: the same
// metadata keys and types, the same tensor names, order, shapes and generator, so for the same shape and
// seed every tensor is bit-identical to mkgguf's and llama.cpp loads the file.
#pragma once

#include <cstdint>
#include <string>

#include "base/dtype.h"
#include "base/status.h"
#include "gguf/file.h"
#include "gguf/writer.h"

namespace corral::testmodel {

struct LlamaModelSpec {
  int64_t dim = 256;
  int64_t layers = 2;
  int64_t heads = 4;
  int64_t kv_heads = 2;
  int64_t ffn = 768;
  int64_t ctx = 4096;
  double rope_base = 500000;
  double rms_eps = 1e-5;
  bool tied = false;
  DType dtype = DType::kF16;  // of the 2-D weights; norms stay f32 as in converted models
  uint32_t seed = 1;
  double logit_std = 6;   // target std of the output logits (sets output_norm's scale)
  double norm_std = 0.2;  // spread of the RMSNorm weights around 1
  std::string name;       // general.name; derived from the shape when empty
};

// Adds the model's metadata and tensors (owned by the writer) to `out`. `vocab_label` names the vocab in
// general.name / general.description. InvalidArgument for an impossible shape or a vocab without tokens.
// REQUIRES: vocab outlives out->Write (the tokenizer values are copied at Set time, so in fact it need not).
Status BuildLlamaModel(const gguf::File& vocab, const std::string& vocab_label, const LlamaModelSpec& spec,
                       gguf::Writer* out);

}  // namespace corral::testmodel
