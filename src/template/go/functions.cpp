#include "template/go/functions.h"

#include <array>
#include <cstdio>
#include <string>

#include "template/go/format.h"

namespace corral::gotmpl {
namespace {

constexpr std::array<std::string_view, 22> kFunctions = {
    "and", "or", "not", "len", "index", "slice", "eq", "ne", "lt", "le", "gt", "ge", "print", "printf",
    "println", "html", "js", "urlquery",
    // Ollama's template/template.go adds these.
    "json", "currentDate", "yesterdayDate", "toTypeScriptType"};

Status WrongArgs(std::string_view name, std::string_view want, size_t got) {
  return Status::InvalidArgument("wrong number of args for " + std::string(name) + ": want " +
                                 std::string(want) + " got " + std::to_string(got));
}

bool IsNilish(const Value& v) {
  return v.kind == Kind::kInvalid || v.kind == Kind::kNil;
}

enum class Basic { kBool, kInt, kFloat, kString, kOther };

Basic BasicKind(const Value& v) {
  switch (v.kind) {
    case Kind::kBool:
      return Basic::kBool;
    case Kind::kInt:
      return Basic::kInt;
    case Kind::kFloat:
      return Basic::kFloat;
    case Kind::kString:
      return Basic::kString;
    default:
      return Basic::kOther;
  }
}

// Go's eq for one pair (funcs.go eq): basic kinds compare by value; different kinds are an error unless one
// side is nil; nil equals only nil; slices and maps are not comparable.
Result<bool> EqualPair(const Value& a, const Value& b) {
  const Basic ka = BasicKind(a), kb = BasicKind(b);
  if (ka != kb) {
    if (!IsNilish(a) && !IsNilish(b)) return Status::InvalidArgument("incompatible types for comparison");
    return false;
  }
  switch (ka) {
    case Basic::kBool:
      return a.b == b.b;
    case Basic::kInt:
      return a.i == b.i;
    case Basic::kFloat:
      return a.f == b.f;
    case Basic::kString:
      return *a.s == *b.s;
    case Basic::kOther:
      break;
  }
  if (IsNilish(a) || IsNilish(b)) {
    // Go compares the nil-ness of a nil interface against a slice or map.
    const bool nil_a = IsNilish(a) || a.is_nil_container, nil_b = IsNilish(b) || b.is_nil_container;
    return nil_a == nil_b;
  }
  if (a.kind != b.kind) return Status::InvalidArgument("non-comparable types");
  if (a.is_nil_container || b.is_nil_container) return a.is_nil_container == b.is_nil_container;
  return Status::InvalidArgument("non-comparable type " + GoTypeName(a));
}

Result<bool> Less(const Value& a, const Value& b) {
  const Basic ka = BasicKind(a), kb = BasicKind(b);
  if (ka == Basic::kOther || kb == Basic::kOther)
    return Status::InvalidArgument("invalid type for comparison");
  if (ka != kb) return Status::InvalidArgument("incompatible types for comparison");
  switch (ka) {
    case Basic::kInt:
      return a.i < b.i;
    case Basic::kFloat:
      return a.f < b.f;
    case Basic::kString:
      return *a.s < *b.s;
    default:
      return Status::InvalidArgument("invalid type for comparison");
  }
}

Result<int64_t> IndexArg(const Value& index, size_t cap) {
  if (IsNilish(index)) return Status::InvalidArgument("cannot index slice/array with nil");
  if (index.kind != Kind::kInt) {
    return Status::InvalidArgument("cannot index slice/array with type " + GoTypeName(index));
  }
  if (index.i < 0 || static_cast<uint64_t>(index.i) > cap) {
    return Status::InvalidArgument("index out of range: " + std::to_string(index.i));
  }
  return index.i;
}

Result<Value> Index(std::span<const Value> args) {
  Value item = args[0];
  if (IsNilish(item)) return Status::InvalidArgument("index of untyped nil");
  for (size_t k = 1; k < args.size(); ++k) {
    const Value& index = args[k];
    if (item.kind == Kind::kSlice || item.kind == Kind::kString) {
      const size_t len = item.kind == Kind::kSlice ? item.items->size() : item.s->size();
      CORRAL_ASSIGN_OR_RETURN(int64_t x, IndexArg(index, len));
      if (static_cast<size_t>(x) == len)
        return Status::InvalidArgument("index out of range: " + std::to_string(x));
      // Indexing a string gives a byte, which prints as a number.
      item =
          item.kind == Kind::kSlice ? (*item.items)[x] : Value::Int(static_cast<unsigned char>((*item.s)[x]));
    } else if (item.kind == Kind::kMap) {
      if (IsNilish(index)) return Status::InvalidArgument("value is nil; should be of type string");
      if (index.kind != Kind::kString) {
        return Status::InvalidArgument("value has type " + GoTypeName(index) + "; should be string");
      }
      const Value* found = item.MapFind(*index.s);
      item = found != nullptr ? *found : Value::Nil();
    } else if (IsNilish(item)) {
      return Status::InvalidArgument("index of nil pointer");
    } else {
      return Status::InvalidArgument("can't index item of type " + GoTypeName(item));
    }
  }
  return item;
}

Result<Value> Slice(std::span<const Value> args) {
  const Value& item = args[0];
  if (IsNilish(item)) return Status::InvalidArgument("slice of untyped nil");
  if (args.size() > 4)
    return Status::InvalidArgument("too many slice indexes: " + std::to_string(args.size() - 1));
  size_t len = 0;
  if (item.kind == Kind::kString) {
    if (args.size() == 4) return Status::InvalidArgument("cannot 3-index slice a string");
    len = item.s->size();
  } else if (item.kind == Kind::kSlice) {
    len = item.items->size();
  } else {
    return Status::InvalidArgument("can't slice item of type " + GoTypeName(item));
  }
  std::array<int64_t, 3> idx = {0, static_cast<int64_t>(len), static_cast<int64_t>(len)};
  for (size_t k = 1; k < args.size(); ++k) {
    CORRAL_ASSIGN_OR_RETURN(idx[k - 1], IndexArg(args[k], len));
  }
  if (idx[0] > idx[1]) {
    return Status::InvalidArgument("invalid slice index: " + std::to_string(idx[0]) + " > " +
                                   std::to_string(idx[1]));
  }
  if (args.size() == 4 && idx[1] > idx[2]) {
    return Status::InvalidArgument("invalid slice index: " + std::to_string(idx[1]) + " > " +
                                   std::to_string(idx[2]));
  }
  if (item.kind == Kind::kString) return Value::String(item.s->substr(idx[0], idx[1] - idx[0]));
  return Value::Slice(std::vector<Value>(item.items->begin() + idx[0], item.items->begin() + idx[1]),
                      item.stringer);
}

// evalArgs of html/js/urlquery: one string argument is used as is, anything else goes through fmt.Sprint.
std::string EscaperInput(std::span<const Value> args) {
  if (args.size() == 1 && args[0].kind == Kind::kString) return *args[0].s;
  std::vector<Value> printable(args.begin(), args.end());
  return Sprint(printable);
}

std::string TypeScriptName(const Value& type_name) {
  const std::string_view t = type_name.kind == Kind::kString ? std::string_view(*type_name.s) : "";
  if (t == "string") return "string";
  if (t == "number" || t == "integer") return "number";
  if (t == "boolean") return "boolean";
  if (t == "array") return "any[]";
  if (t == "object") return "Record<string, any>";
  if (t == "null") return "null";
  return "any";
}

// api.ToolProperty.ToTypeScriptType: anyOf alternatives or the listed types joined by " | ".
std::string ToTypeScript(const Value& property) {
  const Value* any_of = property.StructField("AnyOf");
  std::string out;
  if (any_of != nullptr && any_of->kind == Kind::kSlice && !any_of->items->empty()) {
    for (size_t k = 0; k < any_of->items->size(); ++k) {
      if (k) out += " | ";
      out += ToTypeScript((*any_of->items)[k]);
    }
    return out;
  }
  const Value* type = property.StructField("Type");
  if (type == nullptr || type->kind != Kind::kSlice || type->items->empty()) return "any";
  for (size_t k = 0; k < type->items->size(); ++k) {
    if (k) out += " | ";
    out += TypeScriptName((*type->items)[k]);
  }
  return out;
}

std::string FormatDate(std::tm tm) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

}  // namespace

bool IsFunctionName(std::string_view name) {
  for (std::string_view f : kFunctions) {
    if (f == name) return true;
  }
  return false;
}

bool Truthy(const Value& v) {
  switch (v.kind) {
    case Kind::kInvalid:
    case Kind::kNil:
      return false;
    case Kind::kBool:
      return v.b;
    case Kind::kInt:
      return v.i != 0;
    case Kind::kFloat:
      return v.f != 0;
    case Kind::kString:
      return !v.s->empty();
    case Kind::kSlice:
    case Kind::kMap:
      return v.size() != 0;
    case Kind::kStruct:
      return true;
  }
  return false;
}

Result<Value> CallFunction(std::string_view name, std::span<const Value> args, const std::tm& now) {
  const size_t n = args.size();
  if (name == "not") {
    if (n != 1) return WrongArgs(name, "1", n);
    return Value::Bool(!Truthy(args[0]));
  }
  if (name == "len") {
    if (n != 1) return WrongArgs(name, "1", n);
    const Value& v = args[0];
    if (v.kind == Kind::kString) return Value::Int(static_cast<int64_t>(v.s->size()));
    if (v.kind == Kind::kSlice || v.kind == Kind::kMap) return Value::Int(static_cast<int64_t>(v.size()));
    if (IsNilish(v)) return Status::InvalidArgument("len of nil pointer");
    return Status::InvalidArgument("len of type " + GoTypeName(v));
  }
  if (name == "index") {
    if (n < 1) return WrongArgs(name, "at least 1", n);
    return Index(args);
  }
  if (name == "slice") {
    if (n < 1) return WrongArgs(name, "at least 1", n);
    return Slice(args);
  }
  if (name == "eq" || name == "ne") {
    if (name == "ne" && n != 2) return WrongArgs(name, "2", n);
    if (n < 1) return WrongArgs(name, "at least 1", n);
    if (n == 1) return Status::InvalidArgument("missing argument for comparison");
    bool any = false;
    for (size_t k = 1; k < n && !any; ++k) {
      CORRAL_ASSIGN_OR_RETURN(bool eq, EqualPair(args[0], args[k]));
      any = eq;
    }
    return Value::Bool(name == "eq" ? any : !any);
  }
  if (name == "lt" || name == "le" || name == "gt" || name == "ge") {
    if (n != 2) return WrongArgs(name, "2", n);
    CORRAL_ASSIGN_OR_RETURN(bool less, Less(args[0], args[1]));
    if (name == "lt") return Value::Bool(less);
    if (name == "ge") return Value::Bool(!less);
    // le and gt also need equality (which rejects what lt accepts only for the same basic kinds).
    CORRAL_ASSIGN_OR_RETURN(bool eq, EqualPair(args[0], args[1]));
    return Value::Bool(name == "le" ? less || eq : !(less || eq));
  }
  if (name == "print") return Value::String(Sprint(args));
  if (name == "println") return Value::String(Sprintln(args));
  if (name == "printf") {
    if (n < 1) return WrongArgs(name, "at least 1", n);
    if (args[0].kind != Kind::kString) {
      return Status::InvalidArgument("wrong type for value; expected string; got " + GoTypeName(args[0]));
    }
    return Value::String(Sprintf(*args[0].s, args.subspan(1)));
  }
  if (name == "html") return Value::String(HtmlEscape(EscaperInput(args)));
  if (name == "js") return Value::String(JsEscape(EscaperInput(args)));
  if (name == "urlquery") return Value::String(UrlQueryEscape(EscaperInput(args)));
  if (name == "json") {
    if (n != 1) return WrongArgs(name, "1", n);
    return Value::String(JsonMarshal(args[0]));
  }
  if (name == "currentDate" || name == "yesterdayDate") {
    for (const Value& a : args) {
      if (a.kind != Kind::kString) {
        return Status::InvalidArgument("wrong type for value; expected string; got " + GoTypeName(a));
      }
    }
    std::tm day = now;
    if (name == "yesterdayDate") {
      day.tm_mday -= 1;
      day.tm_isdst = -1;
      std::mktime(&day);  // normalizes the day before the 1st into the previous month
    }
    return Value::String(FormatDate(day));
  }
  if (name == "toTypeScriptType") {
    if (n != 1) return WrongArgs(name, "1", n);
    const Value& v = args[0];
    const bool is_property = v.kind == Kind::kStruct && v.type->is_tool_property;
    return Value::String(is_property ? ToTypeScript(v) : "any");
  }
  return Status::InvalidArgument("function \"" + std::string(name) + "\" not defined");
}

}  // namespace corral::gotmpl
