#include "template/go/format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "template/unicode.h"

namespace corral::gotmpl {
namespace {

struct Rune {
  char32_t cp;
  size_t len;
  bool valid;
};

// Go's utf8.DecodeRuneInString: an invalid or truncated sequence is RuneError, one byte long.
Rune DecodeRune(std::string_view s, size_t pos) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) return {b0, 1, true};
  size_t n = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 ? 2 : 0;
  if (n == 0 || b0 > 0xF4 || pos + n > s.size()) return {0xFFFD, 1, false};
  char32_t cp = b0 & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[pos + k]);
    if ((b & 0xC0) != 0x80) return {0xFFFD, 1, false};
    cp = (cp << 6) | (b & 0x3F);
  }
  const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0xFFFD, 1, false};
  return {cp, n, true};
}

using jinja::AppendUtf8;

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (size_t pos = 0; pos < s.size(); pos += DecodeRune(s, pos).len) ++n;
  return n;
}

void AppendHex(std::string& out, uint32_t v, int digits, bool upper) {
  const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  for (int d = digits - 1; d >= 0; --d) out += hex[(v >> (4 * d)) & 0xF];
}

// Shortest (prec < 0) or rounded decimal digits of |f| and its decimal exponent: f = 0.d1d2... × 10^(exp+1).
struct Digits {
  std::string digits;
  int exp = 0;
};

Digits DecimalDigits(double f, int significant) {
  char buf[64];
  auto r = significant < 0 ? std::to_chars(buf, buf + sizeof buf, std::fabs(f), std::chars_format::scientific)
                           : std::to_chars(buf, buf + sizeof buf, std::fabs(f), std::chars_format::scientific,
                                           std::max(significant - 1, 0));
  std::string_view text(buf, r.ptr - buf);
  const size_t e = text.find('e');
  Digits d;
  for (char c : text.substr(0, e)) {
    if (c != '.') d.digits += c;
  }
  d.exp = std::atoi(std::string(text.substr(e + 1)).c_str());
  return d;
}

std::string ExponentForm(const Digits& d, char e_char, bool keep_all_digits) {
  std::string digits = d.digits;
  if (!keep_all_digits) {
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  }
  std::string out(1, digits[0]);
  if (digits.size() > 1) out += "." + digits.substr(1);
  out += e_char;
  const int exp = d.digits == "0" ? 0 : d.exp;
  out += exp < 0 ? '-' : '+';
  const int a = std::abs(exp);
  if (a < 10) out += '0';
  out += std::to_string(a);
  return out;
}

std::string FixedFromDigits(std::string digits, int exp) {
  while (digits.size() > 1 && digits.back() == '0' && static_cast<int>(digits.size()) > exp + 1)
    digits.pop_back();
  if (exp < 0) return "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  if (static_cast<int>(digits.size()) <= exp + 1) return digits + std::string(exp + 1 - digits.size(), '0');
  return digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
}

}  // namespace

std::string FormatFloat(double f, char fmt, int prec) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  std::string sign = std::signbit(f) ? "-" : "";
  char buf[512];
  switch (fmt) {
    case 'f': {
      auto r = prec < 0 ? std::to_chars(buf, buf + sizeof buf, std::fabs(f), std::chars_format::fixed)
                        : std::to_chars(buf, buf + sizeof buf, std::fabs(f), std::chars_format::fixed, prec);
      return sign + std::string(buf, r.ptr);
    }
    case 'e':
    case 'E': {
      const Digits d = DecimalDigits(f, prec < 0 ? -1 : prec + 1);
      return sign + ExponentForm(d, fmt, prec >= 0);
    }
    default: {  // 'g' / 'G': %e when the exponent is < -4 or >= the precision (6 when shortest)
      if (prec == 0) prec = 1;
      const Digits d = DecimalDigits(f, prec);
      int eprec = prec < 0 ? 6 : prec;
      std::string digits = d.digits;
      while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
      if (prec >= 0 && eprec > static_cast<int>(digits.size()) &&
          digits.size() >= static_cast<size_t>(d.exp + 1)) {
        eprec = static_cast<int>(digits.size());
      }
      const int exp = f == 0 ? 0 : d.exp;
      if (exp < -4 || exp >= eprec) return sign + ExponentForm({digits, exp}, fmt == 'G' ? 'E' : 'e', false);
      return sign + FixedFromDigits(digits, exp);
    }
  }
}

