// Ollama's generation options given on the command line as repeatable `--option name=value`
// (`--option temperature=0 --option num_ctx=8192`), parsed into typed settings with Ollama's defaults.
// `stop=TEXT` may be given several times (each adds a stop string); OpenAI's logit_bias is
// `logit_bias=TOKEN_ID:BIAS`, also repeatable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "sample/sampler.h"

namespace corral::cli {

struct ModelOptions {
  sample::SamplerOptions sampler;
  int32_t num_predict = -1;       // -1: until the context is full (Ollama's default)
  int32_t num_ctx = 4096;         // Ollama's default context; capped at the model's training context
  int32_t num_thread = 0;         // 0: one per core
  int32_t num_batch = 512;        // prompt tokens per forward pass
  std::optional<bool> use_mmap;   // unset: the loader's default (model::LoadOptions)
  std::vector<std::string> stop;  // `stop` is repeatable: each one adds a stop string
};

// InvalidArgument naming the option for an unknown name, a malformed `name=value`, or a value of the wrong
// type or range.
Result<ModelOptions> ParseModelOptions(const std::vector<std::string>& assignments);

}  // namespace corral::cli
