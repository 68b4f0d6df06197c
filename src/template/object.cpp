#include "template/object.h"

#include "template/builtins.h"
#include "template/python_format.h"

namespace corral::jinja {

bool CallArgs::TakeKeyword(std::string_view name, Value* out) {
  for (auto it = keywords.begin(); it != keywords.end(); ++it) {
    if (it->first == name) {
      *out = std::move(it->second);
      keywords.erase(it);
      return true;
    }
  }
  return false;
}

std::string Object::Repr() const {
  return std::string("<").append(TypeName()) + " object>";
}

Result<Value> Object::Call(Renderer& /*renderer*/, CallArgs& /*args*/) {
  return Status::InvalidArgument(std::string("'").append(TypeName()) + "' object is not callable");
}

Value Object::GetAttr(const Value& self, std::string_view name) const {
  return Value::Undefined(NoAttributeHint(self, name));
}

Result<Value> Object::CallMethod(Renderer& /*renderer*/, std::string_view name, CallArgs& /*args*/) {
  return Status::InvalidArgument(std::string("'").append(TypeName()) + "' object has no attribute '" +
                                 std::string(name) + "'");
}

std::string BoundMethod::Repr() const {
  // CPython prints an address here; corral prints none (no template can rely on it).
  return "<built-in method " + name_ + " of " + std::string(PyTypeName(self_)) + " object>";
}

Result<Value> BoundMethod::Call(Renderer& renderer, CallArgs& args) {
  if (self_.is_object()) return self_.object().CallMethod(renderer, name_, args);
  return CallBuiltinMethod(renderer, self_, name_, args);
}

std::string Namespace::Repr() const {
  Value as_dict = Value::Dict();
  as_dict.dict() = attributes_;
  return "<Namespace " + PyRepr(as_dict) + ">";
}

Value Namespace::GetAttr(const Value& self, std::string_view name) const {
  if (const Value* v = attributes_.Find(name)) return *v;
  return Object::GetAttr(self, name);
}

void Namespace::VisitChildren(const std::function<void(const Value&)>& visit) const {
  for (const auto& [k, v] : attributes_.items) visit(v);
}

void Namespace::TakeChildren(std::vector<Value>& out) {
  for (auto& [k, v] : attributes_.items) out.push_back(std::move(v));
  attributes_.items.clear();
}

void Namespace::SetAttr(std::string_view name, Value value) {
  attributes_.Set(Value::String(std::string(name)), std::move(value));
}

}  // namespace corral::jinja
