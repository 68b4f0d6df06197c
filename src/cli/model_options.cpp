#include "cli/model_options.h"

#include <charconv>
#include <functional>
#include <map>
#include <string_view>
#include <system_error>

namespace corral::cli {
namespace {

template <typename T>
Status ParseNumber(std::string_view name, std::string_view text, T* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  if (ec != std::errc() || ptr != end || text.empty()) {
    return Status::InvalidArgument("option " + std::string(name) + ": '" + std::string(text) +
                                   "' is not a valid " + (std::is_integral_v<T> ? "integer" : "number"));
  }
  return Status::Ok();
}

using Setter = std::function<Status(std::string_view name, std::string_view value, ModelOptions&)>;

template <typename T>
Setter Field(T ModelOptions::*field) {
  return [field](std::string_view name, std::string_view value, ModelOptions& o) {
    return ParseNumber(name, value, &(o.*field));
  };
}

template <typename T>
Setter SamplerField(T sample::SamplerOptions::*field) {
  return [field](std::string_view name, std::string_view value, ModelOptions& o) {
    return ParseNumber(name, value, &(o.sampler.*field));
  };
}

const std::map<std::string_view, Setter>& Setters() {
  static const std::map<std::string_view, Setter> setters = {
      {"temperature", SamplerField(&sample::SamplerOptions::temperature)},
      {"top_k", SamplerField(&sample::SamplerOptions::top_k)},
      {"top_p", SamplerField(&sample::SamplerOptions::top_p)},
      {"min_p", SamplerField(&sample::SamplerOptions::min_p)},
      {"typical_p", SamplerField(&sample::SamplerOptions::typical_p)},
      {"repeat_penalty", SamplerField(&sample::SamplerOptions::repeat_penalty)},
      {"repeat_last_n", SamplerField(&sample::SamplerOptions::repeat_last_n)},
      {"presence_penalty", SamplerField(&sample::SamplerOptions::presence_penalty)},
      {"frequency_penalty", SamplerField(&sample::SamplerOptions::frequency_penalty)},
      {"seed", SamplerField(&sample::SamplerOptions::seed)},
      {"num_predict", Field(&ModelOptions::num_predict)},
      {"num_ctx", Field(&ModelOptions::num_ctx)},
      {"num_thread", Field(&ModelOptions::num_thread)},
      {"num_batch", Field(&ModelOptions::num_batch)},
      {"use_mmap",
       [](std::string_view name, std::string_view value, ModelOptions& o) {
         // Modelfiles write it as a boolean; `1`/`0` as Ollama's JSON tolerates too.
         if (value == "true" || value == "1") {
           o.use_mmap = true;
         } else if (value == "false" || value == "0") {
           o.use_mmap = false;
         } else {
           return Status::InvalidArgument("option " + std::string(name) + ": '" + std::string(value) +
                                          "' is not true or false");
         }
         return Status::Ok();
       }},
      {"stop",
       [](std::string_view, std::string_view value, ModelOptions& o) {
         o.stop.emplace_back(value);
         return Status::Ok();
       }},
      {"logit_bias",
       [](std::string_view name, std::string_view value, ModelOptions& o) {
         const size_t colon = value.find(':');
         if (colon == std::string_view::npos)
           return Status::InvalidArgument("option logit_bias: '" + std::string(value) +
                                          "' is not TOKEN_ID:BIAS");
         int32_t id = 0;
         float bias = 0;
         CORRAL_RETURN_IF_ERROR(ParseNumber(name, value.substr(0, colon), &id));
         CORRAL_RETURN_IF_ERROR(ParseNumber(name, value.substr(colon + 1), &bias));
         o.sampler.logit_bias.push_back({id, bias});
         return Status::Ok();
       }},
  };
  return setters;
}

}  // namespace

Result<ModelOptions> ParseModelOptions(const std::vector<std::string>& assignments) {
  ModelOptions options;
  for (const std::string& assignment : assignments) {
    const size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--option '" + assignment + "': expected name=value");
    }
    const std::string_view name = std::string_view(assignment).substr(0, eq);
    const std::string_view value = std::string_view(assignment).substr(eq + 1);
    const auto it = Setters().find(name);
    if (it == Setters().end()) {
      std::string known;
      for (const auto& [known_name, setter] : Setters())
        known += (known.empty() ? "" : ", ") + std::string(known_name);
      return Status::InvalidArgument("unknown option '" + std::string(name) + "' (known: " + known + ")");
    }
    CORRAL_RETURN_IF_ERROR(it->second(name, value, options));
  }
  CORRAL_RETURN_IF_ERROR(sample::Validate(options.sampler));
  if (options.num_ctx < 1) return Status::InvalidArgument("option num_ctx: must be ≥ 1");
  if (options.num_thread < 0) return Status::InvalidArgument("option num_thread: must be ≥ 0");
  if (options.num_batch < 1) return Status::InvalidArgument("option num_batch: must be ≥ 1");
  if (options.num_predict < -2) return Status::InvalidArgument("option num_predict: must be ≥ -2");
  return options;
}

}  // namespace corral::cli
