// Python's str, list and dict methods as templates call them (message.content.strip(), tools.append(x),
// message.get('tool_calls', [])), with Python's results and errors.
#include <algorithm>

#include "template/builtins.h"
#include "template/interpreter.h"
#include "template/operators.h"
#include "template/python_format.h"
#include "template/string_format.h"
#include "template/unicode.h"

namespace corral::jinja {
namespace {

constexpr std::string_view kStringMethods[] = {
    "capitalize",   "casefold",   "center",     "count",       "endswith",   "expandtabs",   "find",
    "format",       "index",      "isalnum",    "isalpha",     "isascii",    "isdecimal",    "isdigit",
    "isidentifier", "islower",    "isnumeric",  "isprintable", "isspace",    "istitle",      "isupper",
    "join",         "ljust",      "lower",      "lstrip",      "partition",  "removeprefix", "removesuffix",
    "replace",      "rfind",      "rindex",     "rjust",       "rpartition", "rsplit",       "rstrip",
    "split",        "splitlines", "startswith", "strip",       "swapcase",   "title",        "upper",
    "zfill",
};
constexpr std::string_view kListMethods[] = {"append", "clear", "copy",   "count",   "extend", "index",
                                             "insert", "pop",   "remove", "reverse", "sort"};
constexpr std::string_view kTupleMethods[] = {"count", "index"};
constexpr std::string_view kDictMethods[] = {"clear", "copy",    "fromkeys",   "get",    "items", "keys",
                                             "pop",   "popitem", "setdefault", "update", "values"};

template <size_t N>
bool Contains(const std::string_view (&table)[N], std::string_view name) {
  return std::find(std::begin(table), std::end(table), name) != std::end(table);
}

Value StringLike(const Value& self, std::string s) {
  return self.is_markup() ? Value::Markup(std::move(s)) : Value::String(std::move(s));
}

Status ExpectString(std::string_view method, const Value& v, std::string_view what = "argument") {
  if (v.is_string()) return Status::Ok();
  return Status::InvalidArgument(std::string(method) + "() " + std::string(what) + " must be str, not " +
                                 std::string(PyTypeName(v)));
}

// Optional code point bounds [start, end) of find/count/startswith, as Python's slice of the string.
Result<std::pair<size_t, size_t>> ByteRange(const std::string& s, const Value& start, const Value& end) {
  const int64_t length = static_cast<int64_t>(CodePointCount(s));
  auto index = [&](const Value& v, int64_t dflt) -> Result<int64_t> {
    if (v.is_none() || v.is_undefined()) return dflt;
    if (!v.is_int() && !v.is_bool()) return Status::InvalidArgument("slice indices must be integers or None");
    int64_t i = v.as_int();
    if (i < 0) i = std::max<int64_t>(0, i + length);
    return std::min(i, length);
  };
  CORRAL_ASSIGN_OR_RETURN(int64_t a, index(start, 0));
  CORRAL_ASSIGN_OR_RETURN(int64_t b, index(end, length));
  if (b < a) b = a;
  return std::make_pair(ByteOffsetOfCodePoint(s, static_cast<size_t>(a)),
                        ByteOffsetOfCodePoint(s, static_cast<size_t>(b)));
}

Result<Value> AffixTest(std::string_view method, const Value& self, CallArgs& args, bool prefix) {
  CORRAL_ASSIGN_OR_RETURN(
      std::vector<Value> a,
      BindArgs(method, args, {{"affix", std::nullopt}, {"start", Value::None()}, {"end", Value::None()}}));
  CORRAL_ASSIGN_OR_RETURN(auto range, ByteRange(self.str(), a[1], a[2]));
  const std::string_view s = std::string_view(self.str()).substr(range.first, range.second - range.first);
  std::vector<Value> candidates;
  if (a[0].is_tuple()) {
    candidates = a[0].list().items;
  } else if (a[0].is_string()) {
    candidates.push_back(a[0]);
  } else {
    return Status::InvalidArgument(std::string(method) + " first arg must be str or a tuple of str, not " +
                                   std::string(PyTypeName(a[0])));
  }
  for (const Value& c : candidates) {
    if (!c.is_string()) {
      return Status::InvalidArgument(std::string("tuple for ").append(method) +
                                     " must only contain str, not " + std::string(PyTypeName(c)));
    }
    const std::string& t = c.str();
    if (t.size() > s.size()) continue;
    if (prefix ? s.compare(0, t.size(), t) == 0 : s.compare(s.size() - t.size(), t.size(), t) == 0) {
      return Value::Bool(true);
    }
  }
  return Value::Bool(false);
}

Result<Value> FindLike(std::string_view method, const Value& self, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(
      std::vector<Value> a,
      BindArgs(method, args, {{"sub", std::nullopt}, {"start", Value::None()}, {"end", Value::None()}}));
  CORRAL_RETURN_IF_ERROR(ExpectString(method, a[0]));
  const std::string& s = self.str();
  CORRAL_ASSIGN_OR_RETURN(auto range, ByteRange(s, a[1], a[2]));
  const std::string_view window = std::string_view(s).substr(range.first, range.second - range.first);
  const std::string& sub = a[0].str();
  if (method == "count") {
    if (sub.empty()) return Value::Int(static_cast<int64_t>(CodePointCount(window)) + 1);
    int64_t n = 0;
    for (size_t p = window.find(sub); p != std::string_view::npos; p = window.find(sub, p + sub.size())) ++n;
    return Value::Int(n);
  }
  const bool reverse = method == "rfind" || method == "rindex";
  const size_t hit = reverse ? window.rfind(sub) : window.find(sub);
  if (hit == std::string_view::npos) {
    if (method == "index" || method == "rindex") return Status::InvalidArgument("substring not found");
    return Value::Int(-1);
  }
  return Value::Int(static_cast<int64_t>(CodePointCount(std::string_view(s).substr(0, range.first + hit))));
}

Result<Value> Justify(std::string_view method, const Value& self, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(
      std::vector<Value> a,
      BindArgs(method, args, {{"width", std::nullopt}, {"fillchar", Value::String(" ")}}));
  if (!a[0].is_int() && !a[0].is_bool()) {
    return Status::InvalidArgument(std::string("'").append(PyTypeName(a[0])) +
                                   "' object cannot be interpreted as an integer");
  }
  if (!a[1].is_string() || a[1].StringLength() != 1) {
    return Status::InvalidArgument("The fill character must be exactly one character long");
  }
  const std::string& s = self.str();
  const int64_t len = static_cast<int64_t>(self.StringLength());
  const int64_t width = std::min<int64_t>(a[0].as_int(), 1 << 24);
  if (width <= len) return self;
  const int64_t pad = width - len;
  auto fill = [&](int64_t n) {
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += a[1].str();
    return out;
  };
  if (method == "ljust") return StringLike(self, s + fill(pad));
  if (method == "rjust") return StringLike(self, fill(pad) + s);
  // CPython's center puts the odd extra space on the left when the width is odd.
  const int64_t left = pad / 2 + (pad & width & 1);
  return StringLike(self, fill(left) + s + fill(pad - left));
}

template <typename Pred>
Value AllCodePoints(const std::string& s, Pred pred) {
  if (s.empty()) return Value::Bool(false);
  for (size_t pos = 0; pos < s.size();) {
    if (!pred(NextCodePoint(s, pos))) return Value::Bool(false);
  }
  return Value::Bool(true);
}

Result<Value> CasePredicate(std::string_view method, const std::string& s) {
  bool any_cased = false;
  if (method == "islower" || method == "isupper") {
    for (size_t pos = 0; pos < s.size();) {
      const char32_t cp = NextCodePoint(s, pos);
      if (method == "islower" ? IsUpper(cp) : IsLower(cp)) return Value::Bool(false);
      any_cased |= IsCased(cp);
    }
    return Value::Bool(any_cased);
  }
  // istitle: uppercase only after uncased characters, lowercase only after cased ones.
  bool previous_cased = false;
  for (size_t pos = 0; pos < s.size();) {
    const char32_t cp = NextCodePoint(s, pos);
    if (IsUpper(cp)) {
      if (previous_cased) return Value::Bool(false);
      previous_cased = any_cased = true;
    } else if (IsLower(cp)) {
      if (!previous_cased) return Value::Bool(false);
      previous_cased = any_cased = true;
    } else {
      previous_cased = false;
    }
  }
  return Value::Bool(any_cased);
}

Result<Value> SplitMethod(std::string_view method, const Value& self, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a,
                          BindArgs(method, args, {{"sep", Value::None()}, {"maxsplit", Value::Int(-1)}}));
  if (!a[0].is_none()) CORRAL_RETURN_IF_ERROR(ExpectString(method, a[0], "separator"));
  if (!a[1].is_int() && !a[1].is_bool()) {
    return Status::InvalidArgument(std::string("'").append(PyTypeName(a[1])) +
                                   "' object cannot be interpreted as an integer");
  }
  if (a[0].is_string() && a[0].str().empty()) return Status::InvalidArgument("empty separator");
  std::string_view sep_view = a[0].is_string() ? std::string_view(a[0].str()) : std::string_view();
  const std::string_view* sep = a[0].is_string() ? &sep_view : nullptr;
  const std::vector<std::string> parts =
      method == "split" ? PySplit(self.str(), sep, a[1].as_int()) : PyRSplit(self.str(), sep, a[1].as_int());
  std::vector<Value> items;
  items.reserve(parts.size());
  for (const std::string& p : parts) items.push_back(StringLike(self, p));
  return Value::List(std::move(items));
}

Result<Value> StringMethod(Renderer& renderer, const Value& self, std::string_view method, CallArgs& args) {
  const std::string& s = self.str();
  auto no_args = [&]() -> Status {
    if (args.positional.empty() && args.keywords.empty()) return Status::Ok();
    return Status::InvalidArgument(std::string("str.").append(method) + "() takes no arguments");
  };
  if (method == "strip" || method == "lstrip" || method == "rstrip") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs(method, args, {{"chars", Value::None()}}));
    if (!a[0].is_none() && !a[0].is_string()) {
      return Status::InvalidArgument(std::string(method) + " arg must be None or str");
    }
    std::string_view chars_view = a[0].is_string() ? std::string_view(a[0].str()) : std::string_view();
    return StringLike(self, std::string(PyStrip(s, a[0].is_string() ? &chars_view : nullptr,
                                                method != "rstrip", method != "lstrip")));
  }
  if (method == "split" || method == "rsplit") return SplitMethod(method, self, args);
  if (method == "splitlines") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs(method, args, {{"keepends", Value::Bool(false)}}));
    std::vector<Value> items;
    for (const std::string& line : PySplitLines(s, a[0].Truthy())) items.push_back(StringLike(self, line));
    return Value::List(std::move(items));
  }
  if (method == "startswith" || method == "endswith")
    return AffixTest(method, self, args, method == "startswith");
  if (method == "find" || method == "rfind" || method == "index" || method == "rindex" || method == "count") {
    return FindLike(method, self, args);
  }
  if (method == "replace") {
    CORRAL_ASSIGN_OR_RETURN(
        std::vector<Value> a,
        BindArgs(method, args, {{"old", std::nullopt}, {"new", std::nullopt}, {"count", Value::Int(-1)}}));
    CORRAL_RETURN_IF_ERROR(ExpectString(method, a[0]));
    CORRAL_RETURN_IF_ERROR(ExpectString(method, a[1]));
    std::string out = PyReplace(s, a[0].str(), a[1].str(), a[2].as_int());
    CORRAL_RETURN_IF_ERROR(renderer.CheckSize(out.size()));
    return StringLike(self, std::move(out));
  }
  if (method == "upper" || method == "lower" || method == "casefold" || method == "title" ||
      method == "capitalize" || method == "swapcase") {
    CORRAL_RETURN_IF_ERROR(no_args());
    if (method == "upper") return StringLike(self, PyUpper(s));
    if (method == "lower") return StringLike(self, PyLower(s));
    if (method == "casefold") return StringLike(self, PyCaseFold(s));
    if (method == "title") return StringLike(self, PyTitle(s));
    if (method == "capitalize") return StringLike(self, PyCapitalize(s));
    return StringLike(self, PySwapCase(s));
  }
  if (method == "join") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs(method, args, {{"iterable", std::nullopt}}));
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(a[0]));
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) {
        return Status::InvalidArgument(std::string("sequence item ").append(std::to_string(i)) +
                                       ": expected str instance, " + std::string(PyTypeName(items[i])) +
                                       " found");
      }
      if (i > 0) out += s;
      out += self.is_markup() && !items[i].is_markup() ? HtmlEscape(items[i].str()) : items[i].str();
      CORRAL_RETURN_IF_ERROR(renderer.CheckSize(out.size()));
    }
    return StringLike(self, std::move(out));
  }
  if (method == "format") {
    CORRAL_ASSIGN_OR_RETURN(std::string out, BraceFormat(s, args));
    CORRAL_RETURN_IF_ERROR(renderer.CheckSize(out.size()));
    return StringLike(self, std::move(out));
  }
  if (method == "center" || method == "ljust" || method == "rjust") return Justify(method, self, args);
  if (method == "zfill") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs(method, args, {{"width", std::nullopt}}));
    const int64_t width = std::min<int64_t>(a[0].as_int(), 1 << 24);
    const int64_t len = static_cast<int64_t>(self.StringLength());
    if (width <= len) return self;
    const size_t sign = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    return StringLike(
        self, s.substr(0, sign) + std::string(static_cast<size_t>(width - len), '0') + s.substr(sign));
  }
  if (method == "partition" || method == "rpartition") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs(method, args, {{"sep", std::nullopt}}));
    CORRAL_RETURN_IF_ERROR(ExpectString(method, a[0]));
    if (a[0].str().empty()) return Status::InvalidArgument("empty separator");
    const size_t hit = method == "partition" ? s.find(a[0].str()) : s.rfind(a[0].str());
    if (hit == std::string::npos) {
      if (method == "partition") return Value::Tuple({self, StringLike(self, ""), StringLike(self, "")});
      return Value::Tuple({StringLike(self, ""), StringLike(self, ""), self});
    }
    return Value::Tuple(
        {StringLike(self, s.substr(0, hit)), a[0], StringLike(self, s.substr(hit + a[0].str().size()))});
  }
  if (method == "removeprefix" || method == "removesuffix") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs(method, args, {{"affix", std::nullopt}}));
    CORRAL_RETURN_IF_ERROR(ExpectString(method, a[0]));
    const std::string& t = a[0].str();
    if (method == "removeprefix" && s.compare(0, t.size(), t) == 0)
      return StringLike(self, s.substr(t.size()));
    if (method == "removesuffix" && !t.empty() && s.size() >= t.size() &&
        s.compare(s.size() - t.size(), t.size(), t) == 0) {
      return StringLike(self, s.substr(0, s.size() - t.size()));
    }
    return self;
  }
  if (method == "expandtabs") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs(method, args, {{"tabsize", Value::Int(8)}}));
    const int64_t tab = std::min<int64_t>(a[0].as_int(), 1 << 16);
    std::string out;
    int64_t column = 0;
    for (size_t pos = 0; pos < s.size();) {
      const size_t start = pos;
      const char32_t cp = NextCodePoint(s, pos);
      if (cp == '\t') {
        const int64_t spaces = tab > 0 ? tab - column % tab : 0;
        out.append(static_cast<size_t>(spaces), ' ');
        column += spaces;
      } else {
        out.append(s, start, pos - start);
        column = (cp == '\n' || cp == '\r') ? 0 : column + 1;
      }
    }
    return StringLike(self, std::move(out));
  }
  CORRAL_RETURN_IF_ERROR(no_args());
  if (method == "isdigit" || method == "isdecimal" || method == "isnumeric") return AllCodePoints(s, IsDigit);
  if (method == "isalpha") return AllCodePoints(s, IsAlpha);
  if (method == "isalnum") return AllCodePoints(s, [](char32_t c) { return IsAlpha(c) || IsDigit(c); });
  if (method == "isspace") return AllCodePoints(s, IsPySpace);
  if (method == "isascii") return Value::Bool(IsAscii(s));
  if (method == "isprintable") {
    for (size_t pos = 0; pos < s.size();) {
      const char32_t cp = NextCodePoint(s, pos);
      if (cp < 0x20 || cp == 0x7F) return Value::Bool(false);
    }
    return Value::Bool(true);
  }
  if (method == "isidentifier") {
    if (s.empty() || IsDigit(static_cast<unsigned char>(s[0]))) return Value::Bool(false);
    return AllCodePoints(s, IsWordChar);
  }
  if (method == "islower" || method == "isupper" || method == "istitle") return CasePredicate(method, s);
  return Status::InvalidArgument(std::string("'str' object has no attribute '").append(method) + "'");
}

