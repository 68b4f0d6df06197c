// A loaded model: the GGUF file (mmapped, owned here), its Config and its weights bound in place.
//
//   CORRAL_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, Model::Load("model.gguf"));
//   CORRAL_ASSIGN_OR_RETURN(std::unique_ptr<Context> ctx, Context::Create(*model, {.n_ctx = 4096}));
//
// Thread safety: a Model is immutable after Load; several Contexts may share it.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "model/config.h"
#include "model/weights.h"

namespace corral::model {

class Model {
 public:
  static Result<std::unique_ptr<Model>> Load(const std::filesystem::path& path);
  // For tests and tools that already hold a parsed file.
  static Result<std::unique_ptr<Model>> FromFile(gguf::File file);

  const Config& config() const { return config_; }
  const Weights& weights() const { return weights_; }
  const gguf::File& file() const { return file_; }
  // Bytes of the tensors the forward pass reads (mapped, not copied).
  size_t weight_bytes() const { return weights_.bytes; }
  // ggml's f16 GELU table (gemma3, bert), built once per model: 65536 entries.
  const std::vector<uint16_t>& gelu_table() const { return gelu_table_; }

 private:
  Model(gguf::File file, Config config, Weights weights);

  gguf::File file_;
  Config config_;
  Weights weights_;
  std::vector<uint16_t> gelu_table_;
};

}  // namespace corral::model
