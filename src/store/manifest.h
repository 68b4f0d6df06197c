// Ollama's manifest: a Docker distribution v2 manifest whose config layer is Ollama's ConfigV2 JSON and whose
// layers are the model's parts (GGUF weights, template, system prompt, params, messages, license, adapter,
// projector), each a content-addressed blob. Encode writes the bytes Ollama's WriteManifest writes
// (json.Encoder: fields in struct order, `from` and `name` omitted when empty, a trailing newline), so the
// manifest digest — the model ID `ollama list` shows — is the same for the same model.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace corral::store {

inline constexpr std::string_view kManifestMediaType = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kConfigMediaType = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kModelMediaType = "application/vnd.ollama.image.model";
inline constexpr std::string_view kAdapterMediaType = "application/vnd.ollama.image.adapter";
inline constexpr std::string_view kProjectorMediaType = "application/vnd.ollama.image.projector";
inline constexpr std::string_view kTemplateMediaType = "application/vnd.ollama.image.template";
inline constexpr std::string_view kSystemMediaType = "application/vnd.ollama.image.system";
inline constexpr std::string_view kParamsMediaType = "application/vnd.ollama.image.params";
inline constexpr std::string_view kMessagesMediaType = "application/vnd.ollama.image.messages";
inline constexpr std::string_view kLicenseMediaType = "application/vnd.ollama.image.license";

struct Layer {
  std::string media_type;
  std::string digest;  // "sha256:<64 hex>"
  int64_t size = 0;
  std::string from;  // the source file a model layer was made from (Ollama keeps it for `show`)
  std::string name;  // tensor layers of safetensors models
};

struct Manifest {
  int schema_version = 2;
  std::string media_type = std::string(kManifestMediaType);
  Layer config;
  std::vector<Layer> layers;

  // Sum of the layer and config sizes (Ollama's Manifest.Size, the SIZE `ollama list` shows).
  int64_t TotalSize() const;
  // The first layer of a media type, or nullptr.
  const Layer* Find(std::string_view media_type) const;
};

// Ollama's bytes for the manifest (see above).
std::string EncodeManifest(const Manifest& manifest);
// Corrupt when the text is not a manifest or a digest is malformed.
Result<Manifest> DecodeManifest(std::string_view text);

// "sha256:<64 lowercase or uppercase hex>" (or with '-' as Ollama's file names have it).
bool IsValidDigest(std::string_view digest);

}  // namespace corral::store
