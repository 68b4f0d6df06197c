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

// ---- printf-style % formatting ----

namespace {

struct FormatSpec {
  bool left = false, plus = false, space = false, alt = false, zero = false;
  int width = -1, precision = -1;
  char type = 0;
};

std::string Pad(std::string body, const FormatSpec& spec) {
  if (spec.width < 0) return body;
  const size_t len = CodePointCount(body);
  if (len >= static_cast<size_t>(spec.width)) return body;
  const size_t fill = static_cast<size_t>(spec.width) - len;
  if (spec.left) return body + std::string(fill, ' ');
  if (spec.zero && spec.type != 's' && spec.type != 'r' && spec.type != 'a' && spec.type != 'c') {
    size_t sign = (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) ? 1 : 0;
    if (spec.alt && body.size() > sign + 1 && body[sign] == '0' &&
        std::isalpha(static_cast<unsigned char>(body[sign + 1]))) {
      sign += 2;
    }
    return body.substr(0, sign) + std::string(fill, '0') + body.substr(sign);
  }
  return std::string(fill, ' ') + body;
}

std::string FormatIntBase(int64_t value, char type, bool alt) {
  const bool negative = value < 0;
  uint64_t mag = negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  const int base = (type == 'x' || type == 'X') ? 16 : (type == 'o' ? 8 : (type == 'b' ? 2 : 10));
  std::string digits;
  do {
    const int d = static_cast<int>(mag % base);
    digits.push_back(static_cast<char>(d < 10 ? '0' + d : (type == 'X' ? 'A' : 'a') + d - 10));
    mag /= base;
  } while (mag > 0);
  std::reverse(digits.begin(), digits.end());
  std::string prefix;
  if (alt && base != 10)
    prefix = std::string("0") + (type == 'X' ? 'X' : (base == 16 ? 'x' : (base == 8 ? 'o' : 'b')));
  return (negative ? "-" : "") + prefix + digits;
}

// %e/%f/%g with C's printf, which rounds exactly as Python does (correctly rounded, ties to even).
std::string FormatFloatC(double value, char type, int precision, bool alt) {
  if (std::isnan(value)) return std::isupper(static_cast<unsigned char>(type)) ? "NAN" : "nan";
  if (std::isinf(value)) {
    const char* text = std::isupper(static_cast<unsigned char>(type)) ? "INF" : "inf";
    return value < 0 ? std::string("-") + text : std::string(text);
  }
  char fmt[16];
  std::snprintf(fmt, sizeof(fmt), "%%%s.%d%c", alt ? "#" : "", precision < 0 ? 6 : precision, type);
  char stack_buf[128];
  const int n = std::snprintf(stack_buf, sizeof(stack_buf), fmt, value);
  if (n < static_cast<int>(sizeof(stack_buf)))
    return std::string(stack_buf, static_cast<size_t>(std::max(n, 0)));
  std::string big(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(big.data(), big.size(), fmt, value);
  big.resize(static_cast<size_t>(n));
  return big;
}

std::string WithSign(std::string body, const FormatSpec& spec) {
  if (!body.empty() && body[0] != '-') {
    if (spec.plus) return "+" + body;
    if (spec.space) return " " + body;
  }
  return body;
}

Result<std::string> ConvertOne(const Value& v, const FormatSpec& spec) {
  switch (spec.type) {
    case 's': {
      std::string s = PyStr(v);
      if (spec.precision >= 0) s = s.substr(0, ByteOffsetOfCodePoint(s, static_cast<size_t>(spec.precision)));
      return Pad(std::move(s), spec);
    }
    case 'r':
    case 'a': {
      std::string s = PyRepr(v);
      if (spec.precision >= 0) s = s.substr(0, ByteOffsetOfCodePoint(s, static_cast<size_t>(spec.precision)));
      return Pad(std::move(s), spec);
    }
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      if (!v.is_number()) {
        return Status::InvalidArgument(std::string("%") + spec.type +
                                       " format: a real number is required, not " +
                                       std::string(PyTypeName(v)));
      }
      int64_t i = v.is_float() ? static_cast<int64_t>(std::trunc(v.as_float())) : v.as_int();
      if (v.is_float() && spec.type != 'd' && spec.type != 'i' && spec.type != 'u') {
        return Status::InvalidArgument(std::string("%") + spec.type +
                                       " format: an integer is required, not float");
      }
      const char type = (spec.type == 'i' || spec.type == 'u') ? 'd' : spec.type;
      return Pad(WithSign(FormatIntBase(i, type, spec.alt), spec), spec);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      if (!v.is_number()) {
        return Status::InvalidArgument(std::string("must be real number, not ").append(PyTypeName(v)));
      }
      return Pad(WithSign(FormatFloatC(v.as_float(), spec.type, spec.precision, spec.alt), spec), spec);
    }
    case 'c': {
      if (v.is_string() && v.StringLength() == 1) return Pad(v.str(), spec);
      if (v.is_int() && v.as_int() >= 0 && v.as_int() <= 0x10FFFF) {
        std::string s;
        AppendUtf8(s, static_cast<char32_t>(v.as_int()));
        return Pad(std::move(s), spec);
      }
      return Status::InvalidArgument("%c requires an int or a unicode character");
    }
    default:
      return Status::InvalidArgument(std::string("unsupported format character '") + spec.type + "'");
  }
}

}  // namespace

