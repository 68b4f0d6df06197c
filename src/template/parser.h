// Builds the AST from tokens with jinja2's grammar (jinja2/parser.py): the same operator precedence,
// tuple rules, filter/test chaining and statement set that Hugging Face's environment accepts (the
// loopcontrols extension's break/continue and HF's generation block included).
#pragma once

#include <string_view>

#include "base/status.h"
#include "template/ast.h"

namespace corral::jinja {

// Errors carry "line N: message" with jinja2's wording where it has one.
Result<Program> ParseProgram(std::string_view source);

}  // namespace corral::jinja
