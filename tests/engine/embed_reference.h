// llama.cpp's embeddings of texts (tests/engine/embed_ref.mjs: node-llama-cpp's embedding context over
// ../shared/peer's prebuilt llama.cpp), for the embedding parity tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/run_process.h"
#include "test_paths.h"

namespace corral::testing {

// One embedding (a JSON array of numbers) per text, as llama.cpp computes it for the model; `scratch` holds
// the texts file. A failed run comes back as the process result's error text in `error`.
inline nlohmann::json LlamaCppEmbeddings(const std::filesystem::path& model,
                                         const std::vector<std::string>& texts,
                                         const std::filesystem::path& scratch, std::string& error) {
  const std::filesystem::path file = scratch / "texts.jsonl";
  {
    std::ofstream jsonl(file);
    for (const std::string& t : texts) jsonl << nlohmann::json(t).dump() << "\n";
  }
  const ProcessResult ref = RunProcess(
      {"node", (SourceDir() / "tests" / "engine" / "embed_ref.mjs").string(), model.string(), file.string()});
  if (ref.exit_code != 0) {
    error = ref.err;
    return nullptr;
  }
  return nlohmann::json::parse(ref.out);
}

}  // namespace corral::testing
