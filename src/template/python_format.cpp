#include "template/python_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "template/unicode.h"

namespace corral::jinja {

std::string FloatRepr(double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  if (f == 0.0) return std::signbit(f) ? "-0.0" : "0.0";
  // Shortest round-trip digits (what Python's repr picks), laid out by Python's rule: positional notation
  // when the decimal exponent e satisfies -5 < e < 16, scientific with a two-digit exponent otherwise.
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(result.ptr - buf));
  std::string out;
  if (sci.front() == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  const size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = 0;
  std::from_chars(sci.data() + e_pos + 1 + (sci[e_pos + 1] == '+' ? 1 : 0), sci.data() + sci.size(),
                  exponent);
  const int ndigits = static_cast<int>(digits.size());
  if (exponent < -4 || exponent >= 16) {
    out.push_back(digits[0]);
    if (ndigits > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(exponent < 0 ? '-' : '+');
    const int mag = std::abs(exponent);
    if (mag < 10) out.push_back('0');
    out += std::to_string(mag);
    return out;
  }
  const int decpt = exponent + 1;  // digits before the decimal point
  if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-decpt), '0');
    out += digits;
  } else if (decpt >= ndigits) {
    out += digits;
    out.append(static_cast<size_t>(decpt - ndigits), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<size_t>(decpt));
    out.push_back('.');
    out.append(digits, static_cast<size_t>(decpt));
  }
  return out;
}

namespace {

// Python's str.isprintable() per code point, for repr: control, format, separator (other than the ASCII
// space), surrogate and private-use characters are escaped.
bool IsPrintable(char32_t cp) {
  if (cp < 0x20 || cp == 0x7F) return false;
  if (cp < 0x7F) return true;
  if (cp <= 0xA0 || cp == 0xAD) return false;
  if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
      (cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB)) {
    return false;
  }
  if ((cp >= 0x600 && cp <= 0x605) || cp == 0x61C || cp == 0x6DD || cp == 0x70F || cp == 0x180E) return false;
  if ((cp >= 0xD800 && cp <= 0xF8FF) || cp >= 0xF0000 || cp == 0xFFFE || cp == 0xFFFF) return false;
  if ((cp >= 0xE0000 && cp <= 0xE0FFF)) return false;
  return true;
}

void AppendHex(std::string& out, uint32_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) out.push_back(kHex[(value >> (4 * i)) & 0xF]);
}

struct ReprGuard {
  std::vector<const void*> active;  // containers being printed, for Python's [...] on self-reference
};

void AppendReprImpl(std::string& out, const Value& v, ReprGuard& guard);

void AppendContainer(std::string& out, const Value& v, ReprGuard& guard) {
  const void* id = v.identity();
  const bool is_dict = v.is_dict();
  // Python prints a container that contains itself as [...]; corral does the same past its recursion bound
  // (where Python would raise RecursionError).
  if (guard.active.size() > kMaxValueRecursion ||
      std::find(guard.active.begin(), guard.active.end(), id) != guard.active.end()) {
    out += is_dict ? "{...}" : (v.is_tuple() ? "(...)" : "[...]");
    return;
  }
  guard.active.push_back(id);
  if (is_dict) {
    out.push_back('{');
    bool first = true;
    for (const auto& [k, item] : v.dict().items) {
      if (!first) out += ", ";
      first = false;
      AppendReprImpl(out, k, guard);
      out += ": ";
      AppendReprImpl(out, item, guard);
    }
    out.push_back('}');
  } else {
    const auto& items = v.list().items;
    out.push_back(v.is_tuple() ? '(' : '[');
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += ", ";
      AppendReprImpl(out, items[i], guard);
    }
    if (v.is_tuple() && items.size() == 1) out.push_back(',');
    out.push_back(v.is_tuple() ? ')' : ']');
  }
  guard.active.pop_back();
}