Result<std::string> PercentFormat(std::string_view format, const Value& args) {
  std::vector<Value> positional;
  const Value* mapping = nullptr;
  if (args.is_tuple()) {
    positional = args.list().items;
  } else if (args.is_dict()) {
    mapping = &args;
  } else {
    positional.push_back(args);
  }
  size_t next_arg = 0;
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out.push_back(format[i]);
      continue;
    }
    if (++i >= format.size()) return Status::InvalidArgument("incomplete format");
    const Value* value = nullptr;
    if (format[i] == '(') {
      const size_t close = format.find(')', i);
      if (close == std::string_view::npos) return Status::InvalidArgument("incomplete format key");
      if (mapping == nullptr) return Status::InvalidArgument("format requires a mapping");
      const std::string key(format.substr(i + 1, close - i - 1));
      value = mapping->dict().Find(std::string_view(key));
      if (value == nullptr) return Status::InvalidArgument("KeyError: '" + key + "'");
      i = close + 1;
    }
    FormatSpec spec;
    for (; i < format.size(); ++i) {
      const char c = format[i];
      if (c == '-')
        spec.left = true;
      else if (c == '+')
        spec.plus = true;
      else if (c == ' ')
        spec.space = true;
      else if (c == '#')
        spec.alt = true;
      else if (c == '0')
        spec.zero = true;
      else
        break;
    }
    auto read_number = [&](int* target) -> Status {
      if (i < format.size() && format[i] == '*') {
        if (next_arg >= positional.size() || !positional[next_arg].is_int()) {
          return Status::InvalidArgument("* wants int");
        }
        *target = static_cast<int>(std::clamp<int64_t>(positional[next_arg++].as_int(), -1000000, 1000000));
        ++i;
        return Status::Ok();
      }
      int n = -1;
      while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) {
        n = std::min((n < 0 ? 0 : n) * 10 + (format[i] - '0'), 1000000);
        ++i;
      }
      if (n >= 0) *target = n;
      return Status::Ok();
    };
    CORRAL_RETURN_IF_ERROR(read_number(&spec.width));
    if (spec.width < -1) {
      spec.left = true;
      spec.width = -spec.width;
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = 0;
      CORRAL_RETURN_IF_ERROR(read_number(&spec.precision));
    }
    while (i < format.size() && (format[i] == 'h' || format[i] == 'l' || format[i] == 'L')) ++i;
    if (i >= format.size()) return Status::InvalidArgument("incomplete format");
    spec.type = format[i];
    if (spec.type == '%') {
      out.push_back('%');
      continue;
    }
    if (value == nullptr) {
      if (mapping != nullptr) {
        value = mapping;
      } else {
        if (next_arg >= positional.size())
          return Status::InvalidArgument("not enough arguments for format string");
        value = &positional[next_arg++];
      }
    }
    CORRAL_ASSIGN_OR_RETURN(std::string piece, ConvertOne(*value, spec));
    out += piece;
  }
  if (mapping == nullptr && next_arg < positional.size()) {
    return Status::InvalidArgument("not all arguments converted during string formatting");
  }
  return out;
}

