// Executes a parsed Go template the way Go 1.19's text/template/exec.go does (with missingkey=zero).
#include <ctime>

#include "template/go/format.h"
#include "template/go/functions.h"
#include "template/go/parse.h"
#include "template/go/template.h"

namespace corral::gotmpl {
namespace {

enum class Flow { kNormal, kBreak, kContinue };

std::tm LocalNow() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

class Executor {
 public:
  Executor(const Program& program, const ExecOptions& options)
      : program_(program), options_(options), now_(options.now ? *options.now : LocalNow()) {}

  Result<std::string> Run(const Value& data) {
    vars_.push_back({"$", data});
    CORRAL_ASSIGN_OR_RETURN(Flow flow, Walk(data, program_.root));
    (void)flow;
    return std::move(out_);
  }

 private:
  Status Error(int line, const std::string& message) const {
    return Status::InvalidArgument("line " + std::to_string(line) + ": " + message);
  }

  Status Step(int line) {
    if (++steps_ > options_.max_steps) {
      return Error(line, "template exceeded " + std::to_string(options_.max_steps) + " steps");
    }
    return Status::Ok();
  }

  Result<Flow> Walk(const Value& dot, const NodeList& list) {
    for (const Node& node : list) {
      CORRAL_RETURN_IF_ERROR(Step(node.line));
      switch (node.type) {
        case Node::Type::kText:
          CORRAL_RETURN_IF_ERROR(Write(node.line, node.text));
          break;
        case Node::Type::kAction: {
          CORRAL_ASSIGN_OR_RETURN(Value v, EvalPipeline(dot, *node.pipeline));
          if (node.pipeline->decl.empty()) {
            std::string text;
            if (v.kind == Kind::kInvalid || v.kind == Kind::kNil) {
              text = "<no value>";
            } else {
              AppendValue(text, v);
            }
            CORRAL_RETURN_IF_ERROR(Write(node.line, text));
          }
          break;
        }
        case Node::Type::kIf:
        case Node::Type::kWith: {
          const size_t mark = vars_.size();
          CORRAL_ASSIGN_OR_RETURN(Value v, EvalPipeline(dot, *node.pipeline));
          Flow flow = Flow::kNormal;
          if (Truthy(v)) {
            CORRAL_ASSIGN_OR_RETURN(flow, Walk(node.type == Node::Type::kWith ? v : dot, *node.list));
          } else if (node.else_list) {
            CORRAL_ASSIGN_OR_RETURN(flow, Walk(dot, *node.else_list));
          }
          vars_.resize(mark);
          if (flow != Flow::kNormal) return flow;
          break;
        }
        case Node::Type::kRange: {
          CORRAL_ASSIGN_OR_RETURN(Flow flow, WalkRange(dot, node));
          (void)flow;
          break;
        }
        case Node::Type::kTemplate:
          CORRAL_RETURN_IF_ERROR(WalkTemplate(dot, node));
          break;
        case Node::Type::kBreak:
          return Flow::kBreak;
        case Node::Type::kContinue:
          return Flow::kContinue;
      }
    }
    return Flow::kNormal;
  }

  Result<Flow> WalkRange(const Value& dot, const Node& node) {
    const size_t outer_mark = vars_.size();
    CORRAL_ASSIGN_OR_RETURN(Value collection, EvalPipeline(dot, *node.pipeline));
    const size_t mark = vars_.size();
    const Pipeline& pipe = *node.pipeline;
    auto iteration = [&](const Value& index, const Value& elem) -> Result<bool> {
      CORRAL_RETURN_IF_ERROR(Step(node.line));
      // One variable gets the element; with two, the first gets the index (key).
      if (pipe.decl.size() == 1) {
        SetVar(pipe.is_assign ? pipe.decl[0] : "", elem, 1);
      } else if (pipe.decl.size() == 2) {
        SetVar(pipe.is_assign ? pipe.decl[1] : "", elem, 1);
        SetVar(pipe.is_assign ? pipe.decl[0] : "", index, 2);
      }
      CORRAL_ASSIGN_OR_RETURN(Flow flow, Walk(elem, *node.list));
      vars_.resize(mark);
      return flow != Flow::kBreak;
    };
    bool empty = true;
    if (collection.kind == Kind::kSlice) {
      empty = collection.items->empty();
      const auto items = collection.items;  // keeps the elements alive while the body runs
      for (size_t k = 0; k < items->size(); ++k) {
        CORRAL_ASSIGN_OR_RETURN(bool go_on, iteration(Value::Int(static_cast<int64_t>(k)), (*items)[k]));
        if (!go_on) break;
      }
    } else if (collection.kind == Kind::kMap) {
      empty = collection.entries->empty();
      const auto entries = collection.entries;
      for (const auto& [key, value] : *entries) {
        CORRAL_ASSIGN_OR_RETURN(bool go_on, iteration(Value::String(key), value));
        if (!go_on) break;
      }
    } else if (collection.kind != Kind::kInvalid && collection.kind != Kind::kNil) {
      std::string shown;
      AppendValue(shown, collection);
      return Error(node.line, "range can't iterate over " + shown);
    }
    if (empty && node.else_list) {
      CORRAL_ASSIGN_OR_RETURN(Flow flow, Walk(dot, *node.else_list));
      (void)flow;
    }
    vars_.resize(outer_mark);
    return Flow::kNormal;
  }

