// Test helper: a tiny llama-shaped random-weight model with the Llama 3 (llama-bpe) vocabulary, written by
// corral-testmodel (the test must define CORRAL_TESTMODEL_EXE). `logit_std` spreads the logits: wide
// spreads make near-ties rare, for tests that compare batched with unbatched decoding.
#pragma once

#include <filesystem>
#include <string>

#include "cli/run_process.h"
#include "test_paths.h"

namespace corral::testing {

inline ProcessResult WriteTinyLlama(const std::filesystem::path& out, int seed, int logit_std, int ctx) {
  return RunProcess({CORRAL_TESTMODEL_EXE,
                     "--vocab",
                     (TestDataDir() / "models" / "ggml-vocab-llama-bpe.gguf").string(),
                     "--dim",
                     "64",
                     "--layers",
                     "2",
                     "--heads",
                     "4",
                     "--kv-heads",
                     "2",
                     "--ffn",
                     "128",
                     "--ctx",
                     std::to_string(ctx),
                     "--dtype",
                     "q8_0",
                     "--seed",
                     std::to_string(seed),
                     "--logit-std",
                     std::to_string(logit_std),
                     "--out",
                     out.string()});
}

}  // namespace corral::testing