// ---- str.format ----

namespace {

struct BraceSpec {
  char32_t fill = ' ';
  char align = 0;  // < > ^ =
  char sign = 0;
  bool alt = false, zero = false;
  int width = -1, precision = -1;
  char grouping = 0;
  char type = 0;
};

Result<BraceSpec> ParseBraceSpec(std::string_view s) {
  BraceSpec spec;
  size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (!s.empty()) {
    size_t after_first = 0;
    const char32_t first = NextCodePoint(s, after_first);
    if (after_first < s.size() && is_align(s[after_first])) {
      spec.fill = first;
      spec.align = s[after_first];
      i = after_first + 1;
    } else if (is_align(s[0])) {
      spec.align = s[0];
      i = 1;
    }
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) spec.sign = s[i++];
  if (i < s.size() && s[i] == '#') {
    spec.alt = true;
    ++i;
  }
  if (i < s.size() && s[i] == '0') {
    spec.zero = true;
    ++i;
  }
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    spec.width = std::min((spec.width < 0 ? 0 : spec.width) * 10 + (s[i++] - '0'), 1000000);
  }
  if (i < s.size() && (s[i] == ',' || s[i] == '_')) spec.grouping = s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    spec.precision = 0;
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) {
      return Status::InvalidArgument("Format specifier missing precision");
    }
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      spec.precision = std::min(spec.precision * 10 + (s[i++] - '0'), 1000000);
    }
  }
  if (i < s.size()) spec.type = s[i++];
  if (i != s.size()) return Status::InvalidArgument("Invalid format specifier");
  return spec;
}

std::string GroupDigits(std::string digits, char sep) {
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out.push_back(sep);
    out.push_back(digits[i]);
  }
  return out;
}

std::string AlignText(std::string body, const BraceSpec& spec, char default_align) {
  if (spec.width < 0) return body;
  const size_t len = CodePointCount(body);
  if (len >= static_cast<size_t>(spec.width)) return body;
  const size_t fill = static_cast<size_t>(spec.width) - len;
  std::string fill_char;
  AppendUtf8(fill_char, spec.fill);
  auto repeat = [&](size_t n) {
    std::string s;
    for (size_t k = 0; k < n; ++k) s += fill_char;
    return s;
  };
  char align = spec.align ? spec.align : default_align;
  if (align == '=') {
    size_t sign = (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) ? 1 : 0;
    return body.substr(0, sign) + repeat(fill) + body.substr(sign);
  }
  if (align == '<') return body + repeat(fill);
  if (align == '>') return repeat(fill) + body;
  return repeat(fill / 2) + body + repeat(fill - fill / 2);
}

