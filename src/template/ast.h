// The parsed form of a Jinja template: expression and statement trees, as jinja2's parser builds them
// (jinja2/nodes.py), with variable names interned to small integers so that rendering looks them up by id.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "template/value.h"

namespace corral::jinja {

class Renderer;
struct CallArgs;

using FilterFn = Result<Value> (*)(Renderer& renderer, const Value& input, CallArgs& args);
using TestFn = Result<bool> (*)(Renderer& renderer, const Value& input, CallArgs& args);

enum class ExprKind : uint8_t {
  kConst,     // value
  kName,      // name, name_id
  kList,      // children = items
  kTuple,     // children = items
  kDict,      // children = key0, value0, key1, value1, ...
  kGetattr,   // children[0] = object; name = attribute
  kGetitem,   // children[0] = object; children[1] = subscript (may be a kSlice)
  kSlice,     // children = start, stop, step (each may be null)
  kCall,      // children[0] = callee, children[1..] = positional arguments; keywords; dyn_args/kwargs
  kFilter,    // children[0] = input (null inside {% filter %} / {% set %} blocks), [1..] = arguments
  kTest,      // children[0] = input, [1..] = arguments
  kNot,       // children[0]
  kNeg,       // children[0]
  kPos,       // children[0]
  kBinary,    // children[0] op children[1]
  kAnd,       // children[0], children[1]
  kOr,        // children[0], children[1]
  kConcat,    // children joined with ~
  kCompare,   // children[0] cmp_ops[0] children[1] cmp_ops[1] children[2] ...
  kCondExpr,  // children = test, if-true, if-false (may be null)
  kNSRef,     // assignment target ns.attr: name_id = namespace variable, name = attribute
};

enum class BinaryOp : uint8_t { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow };
enum class CompareOp : uint8_t { kEq, kNe, kLt, kLtEq, kGt, kGtEq, kIn, kNotIn };

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind;
  int line = 0;
  Value value;
  std::string name;
  int name_id = -1;
  BinaryOp op = BinaryOp::kAdd;
  std::vector<CompareOp> compare_ops;
  std::vector<ExprPtr> children;
  std::vector<std::pair<std::string, ExprPtr>> keywords;
  ExprPtr dyn_args;
  ExprPtr dyn_kwargs;
  FilterFn filter = nullptr;  // kFilter: resolved at parse time; null when unknown (fails when evaluated)
  TestFn test = nullptr;      // kTest
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class StmtKind : uint8_t {
  kOutput,       // pieces
  kIf,           // exprs = tests of if/elif..., bodies = their bodies, else_body
  kFor,          // target, iter, filter (loop `if`), bodies[0] = body, else_body, recursive
  kSet,          // target = value
  kSetBlock,     // target, filter (may be null), bodies[0] = captured body
  kMacro,        // macro
  kCallBlock,    // call (a kCall expression), macro = the caller, bodies unused
  kFilterBlock,  // filter, bodies[0]
  kWith,         // with_targets/with_values, bodies[0]
  kScope,        // bodies[0] rendered in its own scope ({% generation %} bodies run as a caller does)
  kBreak,
  kContinue,
};

struct OutputPiece {
  std::string text;  // literal template data when expr is null
  ExprPtr expr;
};

struct MacroDef {
  std::string name;
  int name_id = -1;
  int line = 0;
  std::vector<int> param_ids;
  std::vector<std::string> param_names;
  std::vector<ExprPtr> defaults;  // for the last defaults.size() parameters
  Body body;
  // jinja2 lets a macro take extra arguments only when its body reads varargs / kwargs / caller.
  bool catch_varargs = false;
  bool catch_kwargs = false;
  bool uses_caller = false;
  std::vector<int> starts_undefined;  // see Stmt::starts_undefined
};

struct Stmt {
  StmtKind kind;
  int line = 0;
  std::vector<OutputPiece> pieces;
  std::vector<ExprPtr> exprs;
  std::vector<Body> bodies;
  Body else_body;
  ExprPtr target;
  ExprPtr value;   // set value, for iterable, call-block call
  ExprPtr filter;  // for-loop condition, set-block / filter-block filter chain
  bool recursive = false;
  std::unique_ptr<MacroDef> macro;
  std::vector<ExprPtr> with_targets;
  std::vector<ExprPtr> with_values;
  // jinja2 decides per frame, at compile time, which names start out undefined there: those whose first
  // mention in the frame is an unconditional {% set %} and that no enclosing frame mentions. Until the set
  // runs, such a name hides the render argument of the same name (scope_analysis.cpp). For the frame of
  // bodies[0] (a for body, set/filter/with/generation body) and of else_body.
  std::vector<int> starts_undefined;
  std::vector<int> else_starts_undefined;
};

// Interned ids of the names the renderer treats specially.
struct WellKnownNames {
  int loop = -1;
  int varargs = -1;
  int kwargs = -1;
  int caller = -1;
};

struct Program {
  Body body;
  std::vector<int> starts_undefined;  // for the top-level frame, see Stmt::starts_undefined
  std::vector<std::string> names;     // name id → identifier
  WellKnownNames well_known;
};

}  // namespace corral::jinja
