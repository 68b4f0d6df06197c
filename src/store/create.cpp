#include "store/create.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "base/thread_pool.h"
#include "gguf/file.h"
#include "store/go_json.h"
#include "store/model_config.h"
#include "store/params.h"
#include "store/quantize.h"
#include "tensor/quant/file_type.h"

namespace corral::store {
namespace {

namespace fs = std::filesystem;

void Say(const CreateOptions& o, const std::string& status) {
  if (o.on_status) o.on_status(status);
}

bool IsGgufFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::string_view(magic, 4) == "GGUF";
}

// The .gguf files of a folder, sorted (Ollama globs *.gguf, then *.bin holding GGUF).
Result<std::vector<std::string>> GgufFilesIn(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".gguf")
      files.push_back(entry.path().string());
  }
  if (files.empty()) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".bin" && IsGgufFile(entry.path().string()))
        files.push_back(entry.path().string());
    }
  }
  if (ec) return Status::IoError("read " + dir + ": " + ec.message());
  if (files.empty()) return Status::InvalidArgument(dir + ": no .gguf file in this folder");
  std::sort(files.begin(), files.end());
  return files;
}

// The media type Ollama gives a GGUF: adapter (general.type "adapter"), projector (a clip model with a
// vision or audio encoder), else model.
Result<std::string> GgufMediaType(const std::string& path) {
  CORRAL_ASSIGN_OR_RETURN(gguf::File file, gguf::File::Open(path));
  CORRAL_ASSIGN_OR_RETURN(std::string_view kind, file.GetStringOr("general.type", ""));
  if (kind == "adapter") return std::string(kAdapterMediaType);
  CORRAL_ASSIGN_OR_RETURN(std::string_view arch, file.GetStringOr("general.architecture", ""));
  if (arch == "clip") return std::string(kProjectorMediaType);
  return std::string(kModelMediaType);
}

std::string MessagesJson(const std::vector<std::pair<std::string, std::string>>& messages) {
  // []api.Message with omitempty fields left out, through json.Encoder.
  std::string out = "[";
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"role\":";
    AppendGoJsonString(out, messages[i].first);
    out += ",\"content\":";
    AppendGoJsonString(out, messages[i].second);
    out += '}';
  }
  out += "]\n";
  return out;
}

void RemoveLayers(std::vector<Layer>& layers, std::string_view media_type) {
  std::erase_if(layers, [&](const Layer& l) { return l.media_type == media_type; });
}

struct Directives {
  std::string from;
  std::vector<std::string> adapters;
  // /api/create names uploaded blobs instead of paths: file name → digest.
  std::vector<std::pair<std::string, std::string>> from_blobs;
  std::vector<std::pair<std::string, std::string>> adapter_blobs;
  std::optional<std::string> template_text;
  std::optional<std::string> system;
  std::vector<std::string> licenses;
  std::vector<std::pair<std::string, std::string>> messages;
  Params params;
  std::string requires_version, renderer, parser;
};

Result<Directives> Collect(const Modelfile& modelfile) {
  Directives d;
  for (const ModelfileCommand& c : modelfile.commands) {
    const std::string where = "line " + std::to_string(c.line) + ": ";
    if (c.name == "model") {
      d.from = c.args;
    } else if (c.name == "adapter") {
      d.adapters.push_back(c.args);
    } else if (c.name == "template") {
      d.template_text = c.args;
    } else if (c.name == "system") {
      d.system = c.args;
    } else if (c.name == "license") {
      d.licenses.push_back(c.args);
    } else if (c.name == "message") {
      const size_t colon = c.args.find(": ");
      d.messages.emplace_back(c.args.substr(0, colon),
                              colon == std::string::npos ? "" : c.args.substr(colon + 2));
    } else if (c.name == "requires") {
      d.requires_version = c.args;
    } else if (c.name == "renderer") {
      d.renderer = c.args;
    } else if (c.name == "parser") {
      d.parser = c.args;
    } else if (c.name == "draft") {
      return Status::Unsupported(where + "DRAFT models are not supported");
    } else {
      Status s = AddParam(d.params, c.name, c.args);
      if (!s.ok()) return Status::InvalidArgument(where + s.message());
    }
  }
  return d;
}

