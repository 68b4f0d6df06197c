// Every file type corral create --quantize offers, against llama-quantize: the tensor data of corral's
// output equals the recorded llama-quantize output byte for byte (quantize_goldens.h), and where
// ../shared/peer/quantize is set up, a live llama-quantize run of one mixture gives the same whole file.
// Label parity: ~1 min under ASan for the fourteen types.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../cli/run_process.h"
#include "gguf/file.h"
#include "store/quantize.h"
#include "store/quantize_goldens.h"
#include "store/sha256.h"
#include "store/store.h"
#include "test_models.h"
#include "test_paths.h"

namespace corral::store {
namespace {

namespace fs = std::filesystem;

class QuantizeParityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("corral-quant-parity-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    const testing::ProcessResult r = corral::testing::WriteTestModel(
        F16(), "ggml-vocab-llama-spm.gguf", {.ffn = 512, .ctx = 512}, {"--dtype", "f16", "--seed", "7"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static fs::path F16() { return *dir_ / "f16.gguf"; }
  static fs::path* dir_;
};
fs::path* QuantizeParityTest::dir_ = nullptr;

std::vector<uint8_t> Quantize(const gguf::File& f16, quant::FileType type) {
  ThreadPool pool(2);
  std::vector<uint8_t> out;
  Status s = QuantizeGguf(
      f16, type,
      [&out](std::span<const uint8_t> bytes) {
        out.insert(out.end(), bytes.begin(), bytes.end());
        return Status::Ok();
      },
      &pool);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST_F(QuantizeParityTest, EveryTypeMatchesTheRecordedLlamaQuantizeData) {
  Result<gguf::File> f16 = gguf::File::Open(F16().string());
  ASSERT_TRUE(f16.ok());
  Result<std::string> digest = FileDigest(F16().string());
  ASSERT_EQ(*digest, std::string("sha256:") + kF16Sha256);
  for (const Golden& g : kLlamaQuantize) {
    SCOPED_TRACE(g.type);
    const std::vector<uint8_t> out = Quantize(*f16, *quant::FileTypeFromName(g.type));
    Result<gguf::File> q = gguf::File::FromBytes(out);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    Sha256 h;
    h.Update(std::span<const uint8_t>(out).subspan(q->data_offset()));
    EXPECT_EQ(out.size() - q->data_offset(), g.data_bytes);
    EXPECT_EQ(h.HexDigest(), g.data_sha256);
  }
}

TEST_F(QuantizeParityTest, LiveLlamaQuantizeWritesTheSameFile) {
  const fs::path tool = testing::PeerDir() / "quantize";
  if (!fs::exists(tool)) GTEST_SKIP() << "no " << tool;
  const fs::path theirs = *dir_ / "q5_k_m.gguf";
  const testing::ProcessResult r = testing::RunProcess(
      {tool.string(), "--quiet", "--threads", "1", F16().string(), theirs.string(), "Q5_K_M"});
  if (r.exit_code != 0) GTEST_SKIP() << "peer quantize did not run: " << r.err;
  Result<gguf::File> f16 = gguf::File::Open(F16().string());
  ASSERT_TRUE(f16.ok());
  const std::vector<uint8_t> ours = Quantize(*f16, quant::FileType::kQ5_K_M);
  std::ifstream in(theirs, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  ASSERT_EQ(ours.size(), bytes.size());
  EXPECT_TRUE(std::equal(ours.begin(), ours.end(), reinterpret_cast<const uint8_t*>(bytes.data())));
}

}  // namespace
}  // namespace corral::store
