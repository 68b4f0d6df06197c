// StreamingDetokenizer: fed one id at a time it must never emit part of a UTF-8 character, and what it
// emits must add up to the decoded text.
#include <gtest/gtest.h>

#include <string>

#include "tokenizer/unicode_text.h"
#include "tokenizer/vocab_file.h"

namespace corral::testing {
namespace {

using tokenizer::StreamingDetokenizer;
using tokenizer::Tokenizer;

const char* const kTexts[] = {
    "日本語のテキストです。東京は大きな都市です。",
    "🦙 llamas 🦙🦙 😀😃😄 👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽",
    "中文文本测试，你好世界！한국어 텍스트 مرحبا بالعالم שלום",
    "Zürich Äpfel naïve café — “quotes” ½ ⅔ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "plain ASCII text with\nnewlines\tand tabs",
};

// Pushes every id and checks each chunk; returns the concatenation (with Flush).
std::string StreamAll(const Tokenizer& tok, const std::vector<int32_t>& ids) {
  StreamingDetokenizer stream(tok);
  std::string all;
  for (int32_t id : ids) {
    const std::string chunk = stream.Push(id);
    EXPECT_TRUE(tokenizer::IsValidUtf8(chunk)) << "chunk for id " << id << " ends inside a character";
    all += chunk;
  }
  const std::string rest = stream.Flush();
  EXPECT_TRUE(tokenizer::IsValidUtf8(rest));
  return all + rest;
}

TEST(StreamingDetokenizerTest, SplitsAtEveryIdWithoutBreakingCharacters) {
  // Byte-fallback SPM and byte-level BPE vocabs both cut multi-byte characters across ids.
  for (const char* name : {"llama-spm", "llama-bpe", "qwen2", "gpt-2", "phi-3", "gemma-4"}) {
    const Tokenizer& tok = LoadTokenizer(name);
    for (const char* text : kTexts) {
      const std::vector<int32_t> ids = tok.Encode(text, false, false);
      EXPECT_EQ(StreamAll(tok, ids), text) << name;
    }
  }
}

TEST(StreamingDetokenizerTest, SomeIdsReallyEndMidCharacter) {
  // Guards the test above: with gpt-2's byte-level vocab, 🦙 spans several ids, so holding bytes matters.
  const Tokenizer& tok = LoadTokenizer("gpt-2");
  const std::vector<int32_t> ids = tok.Encode("\xF0\x9F\xA6\x99", false, false);
  ASSERT_GT(ids.size(), 1u);
  StreamingDetokenizer stream(tok);
  EXPECT_EQ(stream.Push(ids[0]), "");
  std::string all;
  for (size_t i = 1; i < ids.size(); ++i) all += stream.Push(ids[i]);
  EXPECT_EQ(all, "\xF0\x9F\xA6\x99");
}

TEST(StreamingDetokenizerTest, SpecialTokensAndLeadingSpace) {
  const Tokenizer& tok = LoadTokenizer("llama-spm");
  const std::vector<int32_t> ids = tok.Encode("Hello</s> world", true, true);
  // As Decode: BOS and </s> hidden; BOS is the first token, so no space is stripped; the text after </s>
  // got its own space prefix when encoded.
  EXPECT_EQ(StreamAll(tok, ids), tok.Decode(ids));
  EXPECT_EQ(StreamAll(tok, ids), " Hello  world");
  StreamingDetokenizer rendered(tok, /*render_special=*/true);
  std::string all;
  for (int32_t id : ids) all += rendered.Push(id);
  EXPECT_EQ(all, "<s> Hello</s>  world");
  EXPECT_EQ(all, tok.Decode(ids, /*render_special=*/true));
  // Without BOS, the first token's space prefix is removed.
  EXPECT_EQ(StreamAll(tok, tok.Encode("Hello", false, false)), "Hello");
}

TEST(StreamingDetokenizerTest, BrokenBytesBecomeReplacementCharacters) {
  const Tokenizer& tok = LoadTokenizer("llama-spm");
  const auto byte_token = [&](const char* text) {
    for (int32_t id = 0; id < tok.n_vocab(); ++id) {
      if (tok.TokenText(id) == text) return id;
    }
    return -1;
  };
  StreamingDetokenizer stream(tok);
  EXPECT_EQ(stream.Push(byte_token("<0xE6>")), "");  // start of a 3-byte character: held
  EXPECT_EQ(stream.Push(byte_token("<0x41>")),
            "\xEF\xBF\xBD"
            "A");                                                // broken: U+FFFD, then 'A'
  EXPECT_EQ(stream.Push(byte_token("<0x80>")), "\xEF\xBF\xBD");  // stray continuation byte
  EXPECT_EQ(stream.Push(byte_token("<0xE6>")), "");
  EXPECT_EQ(stream.Flush(), "\xEF\xBF\xBD");  // unfinished at the end
}

}  // namespace
}  // namespace corral::testing