Result<std::string> FormatWithSpec(const Value& v, std::string_view spec_text) {
  if (spec_text.empty()) return PyStr(v);
  CORRAL_ASSIGN_OR_RETURN(BraceSpec spec, ParseBraceSpec(spec_text));
  if (spec.zero && !spec.align) {
    spec.fill = '0';
    spec.align = '=';
  }
  if (v.is_string()) {
    if (spec.type != 0 && spec.type != 's') {
      return Status::InvalidArgument(std::string("Unknown format code '") + spec.type +
                                     "' for object of type 'str'");
    }
    std::string s = v.str();
    if (spec.precision >= 0) s = s.substr(0, ByteOffsetOfCodePoint(s, static_cast<size_t>(spec.precision)));
    return AlignText(std::move(s), spec, '<');
  }
  if (v.is_number()) {
    const bool as_int_type = spec.type == 0 || spec.type == 'd' || spec.type == 'x' || spec.type == 'X' ||
                             spec.type == 'o' || spec.type == 'b' || spec.type == 'c' || spec.type == 'n';
    std::string body;
    if (!v.is_float() && as_int_type) {
      if (v.is_bool() && spec.type == 0) return AlignText(PyStr(v), spec, '<');
      const char type = (spec.type == 0 || spec.type == 'n') ? 'd' : spec.type;
      if (type == 'c') {
        AppendUtf8(body, static_cast<char32_t>(v.as_int()));
      } else {
        body = FormatIntBase(v.as_int(), type, spec.alt);
        if (spec.grouping && type == 'd') {
          const bool neg = body[0] == '-';
          body = (neg ? "-" : "") + GroupDigits(body.substr(neg ? 1 : 0), spec.grouping);
        }
      }
    } else {
      const double f = v.as_float();
      char type = spec.type;
      if (type == 'd' || type == 'x' || type == 'X' || type == 'o' || type == 'b' || type == 'c') {
        return Status::InvalidArgument(std::string("Unknown format code '") + type +
                                       "' for object of type 'float'");
      }
      if (type == 0 && spec.precision < 0) {
        body = FloatRepr(f);
      } else if (type == '%') {
        body = FormatFloatC(f * 100, 'f', spec.precision, spec.alt) + "%";
      } else {
        if (type == 0 || type == 'n') type = 'g';
        body = FormatFloatC(f, type, spec.precision, spec.alt);
        if (spec.type == 0 && body.find_first_of(".eEn") == std::string::npos) body += ".0";
      }
    }
    if (spec.sign == '+' && body[0] != '-') body = "+" + body;
    if (spec.sign == ' ' && body[0] != '-') body = " " + body;
    return AlignText(std::move(body), spec, '>');
  }
  return Status::InvalidArgument(std::string("unsupported format string passed to ").append(PyTypeName(v)) +
                                 ".__format__");
}

Result<Value> ResolveField(std::string_view field, const CallArgs& args, size_t* auto_index, bool* used_auto,
                           bool* used_manual) {
  size_t end = field.find_first_of(".[");
  const std::string_view head = field.substr(0, end);
  Value current;
  if (head.empty()) {
    if (*used_manual)
      return Status::InvalidArgument(
          "cannot switch from manual field specification to automatic field numbering");
    *used_auto = true;
    if (*auto_index >= args.positional.size()) {
      return Status::InvalidArgument(std::string("Replacement index ").append(std::to_string(*auto_index)) +
                                     " out of range for positional args tuple");
    }
    current = args.positional[(*auto_index)++];
  } else if (std::all_of(head.begin(), head.end(),
                         [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (*used_auto)
      return Status::InvalidArgument(
          "cannot switch from automatic field numbering to manual field specification");
    *used_manual = true;
    size_t index = 0;
    std::from_chars(head.data(), head.data() + head.size(), index);
    if (index >= args.positional.size()) {
      return Status::InvalidArgument(std::string("Replacement index ").append(head) +
                                     " out of range for positional args tuple");
    }
    current = args.positional[index];
  } else {
    bool found = false;
    for (const auto& [k, val] : args.keywords) {
      if (k == head) {
        current = val;
        found = true;
      }
    }
    if (!found) return Status::InvalidArgument(std::string("KeyError: '").append(head) + "'");
  }
  while (end != std::string_view::npos && end < field.size()) {
    if (field[end] == '.') {
      const size_t next = field.find_first_of(".[", end + 1);
      const std::string_view attr =
          field.substr(end + 1, next == std::string_view::npos ? std::string_view::npos : next - end - 1);
      if (!current.is_dict() && !current.is_object()) {
        return Status::InvalidArgument(std::string("'").append(PyTypeName(current)) +
                                       "' object has no attribute '" + std::string(attr) + "'");
      }
      Value next_value = current.is_dict() ? Value() : current.object().GetAttr(current, attr);
      if (current.is_dict() || next_value.is_undefined()) {
        return Status::InvalidArgument(std::string("'").append(PyTypeName(current)) +
                                       "' object has no attribute '" + std::string(attr) + "'");
      }
      current = next_value;
      end = next;
    } else {
      const size_t close = field.find(']', end);
      if (close == std::string_view::npos) return Status::InvalidArgument("Missing ']' in format string");
      const std::string_view key = field.substr(end + 1, close - end - 1);
      const bool numeric = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      });
      if (current.is_sequence() && numeric) {
        size_t index = 0;
        std::from_chars(key.data(), key.data() + key.size(), index);
        if (index >= current.list().items.size())
          return Status::InvalidArgument("IndexError: list index out of range");
        current = current.list().items[index];
      } else if (current.is_dict()) {
        const Value* found = numeric ? current.dict().Find(Value::Int(std::stoll(std::string(key))))
                                     : current.dict().Find(key);
        if (found == nullptr) return Status::InvalidArgument(std::string("KeyError: '").append(key) + "'");
        current = *found;
      } else {
        return Status::InvalidArgument(std::string("'").append(PyTypeName(current)) +
                                       "' object is not subscriptable");
      }
      end = close + 1;
    }
  }
  return current;
}

}  // namespace

