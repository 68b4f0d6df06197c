// Converts parsed JSON (nlohmann::ordered_json, which keeps key order as Python's json.loads does) into
// template values: objects become dicts, arrays lists, integers int and other numbers float.
#pragma once

#include <nlohmann/json.hpp>

#include "template/value.h"

namespace corral::jinja {

Value ValueFromJson(const nlohmann::ordered_json& json);

}  // namespace corral::jinja
