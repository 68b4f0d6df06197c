// A model's default options (Modelfile PARAMETER lines), typed as Ollama's api.Options types them and stored
// as the params blob the way Ollama writes it: a JSON object with sorted keys, ints as integers, float32
// options rounded to float32 then printed as Go prints the float64 that JSON reads back, bools, and `stop`
// as an array that every `PARAMETER stop` line adds to.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace corral::store {

using ParamValue = std::variant<int64_t, double, bool, std::vector<std::string>>;
using Params = std::map<std::string, ParamValue>;  // sorted, as Go's json encodes a map

// Adds one `PARAMETER name value` (InvalidArgument for an unknown name or a value of the wrong type, with
// Ollama's wording). Deprecated parameters Ollama ignores (mirostat, use_mlock, ...) set *ignored.
Status AddParam(Params& params, const std::string& name, const std::string& value, bool* ignored = nullptr);

// The params blob: Go's json.Encoder output (with its trailing newline).
std::string EncodeParams(const Params& params);
// Reads a params blob (any JSON object of numbers, bools, strings and string arrays).
Result<Params> DecodeParams(std::string_view json);

// A value as Go's %v prints it (what `show --modelfile` writes after PARAMETER name).
std::vector<std::string> ParamTexts(const ParamValue& value);
// As Go's %#v prints it (`show --parameters`): strings quoted.
std::vector<std::string> ParamGoSyntax(const ParamValue& value);

}  // namespace corral::store
