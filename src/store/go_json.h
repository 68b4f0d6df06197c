// The bytes Go's encoding/json writes, for the files Ollama writes with it (manifests, the config, params and
// messages blobs). Their sha256 names the blobs and the manifest digest is the model's ID, so corral must
// write the same bytes for the same content: Go escapes <, > and & as \u003c \u003e \u0026 (HTML-safe),
// U+2028/U+2029 as \u2028/\u2029, invalid UTF-8 as \ufffd, control characters as \n \r \t \b \f or \u00XX;
// numbers print in the shortest form that reads back the same, in exponent form only below 1e-6 or from
// 1e21 up ("1e-7", not "1e-07").
#pragma once

#include <string>
#include <string_view>

namespace corral::store {

// Appends s as a quoted JSON string, escaped as Go does.
void AppendGoJsonString(std::string& out, std::string_view s);

// A float64 as Go's encoding/json writes it.
std::string GoJsonFloat64(double v);

}  // namespace corral::store