namespace {

std::string JsonFloat(double f) {
  // encoding/json: %f shortest, except exponent form (with "e-7", not "e-07") for tiny and huge values.
  const double a = std::fabs(f);
  if (a != 0 && (a < 1e-6 || a >= 1e21)) {
    std::string s = FormatFloat(f, 'e', -1);
    const size_t e = s.find('e');
    if (e != std::string::npos && e + 3 < s.size() + 1 && s[e + 2] == '0' && s.size() - e == 4)
      s.erase(e + 2, 1);
    return s;
  }
  return FormatFloat(f, 'f', -1);
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (size_t pos = 0; pos < s.size();) {
    const Rune r = DecodeRune(s, pos);
    pos += r.len;
    if (!r.valid) {
      out += "\\ufffd";
    } else if (r.cp == '"' || r.cp == '\\') {
      out += '\\';
      out += static_cast<char>(r.cp);
    } else if (r.cp == '\n') {
      out += "\\n";
    } else if (r.cp == '\r') {
      out += "\\r";
    } else if (r.cp == '\t') {
      out += "\\t";
    } else if (r.cp < 0x20 || r.cp == '<' || r.cp == '>' || r.cp == '&' || r.cp == 0x2028 || r.cp == 0x2029) {
      // Go escapes <, > and & (HTMLEscape is on by default) and the JavaScript line separators.
      out += "\\u";
      AppendHex(out, r.cp, 4, false);
    } else {
      AppendUtf8(out, r.cp);
    }
  }
  out += '"';
}

bool IsEmptyForJson(const Value& v) {
  switch (v.kind) {
    case Kind::kInvalid:
    case Kind::kNil:
      return true;
    case Kind::kBool:
      return !v.b;
    case Kind::kInt:
      return v.i == 0;
    case Kind::kFloat:
      return v.f == 0;
    case Kind::kString:
      return v.s->empty();
    case Kind::kSlice:
    case Kind::kMap:
      return v.size() == 0;
    case Kind::kStruct:
      return false;
  }
  return false;
}

void AppendJson(std::string& out, const Value& v, int depth) {
  if (depth > 1000) {  // encoding/json reports cycles; corral's values are trees, this only bounds the stack
    out += "null";
    return;
  }
  switch (v.kind) {
    case Kind::kInvalid:
    case Kind::kNil:
      out += "null";
      return;
    case Kind::kBool:
      out += v.b ? "true" : "false";
      return;
    case Kind::kInt:
      out += std::to_string(v.i);
      return;
    case Kind::kFloat:
      out += std::isfinite(v.f) ? JsonFloat(v.f) : "null";
      return;
    case Kind::kString:
      AppendJsonString(out, *v.s);
      return;
    case Kind::kSlice:
      if (v.is_nil_container) {
        out += "null";
        return;
      }
      // api.PropertyType marshals a single type name as a plain string.
      if (v.stringer == Stringer::kJoinedPropertyType && v.items->size() == 1) {
        AppendJson(out, (*v.items)[0], depth + 1);
        return;
      }
      out += '[';
      for (size_t k = 0; k < v.items->size(); ++k) {
        if (k) out += ',';
        AppendJson(out, (*v.items)[k], depth + 1);
      }
      out += ']';
      return;
    case Kind::kMap:
      if (v.is_nil_container) {
        out += "null";
        return;
      }
      out += '{';
      for (size_t k = 0; k < v.entries->size(); ++k) {
        if (k) out += ',';
        AppendJsonString(out, (*v.entries)[k].first);
        out += ':';
        AppendJson(out, (*v.entries)[k].second, depth + 1);
      }
      out += '}';
      return;
    case Kind::kStruct: {
      out += '{';
      bool first = true;
      for (size_t k = 0; k < v.type->fields.size(); ++k) {
        const StructField& field = v.type->fields[k];
        const Value& item = (*v.items)[k];
        if (field.omit_empty && IsEmptyForJson(item)) continue;
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, field.json_name);
        out += ':';
        AppendJson(out, item, depth + 1);
      }
      out += '}';
      return;
    }
  }
}

