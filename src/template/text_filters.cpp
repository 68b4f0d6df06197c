// jinja2's filters on strings and numbers (jinja2/filters.py), and Hugging Face's tojson.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "template/builtins.h"
#include "template/filter_impl.h"
#include "template/interpreter.h"
#include "template/operators.h"
#include "template/python_format.h"
#include "template/string_format.h"
#include "template/unicode.h"

namespace corral::jinja {

Value SoftStr(const Value& v) {
  return v.is_string() ? v : Value::String(PyStr(v));
}

namespace {

Value LikeInput(const Value& input, std::string s) {
  return input.is_markup() ? Value::Markup(std::move(s)) : Value::String(std::move(s));
}

Status NoExtraArgs(std::string_view filter, const CallArgs& args) {
  if (args.positional.empty() && args.keywords.empty()) return Status::Ok();
  return Status::InvalidArgument(std::string(filter) + "() takes 1 positional argument but more were given");
}

Result<int64_t> IntArg(const Value& v) {
  if (v.is_int() || v.is_bool()) return v.as_int();
  return Status::InvalidArgument(std::string("'").append(PyTypeName(v)) +
                                 "' object cannot be interpreted as an integer");
}

// Python's int(str, base): surrounding whitespace, a sign, '_' between digits, an optional 0x/0o/0b prefix
// that matches the base (any prefix when base is 0).
bool ParsePyInt(std::string_view text, int64_t base, int64_t* out) {
  std::string_view s = PyStrip(text, nullptr, true, true);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.size() >= 2 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 0x20);
    const int64_t prefix_base = p == 'x' ? 16 : (p == 'o' ? 8 : (p == 'b' ? 2 : 0));
    if (prefix_base != 0 && (base == 0 || base == prefix_base)) {
      base = prefix_base;
      s.remove_prefix(2);
      if (!s.empty() && s[0] == '_') s.remove_prefix(1);
    }
  }
  if (base == 0) base = 10;
  if (base < 2 || base > 36 || s.empty()) return false;
  __int128 value = 0;
  bool previous_digit = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      if (!previous_digit || i + 1 == s.size()) return false;
      previous_digit = false;
      continue;
    }
    int d = 99;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
      d = (c | 0x20) - 'a' + 10;
    if (d >= base) return false;
    value = value * base + d;
    if (value > static_cast<__int128>(INT64_MAX) + 1) return false;
    previous_digit = true;
  }
  if (negative) value = -value;
  if (value > INT64_MAX || value < INT64_MIN) return false;
  *out = static_cast<int64_t>(value);
  return true;
}

// Python's float(str): decimal notation or inf/infinity/nan, '_' between digits, surrounding whitespace.
bool ParsePyFloat(std::string_view text, double* out) {
  std::string_view s = PyStrip(text, nullptr, true, true);
  std::string clean;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean.push_back(s[i++]);
  std::string rest;
  for (char c : s.substr(i)) rest.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (rest == "inf" || rest == "infinity" || rest == "nan") {
    *out = std::strtod((clean + rest).c_str(), nullptr);
    return true;
  }
  bool digits = false, dot = false, exp = false, previous_digit = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      digits = previous_digit = true;
      clean.push_back(c);
    } else if (c == '_') {
      if (!previous_digit || i + 1 >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i + 1])))
        return false;
      previous_digit = false;
    } else if (c == '.' && !dot && !exp) {
      dot = true;
      previous_digit = false;
      clean.push_back(c);
    } else if ((c == 'e' || c == 'E') && digits && !exp) {
      exp = true;
      previous_digit = false;
      clean.push_back('e');
      if (i + 1 < s.size() && (s[i + 1] == '+' || s[i + 1] == '-')) clean.push_back(s[++i]);
      if (i + 1 >= s.size()) return false;
    } else {
      return false;
    }
  }
  if (!digits) return false;
  *out = std::strtod(clean.c_str(), nullptr);
  return true;
}

}  // namespace

Result<Value> FilterAbs(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("abs", args));
  if (input.is_float()) return Value::Float(std::fabs(input.as_float()));
  if (input.is_number()) {
    if (input.as_int() == INT64_MIN) return Status::OutOfRange("integer overflow");
    return Value::Int(std::llabs(input.as_int()));
  }
  return Status::InvalidArgument(std::string("bad operand type for abs(): '").append(PyTypeName(input)) +
                                 "'");
}

