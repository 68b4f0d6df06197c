// `corral inspect` on models quantized by llama.cpp itself: a small model from the peer's mkgguf.mjs,
// quantized at test time with the peer's `quantize` (llama_model_quantize from the prebuilt libllama) to
// Q4_K_M and Q8_0. The byte counts per type must match the peer's own GGUF reader (ref.mjs info).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "peer/peer_ready.h"
#include "run_process.h"
#include "test_paths.h"

namespace corral {
namespace {

namespace fs = std::filesystem;
using corral::testing::PeerDir;
using corral::testing::PeerReady;
using corral::testing::ProcessResult;
using corral::testing::RunProcess;

class InspectParity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!PeerReady()) return;
    dir_ = fs::temp_directory_path() / ("corral-inspect-parity-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    // K-quants need rows that are multiples of 256 (dim, ffn); a cut vocabulary keeps the files small.
    const ProcessResult made = RunProcess({"node",       (PeerDir() / "mkgguf.mjs").string(),
                                           "--arch",     "llama",
                                           "--vocab",    "llama3",
                                           "--dim",      "256",
                                           "--layers",   "1",
                                           "--heads",    "4",
                                           "--kv-heads", "2",
                                           "--ffn",      "512",
                                           "--n-vocab",  "2048",
                                           "--dtype",    "f16",
                                           "--seed",     "5",
                                           "--out",      (dir_ / "f16.gguf").string()});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    for (const char* type : {"Q4_K_M", "Q8_0"}) {
      const ProcessResult q =
          RunProcess({(PeerDir() / "quantize").string(), "--quiet", (dir_ / "f16.gguf").string(),
                      (dir_ / (std::string(type) + ".gguf")).string(), type});
      ASSERT_EQ(q.exit_code, 0) << q.out << q.err;
    }
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override {
    ASSERT_TRUE(PeerReady());
    ASSERT_FALSE(dir_.empty());
  }

  // corral inspect --json and the peer's info for the same file.
  static void Compare(const std::string& type, uint32_t file_type, std::map<std::string, int> min_count) {
    const fs::path model = dir_ / (type + ".gguf");
    const ProcessResult ours = RunProcess({CORRAL_EXE, "inspect", "--json", model.string()});
    ASSERT_EQ(ours.exit_code, 0) << ours.err;
    const ProcessResult peer =
        RunProcess({"node", (PeerDir() / "ref.mjs").string(), "info", "--model", model.string()});
    ASSERT_EQ(peer.exit_code, 0) << peer.err;
    const nlohmann::json doc = nlohmann::json::parse(ours.out);
    const nlohmann::json info = nlohmann::json::parse(peer.out);

    EXPECT_EQ(doc["file_bytes"], info["file_bytes"]);
    EXPECT_EQ(doc["totals"]["tensors"], info["n_tensors"]);
    EXPECT_EQ(doc["totals"]["bytes"], info["tensor_bytes"]);
    std::map<std::string, uint64_t> bytes_by_type;
    std::map<std::string, int> count_by_type;
    for (const auto& t : doc["tensors"]) {
      std::string name = t["type"];
      for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      bytes_by_type[name] += t["bytes"].get<uint64_t>();
      ++count_by_type[name];
    }
    std::map<std::string, uint64_t> peer_bytes;
    for (const auto& [name, bytes] : info["bytes_by_type"].items()) peer_bytes[name] = bytes.get<uint64_t>();
    EXPECT_EQ(bytes_by_type, peer_bytes);
    for (const auto& [name, n] : min_count) EXPECT_GE(count_by_type[name], n) << name;
    for (const auto& kv : doc["metadata"]) {
      if (kv["key"] == "general.file_type") {
        EXPECT_EQ(kv["value"], file_type);
      }
    }
    const ProcessResult text = RunProcess({CORRAL_EXE, "inspect", model.string()});
    ASSERT_EQ(text.exit_code, 0) << text.err;
    EXPECT_NE(text.out.find("totals: " + std::to_string(doc["tensors"].size()) + " tensors, " +
                            std::to_string(doc["totals"]["bytes"].get<uint64_t>()) + " bytes"),
              std::string::npos)
        << text.out;
  }

  static inline fs::path dir_;  // set up once for the suite: the models take seconds to make
};

// llama_ftype: MOSTLY_Q4_K_M = 15, MOSTLY_Q8_0 = 7. Q4_K_M keeps attn_v/ffn_down and the output in Q6_K.
TEST_F(InspectParity, LlamaCppQ4KM) {
  Compare("Q4_K_M", 15, {{"Q4_K", 1}, {"Q6_K", 1}, {"F32", 2}});
}
TEST_F(InspectParity, LlamaCppQ8_0) {
  Compare("Q8_0", 7, {{"Q8_0", 7}, {"F32", 2}});
}

}  // namespace
}  // namespace corral
