// Tokenizer behaviour beyond the test-tokenizer-0 cases: special tokens, BOS/EOS, end-of-generation ids,
// pieces, decoding, and hostile input. Expected ids come from the vocab itself (looked up by text) or from
// llama.cpp's rules as cited, never from corral's own output.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>

#include "tokenizer/unicode_text.h"
#include "tokenizer/vocab_file.h"

namespace corral::testing {
namespace {

using tokenizer::Tokenizer;

int32_t IdOf(const Tokenizer& tok, std::string_view text) {
  for (int32_t id = 0; id < tok.n_vocab(); ++id) {
    if (tok.TokenText(id) == text) return id;
  }
  return -1;
}

TEST(TokenizerTest, Llama3SpecialIdsAndEndOfGeneration) {
  const Tokenizer& tok = LoadTokenizer("llama-bpe");
  EXPECT_EQ(tok.kind(), tokenizer::TokenizerKind::kBpe);
  EXPECT_EQ(tok.pre(), "llama-bpe");
  EXPECT_EQ(tok.n_vocab(), 128256);
  EXPECT_EQ(tok.bos(), 128000);
  EXPECT_EQ(tok.eos(), 128001);
  EXPECT_TRUE(tok.add_bos());  // llama-bpe forces add_bos
  EXPECT_FALSE(tok.add_eos());
  const int32_t eot = IdOf(tok, "<|eot_id|>");
  ASSERT_GE(eot, 0);
  // <|eot_id|> ends generation by its text (llama.cpp's EOG list), whatever eot_token_id says.
  EXPECT_TRUE(tok.IsEndOfGeneration(tok.eos()));
  EXPECT_TRUE(tok.IsEndOfGeneration(eot));
  EXPECT_TRUE(tok.IsEndOfGeneration(tok.eot()));
  EXPECT_FALSE(tok.IsEndOfGeneration(tok.bos()));
  EXPECT_FALSE(tok.IsEndOfGeneration(IdOf(tok, "Hello")));
  EXPECT_FALSE(tok.IsEndOfGeneration(-1));
  EXPECT_FALSE(tok.IsEndOfGeneration(tok.n_vocab()));
  EXPECT_TRUE(tok.IsControl(eot));
}

TEST(TokenizerTest, ChatMlAndGemmaEndOfTurnTokensEndGeneration) {
  const Tokenizer& qwen = LoadTokenizer("qwen2");
  EXPECT_TRUE(qwen.IsEndOfGeneration(IdOf(qwen, "<|im_end|>")));
  EXPECT_TRUE(qwen.IsEndOfGeneration(IdOf(qwen, "<|endoftext|>")));
  EXPECT_FALSE(qwen.IsEndOfGeneration(IdOf(qwen, "<|im_start|>")));
  const Tokenizer& phi3 = LoadTokenizer("phi-3");
  EXPECT_TRUE(phi3.IsEndOfGeneration(IdOf(phi3, "<|end|>")));
  EXPECT_TRUE(phi3.IsEndOfGeneration(phi3.eos()));
}

TEST(TokenizerTest, AddSpecialAddsBosAndKeepsADoubleBos) {
  const Tokenizer& tok = LoadTokenizer("llama-bpe");
  const std::vector<int32_t> plain = tok.Encode("Hello world", false, false);
  std::vector<int32_t> with_bos = {tok.bos()};
  with_bos.insert(with_bos.end(), plain.begin(), plain.end());
  EXPECT_EQ(tok.Encode("Hello world"), with_bos);
  // llama.cpp only warns when the text itself starts with BOS: the prompt then has two.
  std::vector<int32_t> double_bos = {tok.bos(), tok.bos()};
  double_bos.insert(double_bos.end(), plain.begin(), plain.end());
  EXPECT_EQ(tok.Encode("<|begin_of_text|>Hello world"), double_bos);
  EXPECT_EQ(tok.Encode(""), std::vector<int32_t>{tok.bos()});
  EXPECT_TRUE(tok.Encode("", false, true).empty());
}

TEST(TokenizerTest, ParseSpecialControlsWhetherControlTokenTextIsSpecial) {
  const Tokenizer& tok = LoadTokenizer("llama-bpe");
  const int32_t eot = IdOf(tok, "<|eot_id|>");
  const std::vector<int32_t> parsed = tok.Encode("a<|eot_id|>b", false, true);
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[1], eot);
  EXPECT_EQ(parsed[0], tok.Encode("a", false, false)[0]);
  const std::vector<int32_t> plain = tok.Encode("a<|eot_id|>b", false, false);
  EXPECT_GT(plain.size(), 3u);
  EXPECT_EQ(std::find(plain.begin(), plain.end(), eot), plain.end());
}

TEST(TokenizerTest, SentencePieceSpacePrefixAndByteFallback) {
  const Tokenizer& tok = LoadTokenizer("llama-spm");
  EXPECT_EQ(tok.kind(), tokenizer::TokenizerKind::kSpm);
  EXPECT_TRUE(tok.add_space_prefix());
  // "Hello" becomes "▁Hello", one vocab entry in Llama 2.
  EXPECT_EQ(tok.Encode("Hello", false, false), std::vector<int32_t>{IdOf(tok, "\xE2\x96\x81Hello")});
  EXPECT_EQ(tok.Encode("Hello", true, false), (std::vector<int32_t>{1, IdOf(tok, "\xE2\x96\x81Hello")}));
  // A character outside the vocab falls back to its UTF-8 bytes as <0xXX> tokens.
  const std::vector<int32_t> ids = tok.Encode("\xF0\x9F\xA6\x99", false, false);  // 🦙
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(tok.TokenText(ids[1]), "<0xF0>");
  EXPECT_EQ(tok.TokenText(ids[4]), "<0x99>");
  EXPECT_TRUE(tok.IsByte(ids[1]));
  EXPECT_EQ(tok.Piece(ids[1]), "\xF0");
  EXPECT_EQ(tok.Decode(ids), "\xF0\x9F\xA6\x99");
  // After a special token the next text fragment gets the space prefix again.
  const std::vector<int32_t> with_special = tok.Encode("a</s>b", false, true);
  ASSERT_EQ(with_special.size(), 3u);
  EXPECT_EQ(with_special[1], 2);
  EXPECT_EQ(with_special[2], IdOf(tok,
                                  "\xE2\x96\x81"
                                  "b"));
}

TEST(TokenizerTest, PiecesAndTokenText) {
  const Tokenizer& spm = LoadTokenizer("llama-spm");
  EXPECT_EQ(spm.TokenText(13), "<0x0A>");
  EXPECT_EQ(spm.Piece(13), "\n");
  EXPECT_EQ(spm.Piece(IdOf(spm, "\xE2\x96\x81the")), " the");
  EXPECT_EQ(spm.Piece(1), "");  // <s> is CONTROL: hidden unless rendered
  EXPECT_EQ(spm.Piece(1, true), "<s>");
  const Tokenizer& bpe = LoadTokenizer("gpt-2");
  EXPECT_EQ(bpe.Piece(IdOf(bpe, "\xC4\xA0the")), " the");  // Ġthe
  EXPECT_EQ(bpe.Piece(IdOf(bpe, "\xC4\x8A")), "\n");       // Ċ
  EXPECT_EQ(bpe.Piece(-5), "");
  EXPECT_EQ(bpe.TokenText(bpe.n_vocab()), "");
}

TEST(TokenizerTest, DecodeRemovesTheSentencePieceLeadingSpaceOnce) {
  const Tokenizer& tok = LoadTokenizer("llama-spm");
  EXPECT_EQ(tok.Decode(tok.Encode("Hello world", false, false)), "Hello world");
  // llama_detokenize strips the space of the *first* token only, and a leading BOS is that first token
  // (rendered or not), so a prompt with BOS decodes with its space prefix.
  EXPECT_EQ(tok.Decode(tok.Encode("Hello world")), " Hello world");
  EXPECT_EQ(tok.Decode(tok.Encode("  two spaces", false, false)), "  two spaces");
  EXPECT_EQ(tok.Decode(tok.Encode("<s>x", true, true), true), "<s><s> x");
}

TEST(TokenizerTest, DecodeCleansTokenizationSpacesWhereTheVocabDoes) {
  // GPT-2 decodes with clean_up_tokenization_spaces (Hugging Face's rule, which llama.cpp copies).
  const Tokenizer& gpt2 = LoadTokenizer("gpt-2");
  EXPECT_EQ(gpt2.Decode(gpt2.Encode("Hello , world . Yes ! No ? it 's I 've", false, false)),
            "Hello, world. Yes! No? it's I've");
  // Qwen2 does not.
  const Tokenizer& qwen = LoadTokenizer("qwen2");
  EXPECT_EQ(qwen.Decode(qwen.Encode("Hello , world .", false, false)), "Hello , world .");
}

// Text round-trips through vocabs that neither normalize nor clean spaces (every valid UTF-8 test case).
TEST(TokenizerTest, LosslessVocabsRoundTripEveryTestCase) {
  for (const char* name : {"llama-spm", "qwen2", "qwen35", "deepseek-coder", "deepseek-llm", "command-r"}) {
    const Tokenizer& tok = LoadTokenizer(name);
    for (const VocabCase& c : ReadVocabCases(name)) {
      if (!tokenizer::IsValidUtf8(c.text)) continue;
      EXPECT_EQ(tok.Decode(c.ids), c.text) << name;
    }
  }
}

TEST(TokenizerTest, InvalidUtf8IsReadAsReplacementCharactersLikeLlamaCpp) {
  // llama.cpp decodes text to code points first; an invalid byte becomes U+FFFD before pre-tokenizing.
  const Tokenizer& tok = LoadTokenizer("llama-bpe");
  EXPECT_EQ(tok.Encode("a\xFF"
                       "b",
                       false, false),
            tok.Encode("a\xEF\xBF\xBD"
                       "b",
                       false, false));
  EXPECT_EQ(tok.Encode("\xE6\x97", false, false), tok.Encode("\xEF\xBF\xBD\xEF\xBF\xBD", false, false));
  // SentencePiece works on raw bytes: the stray byte is a byte token.
  const Tokenizer& spm = LoadTokenizer("llama-spm");
  const std::vector<int32_t> ids = spm.Encode("\xFF", false, false);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(spm.TokenText(ids.back()), "<0xFF>");
}

TEST(TokenizerTest, HostileInputNeverCrashes) {
  std::mt19937 rng(7);
  std::vector<std::string> texts = {std::string(100000, ' '),
                                    std::string(50000, '\n'),
                                    std::string(30000, '9'),
                                    std::string(20000, '\t') + "x",
                                    std::string(3000, '\xFF'),
                                    std::string(2000, '\x80'),
                                    "\xF4\x90\x80\x80",
                                    "\xED\xA0\x80",
                                    "\xC0\x80",
                                    std::string(1, '\0') + "a",
                                    "<|<|<|eot_id|>|>|>"};
  for (int i = 0; i < 200; ++i) {
    std::string s(rng() % 64, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    texts.push_back(std::move(s));
  }
  for (const char* name : {"llama-bpe", "llama-spm", "gpt-2", "deepseek-llm", "gemma-4", "falcon"}) {
    const Tokenizer& tok = LoadTokenizer(name);
    for (const std::string& text : texts) {
      for (bool special : {false, true}) {
        const std::vector<int32_t> ids = tok.Encode(text, special, special);
        for (int32_t id : ids) ASSERT_TRUE(tok.IsValid(id)) << name;
        (void)tok.Decode(ids, special);
      }
    }
    EXPECT_EQ(tok.Decode(std::vector<int32_t>{-1, tok.n_vocab(), 1 << 30}), "");
  }
}

TEST(TokenizerTest, ConcurrentConstUseGivesTheSameIds) {
  for (const char* name : {"llama-bpe", "llama-spm"}) {
    const Tokenizer& tok = LoadTokenizer(name);
    std::vector<std::string> texts;
    for (const VocabCase& c : ReadVocabCases(name)) texts.push_back(c.text + " <|eot_id|></s> " + c.text);
    std::vector<std::vector<int32_t>> expected;
    std::vector<std::string> decoded;
    for (const std::string& text : texts) {
      expected.push_back(tok.Encode(text));
      decoded.push_back(tok.Decode(expected.back()));
    }
    std::vector<std::thread> threads;
    std::vector<int> mismatches(4, 0);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int round = 0; round < 3; ++round) {
          for (size_t i = 0; i < texts.size(); ++i) {
            if (tok.Encode(texts[i]) != expected[i] || tok.Decode(expected[i]) != decoded[i]) {
              ++mismatches[t];
            }
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (int m : mismatches) EXPECT_EQ(m, 0) << name;
  }
}

TEST(TokenizerTest, MissingTokenizerKeysAreAnError) {
  // Any GGUF without tokenizer.ggml.model: a vocab file's bytes cut down to a header with no metadata.
  const std::vector<uint8_t> bytes = {'G', 'G', 'U', 'F', 3, 0, 0, 0, 0, 0, 0, 0,
                                      0,   0,   0,   0,   0, 0, 0, 0, 0, 0, 0, 0};
  auto file = gguf::File::FromBytes(bytes);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto tok = Tokenizer::FromGguf(*file);
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace corral::testing
