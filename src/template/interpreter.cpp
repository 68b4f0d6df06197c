#include "template/interpreter.h"

#include <algorithm>

#include "template/builtins.h"
#include "template/operators.h"
#include "template/python_format.h"
#include "template/unicode.h"

namespace corral::jinja {

Status AtLine(int line, const Status& status) {
  if (status.ok() || status.message().rfind("line ", 0) == 0) return status;
  return Status(status.code(), std::string("line ").append(std::to_string(line)) + ": " + status.message());
}

namespace {

constexpr int kMaxEvalDepth = 300;

// Returns early with the error of a Result/Status, tagged with the expression's line.
#define JINJA_TRY_AT(line, lhs, expr)                                   \
  auto CORRAL_CONCAT_(jinja_r_, __LINE__) = (expr);                     \
  if (!CORRAL_CONCAT_(jinja_r_, __LINE__).ok())                         \
    return AtLine((line), CORRAL_CONCAT_(jinja_r_, __LINE__).status()); \
  lhs = std::move(CORRAL_CONCAT_(jinja_r_, __LINE__)).value()

Status StatusOf(const Status& s) {
  return s;
}
template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}

#define JINJA_RETURN_AT(line, expr)                      \
  do {                                                   \
    Status jinja_s_ = StatusOf(expr);                    \
    if (!jinja_s_.ok()) return AtLine((line), jinja_s_); \
  } while (0)

}  // namespace

Renderer::Renderer(const Program& program, const Value& context, const RenderOptions& options)
    : program_(program), options_(options) {
  const size_t n = program.names.size();
  context_.resize(n);
  has_context_.assign(n, false);
  globals_.resize(n);
  if (context.is_dict()) {
    for (const auto& [key, value] : context.dict().items) {
      if (!key.is_string()) continue;
      const auto it = std::find(program.names.begin(), program.names.end(), key.str());
      if (it == program.names.end()) continue;  // the template never names it
      const size_t id = static_cast<size_t>(it - program.names.begin());
      context_[id] = value;
      has_context_[id] = true;
    }
  }
  for (size_t id = 0; id < n; ++id) globals_[id] = MakeGlobal(program.names[id]);
}

Renderer::~Renderer() {
  BreakCycles();
}

Status Renderer::Tick() {
  if (++steps_ > options_.max_steps) {
    return Status::OutOfRange(
        std::string("template exceeded its work limit of ").append(std::to_string(options_.max_steps)) +
        " steps (an endless or huge loop?)");
  }
  return Status::Ok();
}

Status Renderer::CheckSize(size_t bytes) const {
  if (bytes > options_.max_output_bytes) {
    return Status::OutOfRange(std::string("template output exceeds the limit of ")
                                  .append(std::to_string(options_.max_output_bytes)) +
                              " bytes");
  }
  return Status::Ok();
}

Result<std::string> Renderer::Run() {
  std::string out;
  out.reserve(4096);
  out_ = &out;
  auto root = std::make_shared<Scope>(nullptr);
  MarkUndefined(*root, program_.starts_undefined);
  CORRAL_ASSIGN_OR_RETURN(Flow flow, ExecBody(program_.body, root));
  (void)flow;
  return out;
}

// ---- statements ----

