// Values with behaviour: macros, bound methods, jinja2's loop object, namespace(), cycler(), joiner() and the
// global functions. Each is an Object; the interpreter reaches them through this interface.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "template/value.h"

namespace corral::jinja {

class Renderer;

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keywords;

  // Removes and returns the keyword `name`, or nullptr-like Undefined with found=false.
  bool TakeKeyword(std::string_view name, Value* out);
};

class Object {
 public:
  virtual ~Object() = default;
  virtual std::string_view TypeName() const = 0;
  // Python's repr() (also str(): none of these objects defines __str__).
  virtual std::string Repr() const;
  virtual bool IsCallable() const { return false; }
  virtual Result<Value> Call(Renderer& renderer, CallArgs& args);
  // Attribute lookup; a missing attribute is an Undefined carrying jinja2's hint. `self` is the Value that
  // holds this object, for attributes that are bound methods.
  virtual Value GetAttr(const Value& self, std::string_view name) const;
  // Methods reachable as self.name(...).
  virtual bool HasMethod(std::string_view /*name*/) const { return false; }
  virtual Result<Value> CallMethod(Renderer& renderer, std::string_view name, CallArgs& args);
  // The values this object holds, and dropping them: the renderer uses these to find and break reference
  // cycles a template builds (a list appended to itself), which shared ownership alone would leak.
  virtual void VisitChildren(const std::function<void(const Value&)>& /*visit*/) const {}
  virtual void DropChildren() {}
  // Moves out the held values that only this object owns (iterative teardown, see ListData).
  virtual void TakeChildren(std::vector<Value>& /*out*/) {}
};

// A method bound to its receiver, as `d.items` evaluates to in Python; calling it runs the method.
class BoundMethod final : public Object {
 public:
  BoundMethod(Value self, std::string name) : self_(std::move(self)), name_(std::move(name)) {}
  std::string_view TypeName() const override { return "builtin_function_or_method"; }
  std::string Repr() const override;
  bool IsCallable() const override { return true; }
  Result<Value> Call(Renderer& renderer, CallArgs& args) override;
  void VisitChildren(const std::function<void(const Value&)>& visit) const override { visit(self_); }
  void DropChildren() override { self_ = Value(); }
  void TakeChildren(std::vector<Value>& out) override { out.push_back(std::move(self_)); }

 private:
  Value self_;
  std::string name_;
};

// namespace(): an object whose attributes `{% set ns.x = ... %}` may assign from any scope.
class Namespace final : public Object {
 public:
  std::string_view TypeName() const override { return "Namespace"; }
  std::string Repr() const override;
  Value GetAttr(const Value& self, std::string_view name) const override;
  void SetAttr(std::string_view name, Value value);
  DictData& attributes() { return attributes_; }
  void VisitChildren(const std::function<void(const Value&)>& visit) const override;
  void DropChildren() override { attributes_.items.clear(); }
  void TakeChildren(std::vector<Value>& out) override;

 private:
  DictData attributes_;
};

}  // namespace corral::jinja
