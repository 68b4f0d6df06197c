#include "store/name.h"

#include <cctype>
#include <vector>

namespace corral::store {
namespace {

enum class Part { kHost, kNamespace, kModel, kTag };

const char* PartName(Part part) {
  switch (part) {
    case Part::kHost:
      return "host";
    case Part::kNamespace:
      return "namespace";
    case Part::kModel:
      return "model";
    case Part::kTag:
      return "tag";
  }
  return "part";
}

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// Ollama's isValidPart.
bool IsValidPart(Part part, std::string_view s) {
  const size_t max_len = part == Part::kHost ? 350 : 80;
  if (s.empty() || s.size() > max_len) return false;
  if (!IsWordChar(s[0])) return false;
  for (size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (IsWordChar(c) || c == '-') continue;
    if (c == '.' && part != Part::kNamespace) continue;
    if (c == ':' && part == Part::kHost) continue;
    return false;
  }
  return true;
}

Status CheckPart(Part part, std::string_view value, std::string_view whole) {
  if (IsValidPart(part, value)) return Status::Ok();
  return Status::InvalidArgument("invalid model name '" + std::string(whole) + "': bad " + PartName(part) +
                                 " '" + std::string(value) +
                                 "' (letters, digits, '_', '-' and '.' only, starting with a letter, digit "
                                 "or '_')");
}

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace

std::string ModelName::Full() const {
  return host + "/" + ns + "/" + model + ":" + tag;
}

std::string ModelName::Display() const {
  std::string out;
  if (!EqualFold(host, kDefaultHost)) {
    out = host + "/" + ns + "/";
  } else if (!EqualFold(ns, kDefaultNamespace)) {
    out = ns + "/";
  }
  return out + model + ":" + tag;
}

std::string ModelName::RelativePath() const {
  return host + "/" + ns + "/" + model + "/" + tag;
}

bool ModelName::SameAs(const ModelName& o) const {
  return EqualFold(host, o.host) && EqualFold(ns, o.ns) && EqualFold(model, o.model) && EqualFold(tag, o.tag);
}

Result<ModelName> ParseModelName(std::string_view text) {
  // Ollama's ParseNameBare: the tag follows the last ':' when it comes after the last '/'; then model,
  // namespace and host are cut off from the right at '/'. An empty piece between separators is invalid
  // (Ollama marks it "!MISSING!"), as is a scheme other than a plain host.
  ModelName name;
  std::string_view rest = text;
  const size_t colon = rest.rfind(':');
  const size_t slash = rest.rfind('/');
  bool has_tag = false;
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    name.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    has_tag = true;
  }
  std::vector<std::string_view> parts;
  // Host may contain "scheme://"; strip it the way Ollama does before splitting the rest.
  if (const size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    const std::string_view scheme_name = rest.substr(0, scheme);
    if (scheme_name != "http" && scheme_name != "https") {
      return Status::InvalidArgument("invalid model name '" + std::string(text) + "': unknown scheme");
    }
    rest = rest.substr(scheme + 3);
  }
  size_t start = 0;
  while (true) {
    const size_t next = rest.find('/', start);
    parts.push_back(
        rest.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start));
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  if (parts.size() > 3) {
    return Status::InvalidArgument("invalid model name '" + std::string(text) +
                                   "': expected [host/][namespace/]model[:tag]");
  }
  name.model = std::string(parts.back());
  if (parts.size() >= 2) name.ns = std::string(parts[parts.size() - 2]);
  if (parts.size() == 3) name.host = std::string(parts[0]);
  if (parts.size() < 3) name.host = std::string(kDefaultHost);
  if (parts.size() < 2) name.ns = std::string(kDefaultNamespace);
  if (!has_tag) name.tag = std::string(kDefaultTag);
  CORRAL_RETURN_IF_ERROR(CheckPart(Part::kHost, name.host, text));
  CORRAL_RETURN_IF_ERROR(CheckPart(Part::kNamespace, name.ns, text));
  CORRAL_RETURN_IF_ERROR(CheckPart(Part::kModel, name.model, text));
  CORRAL_RETURN_IF_ERROR(CheckPart(Part::kTag, name.tag, text));
  return name;
}

Result<ModelName> ModelNameFromRelativePath(std::string_view relative) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t next = relative.find('/', start);
    parts.push_back(
        relative.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start));
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  if (parts.size() != 4) return Status::InvalidArgument("not a manifest path: " + std::string(relative));
  ModelName name{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]), std::string(parts[3])};
  CORRAL_RETURN_IF_ERROR(CheckPart(Part::kHost, name.host, relative));
  CORRAL_RETURN_IF_ERROR(CheckPart(Part::kNamespace, name.ns, relative));
  CORRAL_RETURN_IF_ERROR(CheckPart(Part::kModel, name.model, relative));
  CORRAL_RETURN_IF_ERROR(CheckPart(Part::kTag, name.tag, relative));
  return name;
}

}  // namespace corral::store