Result<Value> FilterDefault(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(
      std::vector<Value> a,
      BindArgs("do_default", args, {{"default_value", Value::String("")}, {"boolean", Value::Bool(false)}}));
  if (input.is_undefined() || (a[1].Truthy() && !input.Truthy())) return a[0];
  return input;
}

Result<Value> FilterString(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("soft_str", args));
  return SoftStr(input);
}

Result<Value> FilterSafe(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_mark_safe", args));
  return Value::Markup(PyStr(input));
}

Result<Value> FilterEscape(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("escape", args));
  if (input.is_markup()) return input;
  return Value::Markup(HtmlEscape(PyStr(input)));
}

Result<Value> FilterForceescape(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_forceescape", args));
  return Value::Markup(HtmlEscape(PyStr(input)));
}

Result<Value> FilterUpper(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_upper", args));
  const Value s = SoftStr(input);
  return LikeInput(s, PyUpper(s.str()));
}

Result<Value> FilterLower(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_lower", args));
  const Value s = SoftStr(input);
  return LikeInput(s, PyLower(s.str()));
}

Result<Value> FilterCapitalize(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_capitalize", args));
  const Value s = SoftStr(input);
  return LikeInput(s, PyCapitalize(s.str()));
}

Result<Value> FilterTitle(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_title", args));
  // jinja2 splits on runs of [-\s({\[<] (keeping them) and title-cases each piece as
  // piece[0].upper() + piece[1:].lower().
  const Value s = SoftStr(input);
  const std::string& text = s.str();
  auto is_boundary = [](char32_t cp) {
    return cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || IsPySpace(cp);
  };
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t probe = pos;
    const bool boundary = is_boundary(NextCodePoint(text, probe));
    size_t end = pos;
    while (end < text.size()) {
      size_t next = end;
      if (is_boundary(NextCodePoint(text, next)) != boundary) break;
      end = next;
    }
    const std::string_view piece = std::string_view(text).substr(pos, end - pos);
    size_t first_end = 0;
    const char32_t first = NextCodePoint(piece, first_end);
    out += PyUpper(std::string_view(piece).substr(0, first_end));
    (void)first;
    out += PyLower(piece.substr(first_end));
    pos = end;
  }
  return LikeInput(s, std::move(out));
}

Result<Value> FilterTrim(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs("do_trim", args, {{"chars", Value::None()}}));
  const Value s = SoftStr(input);
  if (!a[0].is_none() && !a[0].is_string()) return Status::InvalidArgument("strip arg must be None or str");
  std::string_view chars = a[0].is_string() ? std::string_view(a[0].str()) : std::string_view();
  return LikeInput(s, std::string(PyStrip(s.str(), a[0].is_string() ? &chars : nullptr, true, true)));
}

Result<Value> FilterReplace(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(
      std::vector<Value> a,
      BindArgs("do_replace", args, {{"old", std::nullopt}, {"new", std::nullopt}, {"count", Value::None()}}));
  int64_t count = -1;
  if (!a[2].is_none()) {
    CORRAL_ASSIGN_OR_RETURN(count, IntArg(a[2]));
  }
  std::string out = PyReplace(PyStr(input), PyStr(a[0]), PyStr(a[1]), count);
  CORRAL_RETURN_IF_ERROR(renderer.CheckSize(out.size()));
  return Value::String(std::move(out));
}

Result<Value> FilterCenter(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs("do_center", args, {{"width", Value::Int(80)}}));
  CallArgs method_args;
  method_args.positional.push_back(a[0]);
  return CallBuiltinMethod(renderer, SoftStr(input), "center", method_args);
}

Result<Value> FilterIndent(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(
      std::vector<Value> a,
      BindArgs("do_indent", args,
               {{"width", Value::Int(4)}, {"first", Value::Bool(false)}, {"blank", Value::Bool(false)}}));
  if (input.is_undefined()) return UndefinedError(input);
  if (!input.is_string()) {
    return Status::InvalidArgument(
        std::string("unsupported operand type(s) for +=: '").append(PyTypeName(input)) + "' and 'str'");
  }
  std::string indention;
  if (a[0].is_string()) {
    indention = a[0].str();
  } else {
    CORRAL_ASSIGN_OR_RETURN(int64_t width, IntArg(a[0]));
    CORRAL_RETURN_IF_ERROR(renderer.CheckSize(static_cast<size_t>(std::max<int64_t>(width, 0))));
    indention.assign(static_cast<size_t>(std::max<int64_t>(width, 0)), ' ');
  }
  // jinja2 appends a newline first so that splitlines() keeps a trailing empty line.
  const std::vector<std::string> lines = PySplitLines(input.str() + "\n", false);
  std::string rv;
  if (a[2].Truthy()) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) rv += "\n" + indention;
      rv += lines[i];
    }
  } else {
    rv = lines.empty() ? std::string() : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].empty()) rv += indention;
      rv += lines[i];
    }
  }
  if (a[1].Truthy()) rv = indention + rv;
  CORRAL_RETURN_IF_ERROR(renderer.CheckSize(rv.size()));
  return LikeInput(input, std::move(rv));
}

