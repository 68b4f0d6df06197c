#include "cli/model_source.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/model_options.h"
#include "store/params.h"
#include "store/store.h"

namespace corral::cli {

Result<ModelSource> ResolveModelSource(const std::string& name_or_path) {
  ModelSource source;
  std::error_code ec;
  if (std::filesystem::is_regular_file(name_or_path, ec)) {
    source.gguf_path = name_or_path;
    source.display_name = name_or_path;
    return source;
  }
  Result<store::ModelName> name = store::ParseModelName(name_or_path);
  if (!name.ok()) {
    return Status::NotFound(name_or_path + ": no such model file, and not a model name (" +
                            name.status().message() + ")");
  }
  // Looking a name up must not create an empty store (Store::Open makes its folders).
  const std::string root = store::DefaultStoreRoot();
  if (!std::filesystem::is_directory(root + "/manifests", ec)) {
    return Status::NotFound("model '" + name_or_path + "' not found (no such file, and no store at " + root +
                            ")");
  }
  CORRAL_ASSIGN_OR_RETURN(store::Store store, store::Store::Open(root));
  Result<store::Manifest> manifest = store.ReadManifest(*name, &source.digest);
  if (!manifest.ok()) {
    if (manifest.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("model '" + name_or_path +
                              "' not found (no such file, and not in the store at " + store.root() + ")");
    }
    return manifest.status();
  }
  source.from_store = true;
  source.display_name = name->Display();
  const store::Layer* model = manifest->Find(store::kModelMediaType);
  if (model == nullptr) return Status::Corrupt(source.display_name + ": the manifest has no model layer");
  CORRAL_ASSIGN_OR_RETURN(source.gguf_path, store.BlobPath(model->digest));
  for (const store::Layer& layer : manifest->layers) {
    if (layer.media_type == store::kTemplateMediaType) {
      CORRAL_ASSIGN_OR_RETURN(source.template_text, store.ReadBlobText(layer));
      source.has_template = true;
    } else if (layer.media_type == store::kSystemMediaType) {
      CORRAL_ASSIGN_OR_RETURN(source.system, store.ReadBlobText(layer));
    } else if (layer.media_type == store::kParamsMediaType) {
      CORRAL_ASSIGN_OR_RETURN(std::string text, store.ReadBlobText(layer));
      CORRAL_ASSIGN_OR_RETURN(store::Params params, store::DecodeParams(text));
      for (const auto& [key, value] : params) {
        for (const std::string& v : store::ParamTexts(value)) source.options.push_back(key + "=" + v);
      }
    } else if (layer.media_type == store::kMessagesMediaType) {
      CORRAL_ASSIGN_OR_RETURN(std::string text, store.ReadBlobText(layer));
      const nlohmann::json messages = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (messages.is_array()) {
        for (const auto& m : messages) {
          if (m.is_object()) source.messages.emplace_back(m.value("role", ""), m.value("content", ""));
        }
      }
    }
  }
  return source;
}

std::vector<std::string> WithStoredOptions(const ModelSource& source,
                                           const std::vector<std::string>& command_line) {
  std::vector<std::string> out;
  for (const std::string& option : source.options) {
    if (ParseModelOptions({option}).ok()) out.push_back(option);
  }
  out.insert(out.end(), command_line.begin(), command_line.end());
  return out;
}

}  // namespace corral::cli
