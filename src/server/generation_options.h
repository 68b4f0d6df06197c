// Ollama's generation options as the server receives them: the model's Modelfile PARAMETER lines first,
// then the request's `options` object (or the OpenAI fields mapped onto the same names), each checked for
// its JSON type as Ollama checks it (a wrong type is a 400; an unknown key is ignored).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sample/sampler.h"

namespace corral::server {

struct GenerationOptions {
  sample::SamplerOptions sampling;
  int32_t num_predict = -1;  // -1 (or any negative): until a stop or the context is full
  int num_ctx = 0;           // 0: the server's default
  int num_keep = 4;          // prompt tokens kept at the start when a prompt is cut to fit (-1: all)
  std::vector<std::string> stop;
};

// One Modelfile PARAMETER (text value); InvalidArgument naming it when the value does not parse.
Status ApplyParameter(std::string_view name, std::string_view value, GenerationOptions& options);
// A request's `options` object; InvalidArgument naming the key for a value of the wrong type.
Status ApplyOptionsJson(const nlohmann::json& object, GenerationOptions& options);

}  // namespace corral::server