void AppendReprImpl(std::string& out, const Value& v, ReprGuard& guard) {
  switch (v.kind()) {
    case Kind::kUndefined:
      out += "Undefined";
      return;
    case Kind::kNone:
      out += "None";
      return;
    case Kind::kBool:
      out += v.as_bool() ? "True" : "False";
      return;
    case Kind::kInt:
      out += std::to_string(v.as_int());
      return;
    case Kind::kFloat:
      out += FloatRepr(v.as_float());
      return;
    case Kind::kString:
      if (v.is_markup()) {
        out += "Markup(";
        AppendStringRepr(out, v.str());
        out += ")";
      } else {
        AppendStringRepr(out, v.str());
      }
      return;
    case Kind::kList:
    case Kind::kDict:
      AppendContainer(out, v, guard);
      return;
    case Kind::kIterator:
      out += "<";
      out += v.iterator().type_name;
      out += " object>";
      return;
    case Kind::kObject:
      out += v.object().Repr();
      return;
  }
}

}  // namespace

void AppendStringRepr(std::string& out, std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  out.push_back(quote);
  for (size_t pos = 0; pos < s.size();) {
    const size_t start = pos;
    const char32_t cp = NextCodePoint(s, pos);
    if (cp == static_cast<char32_t>(quote) || cp == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp));
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (IsPrintable(cp)) {
      out.append(s.substr(start, pos - start));
    } else if (cp < 0x100) {
      out += "\\x";
      AppendHex(out, cp, 2);
    } else if (cp < 0x10000) {
      out += "\\u";
      AppendHex(out, cp, 4);
    } else {
      out += "\\U";
      AppendHex(out, cp, 8);
    }
  }
  out.push_back(quote);
}

void AppendRepr(std::string& out, const Value& v) {
  ReprGuard guard;
  AppendReprImpl(out, v, guard);
}

void AppendStr(std::string& out, const Value& v) {
  if (v.is_string()) {
    out += v.str();
  } else if (!v.is_undefined()) {
    AppendRepr(out, v);
  }
}

std::string PyStr(const Value& v) {
  if (v.is_string()) return v.str();
  std::string out;
  AppendStr(out, v);
  return out;
}