Result<int64_t> ListIndexArg(const Value& v) {
  if (v.is_int() || v.is_bool()) return v.as_int();
  return Status::InvalidArgument(std::string("'").append(PyTypeName(v)) +
                                 "' object cannot be interpreted as an integer");
}

Result<Value> ListMethod(Renderer& renderer, const Value& self, std::string_view method, CallArgs& args) {
  std::vector<Value>& items = self.list().items;
  const std::string fn = std::string(PyTypeName(self)) + "." + std::string(method);
  if (method == "append") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs(fn, args, {{"object", std::nullopt}}));
    CORRAL_RETURN_IF_ERROR(renderer.CheckSize(items.size() * 8));
    renderer.NoteStore(self, a[0]);
    items.push_back(a[0]);
    return Value::None();
  }
  if (method == "extend") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs(fn, args, {{"iterable", std::nullopt}}));
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> more, renderer.Iterate(a[0]));
    CORRAL_RETURN_IF_ERROR(renderer.CheckSize((items.size() + more.size()) * 8));
    for (const Value& v : more) renderer.NoteStore(self, v);
    items.insert(items.end(), more.begin(), more.end());
    return Value::None();
  }
  if (method == "pop") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs(fn, args, {{"index", Value::Int(-1)}}));
    CORRAL_ASSIGN_OR_RETURN(int64_t i, ListIndexArg(a[0]));
    if (items.empty()) return Status::InvalidArgument("pop from empty list");
    if (i < 0) i += static_cast<int64_t>(items.size());
    if (i < 0 || i >= static_cast<int64_t>(items.size()))
      return Status::InvalidArgument("pop index out of range");
    Value v = std::move(items[static_cast<size_t>(i)]);
    items.erase(items.begin() + i);
    return v;
  }
  if (method == "insert") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a,
                            BindArgs(fn, args, {{"index", std::nullopt}, {"object", std::nullopt}}));
    CORRAL_ASSIGN_OR_RETURN(int64_t i, ListIndexArg(a[0]));
    const int64_t n = static_cast<int64_t>(items.size());
    if (i < 0) i = std::max<int64_t>(0, i + n);
    i = std::min(i, n);
    renderer.NoteStore(self, a[1]);
    items.insert(items.begin() + i, a[1]);
    return Value::None();
  }
  if (method == "index" || method == "count" || method == "remove") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs(fn, args, {{"value", std::nullopt}}));
    int64_t count = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!PyEquals(items[i], a[0])) continue;
      if (method == "index") return Value::Int(static_cast<int64_t>(i));
      if (method == "remove") {
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(i));
        return Value::None();
      }
      ++count;
    }
    if (method == "count") return Value::Int(count);
    if (method == "index") return Status::InvalidArgument(PyRepr(a[0]) + " is not in list");
    return Status::InvalidArgument("list.remove(x): x not in list");
  }
  if (method == "reverse") {
    std::reverse(items.begin(), items.end());
    return Value::None();
  }
  if (method == "clear") {
    items.clear();
    return Value::None();
  }
  if (method == "copy") return Value::List(items);
  if (method == "sort") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a,
                            BindArgs(fn, args, {{"key", Value::None()}, {"reverse", Value::Bool(false)}}));
    if (!a[0].is_none()) return Status::Unsupported("list.sort(key=...) needs a Python callable");
    Status error = Status::Ok();
    const bool reverse = a[1].Truthy();
    std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
      if (!error.ok()) return false;
      Result<int> c = reverse ? PyCompare(y, x) : PyCompare(x, y);
      if (!c.ok()) {
        error = c.status();
        return false;
      }
      return *c < 0;
    });
    CORRAL_RETURN_IF_ERROR(error);
    return Value::None();
  }
  return Status::InvalidArgument(std::string("'").append(PyTypeName(self)) + "' object has no attribute '" +
                                 std::string(method) + "'");
}

