// The parse tree of a Go text/template, shaped like text/template/parse's: a list of nodes per template,
// actions holding pipelines of commands, and if / range / with branches.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "template/go/value.h"

namespace corral::gotmpl {

struct Pipeline;

struct Operand {
  enum class Type { kDot, kField, kVariable, kFunction, kNil, kConstant, kPipeline };
  Type type = Type::kDot;
  std::string name;                // function name, or variable name with its '$'
  std::vector<std::string> chain;  // field names after the operand: $x.A.B, (pipe).A, .A.B
  Value constant;                  // kConstant: bool, number or string
  std::shared_ptr<Pipeline> pipeline;
};

struct Command {
  std::vector<Operand> args;
  int line = 0;
};

struct Pipeline {
  std::vector<std::string> decl;  // variables declared ($x :=) or assigned ($x =)
  bool is_assign = false;
  std::vector<Command> commands;
  int line = 0;
};

struct Node;
using NodeList = std::vector<Node>;

struct Node {
  enum class Type { kText, kAction, kIf, kRange, kWith, kTemplate, kBreak, kContinue };
  Type type = Type::kText;
  int line = 0;
  std::string text;                    // kText; kTemplate: the invoked name
  std::shared_ptr<Pipeline> pipeline;  // absent for a {{template "x"}} without one
  std::shared_ptr<NodeList> list;      // if / range / with body
  std::shared_ptr<NodeList> else_list;
};

struct Program {
  NodeList root;
  std::map<std::string, std::shared_ptr<NodeList>> defined;  // define / block
};

}  // namespace corral::gotmpl
