// The template globals: jinja2's DEFAULT_NAMESPACE (range, dict, namespace, cycler, joiner) under the
// sandbox's range limit, and Hugging Face's raise_exception and strftime_now.
#include <cstring>
#include <ctime>

#include "template/builtins.h"
#include "template/interpreter.h"
#include "template/python_format.h"

namespace corral::jinja {

Result<std::vector<Value>> BindArgs(std::string_view function, const CallArgs& args,
                                    std::initializer_list<ParamSpec> params) {
  const size_t n = params.size();
  std::vector<Value> out(n);
  std::vector<bool> set(n, false);
  const std::string fn(function);
  if (args.positional.size() > n) {
    return Status::InvalidArgument(fn + "() takes at most " + std::to_string(n) + " argument(s) (" +
                                   std::to_string(args.positional.size()) + " given)");
  }
  for (size_t i = 0; i < args.positional.size(); ++i) {
    out[i] = args.positional[i];
    set[i] = true;
  }
  for (const auto& [name, value] : args.keywords) {
    size_t i = 0;
    for (const ParamSpec& p : params) {
      if (p.first == name) break;
      ++i;
    }
    if (i == n) return Status::InvalidArgument(fn + "() got an unexpected keyword argument '" + name + "'");
    if (set[i]) return Status::InvalidArgument(fn + "() got multiple values for argument '" + name + "'");
    out[i] = value;
    set[i] = true;
  }
  size_t i = 0;
  for (const ParamSpec& p : params) {
    if (!set[i]) {
      if (!p.second) {
        return Status::InvalidArgument(fn + "() missing required argument '" + std::string(p.first) + "'");
      }
      out[i] = *p.second;
    }
    ++i;
  }
  return out;
}

namespace {

using GlobalFn = Result<Value> (*)(Renderer& renderer, CallArgs& args);

class BuiltinFunction final : public Object {
 public:
  BuiltinFunction(std::string_view name, GlobalFn fn) : name_(name), fn_(fn) {}
  std::string_view TypeName() const override { return "builtin_function_or_method"; }
  std::string Repr() const override { return std::string("<built-in function ").append(name_) + ">"; }
  bool IsCallable() const override { return true; }
  Result<Value> Call(Renderer& renderer, CallArgs& args) override { return fn_(renderer, args); }

 private:
  std::string_view name_;
  GlobalFn fn_;
};

Result<int64_t> IndexArg(const Value& v) {
  if (v.is_int() || v.is_bool()) return v.as_int();
  return Status::InvalidArgument(std::string("'").append(PyTypeName(v)) +
                                 "' object cannot be interpreted as an integer");
}

// The sandbox's safe_range: Python's range, refused past 100000 items (jinja2.sandbox.MAX_RANGE).
Result<Value> Range(Renderer& /*renderer*/, CallArgs& args) {
  if (!args.keywords.empty()) return Status::InvalidArgument("range() takes no keyword arguments");
  const size_t n = args.positional.size();
  if (n < 1 || n > 3)
    return Status::InvalidArgument(
        std::string("range expected at most 3 arguments, got ").append(std::to_string(n)));
  int64_t start = 0, stop = 0, step = 1;
  if (n == 1) {
    CORRAL_ASSIGN_OR_RETURN(stop, IndexArg(args.positional[0]));
  } else {
    CORRAL_ASSIGN_OR_RETURN(start, IndexArg(args.positional[0]));
    CORRAL_ASSIGN_OR_RETURN(stop, IndexArg(args.positional[1]));
    if (n == 3) {
      CORRAL_ASSIGN_OR_RETURN(step, IndexArg(args.positional[2]));
    }
  }
  if (step == 0) return Status::InvalidArgument("range() arg 3 must not be zero");
  __int128 count = 0;
  if (step > 0 && stop > start) count = ((__int128)stop - start + step - 1) / step;
  if (step < 0 && stop < start) count = ((__int128)start - stop - step - 1) / -step;
  if (count > 100000) {
    return Status::OutOfRange("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  }
  std::vector<Value> items;
  items.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < static_cast<int64_t>(count); ++i) items.push_back(Value::Int(start + i * step));
  return Value::List(std::move(items));
}

Status UpdateDictFrom(Renderer& renderer, DictData& target, const Value& source) {
  if (source.is_dict()) {
    for (const auto& [k, v] : source.dict().items) target.Set(k, v);
    return Status::Ok();
  }
  if (source.is_object() && source.object().TypeName() == "Namespace") {
    for (const auto& [k, v] : static_cast<Namespace&>(source.object()).attributes().items) target.Set(k, v);
    return Status::Ok();
  }
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> pairs, renderer.Iterate(source));
  size_t index = 0;
  for (const Value& pair : pairs) {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> kv, renderer.Iterate(pair));
    if (kv.size() != 2) {
      return Status::InvalidArgument(
          std::string("dictionary update sequence element #").append(std::to_string(index)) + " has length " +
          std::to_string(kv.size()) + "; 2 is required");
    }
    target.Set(kv[0], kv[1]);
    ++index;
  }
  return Status::Ok();
}

Result<Value> Dict(Renderer& renderer, CallArgs& args) {
  if (args.positional.size() > 1) return Status::InvalidArgument("dict expected at most 1 argument");
  Value dict = Value::Dict();
  if (!args.positional.empty())
    CORRAL_RETURN_IF_ERROR(UpdateDictFrom(renderer, dict.dict(), args.positional[0]));
  for (auto& [k, v] : args.keywords) dict.dict().Set(Value::String(k), v);
  return dict;
}

Result<Value> MakeNamespace(Renderer& renderer, CallArgs& args) {
  auto ns = std::make_shared<Namespace>();
  if (args.positional.size() > 1) return Status::InvalidArgument("namespace expected at most 1 argument");
  if (!args.positional.empty())
    CORRAL_RETURN_IF_ERROR(UpdateDictFrom(renderer, ns->attributes(), args.positional[0]));
  for (auto& [k, v] : args.keywords) ns->SetAttr(k, v);
  return Value::FromObject(std::move(ns));
}

Result<Value> RaiseException(Renderer& /*renderer*/, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> bound,
                          BindArgs("raise_exception", args, {{"message", std::nullopt}}));
  return Status::InvalidArgument(PyStr(bound[0]));
}

