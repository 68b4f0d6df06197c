// Every case llama.cpp's own test-tokenizer-0 holds for the BPE, SentencePiece and WordPiece vocabs of the
// test data: the ids must match exactly (add_special = false, parse_special = false, as that test tokenizes).
#include <gtest/gtest.h>

#include <string>

#include "tokenizer/vocab_file.h"

namespace corral::testing {
namespace {

class VocabCasesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VocabCasesTest, MatchesLlamaCppTestTokenizer0) {
  const tokenizer::Tokenizer& tok = LoadTokenizer(GetParam());
  const std::vector<VocabCase> cases = ReadVocabCases(GetParam());
  ASSERT_GT(cases.size(), 10u);
  int failures = 0;
  for (const VocabCase& c : cases) {
    const std::vector<int32_t> ids = tok.Encode(c.text, /*add_special=*/false, /*parse_special=*/false);
    EXPECT_EQ(ids, c.ids) << GetParam() << ": text '" << c.text << "'";
    if (ids != c.ids && ++failures > 5) break;
  }
}

INSTANTIATE_TEST_SUITE_P(AllVocabsWithCases, VocabCasesTest,
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
