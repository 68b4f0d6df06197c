// Python's text forms of values, byte for byte: str() (what {{ x }} prints), repr() (what a list prints for
// its items), float repr (shortest round-trip digits, 1e-05, 1e+16, 1.0), json.dumps with the options that
// Hugging Face's tojson filter exposes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "template/object.h"
#include "template/value.h"

namespace corral::jinja {

std::string FloatRepr(double f);
void AppendStringRepr(std::string& out, std::string_view s);
void AppendRepr(std::string& out, const Value& v);
// str(v): strings as they are, Undefined as "", the rest as repr.
void AppendStr(std::string& out, const Value& v);
std::string PyStr(const Value& v);
std::string PyRepr(const Value& v);

// markupsafe.escape: & < > ' " become entities.
std::string HtmlEscape(std::string_view s);

struct JsonOptions {
  bool ensure_ascii = false;
  // Python's indent: nullopt is a one-line dump; a number of spaces or a string (indent=0 still breaks
  // lines).
  std::optional<std::string> indent;
  std::string item_separator = ", ";  // json.dumps default, ',' when indent is given
  std::string key_separator = ": ";
  bool sort_keys = false;
};
// json.dumps(v, ...): fails as Python does on values JSON cannot hold (Undefined, generators, objects).
Result<std::string> DumpJson(const Value& v, const JsonOptions& options);

}  // namespace corral::jinja
