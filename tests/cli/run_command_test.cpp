// `corral run` and `corral bench`, run as programs on a small model corral-testmodel writes: the completion
// is printed and stops where num_predict says, the same seed gives the same text, --verbose prints Ollama's
// timing block, bad options and files fail with one line; bench --json reports every field.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "run_process.h"
#include "test_models.h"
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
    const ProcessResult r = corral::testing::WriteTestModel(Model(), "ggml-vocab-llama-bpe.gguf",
                                                            {.dim = 64, .ffn = 128, .ctx = 256},
                                                            {"--dtype", "q8_0", "--seed", "5"});
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

// "eval count:           7 token(s)" → 7 (-1 when the line is missing).
int EvalCount(const std::string& err, const std::string& label) {
  const std::string key = "\n" + label + " count:";
  const size_t at = err.find(key);
  if (at == std::string::npos) return -1;
  size_t i = at + key.size();
  while (i < err.size() && err[i] == ' ') ++i;
  size_t end = i;
  while (end < err.size() && std::isdigit(static_cast<unsigned char>(err[end]))) ++end;
  if (end == i || err.compare(end, 9, " token(s)") != 0) return -1;
  return std::stoi(err.substr(i, end - i));
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

// Without --raw the prompt goes through the model's chat template: the prompt tokens run evaluates are
// exactly those of the rendered template with specials parsed and one BOS — llama.cpp's chat path strips a
// template's leading BOS text when the vocab adds BOS itself (common/chat.cpp), so `corral tokenize` of the
// rendering without it counts them.
TEST_F(RunCommandTest, ChatTemplateFormatsThePromptUnlessRaw) {
  const fs::path tpl = *dir_ / "chat.jinja";
  std::FILE* f = std::fopen(tpl.c_str(), "w");
  std::fputs(
      "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n"
      "{{ m.content }}<|eot_id|>{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant"
      "<|end_header_id|>\n\n{% endif %}",
      f);
  std::fclose(f);
  const fs::path model = *dir_ / "chat.gguf";
  const ProcessResult made = corral::testing::WriteTestModel(
      model, "ggml-vocab-llama-bpe.gguf",
      {.dim = 64, .layers = 1, .heads = 2, .kv_heads = 1, .ffn = 128, .ctx = 256},
      {"--dtype", "f16", "--chat-template", tpl.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string rendered =
      "<|start_header_id|>user<|end_header_id|>\n\nWhy is the sky blue?<|eot_id|>"
      "<|start_header_id|>assistant<|end_header_id|>\n\n";
  const ProcessResult ids =
      RunProcess({CORRAL_EXE, "tokenize", model.string(), "--text", rendered, "--json"});
  ASSERT_EQ(ids.exit_code, 0) << ids.err;
  const auto expected = static_cast<int>(nlohmann::json::parse(ids.out)["tokens"].size());
  ASSERT_GT(expected, 10);
  const ProcessResult chat = RunProcess({CORRAL_EXE, "run", model.string(), "Why is the sky blue?", "-o",
                                         "temperature=0", "-o", "num_predict=2", "--verbose"});
  ASSERT_EQ(chat.exit_code, 0) << chat.err;
  EXPECT_EQ(EvalCount(chat.err, "prompt eval"), expected) << chat.err;
  const ProcessResult raw = RunProcess({CORRAL_EXE, "run", model.string(), "Why is the sky blue?", "--raw",
                                        "-o", "temperature=0", "-o", "num_predict=2", "--verbose"});
  EXPECT_EQ(EvalCount(raw.err, "prompt eval"), 7) << raw.err;  // BOS + 6 words
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
  EXPECT_EQ(j["parallel"], 1);
}

TEST_F(RunCommandTest, BenchDecodesSequencesInParallel) {
  const ProcessResult r = RunProcess({CORRAL_EXE, "bench", Model().string(), "-p", "0", "-n", "4", "-t", "2",
                                      "-r", "1", "-d", "8", "--parallel", "3", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["parallel"], 3);
  EXPECT_GT(j["decode_tps"].get<double>(), 0);
  // Three sequences of depth 8 + 4 tokens each fit the KV cache; more sequences than a batch are refused.
  const ProcessResult bad =
      RunProcess({CORRAL_EXE, "bench", Model().string(), "-p", "0", "-n", "4", "-b", "2", "--parallel", "3"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--parallel"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace corral