void AppendValueAt(std::string& out, const Value& v, int depth);

// A type's String() method, if it has one (fmt prefers it for %v and %s).
bool AppendStringer(std::string& out, const Value& v) {
  switch (v.stringer) {
    case Stringer::kNone:
      return false;
    case Stringer::kJson:
      AppendJson(out, v, 0);
      return true;
    case Stringer::kJsonNilAsObject:
      if (v.is_nil_container) {
        out += "{}";
      } else {
        AppendJson(out, v, 0);
      }
      return true;
    case Stringer::kJoinedPropertyType:
      if (v.items->size() == 1) {
        AppendValueAt(out, (*v.items)[0], 1);
      } else if (!v.items->empty()) {
        out += '[';
        for (size_t k = 0; k < v.items->size(); ++k) {
          if (k) out += ' ';
          AppendValueAt(out, (*v.items)[k], 1);
        }
        out += ']';
      }
      return true;
  }
  return false;
}

void AppendValueAt(std::string& out, const Value& v, int depth) {
  if (depth > 1000) return;
  if (AppendStringer(out, v)) return;
  switch (v.kind) {
    case Kind::kInvalid:
      out += "<invalid reflect.Value>";
      return;
    case Kind::kNil:
      out += "<nil>";
      return;
    case Kind::kBool:
      out += v.b ? "true" : "false";
      return;
    case Kind::kInt:
      out += std::to_string(v.i);
      return;
    case Kind::kFloat:
      out += FormatFloat(v.f, 'g', -1);
      return;
    case Kind::kString:
      out += *v.s;
      return;
    case Kind::kSlice:
      out += '[';
      for (size_t k = 0; k < v.items->size(); ++k) {
        if (k) out += ' ';
        AppendValueAt(out, (*v.items)[k], depth + 1);
      }
      out += ']';
      return;
    case Kind::kMap:
      out += "map[";
      for (size_t k = 0; k < v.entries->size(); ++k) {
        if (k) out += ' ';
        out += (*v.entries)[k].first;
        out += ':';
        AppendValueAt(out, (*v.entries)[k].second, depth + 1);
      }
      out += ']';
      return;
    case Kind::kStruct:
      // A pointer to a struct prints as the struct: text/template dereferences what it prints.
      out += '{';
      for (size_t k = 0; k < v.items->size(); ++k) {
        if (k) out += ' ';
        AppendValueAt(out, (*v.items)[k], depth + 1);
      }
      out += '}';
      return;
  }
}

// Go's strconv.Quote: printable runes stay, the rest become escapes.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (size_t pos = 0; pos < s.size();) {
    const Rune r = DecodeRune(s, pos);
    if (!r.valid) {
      out += "\\x";
      AppendHex(out, static_cast<unsigned char>(s[pos]), 2, false);
      pos += 1;
      continue;
    }
    pos += r.len;
    switch (r.cp) {
      case '\a':
        out += "\\a";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
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
      case '\v':
        out += "\\v";
        continue;
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      default:
        break;
    }
    if (r.cp < 0x20 || r.cp == 0x7F) {
      out += "\\x";
      AppendHex(out, r.cp, 2, false);
    } else if ((r.cp >= 0x80 && r.cp < 0xA0) || r.cp == 0xAD || r.cp == 0x2028 || r.cp == 0x2029 ||
               r.cp == 0xFEFF) {
      out += "\\u";
      AppendHex(out, r.cp, 4, false);
    } else {
      AppendUtf8(out, r.cp);
    }
  }
  return out + "\"";
}

struct Spec {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  int width = -1;
  int prec = -1;
};