Result<Value> FilterInt(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a,
                          BindArgs("do_int", args, {{"default", Value::Int(0)}, {"base", Value::Int(10)}}));
  if (input.is_undefined()) return UndefinedError(input);
  if (input.is_number() && !input.is_float()) return Value::Int(input.as_int());
  if (input.is_float()) {
    const double f = input.as_float();
    if (std::isinf(f)) return Status::InvalidArgument("cannot convert float infinity to integer");
    if (std::isnan(f) || std::fabs(f) >= 9.2e18) return a[0];
    return Value::Int(static_cast<int64_t>(std::trunc(f)));
  }
  if (input.is_string()) {
    int64_t i = 0;
    if (ParsePyInt(input.str(), a[1].as_int(), &i)) return Value::Int(i);
    double f = 0;
    if (ParsePyFloat(input.str(), &f) && std::isfinite(f) && std::fabs(f) < 9.2e18) {
      return Value::Int(static_cast<int64_t>(std::trunc(f)));
    }
  }
  return a[0];
}

Result<Value> FilterFloat(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs("do_float", args, {{"default", Value::Float(0.0)}}));
  if (input.is_undefined()) return UndefinedError(input);
  if (input.is_number()) return Value::Float(input.as_float());
  double f = 0;
  if (input.is_string() && ParsePyFloat(input.str(), &f)) return Value::Float(f);
  return a[0];
}

Result<Value> FilterRound(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(
      std::vector<Value> a,
      BindArgs("do_round", args, {{"precision", Value::Int(0)}, {"method", Value::String("common")}}));
  const std::string method = PyStr(a[1]);
  if (method != "common" && method != "ceil" && method != "floor") {
    return Status::InvalidArgument("method must be common, ceil or floor");
  }
  if (!input.is_number()) {
    return Status::InvalidArgument(std::string("type ").append(PyTypeName(input)) +
                                   " doesn't define __round__ method");
  }
  CORRAL_ASSIGN_OR_RETURN(int64_t precision, IntArg(a[0]));
  precision = std::clamp<int64_t>(precision, -400, 400);
  const double x = input.as_float();
  if (method != "common") {
    const double scale = std::pow(10.0, static_cast<double>(precision));
    const double r = method == "ceil" ? std::ceil(x * scale) : std::floor(x * scale);
    return Value::Float(r / scale);
  }
  if (!input.is_float()) {
    if (precision >= 0) return Value::Int(input.as_int());
    // round(int, -n): to a multiple of 10**n, ties to even.
    const double scale = std::pow(10.0, static_cast<double>(-precision));
    return Value::Int(static_cast<int64_t>(std::nearbyint(x / scale) * scale));
  }
  if (!std::isfinite(x)) return input;
  if (precision == 0) return Value::Float(std::nearbyint(x));
  if (precision > 0) {
    // printf rounds the exact binary value to `precision` decimals with ties to even, as Python's round does.
    char buf[512];
    std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(std::min<int64_t>(precision, 300)), x);
    return Value::Float(std::strtod(buf, nullptr));
  }
  const double scale = std::pow(10.0, static_cast<double>(-precision));
  return Value::Float(std::nearbyint(x / scale) * scale);
}

