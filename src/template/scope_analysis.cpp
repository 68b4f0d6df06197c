// jinja2 compiles every frame (the template body, a for-loop body, a macro, a call block, a set/filter/with
// block) into Python locals whose initial value it chooses at compile time (jinja2/idtracking.py):
//   - a name the frame first *reads*, or first assigns inside an {% if %}, resolves from the render
//     arguments (or aliases the enclosing frame's variable);
//   - a name the frame first assigns unconditionally starts as `missing` when no enclosing frame mentions
//     it: until the assignment runs, loops and macros that read it see an undefined value, not the render
//     argument of the same name.
// corral resolves names dynamically through a scope chain, which matches jinja2 everywhere except that
// second case; this pass finds those names so the renderer can mark them undefined when the frame starts.
#include "template/scope_analysis.h"

#include <unordered_map>
#include <unordered_set>

namespace corral::jinja {
namespace {

using IdSet = std::unordered_set<int>;

struct PendingFrame {
  Body* body;
  std::vector<int> params;
  std::vector<int>* out;
};

class FrameAnalyzer {
 public:
  // Analyzes one frame; `ancestors` holds every name the enclosing frames mention.
  void Analyze(Body& body, const std::vector<int>& params, const IdSet& ancestors, std::vector<int>* out) {
    std::unordered_map<int, bool> first_is_plain_store;  // id → whether its first mention is a plain store
    std::vector<PendingFrame> nested;
    for (int id : params) first_is_plain_store.emplace(id, false);
    Walker walker{first_is_plain_store, nested};
    for (const StmtPtr& stmt : body) walker.Statement(*stmt, false);
    for (const auto& [id, plain_store] : first_is_plain_store) {
      if (plain_store && ancestors.count(id) == 0) out->push_back(id);
    }
    IdSet inner = ancestors;
    for (const auto& [id, plain_store] : first_is_plain_store) inner.insert(id);
    for (const PendingFrame& frame : nested) Analyze(*frame.body, frame.params, inner, frame.out);
  }

 private:
  struct Walker {
    std::unordered_map<int, bool>& first;
    std::vector<PendingFrame>& nested;

    void Load(int id) { first.emplace(id, false); }
    void Store(int id, bool in_branch) { first.emplace(id, !in_branch); }

    void Expression(const Expr* e) {
      if (e == nullptr) return;
      if (e->kind == ExprKind::kName || e->kind == ExprKind::kNSRef) Load(e->name_id);
      for (const ExprPtr& child : e->children) Expression(child.get());
      for (const auto& [name, value] : e->keywords) Expression(value.get());
      Expression(e->dyn_args.get());
      Expression(e->dyn_kwargs.get());
    }

    void Target(const Expr& target, bool in_branch) {
      if (target.kind == ExprKind::kName) Store(target.name_id, in_branch);
      if (target.kind == ExprKind::kNSRef) Load(target.name_id);
      if (target.kind == ExprKind::kTuple) {
        for (const ExprPtr& child : target.children) Target(*child, in_branch);
      }
    }

    static std::vector<int> TargetIds(const Expr& target) {
      std::vector<int> ids;
      if (target.kind == ExprKind::kName) ids.push_back(target.name_id);
      if (target.kind == ExprKind::kTuple) {
        for (const ExprPtr& child : target.children) {
          for (int id : TargetIds(*child)) ids.push_back(id);
        }
      }
      return ids;
    }

    void Statement(Stmt& stmt, bool in_branch) {
      switch (stmt.kind) {
        case StmtKind::kOutput:
          for (const OutputPiece& piece : stmt.pieces) Expression(piece.expr.get());
          break;
        case StmtKind::kIf:
          for (const ExprPtr& test : stmt.exprs) Expression(test.get());
          for (const Body& body : stmt.bodies) {
            for (const StmtPtr& s : body) Statement(*s, true);
          }
          for (const StmtPtr& s : stmt.else_body) Statement(*s, true);
          break;
        case StmtKind::kFor:
          Expression(stmt.value.get());
          nested.push_back({&stmt.bodies[0], TargetIds(*stmt.target), &stmt.starts_undefined});
          nested.push_back({&stmt.else_body, {}, &stmt.else_starts_undefined});
          break;
        case StmtKind::kSet:
          Expression(stmt.value.get());
          Target(*stmt.target, in_branch);
          break;
        case StmtKind::kSetBlock:
          Target(*stmt.target, in_branch);
          nested.push_back({&stmt.bodies[0], {}, &stmt.starts_undefined});
          break;
        case StmtKind::kMacro:
          Store(stmt.macro->name_id, in_branch);
          nested.push_back({&stmt.macro->body, stmt.macro->param_ids, &stmt.macro->starts_undefined});
          break;
        case StmtKind::kCallBlock:
          Expression(stmt.value.get());
          nested.push_back({&stmt.macro->body, stmt.macro->param_ids, &stmt.macro->starts_undefined});
          break;
        case StmtKind::kFilterBlock:
          Expression(stmt.filter.get());
          nested.push_back({&stmt.bodies[0], {}, &stmt.starts_undefined});
          break;
        case StmtKind::kWith: {
          std::vector<int> params;
          for (const ExprPtr& value : stmt.with_values) Expression(value.get());
          for (const ExprPtr& target : stmt.with_targets) {
            for (int id : TargetIds(*target)) params.push_back(id);
          }
          nested.push_back({&stmt.bodies[0], params, &stmt.starts_undefined});
          break;
        }
        case StmtKind::kScope:
          nested.push_back({&stmt.bodies[0], {}, &stmt.starts_undefined});
          break;
        case StmtKind::kBreak:
        case StmtKind::kContinue:
          break;
      }
    }
  };
};

}  // namespace

void AnalyzeScopes(Program& program) {
  FrameAnalyzer analyzer;
  analyzer.Analyze(program.body, {}, {}, &program.starts_undefined);
}

}  // namespace corral::jinja
