// corral-testmodel: writes a llama-architecture GGUF with random, seeded weights and the tokenizer of a vocab
// GGUF, for tests (not a user command). Same shape and seed as ../shared/peer/mkgguf.mjs --arch llama ⇒ the
// same tensor bytes.
//
//   corral-testmodel --vocab build/testdata/models/ggml-vocab-llama-bpe.gguf --out /tmp/m.gguf
//       --dim 64 --layers 1 --heads 2 --kv-heads 1 --ffn 128 --dtype f16 --seed 7
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <optional>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "llama_model.h"

namespace {

int Fail(const corral::Status& status) {
  std::fprintf(stderr, "corral-testmodel: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"corral-testmodel: write a random-weight llama GGUF with a real tokenizer (for tests)"};
  corral::testmodel::LlamaModelSpec spec;
  std::string vocab_path;
  std::string out_path;
  std::string dtype = "f16";
  app.add_option("--vocab", vocab_path, "vocab GGUF whose tokenizer.* keys are copied")->required();
  app.add_option("--out", out_path, "output GGUF")->required();
  app.add_option("--dim", spec.dim, "embedding length")->capture_default_str();
  app.add_option("--layers", spec.layers, "block count")->capture_default_str();
  app.add_option("--heads", spec.heads, "attention heads")->capture_default_str();
  app.add_option("--kv-heads", spec.kv_heads, "key/value heads")->capture_default_str();
  app.add_option("--ffn", spec.ffn, "feed-forward length")->capture_default_str();
  app.add_option("--ctx", spec.ctx, "context length written to the file")->capture_default_str();
  app.add_option("--rope-base", spec.rope_base, "RoPE frequency base")->capture_default_str();
  app.add_option("--rms-eps", spec.rms_eps, "RMSNorm epsilon")->capture_default_str();
  app.add_flag("--tied", spec.tied, "tie output to token_embd (no output.weight)");
  app.add_option("--dtype", dtype,
                 "type of the 2-D weights: f32, f16 (as mkgguf.mjs), or any type corral quantizes to "
                 "(q8_0, q4_0, q4_K, q6_K, ...: every matrix in that type, like llama-quantize --pure)")
      ->capture_default_str();
  app.add_option("--seed", spec.seed, "uint32 seed")->capture_default_str();
  app.add_option("--logit-std", spec.logit_std, "target std of the logits")->capture_default_str();
  app.add_option("--norm-std", spec.norm_std, "spread of RMSNorm weights around 1")->capture_default_str();
  app.add_option("--name", spec.name, "general.name");
  CLI11_PARSE(app, argc, argv);

  std::optional<corral::DType> type = corral::DTypeFromName(dtype);
  if (!type) return Fail(corral::Status::InvalidArgument("--dtype: unknown type " + dtype));
  spec.dtype = *type;
  corral::Result<corral::gguf::File> vocab = corral::gguf::File::Open(vocab_path);
  if (!vocab.ok()) return Fail(vocab.status());
  // "ggml-vocab-llama-bpe.gguf" -> "llama-bpe" for general.name.
  std::string label = std::filesystem::path(vocab_path).stem().string();
  if (label.starts_with("ggml-vocab-")) label.erase(0, 11);

  corral::gguf::Writer writer;
  if (corral::Status s = corral::testmodel::BuildLlamaModel(*vocab, label, spec, &writer); !s.ok())
    return Fail(s);
  if (corral::Status s = writer.Write(out_path); !s.ok()) return Fail(s);
  std::printf("corral-testmodel: wrote %s\n", out_path.c_str());
  return 0;
}