  Status WalkTemplate(const Value& dot, const Node& node) {
    auto it = program_.defined.find(node.text);
    if (it == program_.defined.end()) return Error(node.line, "template \"" + node.text + "\" not defined");
    if (depth_ >= options_.max_template_depth) {
      return Error(node.line,
                   "exceeded maximum template depth (" + std::to_string(options_.max_template_depth) + ")");
    }
    Value new_dot;
    if (node.pipeline) {
      CORRAL_ASSIGN_OR_RETURN(new_dot, EvalPipeline(dot, *node.pipeline));
    }
    // A template runs with its own variables: only $, bound to its dot.
    std::vector<std::pair<std::string, Value>> saved;
    saved.swap(vars_);
    vars_.push_back({"$", new_dot});
    ++depth_;
    Result<Flow> flow = Walk(new_dot, *it->second);
    --depth_;
    vars_.swap(saved);
    return flow.ok() ? Status::Ok() : flow.status();
  }

  Status Write(int line, std::string_view text) {
    if (out_.size() + text.size() > options_.max_output_bytes) {
      return Error(line, "output exceeds " + std::to_string(options_.max_output_bytes) + " bytes");
    }
    out_ += text;
    return Status::Ok();
  }

  // Assigns to the named variable, or (name empty) to the variable `from_top` places below the top.
  void SetVar(const std::string& name, const Value& v, size_t from_top) {
    if (name.empty()) {
      vars_[vars_.size() - from_top].second = v;
      return;
    }
    for (size_t k = vars_.size(); k-- > 0;) {
      if (vars_[k].first == name) {
        vars_[k].second = v;
        return;
      }
    }
  }

  Result<Value> VarValue(int line, const std::string& name) const {
    for (size_t k = vars_.size(); k-- > 0;) {
      if (vars_[k].first == name) return vars_[k].second;
    }
    return Error(line, "undefined variable: " + name);
  }

  Result<Value> EvalPipeline(const Value& dot, const Pipeline& pipe) {
    std::optional<Value> value;
    for (const Command& cmd : pipe.commands) {
      CORRAL_ASSIGN_OR_RETURN(Value v, EvalCommand(dot, cmd, value));
      // An interface holding nil is no value from here on (exec.go's "lovely!" unwrap).
      if (v.kind == Kind::kNil) v = Value::Invalid();
      value = std::move(v);
    }
    for (const std::string& name : pipe.decl) {
      if (pipe.is_assign) {
        SetVar(name, *value, 0);
      } else {
        vars_.push_back({name, *value});
      }
    }
    return *value;
  }

  Status NotAFunction(const Command& cmd, const std::optional<Value>& final, const std::string& what) const {
    if (cmd.args.size() > 1 || final) return Error(cmd.line, "can't give argument to non-function " + what);
    return Status::Ok();
  }

  Result<Value> EvalCommand(const Value& dot, const Command& cmd, const std::optional<Value>& final) {
    const Operand& first = cmd.args[0];
    switch (first.type) {
      case Operand::Type::kField:
        return EvalChain(cmd.line, dot, first.chain, cmd, final);
      case Operand::Type::kVariable: {
        CORRAL_ASSIGN_OR_RETURN(Value v, VarValue(cmd.line, first.name));
        if (first.chain.empty()) {
          CORRAL_RETURN_IF_ERROR(NotAFunction(cmd, final, first.name));
          return v;
        }
        return EvalChain(cmd.line, v, first.chain, cmd, final);
      }
      case Operand::Type::kPipeline: {
        CORRAL_ASSIGN_OR_RETURN(Value v, EvalPipeline(dot, *first.pipeline));
        if (first.chain.empty()) {
          CORRAL_RETURN_IF_ERROR(NotAFunction(cmd, final, "(pipeline)"));
          return v;
        }
        return EvalChain(cmd.line, v, first.chain, cmd, final);
      }
      case Operand::Type::kFunction:
        return EvalFunction(dot, first.name, cmd, final);
      case Operand::Type::kDot:
        CORRAL_RETURN_IF_ERROR(NotAFunction(cmd, final, "."));
        return dot;
      case Operand::Type::kNil:
        return Error(cmd.line, "nil is not a command");
      case Operand::Type::kConstant: {
        std::string shown;
        AppendValue(shown, first.constant);
        CORRAL_RETURN_IF_ERROR(NotAFunction(cmd, final, shown));
        return first.constant;
      }
    }
    return Value::Invalid();
  }

