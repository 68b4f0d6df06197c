#include "sample/grammar/json_schema.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "sample/grammar/regex_to_gbnf.h"

namespace corral::sample::grammar {
namespace {

using json = nlohmann::ordered_json;  // properties keep the schema's order

// Numbers and integers are written with at most 16 digits before the point, as llama.cpp's schema
// converter also bounds them (a model must be able to finish a number).
constexpr int64_t kMaxBound = 999'999'999'999'999;  // 15 nines: safe in a double and in 16 digits

constexpr std::string_view kPrimitives = R"(space ::= | " "
boolean ::= ("true" | "false") space
null ::= "null" space
char ::= [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" ([0-9a-cA-CeEfF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}))
string ::= "\"" char* "\"" space
int-digits ::= [0-9] | [1-9] [0-9]{1,15}
integer ::= "-"? int-digits space
fraction ::= "." [0-9]{1,16}
exponent ::= [eE] [-+]? [0-9]{1,3}
number ::= "-"? int-digits fraction? exponent? space
value ::= object | array | string | number | boolean | null
object ::= "{" space (string ":" space value ("," space string ":" space value)*)? "}" space
array ::= "[" space (value ("," space value)*)? "]" space
)";

// A GBNF string literal for raw bytes.
std::string Literal(std::string_view bytes) {
  std::string out = "\"";
  for (char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (b < 0x20 || b == 0x7F) {
      static const char* hex = "0123456789ABCDEF";
      out += "\\x";
      out += hex[b >> 4];
      out += hex[b & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The decimal numbers without leading zeros in [lo, hi] whose digit strings a and b have the same length:
// the classic split into a common prefix, the first digit's end ranges and a free middle.
std::string SameLengthRange(const std::string& a, const std::string& b) {
  if (a.empty()) return "";
  if (a == b) return Literal(a);
  if (a[0] == b[0]) return Literal(a.substr(0, 1)) + " " + SameLengthRange(a.substr(1), b.substr(1));
  const size_t rest = a.size() - 1;
  const std::string zeros(rest, '0'), nines(rest, '9');
  auto digits = [](char from, char to) {
    return from == to ? Literal(std::string(1, from))
                      : "[" + std::string(1, from) + "-" + std::string(1, to) + "]";
  };
  auto free = [&](size_t n) { return n == 0 ? std::string() : " [0-9]{" + std::to_string(n) + "}"; };
  if (a.substr(1) == zeros && b.substr(1) == nines) return digits(a[0], b[0]) + free(rest);
  std::vector<std::string> alts;
  char low = a[0], high = b[0];
  if (a.substr(1) != zeros) {
    alts.push_back(Literal(a.substr(0, 1)) + " (" + SameLengthRange(a.substr(1), nines) + ")");
    ++low;
  }
  if (b.substr(1) != nines) {
    alts.push_back(Literal(b.substr(0, 1)) + " (" + SameLengthRange(zeros, b.substr(1)) + ")");
    --high;
  }
  if (low <= high) alts.insert(alts.begin() + (a.substr(1) != zeros ? 1 : 0), digits(low, high) + free(rest));
  std::string out;
  for (const std::string& alt : alts) out += (out.empty() ? "" : " | ") + alt;
  return "(" + out + ")";
}

// Non-negative integers in [lo, hi] (hi < 0: unbounded), without leading zeros.
std::string NaturalRange(int64_t lo, int64_t hi) {
  std::vector<std::string> alts;
  const std::string los = std::to_string(lo);
  const size_t max_len = hi < 0 ? 16 : std::to_string(hi).size();
  for (size_t len = los.size(); len <= max_len; ++len) {
    const int64_t first = len == 1 ? 0 : static_cast<int64_t>(std::pow(10, len - 1));
    const int64_t last = len >= 16 ? INT64_MAX : static_cast<int64_t>(std::pow(10, len)) - 1;
    const int64_t a = std::max(lo, first);
    const int64_t b = hi < 0 ? last : std::min(hi, last);
    if (a > b) continue;
    if (len >= 16) {
      alts.push_back("[1-9] [0-9]{15}");
      continue;
    }
    if (hi < 0 && a == first && len > los.size()) {
      // Every longer number: one rule for all the remaining lengths.
      alts.push_back("[1-9] [0-9]{" + std::to_string(len - 1) + ",15}");
      break;
    }
    alts.push_back(SameLengthRange(std::to_string(a), std::to_string(b)));
  }
  std::string out;
  for (const std::string& alt : alts) out += (out.empty() ? "" : " | ") + alt;
  return "(" + out + ")";
}

// Integers in [lo, hi]; nullopt bounds are open.
std::string IntegerRange(std::optional<int64_t> lo, std::optional<int64_t> hi) {
  std::vector<std::string> alts;
  // Negative part: -n with n in [max(1, -hi), -lo].
  if (!lo || *lo < 0) {
    const int64_t n_lo = hi && *hi < 0 ? -*hi : 1;
    const int64_t n_hi = lo ? -*lo : -1;
    alts.push_back("\"-\" " + NaturalRange(n_lo, n_hi));
  }
  if (!hi || *hi >= 0) alts.push_back(NaturalRange(lo && *lo > 0 ? *lo : 0, hi ? *hi : -1));
  std::string out;
  for (const std::string& alt : alts) out += (out.empty() ? "" : " | ") + alt;
  return "(" + out + ")";
}

class Compiler {
 public:
  explicit Compiler(const json& root) : root_(root) {}

  Result<std::string> Compile() {
    CORRAL_ASSIGN_OR_RETURN(std::string expr, Visit(root_, "root", ""));
    std::string out = "root ::= " + expr + "\n";
    for (const auto& [name, body] : rules_) out += name + " ::= " + body + "\n";
    out += kPrimitives;
    return out;
  }

 private:
  static Status Unsupported(const std::string& keyword, const std::string& path,
                            const std::string& why = "") {
    return Status::InvalidArgument("JSON schema: unsupported keyword '" + keyword + "' at " +
                                   (path.empty() ? "/" : path) + (why.empty() ? "" : " (" + why + ")"));
  }
  static Status Invalid(const std::string& path, const std::string& why) {
    return Status::InvalidArgument("JSON schema: at " + (path.empty() ? "/" : path) + ": " + why);
  }

  std::string NewRule(const std::string& hint, std::string body) {
    std::string name;
    for (char c : hint) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
    if (name.empty() || name == "root") name = "r";
    const std::string base = name;
    for (int i = 1; rules_.count(name) != 0 || reserved_.count(name) != 0; ++i)
      name = base + "-" + std::to_string(i);
    rules_[name] = std::move(body);
    return name;
  }

  static std::string Alternatives(const std::vector<std::string>& alts) {
    std::string out;
    for (const std::string& alt : alts) out += (out.empty() ? "" : " | ") + alt;
    return alts.size() == 1 ? out : "(" + out + ")";
  }

  Result<std::string> Const(const json& value) { return Literal(value.dump()) + " space"; }

  Result<std::string> Ref(const std::string& ref, const std::string& path) {
    std::string name;
    for (const char* prefix : {"#/$defs/", "#/definitions/"}) {
      if (ref.rfind(prefix, 0) == 0) {
        const std::string key = std::string(prefix) == "#/$defs/" ? "$defs" : "definitions";
        name = ref.substr(std::string(prefix).size());
        if (!root_.contains(key) || !root_[key].is_object() || !root_[key].contains(name))
          return Invalid(path, "$ref '" + ref + "' names no definition");
        const auto done = refs_.find(ref);
        if (done != refs_.end()) return done->second;
        // Name the rule before compiling it, so that a recursive reference finds it.
        std::string rule;
        for (char c : "def-" + name) rule += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
        const std::string base = rule;
        for (int i = 1; rules_.count(rule) != 0 || reserved_.count(rule) != 0; ++i)
          rule = base + "-" + std::to_string(i);
        reserved_.insert(rule);
        refs_[ref] = rule;
        CORRAL_ASSIGN_OR_RETURN(std::string body, Visit(root_[key][name], rule, "/" + key + "/" + name));
        rules_[rule] = body;
        return rule;
      }
    }
    return Unsupported("$ref", path, "only #/$defs/NAME and #/definitions/NAME references are supported");
  }

  Result<std::string> Visit(const json& schema, const std::string& hint, const std::string& path) {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) return Invalid(path, "the schema 'false' allows no value");
      return std::string("value");
    }
    if (!schema.is_object()) return Invalid(path, "a schema must be an object or a boolean");
    static const std::set<std::string> kKnown = {"$schema",
                                                 "$id",
                                                 "$comment",
                                                 "title",
                                                 "description",
                                                 "default",
                                                 "examples",
                                                 "deprecated",
                                                 "readOnly",
                                                 "writeOnly",
                                                 "$defs",
                                                 "definitions",
                                                 "$ref",
                                                 "type",
                                                 "enum",
                                                 "const",
                                                 "anyOf",
                                                 "oneOf",
                                                 "properties",
                                                 "required",
                                                 "additionalProperties",
                                                 "items",
                                                 "minItems",
                                                 "maxItems",
                                                 "minLength",
                                                 "maxLength",
                                                 "pattern",
                                                 "minimum",
                                                 "maximum",
                                                 "exclusiveMinimum",
                                                 "exclusiveMaximum"};
    for (const auto& [key, value] : schema.items()) {
      if (kKnown.count(key) == 0) return Unsupported(key, path);
    }
    if ((schema.contains("$defs") || schema.contains("definitions")) && &schema != &root_)
      return Unsupported(schema.contains("$defs") ? "$defs" : "definitions", path, "only at the top level");
    if (schema.contains("$ref")) {
      if (!schema["$ref"].is_string()) return Invalid(path + "/$ref", "must be a string");
      return Ref(schema["$ref"].get<std::string>(), path);
    }
    if (schema.contains("const")) return Const(schema["const"]);
    if (schema.contains("enum")) {
      if (!schema["enum"].is_array() || schema["enum"].empty())
        return Invalid(path + "/enum", "must be a non-empty array");
      std::vector<std::string> alts;
      for (const json& v : schema["enum"]) alts.push_back(Literal(v.dump()));
      return Alternatives(alts) + " space";
    }
    for (const char* key : {"anyOf", "oneOf"}) {
      if (!schema.contains(key)) continue;
      if (!schema[key].is_array() || schema[key].empty())
        return Invalid(path + "/" + key, "must be a non-empty array");
      std::vector<std::string> alts;
      for (size_t i = 0; i < schema[key].size(); ++i) {
        CORRAL_ASSIGN_OR_RETURN(std::string alt, Visit(schema[key][i], hint + "-" + std::to_string(i),
                                                       path + "/" + key + "/" + std::to_string(i)));
        alts.push_back(alt);
      }
      return NewRule(hint, Alternatives(alts));
    }
    std::vector<std::string> types;
    if (schema.contains("type")) {
      const json& t = schema["type"];
      if (t.is_string()) {
        types.push_back(t.get<std::string>());
      } else if (t.is_array() && !t.empty()) {
        for (const json& one : t) {
          if (!one.is_string()) return Invalid(path + "/type", "must be a string or a list of strings");
          types.push_back(one.get<std::string>());
        }
      } else {
        return Invalid(path + "/type", "must be a string or a non-empty list of strings");
      }
    } else if (schema.contains("properties")) {
      types.push_back("object");
    } else if (schema.contains("items")) {
      types.push_back("array");
    } else {
      return std::string("value");
    }
    std::vector<std::string> alts;
    for (const std::string& type : types) {
      CORRAL_ASSIGN_OR_RETURN(std::string alt, OfType(schema, type, hint, path));
      alts.push_back(alt);
    }
    return Alternatives(alts);
  }

  Result<std::string> OfType(const json& schema, const std::string& type, const std::string& hint,
                             const std::string& path) {
    if (type == "null") return std::string("null");
    if (type == "boolean") return std::string("boolean");
    if (type == "string") return String(schema, hint, path);
    if (type == "integer" || type == "number") return Number(schema, type == "integer", hint, path);
    if (type == "array") return Array(schema, hint, path);
    if (type == "object") return Object(schema, hint, path);
    return Invalid(path + "/type", "unknown type '" + type + "'");
  }

  Result<std::optional<int64_t>> Count(const json& schema, const char* key, const std::string& path) {
    if (!schema.contains(key)) return std::optional<int64_t>();
    const json& v = schema[key];
    if (!v.is_number_integer() || v.get<int64_t>() < 0)
      return Invalid(path + "/" + key, "must be a non-negative integer");
    if (v.get<int64_t>() > 10000) return Unsupported(key, path, "values above 10000");
    return std::optional<int64_t>(v.get<int64_t>());
  }

  Result<std::string> String(const json& schema, const std::string& hint, const std::string& path) {
    CORRAL_ASSIGN_OR_RETURN(std::optional<int64_t> min, Count(schema, "minLength", path));
    CORRAL_ASSIGN_OR_RETURN(std::optional<int64_t> max, Count(schema, "maxLength", path));
    if (schema.contains("pattern")) {
      if (min || max) return Unsupported(min ? "minLength" : "maxLength", path, "together with pattern");
      if (!schema["pattern"].is_string()) return Invalid(path + "/pattern", "must be a string");
      Result<std::string> body = RegexToGbnf(schema["pattern"].get<std::string>());
      if (!body.ok()) return Unsupported("pattern", path, body.status().message());
      return NewRule(hint, "\"\\\"\" " + *body + " \"\\\"\" space");
    }
    if (!min && !max) return std::string("string");
    if (max && *max < min.value_or(0)) return Invalid(path, "maxLength is below minLength");
    const std::string reps =
        "{" + std::to_string(min.value_or(0)) + "," + (max ? std::to_string(*max) : "") + "}";
    return NewRule(hint, "\"\\\"\" char" + reps + " \"\\\"\" space");
  }

  Result<std::optional<int64_t>> Bound(const json& schema, const char* key, const std::string& path,
                                       bool integer) {
    if (!schema.contains(key)) return std::optional<int64_t>();
    const json& v = schema[key];
    if (!v.is_number()) return Invalid(path + "/" + key, "must be a number");
    const double d = v.get<double>();
    if (std::fabs(d) > static_cast<double>(kMaxBound)) return Unsupported(key, path, "bounds beyond ±10^15");
    if (integer) {
      // An integer x ≥ 2.5 is x ≥ 3; x > 2.5 likewise.
      const std::string k = key;
      if (k == "minimum") return std::optional<int64_t>(static_cast<int64_t>(std::ceil(d)));
      if (k == "maximum") return std::optional<int64_t>(static_cast<int64_t>(std::floor(d)));
      if (k == "exclusiveMinimum") return std::optional<int64_t>(static_cast<int64_t>(std::floor(d)) + 1);
      return std::optional<int64_t>(static_cast<int64_t>(std::ceil(d)) - 1);
    }
    if (d != std::floor(d)) return Unsupported(key, path, "a number's bounds must be whole numbers");
    if (std::string(key).rfind("exclusive", 0) == 0)
      return Unsupported(key, path, "on numbers (use minimum/maximum)");
    return std::optional<int64_t>(static_cast<int64_t>(d));
  }

  Result<std::string> Number(const json& schema, bool integer, const std::string& hint,
                             const std::string& path) {
    std::optional<int64_t> lo, hi;
    for (const char* key : {"minimum", "exclusiveMinimum"}) {
      CORRAL_ASSIGN_OR_RETURN(std::optional<int64_t> b, Bound(schema, key, path, integer));
      if (b && (!lo || *b > *lo)) lo = b;
    }
    for (const char* key : {"maximum", "exclusiveMaximum"}) {
      CORRAL_ASSIGN_OR_RETURN(std::optional<int64_t> b, Bound(schema, key, path, integer));
      if (b && (!hi || *b < *hi)) hi = b;
    }
    if (!lo && !hi) return std::string(integer ? "integer" : "number");
    if (lo && hi && *lo > *hi)
      return Invalid(path, "no " + std::string(integer ? "integer" : "number") + " lies within the bounds");
    if (integer) return NewRule(hint, IntegerRange(lo, hi) + " space");
    // A number in [lo, hi] with whole bounds: an integer part in [lo, hi - 1] with any fraction, or hi
    // itself with a zero fraction; mirrored for the negative side.
    auto nonnegative = [](int64_t a, std::optional<int64_t> b) {
      std::vector<std::string> alts;
      if (!b) return NaturalRange(a, -1) + " fraction?";
      if (*b > a) alts.push_back(NaturalRange(a, *b - 1) + " fraction?");
      alts.push_back(NaturalRange(*b, *b) + " (\".\" \"0\"{1,3})?");
      std::string out;
      for (const std::string& alt : alts) out += (out.empty() ? "" : " | ") + alt;
      return "(" + out + ")";
    };
    std::vector<std::string> alts;
    if (!lo || *lo < 0) {
      // -x with x in [max(0, -hi), -lo]: "-0.5" ≥ lo needs x ≤ -lo.
      const int64_t x_lo = hi && *hi < 0 ? -*hi : 0;
      alts.push_back("\"-\" " + nonnegative(x_lo, lo ? std::optional<int64_t>(-*lo) : std::nullopt));
    }
    if (!hi || *hi >= 0) alts.push_back(nonnegative(lo && *lo > 0 ? *lo : 0, hi));
    return NewRule(hint, Alternatives(alts) + " space");
  }

  Result<std::string> Array(const json& schema, const std::string& hint, const std::string& path) {
    CORRAL_ASSIGN_OR_RETURN(std::optional<int64_t> min, Count(schema, "minItems", path));
    CORRAL_ASSIGN_OR_RETURN(std::optional<int64_t> max, Count(schema, "maxItems", path));
    std::string item = "value";
    if (schema.contains("items")) {
      CORRAL_ASSIGN_OR_RETURN(item, Visit(schema["items"], hint + "-item", path + "/items"));
    }
    if (max && *max < min.value_or(0)) return Invalid(path, "maxItems is below minItems");
    if (max && *max == 0) return NewRule(hint, "\"[\" space \"]\" space");
    const int64_t lo = min.value_or(0);
    // item ("," item){lo-1, max-1}, optional as a whole when lo is 0.
    const std::string more_lo = std::to_string(lo > 0 ? lo - 1 : 0);
    const std::string more_hi = max ? std::to_string(*max - 1) : "";
    std::string items = item + " (\",\" space " + item + "){" + more_lo + "," + more_hi + "}";
    if (lo == 0) items = "(" + items + ")?";
    return NewRule(hint, "\"[\" space " + items + " \"]\" space");
  }

  Result<std::string> Object(const json& schema, const std::string& hint, const std::string& path) {
    if (schema.contains("additionalProperties")) {
      const json& extra = schema["additionalProperties"];
      if (!(extra.is_boolean() && !extra.get<bool>()))
        return Unsupported("additionalProperties", path, "only false is supported");
    }
    if (!schema.contains("properties")) {
      if (schema.contains("required") && !schema["required"].empty())
        return Unsupported("required", path, "without properties");
      return std::string(schema.contains("additionalProperties") ? "\"{\" space \"}\" space" : "object");
    }
    const json& props = schema["properties"];
    if (!props.is_object()) return Invalid(path + "/properties", "must be an object");
    std::set<std::string> required;
    if (schema.contains("required")) {
      if (!schema["required"].is_array()) return Invalid(path + "/required", "must be an array of names");
      for (const json& name : schema["required"]) {
        if (!name.is_string() || !props.contains(name.get<std::string>()))
          return Unsupported("required", path, "names a property not in properties: " + name.dump());
        required.insert(name.get<std::string>());
      }
    }
    struct Prop {
      std::string kv;
      bool required;
    };
    std::vector<Prop> list;
    for (const auto& [name, sub] : props.items()) {
      CORRAL_ASSIGN_OR_RETURN(std::string value, Visit(sub, hint + "-" + name, path + "/properties/" + name));
      list.push_back({Literal(json(name).dump()) + " space \":\" space " + value, required.count(name) != 0});
    }
    // first[i]: properties i.. when none came before (no leading comma); rest[i]: when one did.
    const size_t n = list.size();
    std::vector<std::string> first(n + 1), rest(n + 1);
    for (size_t k = n; k-- > 0;) {
      const std::string& kv = list[k].kv;
      const std::string after = rest[k + 1].empty() ? "" : " " + rest[k + 1];
      std::string rest_body =
          list[k].required ? "\",\" space " + kv + after : "(\",\" space " + kv + ")?" + after;
      rest[k] = NewRule(hint + "-rest", rest_body);
      std::string first_body = kv + after;
      if (!list[k].required)
        first_body = "(" + first_body + ")" + (first[k + 1].empty() ? "?" : " | " + first[k + 1]);
      first[k] = NewRule(hint + "-props", first_body);
    }
    return NewRule(hint, "\"{\" space " + first[0] + " \"}\" space");
  }

  const json& root_;
  std::map<std::string, std::string> rules_;
  std::set<std::string> reserved_;
  std::map<std::string, std::string> refs_;
};

}  // namespace

Result<std::string> JsonSchemaToGbnf(std::string_view schema_json) {
  json schema = json::parse(schema_json, nullptr, /*allow_exceptions=*/false);
  if (schema.is_discarded()) return Status::InvalidArgument("JSON schema: not valid JSON");
  Compiler compiler(schema);
  return compiler.Compile();
}

}  // namespace corral::sample::grammar
