// Test helpers that write random-weight models with corral-testmodel (the test must define
// CORRAL_TESTMODEL_EXE): any shape over a vocab GGUF of the test data, and the tiny llama that the runner
// and server tests share.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "cli/run_process.h"
#include "test_paths.h"

namespace corral::testing {

// corral-testmodel's shape options (its defaults where a test gives none).
struct ModelShape {
  int dim = 256;
  int layers = 2;
  int heads = 4;
  int kv_heads = 2;
  int ffn = 768;
  int ctx = 4096;
};

// `out` from the test data's vocab GGUF `vocab` (a file name under models/), the shape, and any further
// corral-testmodel options (`--dtype q8_0`, `--seed 7`, ...).
inline ProcessResult WriteTestModel(const std::filesystem::path& out, std::string_view vocab,
                                    const ModelShape& shape, const std::vector<std::string>& more = {}) {
  std::vector<std::string> argv = {CORRAL_TESTMODEL_EXE,
                                   "--vocab",
                                   (TestDataDir() / "models" / vocab).string(),
                                   "--out",
                                   out.string(),
                                   "--dim",
                                   std::to_string(shape.dim),
                                   "--layers",
                                   std::to_string(shape.layers),
                                   "--heads",
                                   std::to_string(shape.heads),
                                   "--kv-heads",
                                   std::to_string(shape.kv_heads),
                                   "--ffn",
                                   std::to_string(shape.ffn),
                                   "--ctx",
                                   std::to_string(shape.ctx)};
  argv.insert(argv.end(), more.begin(), more.end());
  return RunProcess(argv);
}

// A tiny Q8_0 llama with the Llama 3 (llama-bpe) vocabulary. `logit_std` spreads the logits: wide spreads
// make near-ties rare, for tests that compare batched with unbatched decoding.
inline ProcessResult WriteTinyLlama(const std::filesystem::path& out, int seed, int logit_std, int ctx) {
  return WriteTestModel(
      out, "ggml-vocab-llama-bpe.gguf", {.dim = 64, .ffn = 128, .ctx = ctx},
      {"--dtype", "q8_0", "--seed", std::to_string(seed), "--logit-std", std::to_string(logit_std)});
}

}  // namespace corral::testing
