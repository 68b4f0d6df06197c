// Parses Go text/template source (the subset of Go 1.19's text/template/parse that chat templates can
// use: every action, trim markers, comments, define/template/block, break/continue) into a Program.
// Errors name the line: "line 3: unexpected EOF".
#pragma once

#include <functional>
#include <string_view>

#include "base/status.h"
#include "template/go/ast.h"

namespace corral::gotmpl {

// `is_function(name)` says whether a bare identifier names a function (Go checks this at parse time).
Result<Program> ParseProgram(std::string_view source,
                             const std::function<bool(std::string_view)>& is_function);

}  // namespace corral::gotmpl
