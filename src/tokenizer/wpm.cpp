// WordPiece ("bert" vocabs) as llama.cpp's llm_tokenizer_wpm_session runs it. llama.cpp's converter stores
// a word-initial piece with a leading U+2581 ('▁') and a continuation piece ("##ing" in Hugging Face's
// vocab.txt) without its "##", so one greedy longest-match pass over "▁" + word finds both kinds.
//
// Normalisation (Hugging Face's BertNormalizer as llama.cpp approximates it): whitespace ends a word;
// NUL, U+FFFD and control/format/private-use/surrogate code points are dropped; with strip_accents every
// code point becomes the first code point of its NFD form and marks (Mn, Mc, Me) are dropped; with
// lowercase the simple lowercase mapping applies; punctuation, ASCII symbols and CJK ideographs become words
// of their own. The Unicode properties come from ICU, as llama.cpp's own tables come from UnicodeData.txt.
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>

#include <algorithm>

#include "tokenizer/codec.h"

namespace corral::tokenizer {
namespace {

// llama.cpp's whitespace set: Unicode's White_Space property (PropList.txt).
bool IsWhitespace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

// The CJK ranges of Hugging Face's BertPreTokenizer, including its 0x2B920 (not 0x2B820) start that
// llama.cpp copies.
bool IsChineseChar(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

int8_t Category(uint32_t cp) {
  return u_charType(static_cast<UChar32>(cp));
}

// \p{C} without Cn: unassigned code points stay in words (llama.cpp flags them "undefined", not control).
bool IsControl(int8_t category) {
  return category == U_CONTROL_CHAR || category == U_FORMAT_CHAR || category == U_PRIVATE_USE_CHAR ||
         category == U_SURROGATE;
}

bool IsMark(int8_t category) {
  return category == U_NON_SPACING_MARK || category == U_ENCLOSING_MARK ||
         category == U_COMBINING_SPACING_MARK;
}

bool IsPunctuation(int8_t category) {
  return category == U_DASH_PUNCTUATION || category == U_START_PUNCTUATION || category == U_END_PUNCTUATION ||
         category == U_CONNECTOR_PUNCTUATION || category == U_OTHER_PUNCTUATION ||
         category == U_INITIAL_PUNCTUATION || category == U_FINAL_PUNCTUATION;
}

bool IsSymbol(int8_t category) {
  return category == U_MATH_SYMBOL || category == U_CURRENCY_SYMBOL || category == U_MODIFIER_SYMBOL ||
         category == U_OTHER_SYMBOL;
}

// llama.cpp's NFD keeps one code point per input code point: the first of its canonical decomposition
// (so "é" becomes "e" and the accent is never produced, and a Hangul syllable becomes its leading jamo).
uint32_t FirstOfNfd(const UNormalizer2* nfd, uint32_t cp) {
  if (cp < 0xC0 || nfd == nullptr) return cp;  // nothing below U+00C0 decomposes
  UChar buffer[32];
  UErrorCode error = U_ZERO_ERROR;
  const int32_t length = unorm2_getDecomposition(nfd, static_cast<UChar32>(cp), buffer, 32, &error);
  if (U_FAILURE(error) || length <= 0) return cp;
  UChar32 first = 0;
  int32_t offset = 0;
  U16_NEXT(buffer, offset, length, first);
  return static_cast<uint32_t>(first);
}

std::vector<std::string> SplitWords(const Vocab& vocab, std::string_view text) {
  UErrorCode error = U_ZERO_ERROR;
  const UNormalizer2* nfd = vocab.wpm_strip_accents ? unorm2_getNFDInstance(&error) : nullptr;
  if (U_FAILURE(error)) nfd = nullptr;
  std::vector<std::string> words(1);
  for (size_t offset = 0; offset < text.size();) {
    uint32_t cp = DecodeCodepoint(text, offset);
    if (nfd != nullptr) cp = FirstOfNfd(nfd, cp);
    if (IsWhitespace(cp)) {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    const int8_t category = Category(cp);
    if (cp == 0 || cp == kReplacementChar || IsControl(category)) continue;
    if (vocab.wpm_strip_accents && IsMark(category)) continue;
    const uint32_t mapped =
        vocab.wpm_lowercase ? static_cast<uint32_t>(u_tolower(static_cast<UChar32>(cp))) : cp;
    if (IsPunctuation(category) || (cp < 0x7F && IsSymbol(category)) || IsChineseChar(cp)) {
      if (!words.back().empty()) words.emplace_back();
      AppendUtf8(mapped, words.back());
      words.emplace_back();
    } else {
      AppendUtf8(mapped, words.back());
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

}  // namespace

void EncodeWpmFragment(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
  std::string word;
  for (const std::string& bare : SplitWords(vocab, text)) {
    word.assign("\xE2\x96\x81");
    word += bare;
    const size_t n = word.size();
    const size_t first = out.size();
    // Greedy longest match over bytes, as llama.cpp does; a word with any unmatched position becomes one
    // unknown token.
    bool complete = true;
    for (size_t i = 0; i < n && complete;) {
      complete = false;
      for (size_t j = std::min(n, i + vocab.max_token_bytes + 1); j > i; --j) {
        const int32_t id = vocab.Find(std::string_view(word).substr(i, j - i));
        if (id == kNoToken) continue;
        out.push_back(id);
        i = j;
        complete = true;
        break;
      }
    }
    if (!complete) out.resize(first);
    if (out.size() == first && vocab.unk != kNoToken) out.push_back(vocab.unk);
  }
}

}  // namespace corral::tokenizer
