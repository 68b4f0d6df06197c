// What `show` reports of a store model (`corral show`, POST /api/show): its manifest's layers read back,
// the Modelfile that recreates it, its parameters as Ollama prints them, and its capabilities.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "store/manifest.h"
#include "store/model_config.h"
#include "store/name.h"
#include "store/params.h"
#include "store/store.h"

namespace corral::store {

struct ModelInfo {
  ModelName name;
  Manifest manifest;
  ModelConfig config;
  std::string model_path;
  std::vector<std::string> adapters, projectors, licenses;
  bool has_template = false;
  std::string template_text, system;
  Params params;
  std::vector<std::pair<std::string, std::string>> messages;
};

// NotFound for an unknown model, InvalidArgument for a bad name, Corrupt for a manifest with no model.
Result<ModelInfo> ReadModelInfo(const Store& store, std::string_view name);
// A Modelfile that recreates the model (FROM the weights blob; TEMPLATE only when the model has one, so a
// create from it gives the same layers), headed as `ollama show --modelfile` heads it.
std::string RegeneratedModelfile(const ModelInfo& m);
// `key<padding>value` lines, as `ollama show --parameters` prints them.
std::string ParametersText(const Params& params);
// completion or embedding, tools, insert, thinking, vision: read from the template and the GGUF.
std::vector<std::string> Capabilities(const ModelInfo& m, const gguf::File& file, const std::string& arch);

}  // namespace corral::store