std::string PyRepr(const Value& v) {
  std::string out;
  AppendRepr(out, v);
  return out;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '"':
        out += "&#34;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// ---- json.dumps ----

namespace {

void AppendJsonString(std::string& out, std::string_view s, bool ensure_ascii) {
  out.push_back('"');
  for (size_t pos = 0; pos < s.size();) {
    const size_t start = pos;
    const char32_t cp = NextCodePoint(s, pos);
    switch (cp) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
    }
    if (cp < 0x20 || (ensure_ascii && cp > 0x7E)) {
      if (cp >= 0x10000) {  // ensure_ascii writes astral code points as a UTF-16 surrogate pair
        const char32_t v = cp - 0x10000;
        out += "\\u";
        AppendHex(out, 0xD800 | (v >> 10), 4);
        out += "\\u";
        AppendHex(out, 0xDC00 | (v & 0x3FF), 4);
      } else {
        out += "\\u";
        AppendHex(out, cp, 4);
      }
    } else {
      out.append(s.substr(start, pos - start));
    }
  }
  out.push_back('"');
}

std::string JsonFloat(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "Infinity" : "-Infinity";
  return FloatRepr(f);
}

class JsonWriter {
 public:
  explicit JsonWriter(const JsonOptions& options) : options_(options) {}

  Status Write(std::string& out, const Value& v, int level) {
    switch (v.kind()) {
      case Kind::kNone:
        out += "null";
        return Status::Ok();
      case Kind::kBool:
        out += v.as_bool() ? "true" : "false";
        return Status::Ok();
      case Kind::kInt:
        out += std::to_string(v.as_int());
        return Status::Ok();
      case Kind::kFloat:
        out += JsonFloat(v.as_float());
        return Status::Ok();
      case Kind::kString:
        AppendJsonString(out, v.str(), options_.ensure_ascii);
        return Status::Ok();
      case Kind::kList:
        return WriteList(out, v, level);
      case Kind::kDict:
        return WriteDict(out, v, level);
      default:
        return Status::InvalidArgument(std::string("Object of type ").append(PyTypeName(v)) +
                                       " is not JSON serializable");
    }
  }

 private:
  void NewLine(std::string& out, int level) const {
    out.push_back('\n');
    for (int i = 0; i < level; ++i) out += *options_.indent;
  }

  Status Enter(const Value& v) {
    if (std::find(active_.begin(), active_.end(), v.identity()) != active_.end()) {
      return Status::InvalidArgument("Circular reference detected");
    }
    if (active_.size() > kMaxValueRecursion) return Status::OutOfRange("tojson: value nested too deeply");
    active_.push_back(v.identity());
    return Status::Ok();
  }

  Status WriteList(std::string& out, const Value& v, int level) {
    const auto& items = v.list().items;
    if (items.empty()) {
      out += "[]";
      return Status::Ok();
    }
    CORRAL_RETURN_IF_ERROR(Enter(v));
    out.push_back('[');
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += options_.item_separator;
      if (options_.indent) NewLine(out, level + 1);
      CORRAL_RETURN_IF_ERROR(Write(out, items[i], level + 1));
    }
    if (options_.indent) NewLine(out, level);
    out.push_back(']');
    active_.pop_back();
    return Status::Ok();
  }

  // Python's json turns non-string keys into strings (int, float, bool, None) and rejects the rest.
  Result<std::string> KeyText(const Value& key) const {
    switch (key.kind()) {
      case Kind::kString:
        return key.str();
      case Kind::kBool:
        return std::string(key.as_bool() ? "true" : "false");
      case Kind::kNone:
        return std::string("null");
      case Kind::kInt:
        return std::to_string(key.as_int());
      case Kind::kFloat:
        return JsonFloat(key.as_float());
      default:
        return Status::InvalidArgument(
            std::string("keys must be str, int, float, bool or None, not ").append(PyTypeName(key)));
    }
  }

  Status WriteDict(std::string& out, const Value& v, int level) {
    const auto& source = v.dict().items;
    if (source.empty()) {
      out += "{}";
      return Status::Ok();
    }
    std::vector<const std::pair<Value, Value>*> items;
    items.reserve(source.size());
    for (const auto& item : source) items.push_back(&item);
    if (options_.sort_keys) {
      // sorted(d.items()): keys must be mutually comparable (all strings, or all numbers).
      const bool all_strings =
          std::all_of(items.begin(), items.end(), [](const auto* p) { return p->first.is_string(); });
      const bool all_numbers =
          std::all_of(items.begin(), items.end(), [](const auto* p) { return p->first.is_number(); });
      if (!all_strings && !all_numbers) {
        return Status::InvalidArgument("'<' not supported between instances of dict keys of different types");
      }
      std::stable_sort(items.begin(), items.end(), [all_strings](const auto* a, const auto* b) {
        if (all_strings) return a->first.str() < b->first.str();
        return a->first.as_float() < b->first.as_float();
      });
    }
    CORRAL_RETURN_IF_ERROR(Enter(v));
    out.push_back('{');
    bool first = true;
    for (const auto* item : items) {
      if (!first) out += options_.item_separator;
      first = false;
      if (options_.indent) NewLine(out, level + 1);
      CORRAL_ASSIGN_OR_RETURN(std::string key, KeyText(item->first));
      AppendJsonString(out, key, options_.ensure_ascii);
      out += options_.key_separator;
      CORRAL_RETURN_IF_ERROR(Write(out, item->second, level + 1));
    }
    if (options_.indent) NewLine(out, level);
    out.push_back('}');
    active_.pop_back();
    return Status::Ok();
  }

  const JsonOptions& options_;
  std::vector<const void*> active_;
};

}  // namespace

Result<std::string> DumpJson(const Value& v, const JsonOptions& options) {
  std::string out;
  JsonWriter writer(options);
  CORRAL_RETURN_IF_ERROR(writer.Write(out, v, 0));
  return out;
}

}  // namespace corral::jinja
