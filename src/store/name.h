// Model names as Ollama spells them: `[host/][namespace/]model[:tag]`, with Ollama's defaults
// (registry.ollama.ai, library, latest) and its rules for each part (types/model/name.go): every part
// starts with a letter, digit or underscore and continues with those, '-', '_' and '.' (no '.' in a
// namespace, ':' only in a host, for its port); host up to 350 bytes, the others up to 80. The rules keep a
// name inside the store: no part can be "..", hold a '/', or start with '.', so a manifest path built from
// a valid name never leaves manifests/.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace corral::store {

inline constexpr std::string_view kDefaultHost = "registry.ollama.ai";
inline constexpr std::string_view kDefaultNamespace = "library";
inline constexpr std::string_view kDefaultTag = "latest";

struct ModelName {
  std::string host;
  std::string ns;
  std::string model;
  std::string tag;

  // "registry.ollama.ai/library/llama3:latest"
  std::string Full() const;
  // As `ollama list` shows it: the host and namespace only when not the defaults ("llama3:latest",
  // "me/mine:v1", "example.com/me/mine:v1").
  std::string Display() const;
  // host/namespace/model/tag, relative to manifests/.
  std::string RelativePath() const;
  // Case-insensitive equality, as Ollama compares names (EqualFold).
  bool SameAs(const ModelName& other) const;
};

// Parses and fills in the defaults; InvalidArgument naming the bad part otherwise.
Result<ModelName> ParseModelName(std::string_view text);

// The name of a manifest file from its path relative to manifests/ (exactly four parts), or
// InvalidArgument.
Result<ModelName> ModelNameFromRelativePath(std::string_view relative);

}  // namespace corral::store