Result<Value> DictMethod(Renderer& renderer, const Value& self, std::string_view method, CallArgs& args) {
  DictData& dict = self.dict();
  const std::string fn = std::string("dict.").append(method);
  if (method == "items" || method == "keys" || method == "values") {
    if (!args.positional.empty() || !args.keywords.empty()) {
      return Status::InvalidArgument(fn + "() takes no arguments");
    }
    std::vector<Value> out;
    out.reserve(dict.items.size());
    for (const auto& [k, v] : dict.items) {
      if (method == "items") {
        out.push_back(Value::Tuple({k, v}));
      } else {
        out.push_back(method == "keys" ? k : v);
      }
    }
    return Value::List(std::move(out));
  }
  if (method == "get") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a,
                            BindArgs(fn, args, {{"key", std::nullopt}, {"default", Value::None()}}));
    CORRAL_RETURN_IF_ERROR(CheckHashable(a[0]));
    const Value* v = dict.Find(a[0]);
    return v != nullptr ? *v : a[1];
  }
  if (method == "pop") {
    if (args.positional.empty() || args.positional.size() > 2) {
      return Status::InvalidArgument("pop expected at least 1 argument");
    }
    CORRAL_RETURN_IF_ERROR(CheckHashable(args.positional[0]));
    if (const Value* v = dict.Find(args.positional[0])) {
      Value out = *v;
      dict.Erase(args.positional[0]);
      return out;
    }
    if (args.positional.size() == 2) return args.positional[1];
    return Status::InvalidArgument("KeyError: " + PyRepr(args.positional[0]));
  }
  if (method == "setdefault") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a,
                            BindArgs(fn, args, {{"key", std::nullopt}, {"default", Value::None()}}));
    CORRAL_RETURN_IF_ERROR(CheckHashable(a[0]));
    if (const Value* v = dict.Find(a[0])) return *v;
    renderer.NoteStore(self, a[1]);
    dict.Set(a[0], a[1]);
    return a[1];
  }
  if (method == "update") {
    if (args.positional.size() > 1) return Status::InvalidArgument("update expected at most 1 argument");
    if (!args.positional.empty()) {
      CallArgs dict_args;
      dict_args.positional.push_back(args.positional[0]);
      CORRAL_ASSIGN_OR_RETURN(Value other, renderer.CallValue(MakeGlobal("dict"), dict_args));
      for (const auto& [k, v] : other.dict().items) {
        renderer.NoteStore(self, v);
        dict.Set(k, v);
      }
    }
    for (const auto& [k, v] : args.keywords) {
      renderer.NoteStore(self, v);
      dict.Set(Value::String(k), v);
    }
    return Value::None();
  }
  if (method == "copy") {
    Value copy = Value::Dict();
    copy.dict().items = dict.items;
    return copy;
  }
  if (method == "clear") {
    dict.items.clear();
    return Value::None();
  }
  if (method == "popitem") {
    if (dict.items.empty()) return Status::InvalidArgument("KeyError: 'popitem(): dictionary is empty'");
    auto last = std::move(dict.items.back());
    dict.items.pop_back();
    return Value::Tuple({std::move(last.first), std::move(last.second)});
  }
  if (method == "fromkeys") {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a,
                            BindArgs(fn, args, {{"iterable", std::nullopt}, {"value", Value::None()}}));
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> keys, renderer.Iterate(a[0]));
    Value out = Value::Dict();
    for (const Value& k : keys) {
      CORRAL_RETURN_IF_ERROR(CheckHashable(k));
      out.dict().Set(k, a[1]);
    }
    return out;
  }
  return Status::InvalidArgument(std::string("'dict' object has no attribute '").append(method) + "'");
}

}  // namespace

bool HasBuiltinMethod(const Value& self, std::string_view name) {
  switch (self.kind()) {
    case Kind::kString:
      return Contains(kStringMethods, name);
    case Kind::kList:
      return self.is_tuple() ? Contains(kTupleMethods, name) : Contains(kListMethods, name);
    case Kind::kDict:
      return Contains(kDictMethods, name);
    default:
      return false;
  }
}

Result<Value> CallBuiltinMethod(Renderer& renderer, const Value& self, std::string_view name,
                                CallArgs& args) {
  switch (self.kind()) {
    case Kind::kString:
      return StringMethod(renderer, self, name, args);
    case Kind::kList:
      return ListMethod(renderer, self, name, args);
    case Kind::kDict:
      return DictMethod(renderer, self, name, args);
    default:
      return Status::InvalidArgument(std::string("'").append(PyTypeName(self)) +
                                     "' object has no attribute '" + std::string(name) + "'");
  }
}

}  // namespace corral::jinja