Result<Value> StrftimeNow(Renderer& renderer, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> bound,
                          BindArgs("strftime_now", args, {{"format", std::nullopt}}));
  if (!bound[0].is_string()) {
    return Status::InvalidArgument(
        std::string("strftime() argument 1 must be str, not ").append(PyTypeName(bound[0])));
  }
  std::tm tm{};
  if (renderer.options().now) {
    tm = *renderer.options().now;
  } else {
    const std::time_t t = std::time(nullptr);
    localtime_r(&t, &tm);
  }
  // datetime.strftime handles %f, %z and %Z itself (a naive datetime: zero microseconds here, no zone).
  std::string format;
  const std::string& in = bound[0].str();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 1 < in.size()) {
      const char c = in[i + 1];
      if (c == 'f') {
        format += "000000";
        ++i;
        continue;
      }
      if (c == 'z' || c == 'Z') {
        ++i;
        continue;
      }
      format.push_back('%');
      format.push_back(c);
      ++i;
      continue;
    }
    format.push_back(in[i]);
  }
  if (format.empty()) return Value::String("");
  std::string out(format.size() * 4 + 64, '\0');
  const size_t n = std::strftime(out.data(), out.size(), format.c_str(), &tm);
  out.resize(n);
  return Value::String(std::move(out));
}

// cycler(*items): .next(), .reset(), .current.
class Cycler final : public Object {
 public:
  explicit Cycler(std::vector<Value> items) : items_(std::move(items)) {}
  std::string_view TypeName() const override { return "Cycler"; }
  Value GetAttr(const Value& self, std::string_view name) const override {
    if (name == "current") return items_[pos_];
    if (HasMethod(name)) return Value::FromObject(std::make_shared<BoundMethod>(self, std::string(name)));
    return Object::GetAttr(self, name);
  }
  bool HasMethod(std::string_view name) const override { return name == "next" || name == "reset"; }
  void VisitChildren(const std::function<void(const Value&)>& visit) const override {
    for (const Value& item : items_) visit(item);
  }
  void DropChildren() override {
    items_.assign(1, Value());
    pos_ = 0;
  }
  void TakeChildren(std::vector<Value>& out) override {
    for (Value& item : items_) out.push_back(std::move(item));
  }
  Result<Value> CallMethod(Renderer& /*renderer*/, std::string_view name, CallArgs& /*args*/) override {
    if (name == "reset") {
      pos_ = 0;
      return Value::None();
    }
    Value v = items_[pos_];
    pos_ = (pos_ + 1) % items_.size();
    return v;
  }

 private:
  std::vector<Value> items_;
  size_t pos_ = 0;
};

Result<Value> MakeCycler(Renderer& /*renderer*/, CallArgs& args) {
  if (args.positional.empty()) return Status::InvalidArgument("at least one item has to be provided");
  return Value::FromObject(std::make_shared<Cycler>(args.positional));
}

// joiner(sep=", "): returns "" the first time it is called, then sep.
class Joiner final : public Object {
 public:
  explicit Joiner(Value sep) : sep_(std::move(sep)) {}
  std::string_view TypeName() const override { return "Joiner"; }
  bool IsCallable() const override { return true; }
  void VisitChildren(const std::function<void(const Value&)>& visit) const override { visit(sep_); }
  void DropChildren() override { sep_ = Value(); }
  void TakeChildren(std::vector<Value>& out) override { out.push_back(std::move(sep_)); }
  Result<Value> Call(Renderer& /*renderer*/, CallArgs& /*args*/) override {
    if (!used_) {
      used_ = true;
      return Value::String("");
    }
    return sep_;
  }

 private:
  Value sep_;
  bool used_ = false;
};

Result<Value> MakeJoiner(Renderer& /*renderer*/, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> bound, BindArgs("joiner", args, {{"sep", Value::String(", ")}}));
  return Value::FromObject(std::make_shared<Joiner>(bound[0]));
}

}  // namespace

Value MakeGlobal(std::string_view name) {
  struct Entry {
    std::string_view name;
    GlobalFn fn;
  };
  static constexpr Entry kGlobals[] = {
      {"range", Range},
      {"dict", Dict},
      {"namespace", MakeNamespace},
      {"cycler", MakeCycler},
      {"joiner", MakeJoiner},
      {"raise_exception", RaiseException},
      {"strftime_now", StrftimeNow},
  };
  for (const Entry& e : kGlobals) {
    if (e.name == name) return Value::FromObject(std::make_shared<BuiltinFunction>(e.name, e.fn));
  }
  return Value();
}

}  // namespace corral::jinja
