// The filters, tests, global functions and str/list/dict methods of jinja2's sandboxed environment plus
// Hugging Face's additions (tojson with json.dumps options, raise_exception, strftime_now).
#pragma once

#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "template/ast.h"
#include "template/object.h"

namespace corral::jinja {

class Renderer;

// Looked up by name at parse time; null when jinja2 has no such filter / test.
FilterFn LookupFilter(std::string_view name);
TestFn LookupTest(std::string_view name);
// range, dict, namespace, cycler, joiner, raise_exception, strftime_now; Undefined for other names.
Value MakeGlobal(std::string_view name);

// Methods of Python's str, list and dict that the sandbox lets templates call.
bool HasBuiltinMethod(const Value& self, std::string_view name);
Result<Value> CallBuiltinMethod(Renderer& renderer, const Value& self, std::string_view name, CallArgs& args);

// Python's argument binding for a builtin: positional then keyword arguments onto `params` (name and
// default; no default = required). Returns the values in parameter order.
using ParamSpec = std::pair<std::string_view, std::optional<Value>>;
Result<std::vector<Value>> BindArgs(std::string_view function, const CallArgs& args,
                                    std::initializer_list<ParamSpec> params);

}  // namespace corral::jinja
