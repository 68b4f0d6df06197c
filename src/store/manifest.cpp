#include "store/manifest.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "store/go_json.h"

namespace corral::store {
namespace {

void AppendLayer(std::string& out, const Layer& layer) {
  out += "{\"mediaType\":";
  AppendGoJsonString(out, layer.media_type);
  out += ",\"digest\":";
  AppendGoJsonString(out, layer.digest);
  out += ",\"size\":" + std::to_string(layer.size);
  if (!layer.from.empty()) {
    out += ",\"from\":";
    AppendGoJsonString(out, layer.from);
  }
  if (!layer.name.empty()) {
    out += ",\"name\":";
    AppendGoJsonString(out, layer.name);
  }
  out += '}';
}

Result<Layer> DecodeLayer(const nlohmann::json& j) {
  if (!j.is_object()) return Status::Corrupt("manifest: a layer is not an object");
  Layer layer;
  auto str = [&](const char* key, std::string* into) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) *into = it->get<std::string>();
  };
  str("mediaType", &layer.media_type);
  str("digest", &layer.digest);
  str("from", &layer.from);
  str("name", &layer.name);
  if (auto it = j.find("size"); it != j.end() && it->is_number_integer()) layer.size = it->get<int64_t>();
  if (!IsValidDigest(layer.digest))
    return Status::Corrupt("manifest: bad layer digest '" + layer.digest + "'");
  return layer;
}

}  // namespace

int64_t Manifest::TotalSize() const {
  int64_t total = config.size;
  for (const Layer& l : layers) total += l.size;
  return total;
}

const Layer* Manifest::Find(std::string_view media_type) const {
  for (const Layer& l : layers) {
    if (l.media_type == media_type) return &l;
  }
  return nullptr;
}

std::string EncodeManifest(const Manifest& m) {
  std::string out = "{\"schemaVersion\":" + std::to_string(m.schema_version) + ",\"mediaType\":";
  AppendGoJsonString(out, m.media_type);
  out += ",\"config\":";
  AppendLayer(out, m.config);
  // Go encodes a nil slice as null; Ollama always passes a non-nil (possibly empty) slice of layers.
  out += ",\"layers\":[";
  for (size_t i = 0; i < m.layers.size(); ++i) {
    if (i > 0) out += ',';
    AppendLayer(out, m.layers[i]);
  }
  out += "]}\n";
  return out;
}

Result<Manifest> DecodeManifest(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Corrupt("manifest: not a JSON object");
  Manifest m;
  if (auto it = j.find("schemaVersion"); it != j.end() && it->is_number_integer()) m.schema_version = *it;
  if (auto it = j.find("mediaType"); it != j.end() && it->is_string()) m.media_type = *it;
  auto config = j.find("config");
  if (config == j.end()) return Status::Corrupt("manifest: no config");
  CORRAL_ASSIGN_OR_RETURN(m.config, DecodeLayer(*config));
  if (auto layers = j.find("layers"); layers != j.end() && layers->is_array()) {
    for (const auto& l : *layers) {
      CORRAL_ASSIGN_OR_RETURN(Layer layer, DecodeLayer(l));
      m.layers.push_back(std::move(layer));
    }
  }
  return m;
}

bool IsValidDigest(std::string_view digest) {
  if (digest.size() != 71 || digest.substr(0, 6) != "sha256" || (digest[6] != ':' && digest[6] != '-'))
    return false;
  for (char c : digest.substr(7)) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

}  // namespace corral::store