Result<Renderer::Flow> Renderer::ExecBody(const Body& body, const ScopePtr& scope) {
  for (const StmtPtr& stmt : body) {
    CORRAL_ASSIGN_OR_RETURN(Flow flow, Exec(*stmt, scope));
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

void Renderer::MarkUndefined(Scope& scope, const std::vector<int>& ids) const {
  for (int id : ids)
    scope.Set(id, Value::Undefined("'" + program_.names[static_cast<size_t>(id)] + "' is undefined"));
}

Result<std::string> Renderer::Capture(const Body& body, const ScopePtr& parent,
                                      const std::vector<int>& starts_undefined) {
  std::string buffer;
  std::string* saved = out_;
  out_ = &buffer;
  auto scope = std::make_shared<Scope>(parent);
  MarkUndefined(*scope, starts_undefined);
  Result<Flow> result = ExecBody(body, scope);
  out_ = saved;
  if (!result.ok()) return result.status();
  return buffer;
}

Result<Renderer::Flow> Renderer::Exec(const Stmt& stmt, const ScopePtr& scope) {
  JINJA_RETURN_AT(stmt.line, Tick());
  switch (stmt.kind) {
    case StmtKind::kOutput:
      CORRAL_RETURN_IF_ERROR(ExecOutput(stmt, scope));
      return Flow::kNormal;
    case StmtKind::kIf:
      return ExecIf(stmt, scope);
    case StmtKind::kFor: {
      JINJA_TRY_AT(stmt.line, Value iterable, Eval(*stmt.value, scope));
      JINJA_TRY_AT(stmt.line, std::vector<Value> items, Iterate(iterable));
      CORRAL_RETURN_IF_ERROR(ExecFor(stmt, scope, std::move(items), 0));
      return Flow::kNormal;
    }
    case StmtKind::kSet: {
      JINJA_TRY_AT(stmt.line, Value value, Eval(*stmt.value, scope));
      JINJA_RETURN_AT(stmt.line, Assign(*stmt.target, std::move(value), scope));
      return Flow::kNormal;
    }
    case StmtKind::kSetBlock: {
      JINJA_TRY_AT(stmt.line, std::string text, Capture(stmt.bodies[0], scope, stmt.starts_undefined));
      Value value = Value::String(std::move(text));
      if (stmt.filter) {
        JINJA_TRY_AT(stmt.line, value, EvalFilter(*stmt.filter, scope, &value));
      }
      JINJA_RETURN_AT(stmt.line, Assign(*stmt.target, std::move(value), scope));
      return Flow::kNormal;
    }
    case StmtKind::kMacro: {
      if (macro_scopes_.empty() || macro_scopes_.back() != scope) macro_scopes_.push_back(scope);
      scope->Set(stmt.macro->name_id,
                 Value::FromObject(std::make_shared<MacroObject>(stmt.macro.get(), scope)));
      return Flow::kNormal;
    }
    case StmtKind::kCallBlock: {
      const Value caller = Value::FromObject(std::make_shared<MacroObject>(stmt.macro.get(), scope));
      JINJA_TRY_AT(stmt.line, Value result, EvalCall(*stmt.value, scope, &caller));
      AppendStr(*out_, result);
      JINJA_RETURN_AT(stmt.line, CheckSize(out_->size()));
      return Flow::kNormal;
    }
    case StmtKind::kFilterBlock: {
      JINJA_TRY_AT(stmt.line, std::string text, Capture(stmt.bodies[0], scope, stmt.starts_undefined));
      const Value input = Value::String(std::move(text));
      JINJA_TRY_AT(stmt.line, Value result, EvalFilter(*stmt.filter, scope, &input));
      AppendStr(*out_, result);
      JINJA_RETURN_AT(stmt.line, CheckSize(out_->size()));
      return Flow::kNormal;
    }
    case StmtKind::kWith: {
      auto inner = std::make_shared<Scope>(scope);
      MarkUndefined(*inner, stmt.starts_undefined);
      for (size_t i = 0; i < stmt.with_targets.size(); ++i) {
        JINJA_TRY_AT(stmt.line, Value value, Eval(*stmt.with_values[i], scope));
        JINJA_RETURN_AT(stmt.line, Assign(*stmt.with_targets[i], std::move(value), inner));
      }
      CORRAL_ASSIGN_OR_RETURN(Flow flow, ExecBody(stmt.bodies[0], inner));
      return flow;
    }
    case StmtKind::kScope: {
      auto inner = std::make_shared<Scope>(scope);
      MarkUndefined(*inner, stmt.starts_undefined);
      CORRAL_ASSIGN_OR_RETURN(Flow flow, ExecBody(stmt.bodies[0], inner));
      return flow;
    }
    case StmtKind::kBreak:
      return Flow::kBreak;
    case StmtKind::kContinue:
      return Flow::kContinue;
  }
  return Status::Internal("unknown statement");
}

Status Renderer::ExecOutput(const Stmt& stmt, const ScopePtr& scope) {
  for (const OutputPiece& piece : stmt.pieces) {
    if (!piece.expr) {
      out_->append(piece.text);
    } else {
      JINJA_TRY_AT(piece.expr->line, Value value, Eval(*piece.expr, scope));
      AppendStr(*out_, value);
    }
  }
  return AtLine(stmt.line, CheckSize(out_->size()));
}

Result<Renderer::Flow> Renderer::ExecIf(const Stmt& stmt, const ScopePtr& scope) {
  for (size_t i = 0; i < stmt.exprs.size(); ++i) {
    JINJA_TRY_AT(stmt.exprs[i]->line, Value test, Eval(*stmt.exprs[i], scope));
    if (test.Truthy()) return ExecBody(stmt.bodies[i], scope);
  }
  return ExecBody(stmt.else_body, scope);
}

Status Renderer::ExecFor(const Stmt& stmt, const ScopePtr& scope, std::vector<Value> items, int depth) {
  if (stmt.filter) {
    // `for x in xs if cond`: jinja2 filters before the loop object sees the items, so loop.length counts
    // only the kept ones.
    std::vector<Value> kept;
    for (Value& item : items) {
      JINJA_RETURN_AT(stmt.line, Tick());
      auto probe = std::make_shared<Scope>(scope);
      JINJA_RETURN_AT(stmt.line, Assign(*stmt.target, item, probe));
      JINJA_TRY_AT(stmt.filter->line, Value keep, Eval(*stmt.filter, probe));
      if (keep.Truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    if (stmt.else_body.empty()) return Status::Ok();
    auto inner = std::make_shared<Scope>(scope);
    MarkUndefined(*inner, stmt.else_starts_undefined);
    return ExecBody(stmt.else_body, inner).status();
  }
  auto shared_items = std::make_shared<std::vector<Value>>(std::move(items));
  auto loop = std::make_shared<LoopObject>(shared_items, depth);
  if (stmt.recursive) loop->MakeRecursive(&stmt, scope);
  const Value loop_value = Value::FromObject(loop);
  const int loop_id = program_.well_known.loop;
  for (size_t i = 0; i < shared_items->size(); ++i) {
    JINJA_RETURN_AT(stmt.line, Tick());
    loop->set_index0(i);
    // Each iteration starts from a fresh scope: jinja2 resets loop-local assignments every pass.
    auto inner = std::make_shared<Scope>(scope);
    inner->vars.reserve(4);
    inner->Set(loop_id, loop_value);
    MarkUndefined(*inner, stmt.starts_undefined);
    JINJA_RETURN_AT(stmt.line, Assign(*stmt.target, (*shared_items)[i], inner));
    CORRAL_ASSIGN_OR_RETURN(Flow flow, ExecBody(stmt.bodies[0], inner));
    if (flow == Flow::kBreak) break;
  }
  return Status::Ok();
}

Status Renderer::Assign(const Expr& target, Value value, const ScopePtr& scope) {
  switch (target.kind) {
    case ExprKind::kName:
      scope->Set(target.name_id, std::move(value));
      return Status::Ok();
    case ExprKind::kNSRef: {
      const Value* ns = nullptr;
      for (const Scope* s = scope.get(); s != nullptr && ns == nullptr; s = s->parent.get())
        ns = s->FindLocal(target.name_id);
      if (ns == nullptr && has_context_[target.name_id]) ns = &context_[target.name_id];
      if (ns == nullptr || !ns->is_object() || ns->object().TypeName() != "Namespace") {
        return Status::InvalidArgument("cannot assign attribute on non-namespace object");
      }
      NoteStore(*ns, value);
      static_cast<Namespace&>(ns->object()).SetAttr(target.name, std::move(value));
      return Status::Ok();
    }
    case ExprKind::kTuple: {
      CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(value));
      const size_t expected = target.children.size();
      if (items.size() > expected) {
        return Status::InvalidArgument(
            std::string("too many values to unpack (expected ").append(std::to_string(expected)) + ")");
      }
      if (items.size() < expected) {
        return Status::InvalidArgument(
            std::string("not enough values to unpack (expected ").append(std::to_string(expected)) +
            ", got " + std::to_string(items.size()) + ")");
      }
      for (size_t i = 0; i < expected; ++i)
        CORRAL_RETURN_IF_ERROR(Assign(*target.children[i], items[i], scope));
      return Status::Ok();
    }
    default:
      return Status::InvalidArgument("cannot assign to this expression");
  }
}

// ---- expressions ----

Result<Value> Renderer::EvalName(const Expr& e, const ScopePtr& scope) {
  for (const Scope* s = scope.get(); s != nullptr; s = s->parent.get()) {
    if (const Value* v = s->FindLocal(e.name_id)) return *v;
  }
  const size_t id = static_cast<size_t>(e.name_id);
  if (has_context_[id]) return context_[id];
  if (!globals_[id].is_undefined()) return globals_[id];
  return Value::Undefined("'" + e.name + "' is undefined");
}

Result<Value> Renderer::Eval(const Expr& e, const ScopePtr& scope) {
  // Left-deep chains (a.b.c..., x|f|g..., 1+1+1...) nest the tree without nesting the parser; bound the
  // native recursion here.
  if (eval_depth_ >= kMaxEvalDepth) {
    return AtLine(e.line, Status::OutOfRange("expression nested too deeply"));
  }
  ++eval_depth_;
  Result<Value> result = EvalImpl(e, scope);
  --eval_depth_;
  return result;
}

Result<Value> Renderer::EvalImpl(const Expr& e, const ScopePtr& scope) {
  switch (e.kind) {
    case ExprKind::kConst:
      return e.value;
    case ExprKind::kName:
      return EvalName(e, scope);
    case ExprKind::kList:
    case ExprKind::kTuple: {
      std::vector<Value> items;
      items.reserve(e.children.size());
      for (const ExprPtr& child : e.children) {
        CORRAL_ASSIGN_OR_RETURN(Value v, Eval(*child, scope));
        items.push_back(std::move(v));
      }
      return e.kind == ExprKind::kList ? Value::List(std::move(items)) : Value::Tuple(std::move(items));
    }
    case ExprKind::kDict: {
      Value dict = Value::Dict();
      for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
        CORRAL_ASSIGN_OR_RETURN(Value key, Eval(*e.children[i], scope));
        CORRAL_ASSIGN_OR_RETURN(Value value, Eval(*e.children[i + 1], scope));
        JINJA_RETURN_AT(e.line, CheckHashable(key));
        dict.dict().Set(std::move(key), std::move(value));
      }
      return dict;
    }
    case ExprKind::kGetattr: {
      CORRAL_ASSIGN_OR_RETURN(Value obj, Eval(*e.children[0], scope));
      JINJA_TRY_AT(e.line, Value v, GetAttr(obj, e.name));
      return v;
    }
    case ExprKind::kGetitem: {
      CORRAL_ASSIGN_OR_RETURN(Value obj, Eval(*e.children[0], scope));
      if (e.children[1]->kind == ExprKind::kSlice) return EvalSlice(obj, *e.children[1], scope);
      CORRAL_ASSIGN_OR_RETURN(Value key, Eval(*e.children[1], scope));
      JINJA_TRY_AT(e.line, Value v, GetItem(obj, key));
      return v;
    }
    case ExprKind::kSlice:
      return AtLine(e.line, Status::InvalidArgument("slice outside a subscript"));
    case ExprKind::kCall:
      return EvalCall(e, scope, nullptr);
    case ExprKind::kFilter:
      return EvalFilter(e, scope, nullptr);
    case ExprKind::kTest: {
      CORRAL_ASSIGN_OR_RETURN(Value input, Eval(*e.children[0], scope));
      if (e.test == nullptr) {
        return AtLine(e.line, Status::InvalidArgument("No test named '" + e.name + "' found."));
      }
      CallArgs args;
      CORRAL_RETURN_IF_ERROR(EvalArgs(e, 1, scope, args));
      JINJA_TRY_AT(e.line, bool result, e.test(*this, input, args));
      return Value::Bool(result);
    }
    case ExprKind::kNot: {
      CORRAL_ASSIGN_OR_RETURN(Value v, Eval(*e.children[0], scope));
      return Value::Bool(!v.Truthy());
    }
    case ExprKind::kNeg:
    case ExprKind::kPos: {
      CORRAL_ASSIGN_OR_RETURN(Value v, Eval(*e.children[0], scope));
      JINJA_TRY_AT(e.line, Value r, e.kind == ExprKind::kNeg ? UnaryMinus(v) : UnaryPlus(v));
      return r;
    }
    case ExprKind::kBinary: {
      CORRAL_ASSIGN_OR_RETURN(Value a, Eval(*e.children[0], scope));
      CORRAL_ASSIGN_OR_RETURN(Value b, Eval(*e.children[1], scope));
      JINJA_TRY_AT(e.line, Value r, BinaryOperation(e.op, a, b, options_.max_output_bytes));
      return r;
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      CORRAL_ASSIGN_OR_RETURN(Value a, Eval(*e.children[0], scope));
      // Python's and/or return an operand, not a bool.
      if (a.Truthy() == (e.kind == ExprKind::kOr)) return a;
      return Eval(*e.children[1], scope);
    }
    case ExprKind::kConcat: {
      std::string s;
      for (const ExprPtr& child : e.children) {
        CORRAL_ASSIGN_OR_RETURN(Value v, Eval(*child, scope));
        AppendStr(s, v);
        JINJA_RETURN_AT(e.line, CheckSize(s.size()));
      }
      return Value::String(std::move(s));
    }
    case ExprKind::kCompare:
      return EvalCompare(e, scope);
    case ExprKind::kCondExpr: {
      CORRAL_ASSIGN_OR_RETURN(Value test, Eval(*e.children[0], scope));
      if (test.Truthy()) return Eval(*e.children[1], scope);
      if (e.children[2]) return Eval(*e.children[2], scope);
      return Value::Undefined(
          std::string("the inline if-expression on line ").append(std::to_string(e.line)) +
          " evaluated to false and no else section was defined.");
    }
    case ExprKind::kNSRef:
      return AtLine(e.line, Status::InvalidArgument("namespace reference outside set"));
  }
  return Status::Internal("unknown expression");
}

Result<Value> Renderer::EvalCompare(const Expr& e, const ScopePtr& scope) {
  CORRAL_ASSIGN_OR_RETURN(Value left, Eval(*e.children[0], scope));
  for (size_t i = 0; i < e.compare_ops.size(); ++i) {
    CORRAL_ASSIGN_OR_RETURN(Value right, Eval(*e.children[i + 1], scope));
    bool ok = false;
    switch (e.compare_ops[i]) {
      case CompareOp::kEq:
        ok = PyEquals(left, right);
        break;
      case CompareOp::kNe:
        ok = !PyEquals(left, right);
        break;
      case CompareOp::kIn:
      case CompareOp::kNotIn: {
        JINJA_TRY_AT(e.line, bool found, PyContains(*this, right, left));
        ok = found == (e.compare_ops[i] == CompareOp::kIn);
        break;
      }
      default: {
        JINJA_TRY_AT(e.line, int c, PyCompare(left, right));
        switch (e.compare_ops[i]) {
          case CompareOp::kLt:
            ok = c < 0;
            break;
          case CompareOp::kLtEq:
            ok = c <= 0;
            break;
          case CompareOp::kGt:
            ok = c > 0;
            break;
          default:
            ok = c >= 0;
            break;
        }
      }
    }
    if (!ok) return Value::Bool(false);  // chained comparisons stop at the first false link
    left = std::move(right);
  }
  return Value::Bool(true);
}

namespace {

// Python's slice.indices(): clamps start/stop for a sequence of `length` with step `step`.
void SliceIndices(int64_t length, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step,
                  int64_t* out_start, int64_t* out_stop) {
  const int64_t lower = step < 0 ? -1 : 0;
  const int64_t upper = step < 0 ? length - 1 : length;
  auto clamp = [&](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v;
    if (x < 0) {
      x += length;
      if (x < lower) x = lower;
    } else if (x > upper) {
      x = upper;
    }
    return x;
  };
  *out_start = clamp(start, step < 0 ? upper : lower);
  *out_stop = clamp(stop, step < 0 ? lower : upper);
}

}  // namespace

Result<Value> Renderer::EvalSlice(const Value& obj, const Expr& slice, const ScopePtr& scope) {
  std::optional<int64_t> bounds[3];
  for (int i = 0; i < 3; ++i) {
    if (!slice.children[i]) continue;
    CORRAL_ASSIGN_OR_RETURN(Value v, Eval(*slice.children[i], scope));
    if (v.is_none()) continue;
    if (!v.is_int() && !v.is_bool()) {
      return AtLine(slice.line, Status::InvalidArgument(
                                    "slice indices must be integers or None or have an __index__ method"));
    }
    bounds[i] = v.as_int();
  }
  if (obj.is_undefined()) return AtLine(slice.line, UndefinedError(obj));
  const int64_t step = bounds[2].value_or(1);
  if (step == 0) return AtLine(slice.line, Status::InvalidArgument("slice step cannot be zero"));
  if (!obj.is_string() && !obj.is_sequence()) {
    // jinja2 turns the TypeError of an unsliceable object into an Undefined.
    return Value::Undefined(ObjectTypeRepr(obj) + " has no element slice");
  }
  std::vector<char32_t> cps;
  const bool ascii = obj.is_string() && IsAscii(obj.str());
  if (obj.is_string() && !ascii) cps = ToCodePoints(obj.str());
  const int64_t length = obj.is_string() ? static_cast<int64_t>(ascii ? obj.str().size() : cps.size())
                                         : static_cast<int64_t>(obj.list().items.size());
  int64_t start = 0, stop = 0;
  SliceIndices(length, bounds[0], bounds[1], step, &start, &stop);
  std::vector<int64_t> picks;
  if (step > 0) {
    for (int64_t i = start; i < stop; i += step) picks.push_back(i);
  } else {
    for (int64_t i = start; i > stop; i += step) picks.push_back(i);
  }
  if (obj.is_string()) {
    std::string s;
    s.reserve(picks.size());
    for (int64_t i : picks) {
      if (ascii) {
        s.push_back(obj.str()[static_cast<size_t>(i)]);
      } else {
        AppendUtf8(s, cps[static_cast<size_t>(i)]);
      }
    }
    return obj.is_markup() ? Value::Markup(std::move(s)) : Value::String(std::move(s));
  }
  std::vector<Value> items;
  items.reserve(picks.size());
  for (int64_t i : picks) items.push_back(obj.list().items[static_cast<size_t>(i)]);
  return obj.is_tuple() ? Value::Tuple(std::move(items)) : Value::List(std::move(items));
}

Status Renderer::EvalArgs(const Expr& e, size_t first_arg, const ScopePtr& scope, CallArgs& args) {
  args.positional.reserve(e.children.size() - std::min(first_arg, e.children.size()));
  for (size_t i = first_arg; i < e.children.size(); ++i) {
    CORRAL_ASSIGN_OR_RETURN(Value v, Eval(*e.children[i], scope));
    args.positional.push_back(std::move(v));
  }
  if (e.dyn_args) {
    CORRAL_ASSIGN_OR_RETURN(Value extra, Eval(*e.dyn_args, scope));
    JINJA_TRY_AT(e.line, std::vector<Value> items, Iterate(extra));
    for (Value& v : items) args.positional.push_back(std::move(v));
  }
  for (const auto& [name, expr] : e.keywords) {
    CORRAL_ASSIGN_OR_RETURN(Value v, Eval(*expr, scope));
    args.keywords.emplace_back(name, std::move(v));
  }
  if (e.dyn_kwargs) {
    CORRAL_ASSIGN_OR_RETURN(Value extra, Eval(*e.dyn_kwargs, scope));
    if (!extra.is_dict()) {
      return AtLine(e.line,
                    Status::InvalidArgument(
                        std::string("argument after ** must be a mapping, not ").append(PyTypeName(extra))));
    }
    for (const auto& [k, v] : extra.dict().items) {
      if (!k.is_string()) return AtLine(e.line, Status::InvalidArgument("keywords must be strings"));
      args.keywords.emplace_back(k.str(), v);
    }
  }
  return Status::Ok();
}

Result<Value> Renderer::EvalCall(const Expr& e, const ScopePtr& scope, const Value* caller) {
  const Expr& callee = *e.children[0];
  CallArgs args;
  if (callee.kind == ExprKind::kGetattr) {
    // obj.method(...): call str/list/dict methods directly instead of building a bound method first.
    CORRAL_ASSIGN_OR_RETURN(Value obj, Eval(*callee.children[0], scope));
    if (obj.is_undefined()) return AtLine(e.line, UndefinedError(obj));
    if (HasBuiltinMethod(obj, callee.name)) {
      CORRAL_RETURN_IF_ERROR(EvalArgs(e, 1, scope, args));
      if (caller != nullptr) args.keywords.emplace_back("caller", *caller);
      JINJA_TRY_AT(e.line, Value r, CallBuiltinMethod(*this, obj, callee.name, args));
      return r;
    }
    if (obj.is_object() && obj.object().HasMethod(callee.name)) {
      CORRAL_RETURN_IF_ERROR(EvalArgs(e, 1, scope, args));
      if (caller != nullptr) args.keywords.emplace_back("caller", *caller);
      JINJA_TRY_AT(e.line, Value r, obj.object().CallMethod(*this, callee.name, args));
      return r;
    }
    JINJA_TRY_AT(e.line, Value fn, GetAttr(obj, callee.name));
    CORRAL_RETURN_IF_ERROR(EvalArgs(e, 1, scope, args));
    if (caller != nullptr) args.keywords.emplace_back("caller", *caller);
    JINJA_TRY_AT(e.line, Value r, CallValue(fn, args));
    return r;
  }
  CORRAL_ASSIGN_OR_RETURN(Value fn, Eval(callee, scope));
  CORRAL_RETURN_IF_ERROR(EvalArgs(e, 1, scope, args));
  if (caller != nullptr) args.keywords.emplace_back("caller", *caller);
  JINJA_TRY_AT(e.line, Value r, CallValue(fn, args));
  return r;
}

Result<Value> Renderer::EvalFilter(const Expr& e, const ScopePtr& scope, const Value* block_input) {
  Value input;
  if (e.children[0]) {
    // A chain inside {% filter %} / {% set %} bottoms out at the block's captured text.
    if (block_input != nullptr && e.children[0]->kind == ExprKind::kFilter) {
      CORRAL_ASSIGN_OR_RETURN(input, EvalFilter(*e.children[0], scope, block_input));
    } else {
      CORRAL_ASSIGN_OR_RETURN(input, Eval(*e.children[0], scope));
    }
  } else if (block_input != nullptr) {
    input = *block_input;
  }
  if (e.filter == nullptr)
    return AtLine(e.line, Status::InvalidArgument("No filter named '" + e.name + "'."));
  CallArgs args;
  CORRAL_RETURN_IF_ERROR(EvalArgs(e, 1, scope, args));
  JINJA_TRY_AT(e.line, Value r, e.filter(*this, input, args));
  return r;
}

Result<Value> Renderer::InvokeMacro(const MacroDef& def, const ScopePtr& closure, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(Tick());
  if (call_depth_ >= options_.max_call_depth) {
    return Status::OutOfRange(
        std::string("macro calls nested deeper than ").append(std::to_string(options_.max_call_depth)) +
        " (endless recursion?)");
  }
  auto scope = std::make_shared<Scope>(closure);
  const size_t argc = def.param_ids.size();
  const size_t first_default = argc - def.defaults.size();
  // jinja2's Macro.__call__: positional first, then keywords by parameter name, then defaults.
  std::vector<bool> bound(argc, false);
  for (size_t i = 0; i < argc && i < args.positional.size(); ++i) {
    scope->Set(def.param_ids[i], args.positional[i]);
    bound[i] = true;
  }
  for (size_t i = args.positional.size(); i < argc; ++i) {
    Value v;
    if (args.TakeKeyword(def.param_names[i], &v)) {
      scope->Set(def.param_ids[i], std::move(v));
      bound[i] = true;
    }
  }
  bool caller_is_param = false;
  for (const std::string& name : def.param_names) caller_is_param |= name == "caller";
  if (def.uses_caller && !caller_is_param) {
    Value caller;
    if (!args.TakeKeyword("caller", &caller)) caller = Value::Undefined("No caller defined");
    scope->Set(program_.well_known.caller, std::move(caller));
  }
  if (def.catch_kwargs) {
    Value kwargs = Value::Dict();
    for (auto& [k, v] : args.keywords) kwargs.dict().Set(Value::String(k), std::move(v));
    scope->Set(program_.well_known.kwargs, std::move(kwargs));
  } else if (!args.keywords.empty()) {
    if (args.keywords.front().first == "caller") {
      return Status::InvalidArgument("macro '" + def.name +
                                     "' was invoked with two values for the special caller argument. This is "
                                     "most likely a bug.");
    }
    return Status::InvalidArgument("macro '" + def.name + "' takes no keyword argument '" +
                                   args.keywords.front().first + "'");
  }
  if (def.catch_varargs) {
    std::vector<Value> extra;
    for (size_t i = argc; i < args.positional.size(); ++i) extra.push_back(args.positional[i]);
    scope->Set(program_.well_known.varargs, Value::Tuple(std::move(extra)));
  } else if (args.positional.size() > argc) {
    return Status::InvalidArgument("macro '" + def.name + "' takes not more than " + std::to_string(argc) +
                                   " argument(s)");
  }
  MarkUndefined(*scope, def.starts_undefined);
  ++call_depth_;
  for (size_t i = 0; i < argc; ++i) {
    if (bound[i]) continue;
    if (i >= first_default) {
      Result<Value> v = Eval(*def.defaults[i - first_default], scope);
      if (!v.ok()) {
        --call_depth_;
        return v.status();
      }
      scope->Set(def.param_ids[i], std::move(v).value());
    } else {
      scope->Set(def.param_ids[i],
                 Value::Undefined("parameter '" + def.param_names[i] + "' was not provided"));
    }
  }
  std::string buffer;
  std::string* saved = out_;
  out_ = &buffer;
  Result<Flow> result = ExecBody(def.body, scope);
  out_ = saved;
  --call_depth_;
  if (!result.ok()) return result.status();
  return Value::String(std::move(buffer));
}

Result<Value> Renderer::RenderLoop(const Stmt& stmt, const ScopePtr& scope, std::vector<Value> items,
                                   int depth) {
  if (call_depth_ >= options_.max_call_depth) {
    return Status::OutOfRange(
        std::string("recursive loop nested deeper than ").append(std::to_string(options_.max_call_depth)));
  }
  std::string buffer;
  std::string* saved = out_;
  out_ = &buffer;
  ++call_depth_;
  Status status = ExecFor(stmt, scope, std::move(items), depth);
  --call_depth_;
  out_ = saved;
  if (!status.ok()) return status;
  return Value::String(std::move(buffer));
}

}  // namespace corral::jinja
