// Where tests find the data that scripts/testdata fetches and the tools of ../shared/peer/.
#pragma once

#include <cstdlib>
#include <filesystem>

namespace corral::testing {

// CORRAL_SOURCE_DIR when set (ctest sets it), else the tree the test was built from: ctest's test discovery
// runs the binaries (--gtest_list_tests) without the test environment, and test cases made from data files
// (the model goldens) must be found then too.
inline std::filesystem::path SourceDir() {
  const char* dir = std::getenv("CORRAL_SOURCE_DIR");
  if (dir != nullptr) return std::filesystem::path(dir);
#ifdef CORRAL_BUILT_FROM_SOURCE_DIR
  return std::filesystem::path(CORRAL_BUILT_FROM_SOURCE_DIR);
#else
  return std::filesystem::current_path();
#endif
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
