// A Go text/template, executed as Ollama executes its Modelfile TEMPLATEs: Go 1.19's text/template
// semantics with Option("missingkey=zero") and Ollama's extra functions (json, currentDate, yesterdayDate,
// toTypeScriptType; template/template.go).
//
//   CORRAL_ASSIGN_OR_RETURN(gotmpl::Template tpl, gotmpl::Template::Parse(source));
//   CORRAL_ASSIGN_OR_RETURN(std::string text, tpl.Execute(data));   // data: gotmpl::Value (a map, a struct)
//
// What a template can use: text, {{/* comments */}}, trim markers {{- -}}, pipelines with |, parenthesized
// pipelines, $ and $variables (declared with :=, assigned with =, scoped to their if/range/with), fields
// of maps (sorted key order wherever maps are visited) and structs, if / else if / else, range (with
// $i, $e :=, else, break, continue), with / else, define / template / block, and the functions and, or,
// not, len, index, slice, eq, ne, lt, le, gt, ge, print, printf, println, html, js, urlquery. Not
// supported: call, method calls, complex numbers, range over integers or channels (none exist in
// Go 1.19 templates' data here).
//
// Errors name the template line: "line 3: can't evaluate field Foo in type template.templateMessage". A
// parsed Template is immutable and may be executed from many threads at once.
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "template/go/ast.h"
#include "template/go/value.h"

namespace corral::gotmpl {

struct ExecOptions {
  // What currentDate / yesterdayDate format: the local date when unset.
  std::optional<std::tm> now;
  // Bounds that keep a hostile or broken template from running away.
  size_t max_output_bytes = 32u << 20;
  uint64_t max_steps = 10'000'000;  // nodes walked and loop iterations together
  int max_template_depth = 1000;    // nested {{template}} calls
};

class Template {
 public:
  static Result<Template> Parse(std::string_view source);
  // A template from a tree that Ollama-style code has edited (see ollama.h).
  static Template FromProgram(Program program);

  Result<std::string> Execute(const Value& data, const ExecOptions& options = {}) const;

  const Program& program() const { return *program_; }

 private:
  explicit Template(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const Program> program_;
};

// Whether `name` is a function templates can call (Go's builtins and Ollama's additions).
bool IsTemplateFunction(std::string_view name);

}  // namespace corral::gotmpl
