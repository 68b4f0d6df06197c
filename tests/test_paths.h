// Where tests find the data that scripts/testdata fetches and the tools of ../shared/peer/.
#pragma once

#include <cstdlib>
#include <filesystem>

namespace corral::testing {

inline std::filesystem::path SourceDir() {
  const char* dir = std::getenv("CORRAL_SOURCE_DIR");
  return dir != nullptr ? std::filesystem::path(dir) : std::filesystem::current_path();
}

// models/ggml-vocab-*.gguf (+ .inp/.out) and templates/*.jinja, from scripts/testdata.
inline std::filesystem::path TestDataDir() {
  const char* dir = std::getenv("CORRAL_TESTDATA");
  return dir != nullptr ? std::filesystem::path(dir) : SourceDir() / "build" / "testdata";
}

// ../shared/peer (llama.cpp as the reference), beside the repository.
inline std::filesystem::path PeerDir() {
  const char* dir = std::getenv("CORRAL_PEER_DIR");
  return dir != nullptr ? std::filesystem::path(dir) : SourceDir().parent_path() / "shared" / "peer";
}

inline std::filesystem::path PeerCache() {
  const char* dir = std::getenv("PEER_CACHE");
  return dir != nullptr ? std::filesystem::path(dir) : std::filesystem::path("/tmp/peer-cache");
}

}  // namespace corral::testing
