// Builds a model in the store from a parsed Modelfile, as Ollama's `create` does (server/create.go):
// FROM a .gguf file, a folder holding one, or a model already in the store; the GGUF becomes a model layer
// (or, with `quantize`, the quantized GGUF does), ADAPTER files adapter layers, and TEMPLATE, SYSTEM,
// LICENSE, PARAMETER and MESSAGE lines the template, system, license, params and messages layers; the config
// blob records family, parameter size and file type. Parameters merge with those of a FROM model (new values
// win); TEMPLATE, SYSTEM and MESSAGE replace the FROM model's; LICENSE adds to them.
//
// Everything happens under the store's shared lock, and the manifest is written last, after every blob it
// names is on disk (store.h). When the name already held a model, blobs no longer referenced are pruned
// afterwards unless pruning is disabled.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "store/manifest.h"
#include "store/modelfile.h"
#include "store/name.h"
#include "store/store.h"

namespace corral::store {

struct CreateOptions {
  std::string base_dir = {};  // relative FROM/ADAPTER paths are resolved against it (the Modelfile's folder)
  std::string quantize = {};  // "" or a file type name: q4_K_M, q8_0, ...
  int threads = 0;            // quantization threads (0: one per core)
  // Ollama's progress lines ("parsing GGUF", "quantizing F16 model to Q4_K_M", "writing manifest", ...).
  std::function<void(const std::string& status)> on_status = {};
  // Bytes copied or tensors quantized so far, of total (for a progress bar).
  std::function<void(const std::string& what, int64_t done, int64_t total)> on_progress = {};
};

Result<Manifest> CreateModel(const Store& store, const ModelName& name, const Modelfile& modelfile,
                             const CreateOptions& options);

// The body of Ollama's POST /api/create: a Modelfile the client has already split into fields, with model
// files named by the digests of blobs it uploaded first (POST /api/blobs/<digest>).
struct CreateRequest {
  std::string from;                                           // a model in the store
  std::vector<std::pair<std::string, std::string>> files;     // relative file name -> "sha256:<hex>"
  std::vector<std::pair<std::string, std::string>> adapters;  // the same, for at most one adapter
  std::optional<std::string> template_text;
  std::optional<std::string> system;
  std::vector<std::string> licenses;
  std::vector<std::pair<std::string, std::string>> parameters;  // name -> value text; a list repeats its name
  std::vector<std::pair<std::string, std::string>> messages;    // role -> content
  std::string renderer, parser, requires_version;
};

// As CreateModel, from a request. InvalidArgument for Ollama's bad requests: neither `from` nor `files`,
// a file path that is not relative, a blob that was never uploaded or is not GGUF, a bad parameter.
Result<Manifest> CreateModelFromRequest(const Store& store, const ModelName& name,
                                        const CreateRequest& request, const CreateOptions& options);

// Expands "~" and "~/..." and resolves a relative path against base_dir (Ollama's expandPath).
std::string ExpandModelfilePath(const std::string& path, const std::string& base_dir);

}  // namespace corral::store
