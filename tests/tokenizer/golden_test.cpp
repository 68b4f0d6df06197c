// Texts chosen to stress pre-tokenizers (code, emoji, CJK, RTL scripts, long space/digit runs, CRLF/tabs,
// special-token text mid-string), tokenized by llama.cpp itself into golden/<vocab>.json by make_golden.sh.
// Both of llama.cpp's prompt modes must match id for id: "ids" (add_special, parse_special) and "plain"
// (add_special, parse_special off).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tokenizer/vocab_file.h"

namespace corral::testing {
namespace {

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesLlamaCppPromptTokenization) {
  const std::string path = (SourceDir() / "tests" / "tokenizer" / "golden" / (GetParam() + ".json")).string();
  const nlohmann::json golden =
      nlohmann::json::parse(ReadWholeFile(path), nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(golden.is_object()) << "cannot read " << path;
  const tokenizer::Tokenizer& tok = LoadTokenizer(GetParam());
  EXPECT_EQ(golden["bos"].get<int32_t>(), tok.bos());
  EXPECT_EQ(golden["add_bos"].get<bool>(), tok.add_bos());
  EXPECT_EQ(golden["add_eos"].get<bool>(), tok.add_eos());
  ASSERT_GE(golden["lines"].size(), 40u);
  for (const nlohmann::json& line : golden["lines"]) {
    const std::string text = line["text"].get<std::string>();
    EXPECT_EQ(tok.Encode(text, true, true), WithSep(tok, line["ids"].get<std::vector<int32_t>>()))
        << "text: " << text;
    EXPECT_EQ(tok.Encode(text, true, false), WithSep(tok, line["plain"].get<std::vector<int32_t>>()))
        << "text: " << text;
  }
}

INSTANTIATE_TEST_SUITE_P(AllVocabs, GoldenTest,
                         ::testing::Values("llama-bpe", "llama-spm", "qwen2", "qwen35", "gpt-2",
                                           "deepseek-llm", "deepseek-coder", "falcon", "starcoder", "refact",
                                           "command-r", "mpt", "phi-3", "gemma-4", "bert-bge"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace corral::testing
