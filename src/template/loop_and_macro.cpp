// The objects the interpreter creates: macros (and call-block callers) and jinja2's loop object.
#include "template/interpreter.h"
#include "template/python_format.h"

namespace corral::jinja {

std::string MacroObject::Repr() const {
  return def_->name == "caller" && def_->name_id < 0 ? "<Macro 'caller'>" : "<Macro '" + def_->name + "'>";
}

Result<Value> MacroObject::Call(Renderer& renderer, CallArgs& args) {
  const ScopePtr closure = closure_.lock();
  if (!closure)
    return Status::InvalidArgument("macro '" + def_->name + "' outlived the scope that defined it");
  return renderer.InvokeMacro(*def_, closure, args);
}

Value MacroObject::GetAttr(const Value& self, std::string_view name) const {
  if (name == "name") return Value::String(def_->name);
  if (name == "arguments") {
    std::vector<Value> names;
    for (const std::string& n : def_->param_names) names.push_back(Value::String(n));
    return Value::Tuple(std::move(names));
  }
  if (name == "catch_kwargs") return Value::Bool(def_->catch_kwargs);
  if (name == "catch_varargs") return Value::Bool(def_->catch_varargs);
  if (name == "caller") return Value::Bool(def_->uses_caller);
  return Object::GetAttr(self, name);
}

void LoopObject::VisitChildren(const std::function<void(const Value&)>& visit) const {
  for (const Value& item : *items_) visit(item);
}

std::string LoopObject::Repr() const {
  return std::string("<LoopContext ").append(std::to_string(index0_ + 1)) + "/" +
         std::to_string(items_->size()) + ">";
}

Value LoopObject::GetAttr(const Value& self, std::string_view name) const {
  const int64_t index0 = static_cast<int64_t>(index0_);
  const int64_t length = static_cast<int64_t>(items_->size());
  if (name == "index") return Value::Int(index0 + 1);
  if (name == "index0") return Value::Int(index0);
  if (name == "revindex") return Value::Int(length - index0);
  if (name == "revindex0") return Value::Int(length - index0 - 1);
  if (name == "first") return Value::Bool(index0 == 0);
  if (name == "last") return Value::Bool(index0 + 1 == length);
  if (name == "length") return Value::Int(length);
  if (name == "depth") return Value::Int(depth0_ + 1);
  if (name == "depth0") return Value::Int(depth0_);
  if (name == "previtem") {
    if (index0 == 0) return Value::Undefined("there is no previous item");
    return (*items_)[index0_ - 1];
  }
  if (name == "nextitem") {
    if (index0 + 1 >= length) return Value::Undefined("there is no next item");
    return (*items_)[index0_ + 1];
  }
  if (HasMethod(name)) return Value::FromObject(std::make_shared<BoundMethod>(self, std::string(name)));
  return Object::GetAttr(self, name);
}

Result<Value> LoopObject::CallMethod(Renderer& /*renderer*/, std::string_view name, CallArgs& args) {
  if (name == "cycle") {
    if (args.positional.empty()) return Status::InvalidArgument("no items for cycling given");
    return args.positional[index0_ % args.positional.size()];
  }
  // changed(*values): true when called with different values than last time (and the first time).
  Value current = Value::Tuple(args.positional);
  if (changed_called_ && PyEquals(current, last_changed_)) return Value::Bool(false);
  changed_called_ = true;
  last_changed_ = std::move(current);
  return Value::Bool(true);
}

Result<Value> LoopObject::Call(Renderer& renderer, CallArgs& args) {
  if (recursive_stmt_ == nullptr) {
    return Status::InvalidArgument("The loop must have the 'recursive' marker to be called recursively.");
  }
  if (args.positional.size() != 1) return Status::InvalidArgument("loop() takes exactly one argument");
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(args.positional[0]));
  const ScopePtr scope = recursive_scope_.lock();
  if (!scope) return Status::InvalidArgument("the recursive loop has ended");
  return renderer.RenderLoop(*recursive_stmt_, scope, std::move(items), depth0_ + 1);
}

}  // namespace corral::jinja
