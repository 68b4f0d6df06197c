// What Ollama records about a GGUF in the manifest's config blob (types/model/config.go ConfigV2): format,
// family (general.architecture), parameter size (Ollama's HumanNumber of the tensors' element count, which
// its GGUF decoder stores as general.parameter_count), file type name (general.file_type), and the
// required `architecture`/`os` fields, encoded as Go's json.Encoder writes the struct.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"

namespace corral::store {

struct ModelConfig {
  std::string model_format = "gguf";
  std::string model_family;
  std::vector<std::string> model_families;
  std::string model_type;  // "8.0B", "135.07M", ...
  std::string file_type;   // "Q4_K_M", "F16", ...
  std::string renderer;
  std::string parser;
  std::string requires_version;
  std::string architecture = "amd64";
  std::string os = "linux";
};

// The config of a model layer read from its GGUF.
ModelConfig ConfigFromGguf(const gguf::File& file);
// Sum of the elements of every tensor.
uint64_t ParameterCount(const gguf::File& file);
// Ollama's format.HumanNumber: 8030261248 -> "8.0B", 135070000 -> "135.07M", 4000 -> "4K".
std::string HumanNumber(uint64_t n);
// Ollama's name of a general.file_type value ("Q4_K_M", "F16", "unknown").
std::string FileTypeString(uint32_t file_type);

std::string EncodeConfig(const ModelConfig& config);
Result<ModelConfig> DecodeConfig(std::string_view json);

}  // namespace corral::store
