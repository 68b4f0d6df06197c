// corral's tokenizer against llama.cpp live (../shared/peer/ref.mjs), on texts generated here from a seed
// (mixed scripts, emoji, digits, whitespace runs, special-token text) rather than the fixed golden texts.
// Each vocab goes into a tiny corral-testmodel GGUF first, since llama.cpp refuses vocab-only files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "../cli/run_process.h"
#include "peer/peer_ready.h"
#include "tokenizer/vocab_file.h"

namespace corral::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> GeneratedTexts(uint32_t seed, int count) {
  const std::vector<std::string> atoms = {"the",
                                          " The",
                                          "  ",
                                          "   ",
                                          "\t",
                                          "\n",
                                          "\r\n",
                                          "\n\n\n",
                                          "123",
                                          "4567890",
                                          "3.14",
                                          "'s",
                                          "'LL",
                                          "'ve",
                                          " don't",
                                          "日本",
                                          "語",
                                          "中文",
                                          "한국어",
                                          "مرحبا",
                                          "שלום",
                                          "Привет",
                                          "Ελλάδα",
                                          "हिन्दी",
                                          "ไทย",
                                          "🦙",
                                          "😀",
                                          "👨‍👩‍👧",
                                          "é",
                                          "e\u0301",
                                          "ß",
                                          "ﬁ",
                                          "(",
                                          ")",
                                          "{",
                                          "}",
                                          "==",
                                          "->",
                                          "::",
                                          "//",
                                          "#",
                                          "$",
                                          "%",
                                          "^",
                                          "~",
                                          "<|eot_id|>",
                                          "<|im_start|>",
                                          "<|im_end|>",
                                          "<s>",
                                          "</s>",
                                          "<unk>",
                                          "<end_of_turn>",
                                          "\u00a0",
                                          "\u3000",
                                          "\u200b",
                                          "x",
                                          "Hello",
                                          "world",
                                          ".",
                                          ",",
                                          "!",
                                          "?",
                                          "...",
                                          "—",
                                          "“",
                                          "”",
                                          "½",
                                          "٣"};
  std::mt19937 rng(seed);
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 24);
    for (int j = 0; j < n; ++j) text += atoms[rng() % atoms.size()];
    texts.push_back(text);
  }
  return texts;
}

class TokenizerParityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerParityTest, MatchesLlamaCppOnGeneratedTexts) {
  ASSERT_TRUE(PeerReady());
  const fs::path dir = fs::temp_directory_path() / ("corral-tok-parity-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string model = (dir / (GetParam() + ".gguf")).string();
  const ProcessResult made =
      RunProcess({CORRAL_TESTMODEL_EXE, "--vocab", VocabPath(GetParam()), "--out", model, "--dim", "64",
                  "--layers", "1", "--heads", "1", "--kv-heads", "1", "--ffn", "64", "--dtype", "f32"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::vector<std::string> texts = GeneratedTexts(/*seed=*/20261126, /*count=*/60);
  const std::string text_file = (dir / "texts.jsonl").string();
  {
    std::ofstream out(text_file);
    for (const std::string& text : texts) out << nlohmann::json(text).dump() << "\n";
  }
  const ProcessResult ref = RunProcess({"node", (PeerDir() / "ref.mjs").string(), "tokenize", "--model",
                                        model, "--text-file", text_file, "--jsonl"});
  fs::remove_all(dir);
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  const nlohmann::json result = nlohmann::json::parse(ref.out, nullptr, false);
  ASSERT_TRUE(result.is_object()) << ref.out.substr(0, 500);
  ASSERT_EQ(result["lines"].size(), texts.size());
  const tokenizer::Tokenizer& tok = LoadTokenizer(GetParam());
  for (const nlohmann::json& line : result["lines"]) {
    const std::string text = line["text"].get<std::string>();
    EXPECT_EQ(tok.Encode(text, true, true), WithSep(tok, line["ids"].get<std::vector<int32_t>>()))
        << "text: " << text;
    EXPECT_EQ(tok.Encode(text, true, false), WithSep(tok, line["plain"].get<std::vector<int32_t>>()))
        << "text: " << text;
  }
}

INSTANTIATE_TEST_SUITE_P(Vocabs, TokenizerParityTest,
                         ::testing::Values("llama-bpe", "llama-spm", "qwen2", "phi-3", "deepseek-llm",
                                           "falcon", "bert-bge"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace corral::testing
