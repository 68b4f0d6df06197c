#include "model/model.h"

#include "tensor/ops/norm_rope.h"

namespace corral::model {

Model::Model(gguf::File file, Config config, Weights weights)
    : file_(std::move(file)), config_(std::move(config)), weights_(std::move(weights)) {
  if (config_.arch == Arch::kGemma3 || config_.arch == Arch::kBert) {
    gelu_table_.resize(65536);
    ops::MakeGeluTable(gelu_table_);
  }
}

Result<std::unique_ptr<Model>> Model::FromFile(gguf::File file) {
  CORRAL_ASSIGN_OR_RETURN(Config config, ReadConfig(file));
  // The weights point into the file's mapping, which stays put when the File moves (it holds it by pointer).
  CORRAL_ASSIGN_OR_RETURN(Weights weights, BindWeights(file, config));
  return std::unique_ptr<Model>(new Model(std::move(file), std::move(config), std::move(weights)));
}

Result<std::unique_ptr<Model>> Model::Load(const std::filesystem::path& path) {
  CORRAL_ASSIGN_OR_RETURN(gguf::File file, gguf::File::Open(path.string()));
  auto model = FromFile(std::move(file));
  if (!model.ok()) return model.status().WithContext(path.filename().string());
  return model;
}

}  // namespace corral::model