  // receiver.A.B...: the last field is the one a command's arguments would go to (fields take none).
  Result<Value> EvalChain(int line, Value receiver, const std::vector<std::string>& chain, const Command& cmd,
                          const std::optional<Value>& final) {
    for (size_t k = 0; k < chain.size(); ++k) {
      const bool has_args = k + 1 == chain.size() && (cmd.args.size() > 1 || final);
      CORRAL_ASSIGN_OR_RETURN(receiver, EvalField(line, receiver, chain[k], has_args));
    }
    return receiver;
  }

  Result<Value> EvalField(int line, const Value& receiver, const std::string& name, bool has_args) {
    switch (receiver.kind) {
      case Kind::kInvalid:
        return Value::Invalid();
      case Kind::kNil:
        return Error(line, "nil pointer evaluating interface {}." + name);
      case Kind::kStruct: {
        const Value* field = receiver.StructField(name);
        if (field == nullptr)
          return Error(line, "can't evaluate field " + name + " in type " + GoTypeName(receiver));
        if (has_args) return Error(line, name + " has arguments but cannot be invoked as function");
        return *field;
      }
      case Kind::kMap: {
        if (has_args) return Error(line, name + " is not a method but has arguments");
        const Value* found = receiver.MapFind(name);
        // missingkey=zero: a missing key reads as the element type's zero value, a nil interface.
        return found != nullptr ? *found : Value::Nil();
      }
      default:
        return Error(line, "can't evaluate field " + name + " in type " + GoTypeName(receiver));
    }
  }

  // An argument's value (exec.go evalArg): a bare function name is called with no arguments.
  Result<Value> EvalArg(const Value& dot, const Operand& op, int line) {
    switch (op.type) {
      case Operand::Type::kDot:
        return dot;
      case Operand::Type::kNil:
        return Value::Nil();
      case Operand::Type::kConstant:
        return op.constant;
      case Operand::Type::kField: {
        Command none{{op}, line};
        return EvalChain(line, dot, op.chain, none, std::nullopt);
      }
      case Operand::Type::kVariable: {
        CORRAL_ASSIGN_OR_RETURN(Value v, VarValue(line, op.name));
        Command none{{op}, line};
        return EvalChain(line, v, op.chain, none, std::nullopt);
      }
      case Operand::Type::kPipeline: {
        CORRAL_ASSIGN_OR_RETURN(Value v, EvalPipeline(dot, *op.pipeline));
        Command none{{op}, line};
        return EvalChain(line, v, op.chain, none, std::nullopt);
      }
      case Operand::Type::kFunction: {
        Command call{{op}, line};
        return EvalFunction(dot, op.name, call, std::nullopt);
      }
    }
    return Value::Invalid();
  }

  Result<Value> EvalFunction(const Value& dot, const std::string& name, const Command& cmd,
                             const std::optional<Value>& final) {
    const size_t count = cmd.args.size() - 1 + (final ? 1 : 0);
    if (name == "and" || name == "or") {
      // Go 1.18+: and / or stop at the first argument that decides the result, and return that argument.
      if (count == 0) return Error(cmd.line, "wrong number of args for " + name + ": want at least 1 got 0");
      Value v;
      for (size_t k = 1; k < cmd.args.size(); ++k) {
        CORRAL_ASSIGN_OR_RETURN(v, EvalArg(dot, cmd.args[k], cmd.line));
        if (Truthy(v) == (name == "or")) return v;
      }
      if (final) v = *final;
      return v;
    }
    std::vector<Value> args;
    args.reserve(count);
    for (size_t k = 1; k < cmd.args.size(); ++k) {
      CORRAL_ASSIGN_OR_RETURN(Value v, EvalArg(dot, cmd.args[k], cmd.line));
      args.push_back(std::move(v));
    }
    if (final) args.push_back(*final);
    Result<Value> result = CallFunction(name, args, now_);
    if (!result.ok()) return Error(cmd.line, "error calling " + name + ": " + result.status().message());
    return result;
  }

  const Program& program_;
  const ExecOptions& options_;
  const std::tm now_;
  std::string out_;
  std::vector<std::pair<std::string, Value>> vars_;
  uint64_t steps_ = 0;
  int depth_ = 0;
};

}  // namespace

bool IsTemplateFunction(std::string_view name) {
  return IsFunctionName(name);
}

Result<Template> Template::Parse(std::string_view source) {
  CORRAL_ASSIGN_OR_RETURN(Program program, ParseProgram(source, IsFunctionName));
  return Template(std::make_shared<const Program>(std::move(program)));
}

Template Template::FromProgram(Program program) {
  return Template(std::make_shared<const Program>(std::move(program)));
}

Result<std::string> Template::Execute(const Value& data, const ExecOptions& options) const {
  Executor executor(*program_, options);
  return executor.Run(data);
}

}  // namespace corral::gotmpl
