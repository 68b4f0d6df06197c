// Python's printf-style `str % args` and `str.format(*args, **kwargs)`, as templates reach them through the
// % operator, the format filter and the format method.
#include "template/string_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "template/python_format.h"
#include "template/unicode.h"

namespace corral::jinja {

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
      const char type = (spec.type == 0 || spec.type == 'n') ? 'd' : spec.type;
      if (type == 'c') {
        AppendUtf8(body, static_cast<char32_t>(v.as_int()));
      } else {
        body = FormatIntBase(v.as_int(), type, spec.alt);
        if (spec.grouping && type == 'd') {
          const bool neg = body[0] == '-';
          body = std::string(neg ? "-" : "").append(GroupDigits(body.substr(neg ? 1 : 0), spec.grouping));
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
      if (spec.grouping && std::isfinite(f)) {
        // Python groups the integer digits of a float too: format(1234567.891, ',.2f') == '1,234,567.89'.
        const size_t start = body[0] == '-' ? 1 : 0;
        const size_t end = body.find_first_not_of("0123456789", start);
        const size_t stop = end == std::string::npos ? body.size() : end;
        body = body.substr(0, start) + GroupDigits(body.substr(start, stop - start), spec.grouping) +
               body.substr(stop);
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