void Pad(std::string& out, const std::string& text, const Spec& spec, bool numeric) {
  const int n = static_cast<int>(RuneCount(text));
  if (spec.width <= n) {
    out += text;
    return;
  }
  const size_t fill = static_cast<size_t>(spec.width - n);
  if (spec.minus) {
    out += text + std::string(fill, ' ');
  } else if (spec.zero) {
    // Zeros go after the sign of a number.
    const size_t sign =
        numeric && !text.empty() && (text[0] == '-' || text[0] == '+' || text[0] == ' ') ? 1 : 0;
    out += text.substr(0, sign) + std::string(fill, '0') + text.substr(sign);
  } else {
    out += std::string(fill, ' ') + text;
  }
}

std::string BadVerb(char verb, const Value& v) {
  std::string out = "%!";
  out += verb;
  out += '(';
  if (v.kind == Kind::kInvalid || v.kind == Kind::kNil) {
    out += "<nil>";
  } else {
    out += GoTypeName(v) + "=";
    AppendValueAt(out, v, 0);
  }
  return out + ")";
}

std::string SignedInt(int64_t i, const Spec& spec, int base, bool upper) {
  std::string digits;
  const uint64_t mag = i < 0 ? ~static_cast<uint64_t>(i) + 1 : static_cast<uint64_t>(i);
  char buf[72];
  auto r = std::to_chars(buf, buf + sizeof buf, mag, base);
  digits.assign(buf, r.ptr);
  if (upper) {
    for (char& c : digits) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (spec.prec >= 0 && static_cast<int>(digits.size()) < spec.prec) {
    digits.insert(0, static_cast<size_t>(spec.prec) - digits.size(), '0');
  }
  if (spec.prec == 0 && i == 0) digits.clear();
  if (spec.sharp) {
    if (base == 16) digits.insert(0, upper ? "0X" : "0x");
    if (base == 8 && (digits.empty() || digits[0] != '0')) digits.insert(0, "0");
    if (base == 2) digits.insert(0, "0b");
  }
  if (i < 0) return "-" + digits;
  if (spec.plus) return "+" + digits;
  if (spec.space) return " " + digits;
  return digits;
}

// One verb applied to one argument (fmt's printArg).
void FormatOne(std::string& out, char verb, const Spec& spec, const Value& v);

void FormatElements(std::string& out, char verb, const Spec& spec, const Value& v) {
  if (v.kind == Kind::kSlice) {
    out += '[';
    for (size_t k = 0; k < v.items->size(); ++k) {
      if (k) out += ' ';
      FormatOne(out, verb, spec, (*v.items)[k]);
    }
    out += ']';
  } else if (v.kind == Kind::kMap) {
    out += "map[";
    for (size_t k = 0; k < v.entries->size(); ++k) {
      if (k) out += ' ';
      FormatOne(out, verb, spec, Value::String((*v.entries)[k].first));
      out += ':';
      FormatOne(out, verb, spec, (*v.entries)[k].second);
    }
    out += ']';
  } else {
    out += '{';
    for (size_t k = 0; k < v.items->size(); ++k) {
      if (k) out += ' ';
      FormatOne(out, verb, spec, (*v.items)[k]);
    }
    out += '}';
  }
}

void FormatOne(std::string& out, char verb, const Spec& spec, const Value& v) {
  if (v.kind == Kind::kInvalid || v.kind == Kind::kNil) {
    if (verb == 'v') {
      Pad(out, "<nil>", spec, false);
    } else {
      out += BadVerb(verb, v);
    }
    return;
  }
  if ((verb == 'v' || verb == 's' || verb == 'q') && v.stringer != Stringer::kNone) {
    std::string text;
    AppendStringer(text, v);
    Pad(out, verb == 'q' ? Quote(text) : text, spec, false);
    return;
  }
  switch (v.kind) {
    case Kind::kBool:
      if (verb == 'v' || verb == 't') {
        Pad(out, v.b ? "true" : "false", spec, false);
      } else {
        out += BadVerb(verb, v);
      }
      return;
    case Kind::kInt:
      switch (verb) {
        case 'v':
        case 'd':
          Pad(out, SignedInt(v.i, spec, 10, false), spec, true);
          return;
        case 'x':
          Pad(out, SignedInt(v.i, spec, 16, false), spec, true);
          return;
        case 'X':
          Pad(out, SignedInt(v.i, spec, 16, true), spec, true);
          return;
        case 'o':
          Pad(out, SignedInt(v.i, spec, 8, false), spec, true);
          return;
        case 'b':
          Pad(out, SignedInt(v.i, spec, 2, false), spec, true);
          return;
        case 'c': {
          std::string text;
          AppendUtf8(text, v.i >= 0 && v.i <= 0x10FFFF && !(v.i >= 0xD800 && v.i <= 0xDFFF)
                               ? static_cast<char32_t>(v.i)
                               : 0xFFFD);
          Pad(out, text, spec, false);
          return;
        }
        case 'q': {
          std::string text;
          AppendUtf8(text, static_cast<char32_t>(v.i));
          Pad(out, "'" + text + "'", spec, false);
          return;
        }
        default:
          out += BadVerb(verb, v);
          return;
      }
    case Kind::kFloat: {
      std::string text;
      switch (verb) {
        case 'v':
        case 'g':
        case 'G':
          text = FormatFloat(v.f, verb == 'G' ? 'G' : 'g', spec.prec);
          break;
        case 'e':
        case 'E':
          text = FormatFloat(v.f, verb, spec.prec < 0 ? 6 : spec.prec);
          break;
        case 'f':
        case 'F':
          text = FormatFloat(v.f, 'f', spec.prec < 0 ? 6 : spec.prec);
          break;
        default:
          out += BadVerb(verb, v);
          return;
      }
      if (text[0] != '-' && text[0] != '+') {
        if (spec.plus)
          text = "+" + text;
        else if (spec.space)
          text = " " + text;
      } else if (text[0] == '+' && !spec.plus) {
        text = text.substr(1);  // +Inf prints as +Inf only with the plus flag
      }
      Pad(out, text, spec, true);
      return;
    }
    case Kind::kString: {
      std::string_view s = *v.s;
      switch (verb) {
        case 'v':
        case 's': {
          std::string text(s);
          if (spec.prec >= 0) {
            size_t pos = 0;
            for (int k = 0; k < spec.prec && pos < s.size(); ++k) pos += DecodeRune(s, pos).len;
            text = std::string(s.substr(0, pos));
          }
          Pad(out, text, spec, false);
          return;
        }
        case 'q': {
          // The precision truncates the string before it is quoted.
          size_t pos = s.size();
          if (spec.prec >= 0) {
            pos = 0;
            for (int k = 0; k < spec.prec && pos < s.size(); ++k) pos += DecodeRune(s, pos).len;
          }
          Pad(out, Quote(s.substr(0, pos)), spec, false);
          return;
        }
        case 'x':
        case 'X': {
          std::string text;
          for (char c : s) AppendHex(text, static_cast<unsigned char>(c), 2, verb == 'X');
          Pad(out, text, spec, false);
          return;
        }
        default:
          out += BadVerb(verb, v);
          return;
      }
    }
    case Kind::kSlice:
    case Kind::kMap:
    case Kind::kStruct:
      FormatElements(out, verb, spec, v);
      return;
    default:
      return;
  }
}

}  // namespace

