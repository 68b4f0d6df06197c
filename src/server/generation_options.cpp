#include "server/generation_options.h"

#include <charconv>
#include <cmath>

namespace corral::server {
namespace {

// Every option Ollama knows, so a known-but-load-time one (num_gpu, use_mmap, ...) is accepted quietly.
bool IsKnownOption(std::string_view key) {
  static constexpr std::string_view kKnown[] = {"num_keep",
                                                "seed",
                                                "num_predict",
                                                "top_k",
                                                "top_p",
                                                "min_p",
                                                "typical_p",
                                                "repeat_last_n",
                                                "temperature",
                                                "repeat_penalty",
                                                "presence_penalty",
                                                "frequency_penalty",
                                                "stop",
                                                "num_ctx",
                                                "num_batch",
                                                "num_gpu",
                                                "main_gpu",
                                                "use_mmap",
                                                "num_thread",
                                                "draft_num_predict",
                                                "penalize_newline",
                                                "mirostat",
                                                "mirostat_tau",
                                                "mirostat_eta",
                                                "low_vram",
                                                "f16_kv",
                                                "logits_all",
                                                "vocab_only",
                                                "use_mlock",
                                                "numa",
                                                "tfs_z"};
  for (std::string_view k : kKnown) {
    if (k == key) return true;
  }
  return false;
}

Status TypeError(std::string_view key, std::string_view want, const nlohmann::json& got) {
  return Status::InvalidArgument("option \"" + std::string(key) + "\" must be " + std::string(want) +
                                 ", not " + std::string(got.type_name()));
}

// JSON numbers for integer options must be whole (Go's json into an int field refuses 1.5).
Status GetInt(std::string_view key, const nlohmann::json& v, int64_t& out) {
  if (v.is_number_integer()) {
    out = v.get<int64_t>();
    return Status::Ok();
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 9e15) {
      out = static_cast<int64_t>(d);
      return Status::Ok();
    }
  }
  return TypeError(key, "an integer", v);
}

Status GetFloat(std::string_view key, const nlohmann::json& v, float& out) {
  if (!v.is_number()) return TypeError(key, "a number", v);
  out = v.get<float>();
  return Status::Ok();
}

Status Set(std::string_view key, const nlohmann::json& v, GenerationOptions& o) {
  sample::SamplerOptions& s = o.sampling;
  int64_t i = 0;
  if (key == "temperature") return GetFloat(key, v, s.temperature);
  if (key == "top_p") return GetFloat(key, v, s.top_p);
  if (key == "min_p") return GetFloat(key, v, s.min_p);
  if (key == "repeat_penalty") return GetFloat(key, v, s.repeat_penalty);
  if (key == "presence_penalty") return GetFloat(key, v, s.presence_penalty);
  if (key == "frequency_penalty") return GetFloat(key, v, s.frequency_penalty);
  if (key == "top_k" || key == "repeat_last_n" || key == "seed" || key == "num_predict" || key == "num_ctx" ||
      key == "num_keep") {
    CORRAL_RETURN_IF_ERROR(GetInt(key, v, i));
    if (key == "top_k") s.top_k = static_cast<int32_t>(i);
    if (key == "repeat_last_n") s.repeat_last_n = static_cast<int32_t>(i);
    if (key == "seed") s.seed = i;
    if (key == "num_predict") o.num_predict = static_cast<int32_t>(std::clamp<int64_t>(i, -2, INT32_MAX));
    if (key == "num_ctx") o.num_ctx = static_cast<int>(std::clamp<int64_t>(i, 0, 1 << 24));
    if (key == "num_keep") o.num_keep = static_cast<int>(std::clamp<int64_t>(i, -1, 1 << 24));
    return Status::Ok();
  }
  if (key == "stop") {
    if (v.is_string()) {
      o.stop = {v.get<std::string>()};
      return Status::Ok();
    }
    if (!v.is_array()) return TypeError(key, "a list of strings", v);
    o.stop.clear();
    for (const nlohmann::json& e : v) {
      if (!e.is_string()) return TypeError(key, "a list of strings", v);
      o.stop.push_back(e.get<std::string>());
    }
    return Status::Ok();
  }
  return Status::Ok();  // known, but not a generation setting here
}

}  // namespace

Status ApplyOptionsJson(const nlohmann::json& object, GenerationOptions& options) {
  if (object.is_null()) return Status::Ok();
  if (!object.is_object()) return Status::InvalidArgument("\"options\" must be an object");
  for (const auto& [key, value] : object.items()) {
    if (!IsKnownOption(key) || value.is_null()) continue;
    CORRAL_RETURN_IF_ERROR(Set(key, value, options));
  }
  return sample::Validate(options.sampling);
}

Status ApplyParameter(std::string_view name, std::string_view value, GenerationOptions& options) {
  if (!IsKnownOption(name)) return Status::Ok();
  if (name == "stop") {
    options.stop.emplace_back(value);  // PARAMETER stop lines accumulate
    return Status::Ok();
  }
  // Numbers as JSON numbers; Modelfiles also write booleans (use_mmap true), which need no handling here.
  const nlohmann::json parsed = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_number()) {
    if (parsed.is_boolean()) return Status::Ok();
    return Status::InvalidArgument("PARAMETER " + std::string(name) + ": '" + std::string(value) +
                                   "' is not a number");
  }
  return Set(name, parsed, options);
}

}  // namespace corral::server
