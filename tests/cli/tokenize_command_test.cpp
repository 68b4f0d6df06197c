// `corral tokenize`, run as a program: ids as llama.cpp tokenizes a prompt (the golden files that
// tests/tokenizer/make_golden.sh took from llama.cpp) and as test-tokenizer-0 does (--no-special), text from
// --text and from stdin, --json, --detokenize, and errors (one line on stderr, exit status 1).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gguf/writer.h"
#include "run_process.h"
#include "test_paths.h"

namespace corral {
namespace {

namespace fs = std::filesystem;
using corral::testing::ProcessResult;
using corral::testing::RunProcess;

std::string Vocab(const std::string& name) {
  return (corral::testing::TestDataDir() / "models" / ("ggml-vocab-" + name + ".gguf")).string();
}

nlohmann::json Golden(const std::string& name) {
  std::ifstream in(corral::testing::SourceDir() / "tests" / "tokenizer" / "golden" / (name + ".json"));
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str(), nullptr, false);
}

std::string Joined(const std::vector<int32_t>& ids) {
  std::string line;
  for (size_t i = 0; i < ids.size(); ++i) line += (i > 0 ? " " : "") + std::to_string(ids[i]);
  return line + "\n";
}

ProcessResult Tokenize(std::vector<std::string> args) {
  args.insert(args.begin(), {CORRAL_EXE, "tokenize"});
  return RunProcess(args);
}

TEST(TokenizeCommandTest, PrintsLlamaCppPromptIds) {
  for (const char* vocab : {"llama-bpe", "llama-spm"}) {
    const nlohmann::json golden = Golden(vocab);
    ASSERT_TRUE(golden.is_object());
    for (size_t i : {2u, 30u}) {  // prose with contractions; special-token text mid-string
      const nlohmann::json& line = golden["lines"][i];
      const ProcessResult r = Tokenize({Vocab(vocab), "--text", line["text"].get<std::string>()});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(r.out, Joined(line["ids"].get<std::vector<int32_t>>())) << vocab << " line " << i;
      EXPECT_EQ(r.err, "");
    }
  }
}

TEST(TokenizeCommandTest, ReadsAllOfStdin) {
  // Line 15 of the golden texts has newlines inside; stdin is taken exactly, trailing bytes included.
  const nlohmann::json golden = Golden("llama-bpe");
  const std::string text = golden["lines"][15]["text"].get<std::string>();
  const fs::path file = fs::temp_directory_path() / ("corral-tokenize-" + std::to_string(::getpid()));
  std::ofstream(file, std::ios::binary) << text;
  const ProcessResult r = RunProcess(
      {"sh", "-c",
       std::string(CORRAL_EXE) + " tokenize '" + Vocab("llama-bpe") + "' < '" + file.string() + "'"});
  fs::remove(file);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, Joined(golden["lines"][15]["ids"].get<std::vector<int32_t>>()));
}

TEST(TokenizeCommandTest, NoSpecialTokenizesAsTestTokenizer0) {
  // llama.cpp's test-tokenizer-0 cases: add_special and parse_special both off. " Hello world" -> 22691 1917.
  const ProcessResult r = Tokenize({Vocab("llama-bpe"), "--no-special", "--text", " Hello world"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "22691 1917\n");
  const ProcessResult special = Tokenize({Vocab("llama-bpe"), "--no-special", "--text", "<|eot_id|>"});
  EXPECT_NE(special.out, "128009\n");  // the text of a control token stays text
}

TEST(TokenizeCommandTest, Json) {
  const ProcessResult r = Tokenize({Vocab("llama-bpe"), "--json", "--text", "Hello world"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json out = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(out.is_object()) << r.out;
  EXPECT_EQ(out["tokens"], nlohmann::json({128000, 9906, 1917}));
}

TEST(TokenizeCommandTest, Detokenize) {
  ProcessResult r = Tokenize({Vocab("llama-bpe"), "--detokenize", "--text", "128000 9906 1917"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<|begin_of_text|>Hello world\n");
  r = Tokenize({Vocab("llama-bpe"), "--detokenize", "--no-special", "--text", "[128000, 9906, 1917]"});
  EXPECT_EQ(r.out, "Hello world\n");
  r = Tokenize({Vocab("llama-bpe"), "--detokenize", "--json", "--text", "9906,1917"});
  EXPECT_EQ(nlohmann::json::parse(r.out, nullptr, false)["content"], "Hello world");
}

TEST(TokenizeCommandTest, ErrorsAreOneLineAndExitOne) {
  const fs::path dir = fs::temp_directory_path() / ("corral-tokenize-err-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string text_file = (dir / "not.gguf").string();
  std::ofstream(text_file) << "this is not a gguf file at all";
  gguf::Writer writer;
  writer.SetString("general.architecture", "llama");
  const std::string no_vocab = (dir / "novocab.gguf").string();
  ASSERT_TRUE(writer.Write(no_vocab).ok());
  const std::vector<std::vector<std::string>> cases = {
      {(dir / "missing.gguf").string(), "--text", "x"},
      {text_file, "--text", "x"},
      {no_vocab, "--text", "x"},
      {Vocab("llama-bpe"), "--detokenize", "--text", "12 abc"},
      {Vocab("llama-bpe"), "--detokenize", "--text", "999999999"},
  };
  for (const auto& args : cases) {
    const ProcessResult r = Tokenize(args);
    EXPECT_EQ(r.exit_code, 1) << args[0];
    EXPECT_EQ(r.out, "");
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    EXPECT_TRUE(r.err.starts_with("corral: ")) << r.err;
  }
  EXPECT_NE(Tokenize(cases[2]).err.find("no tokenizer"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace corral
