// `corral run` and `corral bench`, run as programs on a small model corral-testmodel writes: the completion
// is printed and stops where num_predict says, the same seed gives the same text, --verbose prints Ollama's
// timing block, bad options and files fail with one line; bench --json reports every field.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "run_process.h"
#include "test_paths.h"

namespace corral {
namespace {

namespace fs = std::filesystem;
using corral::testing::ProcessResult;
using corral::testing::RunProcess;

class RunCommandTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("corral-run-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    const ProcessResult r =
        RunProcess({CORRAL_TESTMODEL_EXE,
                    "--vocab",
                    (corral::testing::TestDataDir() / "models" / "ggml-vocab-llama-bpe.gguf").string(),
                    "--dim",
                    "64",
                    "--layers",
                    "2",
                    "--heads",
                    "4",
                    "--kv-heads",
                    "2",
                    "--ffn",
                    "128",
                    "--ctx",
                    "256",
                    "--dtype",
                    "q8_0",
                    "--seed",
                    "5",
                    "--out",
                    Model().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static fs::path Model() { return *dir_ / "tiny.gguf"; }

  static ProcessResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {CORRAL_EXE, "run", Model().string()});
    return RunProcess(args);
  }

  static fs::path* dir_;
};

fs::path* RunCommandTest::dir_ = nullptr;

// "eval count:           7 token(s)" → 7
int EvalCount(const std::string& err, const std::string& label) {
  std::smatch m;
  if (!std::regex_search(err, m, std::regex("\n" + label + " count: +([0-9]+) token\\(s\\)"))) return -1;
  return std::stoi(m[1]);
}

TEST_F(RunCommandTest, GreedyRawCompletionStopsAtNumPredict) {
  const ProcessResult r =
      Run({"Once upon a time", "--raw", "-o", "temperature=0", "-o", "num_predict=7", "--verbose"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.out.empty());
  EXPECT_EQ(EvalCount(r.err, "eval"), 7) << r.err;
  EXPECT_EQ(EvalCount(r.err, "prompt eval"), 5) << r.err;  // BOS + 4 tokens
  for (const char* line : {"total duration:", "load duration:", "prompt eval duration:", "prompt eval rate:",
                           "eval duration:", "eval rate:"}) {
    EXPECT_NE(r.err.find(line), std::string::npos) << line << " missing in\n" << r.err;
  }
  // Greedy twice: the same text.
  EXPECT_EQ(Run({"Once upon a time", "--raw", "-o", "temperature=0", "-o", "num_predict=7"}).out, r.out);
}

TEST_F(RunCommandTest, SameSeedSameTextOtherSeedOtherText) {
  auto sample = [&](const std::string& seed) {
    return Run({"Once upon a time", "--raw", "-o", "temperature=1.5", "-o", "top_k=0", "-o", "top_p=1", "-o",
                "seed=" + seed, "-o", "num_predict=24"});
  };
  const ProcessResult a = sample("7");
  const ProcessResult b = sample("7");
  const ProcessResult c = sample("8");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
}

TEST_F(RunCommandTest, PromptFromStdinWhenNoneIsGiven) {
  const fs::path prompt = *dir_ / "prompt.txt";
  std::FILE* f = std::fopen(prompt.c_str(), "w");
  std::fputs("Once upon a time", f);
  std::fclose(f);
  const ProcessResult r = RunProcess({"sh", "-c",
                                      std::string(CORRAL_EXE) + " run " + Model().string() +
                                          " --raw -o temperature=0 -o num_predict=7 < " + prompt.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, Run({"Once upon a time", "--raw", "-o", "temperature=0", "-o", "num_predict=7"}).out);
}

TEST_F(RunCommandTest, ContextEndStopsGeneration) {
  // num_ctx 12 leaves 7 positions after a 5-token prompt: the 8th token cannot be stored.
  const ProcessResult r = Run({"Once upon a time", "--raw", "-o", "temperature=0", "-o", "num_ctx=12", "-o",
                               "num_predict=50", "--verbose"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(EvalCount(r.err, "eval"), 8) << r.err;
}

TEST_F(RunCommandTest, BadOptionsAndFilesFailWithOneLine) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"hi", "-o", "temprature=0"}, "unknown option 'temprature'"},
      {{"hi", "-o", "top_k=many"}, "option top_k"},
      {{"hi", "-o", "temperature=-1"}, "option temperature"},
      {{"hi", "-o", "num_ctx"}, "expected name=value"},
  };
  for (const Case& c : cases) {
    const ProcessResult r = Run(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.message;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  const ProcessResult missing = RunProcess({CORRAL_EXE, "run", (*dir_ / "nope.gguf").string(), "hi"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no such model file"), std::string::npos) << missing.err;
  const fs::path junk = *dir_ / "junk.gguf";
  std::FILE* f = std::fopen(junk.c_str(), "w");
  std::fputs("not a gguf file at all", f);
  std::fclose(f);
  const ProcessResult corrupt = RunProcess({CORRAL_EXE, "run", junk.string(), "hi"});
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_EQ(std::count(corrupt.err.begin(), corrupt.err.end(), '\n'), 1) << corrupt.err;
}

TEST_F(RunCommandTest, BenchJsonReportsEveryField) {
  const ProcessResult r = RunProcess({CORRAL_EXE, "bench", Model().string(), "-p", "16", "-n", "4", "-t", "2",
                                      "-r", "2", "-d", "8", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["prefill_tps"].get<double>(), 0);
  EXPECT_GT(j["decode_tps"].get<double>(), 0);
  EXPECT_EQ(j["threads"], 2);
  EXPECT_EQ(j["depth"], 8);
  EXPECT_EQ(j["prefill_tps_all"].size(), 2u);
  EXPECT_GT(j["model_bytes"].get<int64_t>(), 0);
  EXPECT_LE(j["model_bytes"].get<int64_t>(), static_cast<int64_t>(fs::file_size(Model())));
  EXPECT_GT(j["peak_rss_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(j["architecture"], "llama");
}

}  // namespace
}  // namespace corral
