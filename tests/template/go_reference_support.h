// Runs Go's own text/template (tests/template/go_reference, built here with the installed `go`) on a batch
// of cases: the oracle the Go-template tests compare corral with byte for byte.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "test_paths.h"

namespace corral::gotmpl::testing {

struct GoCase {
  std::string name;
  std::string mode = "plain";  // "plain": data is the dot; "ollama": data is a chat request
  std::string source;
  nlohmann::ordered_json data;
};

struct GoResult {
  bool ok = false;
  std::string output;
  std::string error;
};

inline bool HaveGo() {
  static const bool have = std::system("go version >/dev/null 2>&1") == 0;
  return have;
}

inline std::filesystem::path GoWorkDir() {
  const char* bin = std::getenv("CORRAL_BINARY_DIR");
  return (bin != nullptr ? std::filesystem::path(bin) : std::filesystem::temp_directory_path()) /
         "go_reference";
}

// Builds the reference program once per test process; empty path (and *why) when that fails.
inline std::filesystem::path GoReferenceBinary(std::string* why) {
  static std::string error;
  static const std::filesystem::path binary = [] {
    const auto work = GoWorkDir();
    std::filesystem::create_directories(work);
    const auto exe = work / "go_reference";
    const std::string cmd = "cd '" + (corral::testing::SourceDir() / "tests/template/go_reference").string() +
                            "' && GOCACHE='" + (work / "cache").string() + "' GOPATH='" +
                            (work / "gopath").string() + "' GOFLAGS=-mod=mod GO111MODULE=on go build -o '" +
                            exe.string() + "' . > '" + (work / "build.log").string() + "' 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      error = "go build failed, see " + (work / "build.log").string();
      return std::filesystem::path();
    }
    return exe;
  }();
  if (why != nullptr) *why = error;
  return binary;
}

inline std::optional<std::vector<GoResult>> RunGoReference(const std::vector<GoCase>& cases,
                                                           std::string* why) {
  const auto exe = GoReferenceBinary(why);
  if (exe.empty()) return std::nullopt;
  nlohmann::ordered_json input = nlohmann::ordered_json::array();
  for (const GoCase& c : cases) {
    input.push_back({{"name", c.name},
                     {"mode", c.mode},
                     {"template", c.source},
                     {"data", c.data},
                     {"now", "2024-03-01"}});
  }
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem = "corral_go_" + std::to_string(::getpid()) + "_" + std::to_string(std::rand());
  const auto in_path = dir / (stem + "_in.json");
  const auto out_path = dir / (stem + "_out.json");
  std::ofstream(in_path, std::ios::binary) << input.dump();
  const std::string cmd = "'" + exe.string() + "' < '" + in_path.string() + "' > '" + out_path.string() + "'";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(out_path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::filesystem::remove(in_path);
  std::filesystem::remove(out_path);
  if (rc != 0) {
    *why = "go_reference failed";
    return std::nullopt;
  }
  const auto json = nlohmann::json::parse(ss.str(), nullptr, false);
  if (!json.is_array() || json.size() != cases.size()) {
    *why = "go_reference gave unexpected output";
    return std::nullopt;
  }
  std::vector<GoResult> results;
  for (const auto& r : json)
    results.push_back({r["ok"].get<bool>(), r["out"].get<std::string>(), r["err"].get<std::string>()});
  return results;
}

}  // namespace corral::gotmpl::testing
