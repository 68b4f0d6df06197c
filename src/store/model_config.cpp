#include "store/model_config.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "store/go_json.h"

namespace corral::store {

uint64_t ParameterCount(const gguf::File& file) {
  uint64_t n = 0;
  for (const gguf::TensorInfo& t : file.tensors()) n += static_cast<uint64_t>(t.shape.elements());
  return n;
}

std::string HumanNumber(uint64_t b) {
  char buf[64];
  const auto whole_or = [&](double number, const char* frac_format, const char* unit) {
    if (number == std::floor(number)) {
      std::snprintf(buf, sizeof(buf), "%.0f%s", number, unit);
    } else {
      std::snprintf(buf, sizeof(buf), frac_format, number, unit);
    }
    return std::string(buf);
  };
  if (b >= 1000000000ull) return whole_or(static_cast<double>(b) / 1e9, "%.1f%s", "B");
  if (b >= 1000000ull) return whole_or(static_cast<double>(b) / 1e6, "%.2f%s", "M");
  if (b >= 1000ull) {
    std::snprintf(buf, sizeof(buf), "%.0fK", static_cast<double>(b) / 1e3);
    return buf;
  }
  return std::to_string(b);
}

std::string FileTypeString(uint32_t ft) {
  // fs/ggml/type.go FileType.String.
  switch (ft) {
    case 0:
      return "F32";
    case 1:
      return "F16";
    case 2:
      return "Q4_0";
    case 3:
      return "Q4_1";
    case 7:
      return "Q8_0";
    case 8:
      return "Q5_0";
    case 9:
      return "Q5_1";
    case 10:
      return "Q2_K";
    case 11:
      return "Q3_K_S";
    case 12:
      return "Q3_K_M";
    case 13:
      return "Q3_K_L";
    case 14:
      return "Q4_K_S";
    case 15:
      return "Q4_K_M";
    case 16:
      return "Q5_K_S";
    case 17:
      return "Q5_K_M";
    case 18:
      return "Q6_K";
    case 19:
      return "IQ2_XXS";
    case 20:
      return "IQ2_XS";
    case 21:
      return "Q2_K_S";
    case 22:
      return "IQ3_XS";
    case 23:
      return "IQ3_XXS";
    case 24:
      return "IQ1_S";
    case 25:
      return "IQ4_NL";
    case 26:
      return "IQ3_S";
    case 27:
      return "IQ3_M";
    case 28:
      return "IQ2_S";
    case 29:
      return "IQ2_M";
    case 30:
      return "IQ4_XS";
    case 31:
      return "IQ1_M";
    case 32:
      return "BF16";
    default:
      return "unknown";
  }
}

ModelConfig ConfigFromGguf(const gguf::File& file) {
  ModelConfig c;
  Result<std::string_view> arch = file.GetString("general.architecture");
  c.model_family = arch.ok() ? std::string(*arch) : "";
  c.model_families = {c.model_family};
  c.model_type = HumanNumber(ParameterCount(file));
  Result<uint32_t> ft = file.GetU32("general.file_type");
  c.file_type = ft.ok() ? FileTypeString(*ft) : "unknown";
  return c;
}

std::string EncodeConfig(const ModelConfig& c) {
  // Field order and omitempty as in ConfigV2.
  std::string out = "{\"model_format\":";
  AppendGoJsonString(out, c.model_format);
  out += ",\"model_family\":";
  AppendGoJsonString(out, c.model_family);
  out += ",\"model_families\":";
  if (c.model_families.empty()) {
    out += "null";
  } else {
    out += '[';
    for (size_t i = 0; i < c.model_families.size(); ++i) {
      if (i > 0) out += ',';
      AppendGoJsonString(out, c.model_families[i]);
    }
    out += ']';
  }
  out += ",\"model_type\":";
  AppendGoJsonString(out, c.model_type);
  out += ",\"file_type\":";
  AppendGoJsonString(out, c.file_type);
  for (const auto& [key, value] : {std::pair{"renderer", &c.renderer}, std::pair{"parser", &c.parser},
                                   std::pair{"requires", &c.requires_version}}) {
    if (value->empty()) continue;
    out += ",\"" + std::string(key) + "\":";
    AppendGoJsonString(out, *value);
  }
  out += ",\"architecture\":";
  AppendGoJsonString(out, c.architecture);
  out += ",\"os\":";
  AppendGoJsonString(out, c.os);
  out += "}\n";
  return out;
}

Result<ModelConfig> DecodeConfig(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Corrupt("model config: not a JSON object");
  ModelConfig c;
  const auto str = [&](const char* key, std::string* into) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) *into = it->get<std::string>();
  };
  str("model_format", &c.model_format);
  str("model_family", &c.model_family);
  str("model_type", &c.model_type);
  str("file_type", &c.file_type);
  str("renderer", &c.renderer);
  str("parser", &c.parser);
  str("requires", &c.requires_version);
  str("architecture", &c.architecture);
  str("os", &c.os);
  c.model_families.clear();
  if (auto it = j.find("model_families"); it != j.end() && it->is_array()) {
    for (const auto& f : *it) {
      if (f.is_string()) c.model_families.push_back(f.get<std::string>());
    }
  }
  return c;
}

}  // namespace corral::store
