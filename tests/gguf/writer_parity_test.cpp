// The writer against llama.cpp (../shared/peer): a model written by the peer's own GGUF writer (mkgguf.mjs)
// is copied byte for byte, and a file corral writes differently (other alignment, extra metadata) loads in
// llama.cpp and generates the same tokens as the original.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "base/mapped_file.h"
#include "gguf/file.h"
#include "gguf/writer.h"
#include "peer/peer_ready.h"
#include "test_paths.h"

namespace corral::gguf {
namespace {

namespace fs = std::filesystem;
using corral::testing::PeerReady;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout only; stderr goes to the test log
};

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Fails the test (with how to fix it) when ../shared/peer is not set up.
// The `"tokens": [...]` line of ref.mjs greedy's JSON.
std::string GreedyTokens(const fs::path& model) {
  const CommandResult r =
      RunCommand("node " + (corral::testing::PeerDir() / "ref.mjs").string() + " greedy --model " +
                 model.string() + " --prompt-ids 128000,9906,1917 --n 4 --threads 2");
  EXPECT_EQ(r.exit_code, 0) << "llama.cpp could not run " << model << ":\n" << r.output;
  const size_t at = r.output.find("\"tokens\":");
  if (at == std::string::npos) return "(no tokens in: " + r.output + ")";
  return r.output.substr(at, r.output.find(']', at) - at + 1);
}

class GgufWriterParity : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(PeerReady());
    dir_ = fs::temp_directory_path() / ("corral-gguf-parity-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A small llama-architecture model with the real llama3 tokenizer, written by llama.cpp's side.
  fs::path MakePeerModel() {
    const fs::path out = dir_ / "peer.gguf";
    const CommandResult r = RunCommand(
        "node " + (corral::testing::PeerDir() / "mkgguf.mjs").string() +
        " --arch llama --vocab llama3 --dim 64 --layers 1 --heads 2 --kv-heads 1 --ffn 128 --dtype f16"
        " --seed 3 --out " +
        out.string() + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return out;
  }

  fs::path dir_;
};

TEST_F(GgufWriterParity, CopiesAPeerWrittenModelByteForByte) {
  const fs::path in_path = MakePeerModel();
  Result<File> in = File::Open(in_path.string());
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  ASSERT_EQ(in->tensors().size(), 12u);
  Writer w;
  for (const KeyValue& kv : in->metadata()) w.SetValue(kv.key, kv.value);
  for (const TensorInfo& t : in->tensors()) ASSERT_TRUE(w.AddTensor(t.name, t.type, t.shape, t.data).ok());
  const fs::path out_path = dir_ / "copy.gguf";
  ASSERT_TRUE(w.Write(out_path.string()).ok());
  Result<MappedFile> a = MappedFile::Open(in_path.string());
  Result<MappedFile> b = MappedFile::Open(out_path.string());
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), b->size());
  EXPECT_TRUE(std::ranges::equal(a->bytes(), b->bytes()));
}

TEST_F(GgufWriterParity, LlamaCppLoadsWhatCorralWrites) {
  const fs::path in_path = MakePeerModel();
  Result<File> in = File::Open(in_path.string());
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  // Same weights, a different layout: 256-byte alignment, extra metadata of several types first.
  Writer w;
  w.SetU32("general.alignment", 256);
  w.SetString("corral.note", "rewritten by corral");
  w.SetF64("corral.f64", 0.125);
  for (const KeyValue& kv : in->metadata()) w.SetValue(kv.key, kv.value);
  w.SetString("general.name", "corral copy");
  for (const TensorInfo& t : in->tensors()) ASSERT_TRUE(w.AddTensor(t.name, t.type, t.shape, t.data).ok());
  const fs::path out_path = dir_ / "aligned.gguf";
  ASSERT_TRUE(w.Write(out_path.string()).ok());
  Result<File> out = File::Open(out_path.string());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->alignment(), 256u);

  const std::string expected = GreedyTokens(in_path);
  EXPECT_NE(expected.find('['), std::string::npos) << expected;
  EXPECT_EQ(GreedyTokens(out_path), expected);
}

}  // namespace
}  // namespace corral::gguf