void AppendValue(std::string& out, const Value& v) {
  AppendValueAt(out, v, 0);
}

std::string Sprint(std::span<const Value> args) {
  std::string out;
  for (size_t k = 0; k < args.size(); ++k) {
    // fmt.Sprint adds a space between operands when neither is a string.
    if (k > 0 && args[k].kind != Kind::kString && args[k - 1].kind != Kind::kString) out += ' ';
    AppendValueAt(out, args[k], 0);
  }
  return out;
}

std::string Sprintln(std::span<const Value> args) {
  std::string out;
  for (size_t k = 0; k < args.size(); ++k) {
    if (k > 0) out += ' ';
    AppendValueAt(out, args[k], 0);
  }
  return out + "\n";
}

std::string Sprintf(std::string_view format, std::span<const Value> args) {
  std::string out;
  size_t next_arg = 0;
  for (size_t pos = 0; pos < format.size();) {
    const size_t pct = format.find('%', pos);
    if (pct == std::string_view::npos) {
      out += format.substr(pos);
      break;
    }
    out += format.substr(pos, pct - pos);
    pos = pct + 1;
    Spec spec;
    for (; pos < format.size(); ++pos) {
      const char c = format[pos];
      if (c == '-')
        spec.minus = true;
      else if (c == '+')
        spec.plus = true;
      else if (c == '#')
        spec.sharp = true;
      else if (c == ' ')
        spec.space = true;
      else if (c == '0')
        spec.zero = !spec.minus;
      else
        break;
    }
    auto number = [&](int& into) {
      if (pos < format.size() && format[pos] == '*') {
        ++pos;
        if (next_arg < args.size() && args[next_arg].kind == Kind::kInt) {
          into = static_cast<int>(std::min<int64_t>(args[next_arg].i, 1 << 20));
          if (&into == &spec.width && into < 0) {
            spec.minus = true;
            into = -into;
          }
        } else {
          out += "%!(BADWIDTH)";
        }
        ++next_arg;
        return;
      }
      int n = -1;
      while (pos < format.size() && format[pos] >= '0' && format[pos] <= '9') {
        n = std::min((n < 0 ? 0 : n) * 10 + (format[pos] - '0'), 1 << 20);
        ++pos;
      }
      into = n;
    };
    number(spec.width);
    if (pos < format.size() && format[pos] == '.') {
      ++pos;
      number(spec.prec);
      if (spec.prec < 0) spec.prec = 0;
    }
    if (pos >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    const Rune r = DecodeRune(format, pos);
    pos += r.len;
    if (r.cp == '%') {
      out += '%';
      continue;
    }
    if (next_arg >= args.size()) {
      out += "%!";
      AppendUtf8(out, r.cp);
      out += "(MISSING)";
      continue;
    }
    const Value& arg = args[next_arg++];
    if (r.cp > 0x7F || std::strchr("vsqdxXobcfFeEgGt", static_cast<int>(r.cp)) == nullptr) {
      std::string bad = BadVerb('?', arg);
      std::string verb;
      AppendUtf8(verb, r.cp);
      out += "%!" + verb + bad.substr(3);
      continue;
    }
    FormatOne(out, static_cast<char>(r.cp), spec, arg);
  }
  if (next_arg < args.size()) {
    out += "%!(EXTRA ";
    for (size_t k = next_arg; k < args.size(); ++k) {
      if (k > next_arg) out += ", ";
      if (args[k].kind == Kind::kInvalid || args[k].kind == Kind::kNil) {
        out += "<nil>";
      } else {
        out += GoTypeName(args[k]) + "=";
        AppendValueAt(out, args[k], 0);
      }
    }
    out += ")";
  }
  return out;
}

std::string JsonMarshal(const Value& v) {
  std::string out;
  AppendJson(out, v, 0);
  return out;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\0':
        out += "\xEF\xBF\xBD";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string JsEscape(std::string_view s) {
  std::string out;
  for (size_t pos = 0; pos < s.size();) {
    const Rune r = DecodeRune(s, pos);
    const std::string_view raw = s.substr(pos, r.len);
    pos += r.len;
    switch (r.cp) {
      case '\\':
        out += "\\\\";
        continue;
      case '\'':
        out += "\\'";
        continue;
      case '"':
        out += "\\\"";
        continue;
      case '<':
        out += "\\u003C";
        continue;
      case '>':
        out += "\\u003E";
        continue;
      case '&':
        out += "\\u0026";
        continue;
      case '=':
        out += "\\u003D";
        continue;
      default:
        break;
    }
    if (r.cp < ' ') {
      out += "\\u";
      AppendHex(out, r.cp, 4, true);
    } else if (r.cp < 0x80 || !r.valid) {
      out += raw;
    } else if ((r.cp >= 0x80 && r.cp < 0xA0) || r.cp == 0xAD || r.cp == 0x2028 || r.cp == 0x2029 ||
               r.cp == 0xFEFF) {
      // JSEscape keeps printable runes and writes the rest as \uXXXX.
      out += "\\u";
      AppendHex(out, r.cp, 4, true);
    } else {
      out += raw;
    }
  }
  return out;
}

std::string UrlQueryEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (std::isalnum(b) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      AppendHex(out, b, 2, true);
    }
  }
  return out;
}

}  // namespace corral::gotmpl
