// corral-testmodel: writes a GGUF (llama, qwen2, qwen3, gemma3 or phi3) with random, seeded weights and the
// tokenizer of a vocab GGUF, for tests (not a user command). Same shape and seed as ../shared/peer/mkgguf.mjs
// ⇒ the same tensor bytes.
//
//   corral-testmodel --vocab build/testdata/models/ggml-vocab-llama-bpe.gguf --out /tmp/m.gguf
//       --dim 64 --layers 1 --heads 2 --kv-heads 1 --ffn 128 --dtype f16 --seed 7
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "random_model.h"
#include "tensor/quant/file_type.h"

namespace {

int Fail(const corral::Status& status) {
  std::fprintf(stderr, "corral-testmodel: %s\n", status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"corral-testmodel: write a random-weight GGUF with a real tokenizer (for tests)"};
  corral::testmodel::ModelSpec spec;
  std::string arch = "llama";
  std::string rope_scaling = "none";
  std::string vocab_path;
  std::string out_path;
  std::string dtype = "f16";
  app.add_option("--vocab", vocab_path, "vocab GGUF whose tokenizer.* keys are copied")->required();
  app.add_option("--out", out_path, "output GGUF")->required();
  app.add_option("--arch", arch, "llama, qwen2, qwen3, gemma3, phi3, bert or nomic-bert")
      ->capture_default_str();
  app.add_option("--dim", spec.dim, "embedding length")->capture_default_str();
  app.add_option("--layers", spec.layers, "block count")->capture_default_str();
  app.add_option("--heads", spec.heads, "attention heads")->capture_default_str();
  app.add_option("--kv-heads", spec.kv_heads, "key/value heads")->capture_default_str();
  app.add_option("--head-dim", spec.head_dim, "per-head size (default dim/heads; qwen3/gemma3 may differ)");
  app.add_option("--ffn", spec.ffn, "feed-forward length")->capture_default_str();
  app.add_option("--ctx", spec.ctx, "context length written to the file")->capture_default_str();
  app.add_option("--rope-base", spec.rope_base,
                 "RoPE frequency base (default llama 500000, phi3 10000, others 1000000)");
  app.add_option("--rope-scaling", rope_scaling, "none | llama3:FACTOR (writes rope_freqs.weight)")
      ->capture_default_str();
  app.add_option("--rms-eps", spec.rms_eps, "RMSNorm epsilon (default llama/phi3 1e-5, others 1e-6)");
  app.add_option("--swa", spec.swa, "gemma3 sliding window (every 6th layer global)")->capture_default_str();
  app.add_flag("--tied", spec.tied, "tie output to token_embd (no output.weight)");
  app.add_option("--dtype", dtype,
                 "type of the 2-D weights: f32, f16 (as mkgguf.mjs), or any type corral quantizes to "
                 "(q8_0, q4_0, q4_K, q6_K, ...: every matrix in that type, like llama-quantize --pure)")
      ->capture_default_str();
  std::string pooling = "mean";
  app.add_option("--pooling", pooling, "bert/nomic-bert pooling_type: none, mean, cls or last")
      ->capture_default_str();
  app.add_option("--seed", spec.seed, "uint32 seed")->capture_default_str();
  app.add_option("--logit-std", spec.logit_std, "target std of the logits")->capture_default_str();
  app.add_option("--norm-std", spec.norm_std, "spread of RMSNorm weights around 1")->capture_default_str();
  app.add_option("--bias-std", spec.bias_std, "qwen2 q/k/v bias std")->capture_default_str();
  app.add_option("--embd-std", spec.embd_std, "token_embd std (default 1/sqrt(dim); gemma3 1/dim)");
  std::string ftype;
  app.add_option("--ftype", ftype,
                 "instead of --dtype: a llama.cpp file type (Q4_K_M, Q5_K_M, Q8_0, Q6_K, ...) with "
                 "llama-quantize's per-tensor mixture, as llama-quantize makes it from the f32 model");
  app.add_option("--name", spec.name, "general.name");
  std::string chat_template_path;
  app.add_option("--chat-template", chat_template_path, "a Jinja file to store as tokenizer.chat_template");
  CLI11_PARSE(app, argc, argv);

  std::optional<corral::testmodel::Arch> parsed_arch = corral::testmodel::ArchFromName(arch);
  if (!parsed_arch) return Fail(corral::Status::InvalidArgument("--arch: unknown architecture " + arch));
  spec.arch = *parsed_arch;
  const char* const kPoolings[] = {"none", "mean", "cls", "last"};
  spec.pooling = -1;
  for (int i = 0; i < 4; ++i) {
    if (pooling == kPoolings[i]) spec.pooling = i;
  }
  if (spec.pooling < 0) return Fail(corral::Status::InvalidArgument("--pooling: none, mean, cls or last"));
  if (rope_scaling.starts_with("llama3:")) {
    spec.llama3_rope_factor = std::atof(rope_scaling.c_str() + 7);
    if (spec.llama3_rope_factor <= 0)
      return Fail(corral::Status::InvalidArgument("--rope-scaling llama3:FACTOR"));
  } else if (rope_scaling != "none") {
    return Fail(corral::Status::InvalidArgument("--rope-scaling: none or llama3:FACTOR"));
  }
  if (!ftype.empty()) {
    spec.file_type = corral::quant::FileTypeFromName(ftype);
    if (!spec.file_type) return Fail(corral::Status::InvalidArgument("--ftype: unknown file type " + ftype));
  }
  std::optional<corral::DType> type = corral::DTypeFromName(dtype);
  if (!type) return Fail(corral::Status::InvalidArgument("--dtype: unknown type " + dtype));
  spec.dtype = *type;
  if (!chat_template_path.empty()) {
    std::ifstream in(chat_template_path, std::ios::binary);
    if (!in) return Fail(corral::Status::IoError("cannot read " + chat_template_path));
    spec.chat_template.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  corral::Result<corral::gguf::File> vocab = corral::gguf::File::Open(vocab_path);
  if (!vocab.ok()) return Fail(vocab.status());
  // "ggml-vocab-llama-bpe.gguf" -> "llama-bpe" for general.name.
  std::string label = std::filesystem::path(vocab_path).stem().string();
  if (label.starts_with("ggml-vocab-")) label.erase(0, 11);

  corral::gguf::Writer writer;
  if (corral::Status s = corral::testmodel::BuildRandomModel(*vocab, label, spec, &writer); !s.ok())
    return Fail(s);
  if (corral::Status s = writer.Write(out_path); !s.ok()) return Fail(s);
  std::printf("corral-testmodel: wrote %s\n", out_path.c_str());
  return 0;
}