Result<Value> FilterTruncate(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs("do_truncate", args,
                                                         {{"length", Value::Int(255)},
                                                          {"killwords", Value::Bool(false)},
                                                          {"end", Value::String("...")},
                                                          {"leeway", Value::None()}}));
  if (!input.is_string())
    return Status::InvalidArgument(std::string("object of type '").append(PyTypeName(input)) +
                                   "' has no len()");
  CORRAL_ASSIGN_OR_RETURN(int64_t length, IntArg(a[0]));
  int64_t leeway = 5;  // jinja2's truncate.leeway policy
  if (!a[3].is_none()) {
    CORRAL_ASSIGN_OR_RETURN(leeway, IntArg(a[3]));
  }
  const std::string end = PyStr(a[2]);
  const int64_t end_len = static_cast<int64_t>(CodePointCount(end));
  if (length < end_len)
    return Status::InvalidArgument(std::string("expected length >= ").append(std::to_string(end_len)) +
                                   ", got " + std::to_string(length));
  if (leeway < 0)
    return Status::InvalidArgument(std::string("expected leeway >= 0, got ").append(std::to_string(leeway)));
  const std::string& s = input.str();
  if (static_cast<int64_t>(input.StringLength()) <= length + leeway) return input;
  std::string head = s.substr(0, ByteOffsetOfCodePoint(s, static_cast<size_t>(length - end_len)));
  if (!a[1].Truthy()) {
    const size_t space = head.rfind(' ');
    if (space != std::string::npos) head.resize(space);
  }
  return Value::String(head + end);
}

Result<Value> FilterWordcount(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_wordcount", args));
  const std::string s = PyStr(input);
  int64_t words = 0;
  bool in_word = false;
  for (size_t pos = 0; pos < s.size();) {
    const bool word = IsWordChar(NextCodePoint(s, pos));
    if (word && !in_word) ++words;
    in_word = word;
  }
  return Value::Int(words);
}

Result<Value> FilterFormat(Renderer& renderer, const Value& input, CallArgs& args) {
  if (!args.positional.empty() && !args.keywords.empty()) {
    return Status::InvalidArgument("can't handle positional and keyword arguments at the same time");
  }
  Value format_args;
  if (!args.keywords.empty()) {
    format_args = Value::Dict();
    for (const auto& [k, v] : args.keywords) format_args.dict().Set(Value::String(k), v);
  } else {
    format_args = Value::Tuple(args.positional);
  }
  const Value s = SoftStr(input);
  CORRAL_ASSIGN_OR_RETURN(std::string out, PercentFormat(s.str(), format_args));
  CORRAL_RETURN_IF_ERROR(renderer.CheckSize(out.size()));
  return LikeInput(s, std::move(out));
}

Result<Value> FilterPprint(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_pprint", args));
  return Value::String(PyRepr(input));  // pprint.pformat equals repr for values that fit on one line
}

Result<Value> FilterStriptags(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_striptags", args));
  // markupsafe: drop <!-- comments --> and <tags>, collapse whitespace, then unescape entities.
  const std::string s = PyStr(input);
  std::string stripped;
  for (size_t i = 0; i < s.size();) {
    if (s.compare(i, 4, "<!--") == 0) {
      const size_t end = s.find("-->", i + 4);
      if (end != std::string::npos) {
        i = end + 3;
        continue;
      }
    }
    if (s[i] == '<') {
      const size_t end = s.find('>', i + 1);
      if (end != std::string::npos) {
        i = end + 1;
        continue;
      }
    }
    stripped.push_back(s[i++]);
  }
  std::string collapsed;
  for (const std::string& word : PySplit(stripped, nullptr, -1)) {
    if (!collapsed.empty()) collapsed.push_back(' ');
    collapsed += word;
  }
  std::string out;
  for (size_t i = 0; i < collapsed.size();) {
    struct Entity {
      std::string_view name;
      const char* text;
    };
    static constexpr Entity kEntities[] = {{"&amp;", "&"},   {"&lt;", "<"},  {"&gt;", ">"},
                                           {"&quot;", "\""}, {"&#39;", "'"}, {"&#34;", "\""}};
    bool replaced = false;
    for (const Entity& e : kEntities) {
      if (collapsed.compare(i, e.name.size(), e.name) == 0) {
        out += e.text;
        i += e.name.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out.push_back(collapsed[i++]);
  }
  return Value::String(std::move(out));
}

Result<Value> FilterUrlencode(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_urlencode", args));
  auto quote = [](const std::string& s, bool for_qs) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' || (!for_qs && c == '/')) {
        out.push_back(static_cast<char>(c));
      } else if (for_qs && c == ' ') {
        out.push_back('+');
      } else {
        out.push_back('%');
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
    }
    return out;
  };
  if (input.is_string() || (!input.is_dict() && !input.is_sequence() && !input.is_iterator())) {
    return Value::String(quote(PyStr(input), false));
  }
  std::vector<Value> pairs;
  if (input.is_dict()) {
    for (const auto& [k, v] : input.dict().items) pairs.push_back(Value::Tuple({k, v}));
  } else {
    CORRAL_ASSIGN_OR_RETURN(pairs, renderer.Iterate(input));
  }
  std::string out;
  for (const Value& pair : pairs) {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> kv, renderer.Iterate(pair));
    if (kv.size() != 2) return Status::InvalidArgument("urlencode expects key/value pairs");
    if (!out.empty()) out.push_back('&');
    out += quote(PyStr(kv[0]), true) + "=" + quote(PyStr(kv[1]), true);
  }
  return Value::String(std::move(out));
}