Result<std::string> BraceFormat(std::string_view format, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  bool used_auto = false, used_manual = false;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '}') {
      if (i + 1 < format.size() && format[i + 1] == '}') {
        out.push_back('}');
        ++i;
        continue;
      }
      return Status::InvalidArgument("Single '}' encountered in format string");
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    // Find the matching '}' (a nested {} inside the spec is not supported).
    size_t close = i + 1;
    int depth = 1;
    for (; close < format.size(); ++close) {
      if (format[close] == '{') ++depth;
      if (format[close] == '}' && --depth == 0) break;
    }
    if (close >= format.size()) return Status::InvalidArgument("Single '{' encountered in format string");
    std::string_view inner = format.substr(i + 1, close - i - 1);
    if (inner.find('{') != std::string_view::npos) {
      return Status::Unsupported("nested replacement fields in a format spec are not supported");
    }
    std::string_view spec;
    char conversion = 0;
    size_t bracket_depth = 0, split = std::string_view::npos;
    for (size_t k = 0; k < inner.size(); ++k) {
      if (inner[k] == '[') ++bracket_depth;
      if (inner[k] == ']' && bracket_depth > 0) --bracket_depth;
      if (bracket_depth == 0 && (inner[k] == ':' || inner[k] == '!')) {
        split = k;
        break;
      }
    }
    std::string_view field = inner.substr(0, split);
    if (split != std::string_view::npos) {
      std::string_view rest = inner.substr(split);
      if (rest[0] == '!') {
        if (rest.size() < 2)
          return Status::InvalidArgument("end of string while looking for conversion specifier");
        conversion = rest[1];
        rest.remove_prefix(2);
        if (!rest.empty() && rest[0] != ':')
          return Status::InvalidArgument("expected ':' after conversion specifier");
      }
      if (!rest.empty()) spec = rest.substr(1);
    }
    CORRAL_ASSIGN_OR_RETURN(Value value, ResolveField(field, args, &auto_index, &used_auto, &used_manual));
    if (conversion == 'r' || conversion == 'a') {
      value = Value::String(PyRepr(value));
    } else if (conversion == 's') {
      value = Value::String(PyStr(value));
    } else if (conversion != 0) {
      return Status::InvalidArgument(std::string("Unknown conversion specifier ") + conversion);
    }
    CORRAL_ASSIGN_OR_RETURN(std::string piece, FormatWithSpec(value, spec));
    out += piece;
    i = close;
  }
  return out;
}

}  // namespace corral::jinja