// Writes the quantized GGUF of `path` into a new blob.
Result<Layer> QuantizedLayer(const Store& store, const std::string& path, quant::FileType type,
                             const CreateOptions& o) {
  CORRAL_ASSIGN_OR_RETURN(gguf::File source, gguf::File::Open(path));
  CORRAL_ASSIGN_OR_RETURN(uint32_t from_type, source.GetU32Or("general.file_type", 0));
  Say(o, "quantizing " + FileTypeString(from_type) + " model to " + std::string(quant::FileTypeName(type)));
  CORRAL_ASSIGN_OR_RETURN(BlobWriter blob, store.NewBlob());
  ThreadPool pool(o.threads);
  CORRAL_RETURN_IF_ERROR(QuantizeGguf(
      source, type, [&blob](std::span<const uint8_t> bytes) { return blob.Append(bytes); }, &pool,
      [&o](const QuantizeProgress& p) {
        if (o.on_progress) o.on_progress("quantizing", p.tensors_done, p.tensors_total);
      }));
  return blob.Commit(kModelMediaType);
}

Result<Layer> FileLayer(const Store& store, const std::string& path, const std::string& media_type,
                        const CreateOptions& o) {
  Say(o, "copying file " + fs::path(path).filename().string());
  CORRAL_ASSIGN_OR_RETURN(Layer layer,
                          store.CopyFileToBlob(path, media_type, [&o](int64_t done, int64_t total) {
                            if (o.on_progress) o.on_progress("copying", done, total);
                          }));
  layer.from = fs::path(path).filename().string();
  return layer;
}

// A layer for a blob already in the store (uploaded through /api/blobs), quantized into a new one if asked.
Result<Layer> UploadedLayer(const Store& store, const std::string& file, const std::string& digest,
                            bool adapter, std::optional<quant::FileType> quantize, const CreateOptions& o) {
  CORRAL_ASSIGN_OR_RETURN(std::string path, store.BlobPath(digest));
  CORRAL_ASSIGN_OR_RETURN(bool present, store.HasBlob(digest));
  if (!present) return Status::InvalidArgument(file + ": blob " + digest + " was not uploaded");
  if (!IsGgufFile(path)) return Status::InvalidArgument(file + ": supplied file was not in GGUF format");
  CORRAL_ASSIGN_OR_RETURN(std::string media_type, GgufMediaType(path));
  if (adapter) media_type = std::string(kAdapterMediaType);
  if (media_type == kModelMediaType && quantize) return QuantizedLayer(store, path, *quantize, o);
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return Status::IoError("stat " + path + ": " + ec.message());
  return Layer{.media_type = media_type,
               .digest = digest,
               .size = static_cast<int64_t>(size),
               .from = file,
               .name = ""};
}

std::string ExpandModelfilePathImpl(const std::string& path, const std::string& base_dir) {
  if (path.starts_with("/")) return fs::path(path).lexically_normal().string();
  if (path == "~" || path.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    return (fs::path(home != nullptr ? home : "") / path.substr(path.size() > 1 ? 2 : 1))
        .lexically_normal()
        .string();
  }
  const fs::path base = base_dir.empty() ? fs::current_path() : fs::absolute(base_dir);
  return (base / path).lexically_normal().string();
}

