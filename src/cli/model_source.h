// Resolves what `corral run MODEL` (and other model commands) is given: the path of a .gguf file, or a
// store name (`llama3`, `me/mine:v1`; store/name.h) whose manifest gives the GGUF blob, the model's stored
// parameters (Modelfile PARAMETER lines), its Go TEMPLATE, SYSTEM prompt and MESSAGE history, which apply
// unless the command line overrides them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace corral::cli {

struct ModelSource {
  std::string gguf_path;
  std::string display_name;  // the store name ("llama3:latest") or the path
  std::string digest;        // the manifest's sha256 (hex, the model's ID); "" for a path
  bool from_store = false;
  std::vector<std::string> options;  // stored parameters as `name=value`, one per value (stop repeats)
  bool has_template = false;         // a TEMPLATE layer (an Ollama Go template)
  std::string template_text;
  std::string system;                                         // the SYSTEM layer, "" when none
  std::vector<std::pair<std::string, std::string>> messages;  // MESSAGE lines: role, content
};

// A path to an existing file is taken as a GGUF file; anything else is looked up in the store
// (store::DefaultStoreRoot()). NotFound names the model when neither exists.
Result<ModelSource> ResolveModelSource(const std::string& name_or_path);

// The `name=value` options a run uses: the model's stored parameters that corral's options know (others,
// such as num_gpu, do not apply to this engine and are left out), then the command line's, which win.
std::vector<std::string> WithStoredOptions(const ModelSource& source,
                                           const std::vector<std::string>& command_line);

}  // namespace corral::cli
