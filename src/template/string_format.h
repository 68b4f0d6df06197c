// Python's string formatting: `str % args` (printf-style) and `str.format(*args, **kwargs)`.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "template/object.h"
#include "template/value.h"

namespace corral::jinja {

// Python's str % args: a tuple gives positional arguments, a dict named ones (%(name)s), anything else is the
// single argument. Used by the % operator on strings and by the format filter.
Result<std::string> PercentFormat(std::string_view format, const Value& args);
// Python's str.format(*args, **kwargs), as jinja2's sandboxed formatter runs it (nested replacement fields
// inside a format spec are not supported).
Result<std::string> BraceFormat(std::string_view format, const CallArgs& args);

}  // namespace corral::jinja