// The create itself. REQUIRES the store's shared lock.
Result<Manifest> CreateLocked(const Store& store, const ModelName& name, const Directives& d,
                              const CreateOptions& o) {
  std::optional<quant::FileType> quantize;
  if (!o.quantize.empty()) {
    quantize = quant::FileTypeFromName(o.quantize);
    if (!quantize || *quantize == quant::FileType::kF16 || *quantize == quant::FileType::kAllF32 ||
        *quantize == quant::FileType::kBF16) {
      return Status::InvalidArgument("unsupported quantization type " + o.quantize +
                                     " (q4_0, q4_1, q5_0, q5_1, q8_0, q2_K, q3_K_S, q3_K_M, q3_K_L, q4_K_S, "
                                     "q4_K_M, q5_K_S, q5_K_M, q6_K)");
    }
  }
  {
    std::vector<Layer> layers;
    ModelConfig base_config;
    const std::string from_path = ExpandModelfilePathImpl(d.from, o.base_dir);
    std::error_code ec;
    if (!d.from_blobs.empty()) {
      Say(o, "parsing GGUF");
      for (const auto& [file, digest] : d.from_blobs) {
        CORRAL_ASSIGN_OR_RETURN(Layer layer, UploadedLayer(store, file, digest, false, quantize, o));
        layers.push_back(std::move(layer));
      }
    } else if (fs::exists(from_path, ec)) {
      std::vector<std::string> files;
      if (fs::is_directory(from_path, ec)) {
        CORRAL_ASSIGN_OR_RETURN(files, GgufFilesIn(from_path));
      } else {
        if (!IsGgufFile(from_path)) return Status::InvalidArgument(from_path + ": not a GGUF file");
        files.push_back(from_path);
      }
      Say(o, "parsing GGUF");
      for (const std::string& file : files) {
        CORRAL_ASSIGN_OR_RETURN(std::string media_type, GgufMediaType(file));
        if (media_type == kModelMediaType && quantize) {
          CORRAL_ASSIGN_OR_RETURN(Layer layer, QuantizedLayer(store, file, *quantize, o));
          layers.push_back(std::move(layer));
        } else {
          CORRAL_ASSIGN_OR_RETURN(Layer layer, FileLayer(store, file, media_type, o));
          layers.push_back(std::move(layer));
        }
      }
    } else {
      Result<ModelName> from_name = ParseModelName(d.from);
      if (!from_name.ok()) return Status::NotFound("FROM " + d.from + ": no such file, folder or model");
      Result<Manifest> base = store.ReadManifest(*from_name);
      if (!base.ok()) return Status::NotFound("FROM " + d.from + ": no such file, folder or model");
      for (Layer layer : base->layers) {
        layer.from = from_name->Display();
        if (layer.media_type == kModelMediaType && quantize) {
          CORRAL_ASSIGN_OR_RETURN(std::string blob, store.BlobPath(layer.digest));
          CORRAL_ASSIGN_OR_RETURN(layer, QuantizedLayer(store, blob, *quantize, o));
        }
        layers.push_back(std::move(layer));
      }
      Result<std::string> config_text = store.ReadBlobText(base->config);
      if (config_text.ok()) {
        Result<ModelConfig> config = DecodeConfig(*config_text);
        if (config.ok()) base_config = std::move(*config);
      }
    }
    const auto model_layer = std::find_if(layers.begin(), layers.end(),
                                          [](const Layer& l) { return l.media_type == kModelMediaType; });
    if (model_layer == layers.end()) {
      return Status::InvalidArgument(d.from_blobs.empty() ? "FROM " + d.from + ": no model weights"
                                                          : std::string("no model weights among the files"));
    }
    if (d.adapter_blobs.size() > 1) return Status::InvalidArgument("only one adapter is currently supported");
    for (const auto& [file, digest] : d.adapter_blobs) {
      CORRAL_ASSIGN_OR_RETURN(Layer layer, UploadedLayer(store, file, digest, true, std::nullopt, o));
      RemoveLayers(layers, kAdapterMediaType);
      layers.push_back(std::move(layer));
    }

    for (const std::string& adapter : d.adapters) {
      const std::string path = ExpandModelfilePathImpl(adapter, o.base_dir);
      if (!IsGgufFile(path)) return Status::InvalidArgument("ADAPTER " + adapter + ": not a GGUF file");
      CORRAL_ASSIGN_OR_RETURN(Layer layer, FileLayer(store, path, std::string(kAdapterMediaType), o));
      RemoveLayers(layers, kAdapterMediaType);
      layers.push_back(std::move(layer));
    }

    // The config, from the model layer's GGUF (as Ollama fills ConfigV2 in createModel).
    CORRAL_ASSIGN_OR_RETURN(std::string model_blob, store.BlobPath(model_layer->digest));
    CORRAL_ASSIGN_OR_RETURN(gguf::File model_file, gguf::File::Open(model_blob));
    ModelConfig config = ConfigFromGguf(model_file);
    config.renderer = d.renderer.empty() ? base_config.renderer : d.renderer;
    config.parser = d.parser.empty() ? base_config.parser : d.parser;
    config.requires_version = d.requires_version.empty() ? base_config.requires_version : d.requires_version;

    if (d.template_text) {
      RemoveLayers(layers, kTemplateMediaType);
      CORRAL_ASSIGN_OR_RETURN(Layer layer, store.WriteBlob(*d.template_text, kTemplateMediaType));
      layers.push_back(std::move(layer));
    }
    if (d.system) {
      RemoveLayers(layers, kSystemMediaType);
      if (!d.system->empty()) {
        CORRAL_ASSIGN_OR_RETURN(Layer layer, store.WriteBlob(*d.system, kSystemMediaType));
        layers.push_back(std::move(layer));
      }
    }
    for (const std::string& license : d.licenses) {
      CORRAL_ASSIGN_OR_RETURN(Layer layer, store.WriteBlob(license, kLicenseMediaType));
      layers.push_back(std::move(layer));
    }
    // Parameters: the FROM model's, overridden key by key by the Modelfile's (Ollama's setParameters).
    Params params = d.params;
    for (const Layer& l : layers) {
      if (l.media_type != kParamsMediaType) continue;
      CORRAL_ASSIGN_OR_RETURN(std::string text, store.ReadBlobText(l));
      CORRAL_ASSIGN_OR_RETURN(Params existing, DecodeParams(text));
      for (auto& [key, value] : existing) params.emplace(key, value);
    }
    if (!params.empty()) {
      RemoveLayers(layers, kParamsMediaType);
      CORRAL_ASSIGN_OR_RETURN(Layer layer, store.WriteBlob(EncodeParams(params), kParamsMediaType));
      layers.push_back(std::move(layer));
    }
    if (!d.messages.empty()) {
      RemoveLayers(layers, kMessagesMediaType);
      CORRAL_ASSIGN_OR_RETURN(Layer layer, store.WriteBlob(MessagesJson(d.messages), kMessagesMediaType));
      layers.push_back(std::move(layer));
    }
    CORRAL_ASSIGN_OR_RETURN(Layer config_layer, store.WriteBlob(EncodeConfig(config), kConfigMediaType));

    Manifest manifest;
    manifest.config = std::move(config_layer);
    manifest.layers = std::move(layers);
    for (const Layer& l : manifest.layers) {
      Say(o, (l.from.empty() ? "creating new layer " : "using existing layer ") + l.digest);
    }
    Say(o, "writing manifest");
    CORRAL_RETURN_IF_ERROR(store.WriteManifest(name, manifest));
    return manifest;
  }
}

