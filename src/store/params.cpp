#include "store/params.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "store/go_json.h"

namespace corral::store {
namespace {

enum class Kind { kInt, kFloat32, kBool, kStrings };

// api.Options and api.Runner fields by JSON name (main_gpu is *int, use_mmap *bool).
const std::map<std::string_view, Kind>& Known() {
  static const std::map<std::string_view, Kind> known = {
      {"num_ctx", Kind::kInt},
      {"num_batch", Kind::kInt},
      {"num_gpu", Kind::kInt},
      {"main_gpu", Kind::kInt},
      {"use_mmap", Kind::kBool},
      {"num_thread", Kind::kInt},
      {"draft_num_predict", Kind::kInt},
      {"num_keep", Kind::kInt},
      {"seed", Kind::kInt},
      {"num_predict", Kind::kInt},
      {"top_k", Kind::kInt},
      {"top_p", Kind::kFloat32},
      {"min_p", Kind::kFloat32},
      {"typical_p", Kind::kFloat32},
      {"repeat_last_n", Kind::kInt},
      {"temperature", Kind::kFloat32},
      {"repeat_penalty", Kind::kFloat32},
      {"presence_penalty", Kind::kFloat32},
      {"frequency_penalty", Kind::kFloat32},
      {"stop", Kind::kStrings},
  };
  return known;
}

bool IsDeprecated(std::string_view name) {
  for (const char* d : {"penalize_newline", "low_vram", "f16_kv", "logits_all", "vocab_only", "use_mlock",
                        "mirostat", "mirostat_tau", "mirostat_eta"}) {
    if (name == d) return true;
  }
  return false;
}

// Go's strconv.ParseBool.
bool ParseGoBool(std::string_view s, bool* out) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (s == t) return (*out = true), true;
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (s == f) return (*out = false), true;
  }
  return false;
}

std::string Float32Shortest(float f) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), f);
  return ec == std::errc() ? std::string(buf, end) : "0";
}

}  // namespace

Status AddParam(Params& params, const std::string& name, const std::string& value, bool* ignored) {
  if (ignored != nullptr) *ignored = false;
  if (IsDeprecated(name)) {
    if (ignored != nullptr) *ignored = true;
    return Status::Ok();
  }
  const auto it = Known().find(name);
  if (it == Known().end()) return Status::InvalidArgument("unknown parameter '" + name + "'");
  switch (it->second) {
    case Kind::kInt: {
      std::string_view text = value;
      if (text.starts_with("+")) text.remove_prefix(1);
      int64_t v = 0;
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || ptr != text.data() + text.size() || text.empty())
        return Status::InvalidArgument("invalid int value [" + value + "]");
      params[name] = v;
      return Status::Ok();
    }
    case Kind::kFloat32: {
      char* end = nullptr;
      const float f = std::strtof(value.c_str(), &end);
      if (value.empty() || end != value.c_str() + value.size() ||
          std::isspace(static_cast<unsigned char>(value[0])))
        return Status::InvalidArgument("invalid float value [" + value + "]");
      // The client sends float32(value) as JSON; the server reads it back as a float64.
      params[name] = std::strtod(Float32Shortest(f).c_str(), nullptr);
      return Status::Ok();
    }
    case Kind::kBool: {
      bool b = false;
      if (!ParseGoBool(value, &b)) return Status::InvalidArgument("invalid bool value [" + value + "]");
      params[name] = b;
      return Status::Ok();
    }
    case Kind::kStrings: {
      auto existing = params.find(name);
      if (existing != params.end() && std::holds_alternative<std::vector<std::string>>(existing->second)) {
        std::get<std::vector<std::string>>(existing->second).push_back(value);
      } else {
        params[name] = std::vector<std::string>{value};
      }
      return Status::Ok();
    }
  }
  return Status::Internal("unhandled parameter kind");
}

std::string EncodeParams(const Params& params) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : params) {
    if (!first) out += ',';
    first = false;
    AppendGoJsonString(out, key);
    out += ':';
    if (const auto* i = std::get_if<int64_t>(&value)) {
      // Read back through JSON as a float64, an int prints as Go prints that float64.
      out += GoJsonFloat64(static_cast<double>(*i));
    } else if (const auto* d = std::get_if<double>(&value)) {
      out += GoJsonFloat64(*d);
    } else if (const auto* b = std::get_if<bool>(&value)) {
      out += *b ? "true" : "false";
    } else {
      const auto& list = std::get<std::vector<std::string>>(value);
      out += '[';
      for (size_t k = 0; k < list.size(); ++k) {
        if (k > 0) out += ',';
        AppendGoJsonString(out, list[k]);
      }
      out += ']';
    }
  }
  out += "}\n";
  return out;
}

Result<Params> DecodeParams(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Corrupt("params: not a JSON object");
  Params params;
  for (const auto& [key, v] : j.items()) {
    if (v.is_boolean()) {
      params[key] = v.get<bool>();
    } else if (v.is_number_integer()) {
      params[key] = v.get<int64_t>();
    } else if (v.is_number()) {
      params[key] = v.get<double>();
    } else if (v.is_string()) {
      params[key] = std::vector<std::string>{v.get<std::string>()};
    } else if (v.is_array()) {
      std::vector<std::string> list;
      for (const auto& e : v) {
        if (e.is_string()) list.push_back(e.get<std::string>());
      }
      params[key] = std::move(list);
    }
  }
  return params;
}

std::vector<std::string> ParamTexts(const ParamValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return {std::to_string(*i)};
  if (const auto* d = std::get_if<double>(&value)) {
    // %v of a float64 is %g with the shortest precision: whole numbers print without a point.
    return {GoJsonFloat64(*d)};
  }
  if (const auto* b = std::get_if<bool>(&value)) return {*b ? "true" : "false"};
  return std::get<std::vector<std::string>>(value);
}

std::vector<std::string> ParamGoSyntax(const ParamValue& value) {
  const auto* list = std::get_if<std::vector<std::string>>(&value);
  if (list == nullptr) return ParamTexts(value);
  // Go's %#v of a string is strconv.Quote: \" and \\ escaped, control characters as \n, \t, ... or \xNN;
  // printable text, UTF-8 included, as it is.
  std::vector<std::string> out;
  for (const std::string& s : *list) {
    std::string q = "\"";
    for (unsigned char c : s) {
      switch (c) {
        case '"':
          q += "\\\"";
          break;
        case '\\':
          q += "\\\\";
          break;
        case '\a':
          q += "\\a";
          break;
        case '\b':
          q += "\\b";
          break;
        case '\f':
          q += "\\f";
          break;
        case '\n':
          q += "\\n";
          break;
        case '\r':
          q += "\\r";
          break;
        case '\t':
          q += "\\t";
          break;
        case '\v':
          q += "\\v";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\x%02x", c);
            q += buf;
          } else {
            q += static_cast<char>(c);
          }
      }
    }
    out.push_back(q + "\"");
  }
  return out;
}

}  // namespace corral::store
