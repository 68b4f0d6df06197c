// The functions a template calls, other than the short-circuiting and / or (which exec.cpp evaluates
// lazily): Go 1.19's text/template builtins and Ollama's additions, with Go's argument checks.
#pragma once

#include <ctime>
#include <span>
#include <string_view>

#include "base/status.h"
#include "template/go/value.h"

namespace corral::gotmpl {

bool IsFunctionName(std::string_view name);
// Go's isTrue: false for no value, nil, false, zero numbers and empty strings, slices and maps.
bool Truthy(const Value& v);
// Runs function `name`; errors carry Go's wording without the line ("wrong number of args for len: ...").
Result<Value> CallFunction(std::string_view name, std::span<const Value> args, const std::tm& now);

}  // namespace corral::gotmpl