// Creates under the shared lock; replacing a model may leave its old blobs unreferenced, and Ollama removes
// them after a create.
Result<Manifest> CreateFromDirectives(const Store& store, const ModelName& name, const Directives& d,
                                      const CreateOptions& o) {
  bool replaced = false;
  Result<Manifest> manifest = Status::Internal("not created");
  {
    CORRAL_ASSIGN_OR_RETURN(StoreLock lock, store.LockShared());
    replaced = store.ReadManifest(name).ok();
    manifest = CreateLocked(store, name, d, o);
  }
  if (!manifest.ok()) return manifest;
  if (replaced && !Store::PruneDisabled()) {
    CORRAL_ASSIGN_OR_RETURN(StoreLock lock, store.LockExclusive());
    CORRAL_RETURN_IF_ERROR(store.Prune().status());
  }
  Say(o, "success");
  return manifest;
}

}  // namespace

std::string ExpandModelfilePath(const std::string& path, const std::string& base_dir) {
  return ExpandModelfilePathImpl(path, base_dir);
}

Result<Manifest> CreateModel(const Store& store, const ModelName& name, const Modelfile& modelfile,
                             const CreateOptions& o) {
  CORRAL_ASSIGN_OR_RETURN(Directives d, Collect(modelfile));
  return CreateFromDirectives(store, name, d, o);
}

Result<Manifest> CreateModelFromRequest(const Store& store, const ModelName& name,
                                        const CreateRequest& request, const CreateOptions& o) {
  if (request.from.empty() && request.files.empty())
    return Status::InvalidArgument("neither 'from' or 'files' was specified");
  for (const auto& [file, digest] : request.files) {
    // Ollama's fs.ValidPath: a relative, clean, slash-separated path.
    const fs::path p(file);
    if (file.empty() || p.is_absolute() || p.lexically_normal() != p || file.starts_with("..") ||
        file.find("/../") != std::string::npos || file.find('\\') != std::string::npos) {
      return Status::InvalidArgument("file path must be relative: " + file);
    }
    (void)digest;
  }
  Directives d;
  d.from = request.from;
  d.from_blobs = request.files;
  d.adapter_blobs = request.adapters;
  d.template_text = request.template_text;
  d.system = request.system;
  d.licenses = request.licenses;
  d.messages = request.messages;
  d.renderer = request.renderer;
  d.parser = request.parser;
  d.requires_version = request.requires_version;
  for (const auto& [key, value] : request.parameters) {
    if (Status s = AddParam(d.params, key, value); !s.ok()) return Status::InvalidArgument(s.message());
  }
  return CreateFromDirectives(store, name, d, o);
}

}  // namespace corral::store
