// Parsed JSON as Go's json.Unmarshal into `any` gives it to a template: objects become map[string]any,
// arrays []any, every number float64, null a nil interface.
#pragma once

#include <nlohmann/json.hpp>

#include "template/go/value.h"

namespace corral::gotmpl {

Value ValueFromJson(const nlohmann::ordered_json& json);

}  // namespace corral::gotmpl