Result<Value> FilterXmlattr(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a,
                          BindArgs("do_xmlattr", args, {{"autospace", Value::Bool(true)}}));
  if (!input.is_dict()) {
    return Status::InvalidArgument(std::string("'").append(PyTypeName(input)) +
                                   "' object has no attribute 'items'");
  }
  std::string rv;
  for (const auto& [k, v] : input.dict().items) {
    if (v.is_none() || v.is_undefined()) continue;
    const std::string key = PyStr(k);
    if (key.find_first_of(" \t\n\r\f\v/>=") != std::string::npos) {
      return Status::InvalidArgument("Invalid character in attribute name: " + PyRepr(k));
    }
    if (!rv.empty()) rv.push_back(' ');
    rv += HtmlEscape(key) + "=\"" + HtmlEscape(PyStr(v)) + "\"";
  }
  if (a[0].Truthy() && !rv.empty()) rv = " " + rv;
  return Value::String(std::move(rv));
}

Result<Value> FilterFilesizeformat(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a,
                          BindArgs("do_filesizeformat", args, {{"binary", Value::Bool(false)}}));
  double bytes = 0;
  if (input.is_number()) {
    bytes = input.as_float();
  } else if (!input.is_string() || !ParsePyFloat(input.str(), &bytes)) {
    return Status::InvalidArgument(std::string("could not convert ").append(PyTypeName(input)) + " to float");
  }
  const bool binary = a[0].Truthy();
  const double base = binary ? 1024 : 1000;
  static constexpr const char* kBinary[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  static constexpr const char* kDecimal[] = {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  if (bytes == 1) return Value::String("1 Byte");
  if (bytes < base) return Value::String(std::to_string(static_cast<int64_t>(bytes)) + " Bytes");
  double unit = base;
  int i = 0;
  for (; i < 8; ++i) {
    unit = std::pow(base, i + 2);
    if (bytes < unit) break;
  }
  if (i == 8) i = 7;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.1f %s", base * bytes / unit, binary ? kBinary[i] : kDecimal[i]);
  return Value::String(buf);
}

// Hugging Face overrides jinja2's tojson with json.dumps(x, ensure_ascii=False, indent=None,
// separators=None, sort_keys=False): no HTML escaping, and the options exposed to templates.
Result<Value> FilterToJson(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs("tojson", args,
                                                         {{"ensure_ascii", Value::Bool(false)},
                                                          {"indent", Value::None()},
                                                          {"separators", Value::None()},
                                                          {"sort_keys", Value::Bool(false)}}));
  JsonOptions options;
  options.ensure_ascii = a[0].Truthy();
  options.sort_keys = a[3].Truthy();
  if (a[1].is_string()) {
    options.indent = a[1].str();
  } else if (a[1].is_int() || a[1].is_bool()) {
    options.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(a[1].as_int(), 0, 1024)), ' ');
  } else if (!a[1].is_none()) {
    return Status::InvalidArgument(
        std::string("can't multiply sequence by non-int of type '").append(PyTypeName(a[1])) + "'");
  }
  if (options.indent) options.item_separator = ",";
  if (!a[2].is_none()) {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> seps, renderer.Iterate(a[2]));
    if (seps.size() != 2 || !seps[0].is_string() || !seps[1].is_string()) {
      return Status::InvalidArgument("separators must be a pair of strings");
    }
    options.item_separator = seps[0].str();
    options.key_separator = seps[1].str();
  }
  CORRAL_ASSIGN_OR_RETURN(std::string json, DumpJson(input, options));
  CORRAL_RETURN_IF_ERROR(renderer.CheckSize(json.size()));
  return Value::String(std::move(json));
}

}  // namespace corral::jinja
