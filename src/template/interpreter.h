// Renders a parsed Program by walking its tree with jinja2's runtime semantics: scopes (a for-loop body
// gets a fresh scope each iteration, if-bodies share their parent's, macros see their defining scope),
// Python operators and comparisons, jinja2's sandboxed getattr/getitem, Undefined, loop objects, macros and
// callers. Work is bounded by RenderOptions so that no template can loop forever or exhaust memory.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "template/ast.h"
#include "template/object.h"
#include "template/template.h"
#include "template/value.h"

namespace corral::jinja {

// Variables of one frame. Lookups walk to the parent; assignments stay local.
struct Scope {
  explicit Scope(std::shared_ptr<Scope> p) : parent(std::move(p)) {}
  std::shared_ptr<Scope> parent;
  std::vector<std::pair<int, Value>> vars;

  const Value* FindLocal(int id) const {
    for (const auto& [k, v] : vars) {
      if (k == id) return &v;
    }
    return nullptr;
  }
  void Set(int id, Value value) {
    for (auto& [k, v] : vars) {
      if (k == id) {
        v = std::move(value);
        return;
      }
    }
    vars.emplace_back(id, std::move(value));
  }
};
using ScopePtr = std::shared_ptr<Scope>;

// Prefixes "line N: " to a message that does not carry a line yet.
Status AtLine(int line, const Status& status);

class Renderer {
 public:
  Renderer(const Program& program, const Value& context, const RenderOptions& options);
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;
  Result<std::string> Run();

  // jinja2's sandboxed environment.getattr / getitem: attribute first then item, or the reverse.
  Result<Value> GetAttr(const Value& obj, std::string_view name);
  Result<Value> GetItem(const Value& obj, const Value& key);
  // list(iter(v)): consumes generators.
  Result<std::vector<Value>> Iterate(const Value& v);
  Result<Value> CallValue(const Value& callee, CallArgs& args);
  Result<Value> CallFilterByName(std::string_view name, const Value& input, CallArgs& args);
  Result<bool> CallTestByName(std::string_view name, const Value& input, CallArgs& args);
  // Records that `container` now holds `stored`; containers that end up inside themselves are emptied
  // when rendering ends, so that the cycle does not leak.
  void NoteStore(const Value& container, const Value& stored);
  // Counts one unit of work; fails once the budget is spent.
  Status Tick();
  // Fails when a string being built would pass the output bound.
  Status CheckSize(size_t bytes) const;
  const RenderOptions& options() const { return options_; }

  // Macro and caller invocation (MacroObject::Call).
  Result<Value> InvokeMacro(const MacroDef& def, const ScopePtr& closure, CallArgs& args);
  // Renders a recursive for loop's body over `items` (LoopObject::Call).
  Result<Value> RenderLoop(const Stmt& stmt, const ScopePtr& scope, std::vector<Value> items, int depth);

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Result<Flow> ExecBody(const Body& body, const ScopePtr& scope);
  Result<Flow> Exec(const Stmt& stmt, const ScopePtr& scope);
  Status ExecOutput(const Stmt& stmt, const ScopePtr& scope);
  Result<Flow> ExecIf(const Stmt& stmt, const ScopePtr& scope);
  Status ExecFor(const Stmt& stmt, const ScopePtr& scope, std::vector<Value> items, int depth);
  Status Assign(const Expr& target, Value value, const ScopePtr& scope);
  // Renders `body` in a new child scope into a string.
  Result<std::string> Capture(const Body& body, const ScopePtr& parent,
                              const std::vector<int>& starts_undefined);
  // Shadows these names with Undefined in a frame that just started (Stmt::starts_undefined).
  void MarkUndefined(Scope& scope, const std::vector<int>& ids) const;

  Result<Value> Eval(const Expr& e, const ScopePtr& scope);
  Result<Value> EvalImpl(const Expr& e, const ScopePtr& scope);
  Result<Value> EvalName(const Expr& e, const ScopePtr& scope);
  Result<Value> EvalCall(const Expr& e, const ScopePtr& scope, const Value* caller);
  Status EvalArgs(const Expr& e, size_t first_arg, const ScopePtr& scope, CallArgs& args);
  Result<Value> EvalFilter(const Expr& e, const ScopePtr& scope, const Value* block_input);
  Result<Value> EvalCompare(const Expr& e, const ScopePtr& scope);
  Result<Value> EvalSlice(const Value& obj, const Expr& slice, const ScopePtr& scope);
  void BreakCycles();

  const Program& program_;
  const RenderOptions& options_;
  std::vector<Value> context_;  // render arguments by name id (Undefined where not given)
  std::vector<bool> has_context_;
  std::vector<Value> globals_;  // range, namespace, raise_exception, ... by name id
  std::string* out_ = nullptr;  // where output goes now (captures swap it)
  uint64_t steps_ = 0;
  int call_depth_ = 0;
  int eval_depth_ = 0;
  // Macros hold their defining scope weakly (the scope holds the macro); these keep such scopes alive.
  std::vector<ScopePtr> macro_scopes_;
  std::vector<Value> stored_containers_;
};

// A macro (or a call block's caller) bound to the scope it was defined in.
class MacroObject final : public Object {
 public:
  MacroObject(const MacroDef* def, const ScopePtr& closure) : def_(def), closure_(closure) {}
  std::string_view TypeName() const override { return "Macro"; }
  std::string Repr() const override;
  bool IsCallable() const override { return true; }
  Result<Value> Call(Renderer& renderer, CallArgs& args) override;
  Value GetAttr(const Value& self, std::string_view name) const override;

 private:
  const MacroDef* def_;
  std::weak_ptr<Scope> closure_;
};

// jinja2's LoopContext: one per executing for statement, advanced in place each iteration.
class LoopObject final : public Object {
 public:
  LoopObject(std::shared_ptr<std::vector<Value>> items, int depth0)
      : items_(std::move(items)), depth0_(depth0) {}
  std::string_view TypeName() const override { return "LoopContext"; }
  std::string Repr() const override;
  Value GetAttr(const Value& self, std::string_view name) const override;
  bool HasMethod(std::string_view name) const override { return name == "cycle" || name == "changed"; }
  Result<Value> CallMethod(Renderer& renderer, std::string_view name, CallArgs& args) override;
  bool IsCallable() const override { return recursive_stmt_ != nullptr; }
  Result<Value> Call(Renderer& renderer, CallArgs& args) override;

  void VisitChildren(const std::function<void(const Value&)>& visit) const override;
  void DropChildren() override { items_ = std::make_shared<std::vector<Value>>(); }
  void TakeChildren(std::vector<Value>& out) override {
    if (items_.use_count() == 1) {
      for (Value& item : *items_) out.push_back(std::move(item));
      items_->clear();
    }
  }

  void set_index0(size_t i) { index0_ = i; }
  void MakeRecursive(const Stmt* stmt, const ScopePtr& scope) {
    recursive_stmt_ = stmt;
    recursive_scope_ = scope;
  }

 private:
  std::shared_ptr<std::vector<Value>> items_;
  size_t index0_ = 0;
  int depth0_;
  Value last_changed_;
  bool changed_called_ = false;
  const Stmt* recursive_stmt_ = nullptr;
  std::weak_ptr<Scope> recursive_scope_;
};

}  // namespace corral::jinja
