// The renderer's services for builtins and objects: jinja2's sandboxed getattr/getitem (attribute first
// for `.`, item first for `[]`, each falling back to the other), iteration, and calls.
#include "template/builtins.h"
#include "template/interpreter.h"
#include "template/operators.h"
#include "template/python_format.h"
#include "template/unicode.h"

namespace corral::jinja {

Result<Value> Renderer::GetAttr(const Value& obj, std::string_view name) {
  switch (obj.kind()) {
    case Kind::kUndefined:
      return UndefinedError(obj);
    case Kind::kObject:
      return obj.object().GetAttr(obj, name);
    case Kind::kDict:
      if (HasBuiltinMethod(obj, name)) break;
      if (const Value* v = obj.dict().Find(name)) return *v;
      return Value::Undefined(std::string("'dict object' has no attribute '").append(name) + "'");
    default:
      break;
  }
  if (HasBuiltinMethod(obj, name))
    return Value::FromObject(std::make_shared<BoundMethod>(obj, std::string(name)));
  return Value::Undefined(NoAttributeHint(obj, name));
}

Result<Value> Renderer::GetItem(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Kind::kUndefined:
      return UndefinedError(obj);
    case Kind::kDict: {
      if (CheckHashable(key).ok()) {
        if (const Value* v = obj.dict().Find(key)) return *v;
      }
      break;
    }
    case Kind::kList:
    case Kind::kString: {
      if (!key.is_int() && !key.is_bool()) break;
      const int64_t length = obj.is_string() ? static_cast<int64_t>(obj.StringLength())
                                             : static_cast<int64_t>(obj.list().items.size());
      int64_t i = key.as_int();
      if (i < 0) i += length;
      if (i < 0 || i >= length) {
        return Value::Undefined(ObjectTypeRepr(obj) + " has no element " + PyRepr(key));
      }
      if (obj.is_sequence()) return obj.list().items[static_cast<size_t>(i)];
      const std::string& s = obj.str();
      const size_t begin = obj.StringLength() == s.size() ? static_cast<size_t>(i)
                                                          : ByteOffsetOfCodePoint(s, static_cast<size_t>(i));
      size_t end = begin;
      NextCodePoint(s, end);
      return Value::String(s.substr(begin, end - begin));
    }
    case Kind::kObject:
      if (key.is_string()) return obj.object().GetAttr(obj, key.str());
      break;
    default:
      break;
  }
  // jinja2's sandbox falls back to the attribute of the same name (d['items'] is the items method).
  if (key.is_string() && HasBuiltinMethod(obj, key.str())) {
    return Value::FromObject(std::make_shared<BoundMethod>(obj, key.str()));
  }
  if (key.is_string()) {
    return Value::Undefined(NoAttributeHint(obj, key.str()));
  }
  return Value::Undefined(ObjectTypeRepr(obj) + " has no element " + PyRepr(key));
}

Result<std::vector<Value>> Renderer::Iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return std::vector<Value>{};
    case Kind::kList:
      return v.list().items;
    case Kind::kDict: {
      std::vector<Value> keys;
      keys.reserve(v.dict().items.size());
      for (const auto& [k, item] : v.dict().items) keys.push_back(k);
      return keys;
    }
    case Kind::kString: {
      std::vector<Value> chars;
      const std::string& s = v.str();
      chars.reserve(s.size());
      for (size_t pos = 0; pos < s.size();) {
        const size_t start = pos;
        NextCodePoint(s, pos);
        chars.push_back(Value::String(s.substr(start, pos - start)));
      }
      return chars;
    }
    case Kind::kIterator: {
      IteratorData& it = v.iterator();
      std::vector<Value> rest(it.items.begin() + static_cast<std::ptrdiff_t>(it.next), it.items.end());
      it.next = it.items.size();
      return rest;
    }
    default:
      return Status::InvalidArgument(std::string("'").append(PyTypeName(v)) + "' object is not iterable");
  }
}

Result<Value> Renderer::CallValue(const Value& callee, CallArgs& args) {
  if (callee.is_undefined()) return UndefinedError(callee);
  if (callee.is_object() && callee.object().IsCallable()) return callee.object().Call(*this, args);
  return Status::InvalidArgument(std::string("'").append(PyTypeName(callee)) + "' object is not callable");
}

Result<Value> Renderer::CallFilterByName(std::string_view name, const Value& input, CallArgs& args) {
  FilterFn fn = LookupFilter(name);
  if (fn == nullptr) return Status::InvalidArgument(std::string("No filter named '").append(name) + "'.");
  return fn(*this, input, args);
}

Result<bool> Renderer::CallTestByName(std::string_view name, const Value& input, CallArgs& args) {
  TestFn fn = LookupTest(name);
  if (fn == nullptr) return Status::InvalidArgument(std::string("No test named '").append(name) + "' found.");
  return fn(*this, input, args);
}

}  // namespace corral::jinja
