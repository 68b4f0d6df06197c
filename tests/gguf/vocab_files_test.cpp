// Real files: every vocab GGUF that llama.cpp ships (fetched by scripts/testdata) parses, and copying its
// metadata through the writer reproduces its bytes.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/mapped_file.h"
#include "gguf/file.h"
#include "gguf/writer.h"
#include "test_paths.h"

namespace corral::gguf {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> VocabFiles() {
  std::vector<fs::path> files;
  const fs::path dir = corral::testing::TestDataDir() / "models";
  if (!fs::is_directory(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".gguf") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(GgufVocabFiles, EveryVocabFileParsesAndCopiesExactly) {
  const std::vector<fs::path> files = VocabFiles();
  ASSERT_GE(files.size(), 10u) << "no vocab GGUFs under " << corral::testing::TestDataDir()
                               << "/models: run scripts/testdata";
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.filename().string());
    Result<File> file = File::Open(path.string());
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_TRUE(file->tensors().empty());
    Result<std::vector<std::string_view>> tokens = file->GetStringArray("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
    EXPECT_GT(tokens->size(), 1000u);
    EXPECT_TRUE(file->GetString("tokenizer.ggml.model").ok());
    EXPECT_TRUE(file->GetString("general.architecture").ok());

    Writer w;
    for (const KeyValue& kv : file->metadata()) w.SetValue(kv.key, kv.value);
    Result<std::vector<uint8_t>> copy = w.ToBytes();
    ASSERT_TRUE(copy.ok()) << copy.status().ToString();
    Result<MappedFile> original = MappedFile::Open(path.string());
    ASSERT_TRUE(original.ok());
    const std::span<const uint8_t> want = original->bytes();
    // The writer always writes version 3; some of these files are v2 (same layout). All else is identical.
    ASSERT_EQ(copy->size(), want.size());
    EXPECT_EQ(copy->at(4), 3);
    EXPECT_TRUE(std::equal(want.begin() + 5, want.end(), copy->begin() + 5));
  }
}

}  // namespace
}  // namespace corral::gguf
