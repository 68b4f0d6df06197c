// `corral run --format json|SCHEMA` and the sampling options of issue 5 from the command line: constrained
// output parses (and keeps to the schema), repeatable stop strings end the text, bad formats and options
// fail with one clear line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_process.h"
#include "test_models.h"
#include "test_paths.h"

namespace corral {
namespace {

namespace fs = std::filesystem;
using corral::testing::ProcessResult;
using corral::testing::RunProcess;

class RunFormatTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("corral-run-format-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    const ProcessResult r = corral::testing::WriteTestModel(
        Model(), "ggml-vocab-llama-bpe.gguf",
        {.dim = 64, .layers = 1, .heads = 2, .kv_heads = 1, .ffn = 128, .ctx = 512},
        {"--logit-std", "2", "--seed", "9"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static fs::path Model() { return *dir_ / "tiny.gguf"; }
  static fs::path Dir() { return *dir_; }

  static ProcessResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {CORRAL_EXE, "run", Model().string(), "Reply in JSON.", "--raw"});
    return RunProcess(args);
  }

  static fs::path* dir_;
};

fs::path* RunFormatTest::dir_ = nullptr;

TEST_F(RunFormatTest, FormatJsonPrintsOneJsonObject) {
  for (const char* seed : {"1", "2"}) {
    const ProcessResult r = Run({"--format", "json", "-o", "temperature=1", "-o", std::string("seed=") + seed,
                                 "-o", "num_predict=300"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json out = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(out.is_discarded()) << r.out;
    EXPECT_TRUE(out.is_object()) << r.out;
  }
}

TEST_F(RunFormatTest, FormatSchemaFileKeepsToTheSchema) {
  const fs::path schema = Dir() / "person.json";
  std::ofstream(schema) << R"({"type": "object", "properties": {
      "name": {"type": "string", "maxLength": 6},
      "age": {"type": "integer", "minimum": 18, "maximum": 99},
      "pets": {"type": "array", "items": {"enum": ["cat", "dog"]}, "maxItems": 2}},
    "required": ["name", "age", "pets"]})";
  for (const std::string& arg : {"@" + schema.string(), schema.string()}) {
    const ProcessResult r =
        Run({"--format", arg, "-o", "temperature=1", "-o", "seed=4", "-o", "num_predict=200"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json out = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(out.is_object()) << r.out;
    EXPECT_LE(out.at("name").get<std::string>().size(), 6u * 4);
    EXPECT_GE(out.at("age").get<int>(), 18);
    EXPECT_LE(out.at("age").get<int>(), 99);
    EXPECT_LE(out.at("pets").size(), 2u);
  }
}

TEST_F(RunFormatTest, BadFormatsFailWithOneLine) {
  ProcessResult r = Run({"--format", R"({"type": "array", "uniqueItems": true})"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unsupported keyword 'uniqueItems'"), std::string::npos) << r.err;
  r = Run({"--format", (Dir() / "missing.json").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos) << r.err;
}

TEST_F(RunFormatTest, RepeatableStopStringsEndTheText) {
  const std::vector<std::string> greedy = {"-o", "temperature=0", "-o", "num_predict=16"};
  const ProcessResult full = Run(greedy);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_GE(full.out.size(), 8u);
  const std::string stop = full.out.substr(4, 3);
  std::vector<std::string> args = greedy;
  args.insert(args.end(), {"-o", "stop=never-seen", "-o", "stop=" + stop});
  const ProcessResult cut = Run(args);
  ASSERT_EQ(cut.exit_code, 0) << cut.err;
  EXPECT_EQ(cut.out, full.out.substr(0, full.out.find(stop)) + "\n");
}

TEST_F(RunFormatTest, SamplingOptionsAreCheckedByName) {
  ProcessResult r = Run({"-o", "typical_p=2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("typical_p"), std::string::npos) << r.err;
  r = Run({"-o", "logit_bias=12"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("TOKEN_ID:BIAS"), std::string::npos) << r.err;
  r = Run({"-o", "logit_bias=99999999:1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("outside the vocabulary"), std::string::npos) << r.err;
  r = Run({"-o", "typical_p=0.9", "-o", "logit_bias=13:-100", "-o", "num_predict=4"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace corral
