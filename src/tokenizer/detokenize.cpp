// Token ids back to text, as llama.cpp's token_to_piece and detokenize produce it.
#include <cstdio>

#include "tokenizer/codec.h"

namespace corral::tokenizer {
namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581 '▁'

std::string UnescapeSpaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, kSpaceMarker.size(), kSpaceMarker) == 0) {
      out += ' ';
      i += kSpaceMarker.size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

// <0xAB> -> 0xAB, as llama.cpp's token_to_byte reads characters 3 and 4 with strtol.
std::string ByteTokenValue(std::string_view text) {
  if (text.size() < 5) return {};
  const char hex[3] = {text[3], text[4], '\0'};
  return std::string(1, static_cast<char>(std::strtol(hex, nullptr, 16)));
}

// A byte-level token's text back to bytes; code points outside the byte alphabet are spelled out the way
// llama.cpp's llama_decode_text does.
std::string DecodeByteLevel(const Vocab& vocab, std::string_view text) {
  std::string out;
  for (size_t offset = 0; offset < text.size();) {
    const uint32_t cp = DecodeCodepoint(text, offset);
    const int byte = vocab.alphabet.Decode(cp);
    if (byte >= 0) {
      out += static_cast<char>(byte);
      continue;
    }
    std::string utf8;
    AppendUtf8(cp, utf8);
    out += "[UNK_BYTE_0x";
    for (char c : utf8) {
      char hex[3];
      std::snprintf(hex, sizeof(hex), "%02x", static_cast<uint8_t>(c));
      out += hex;
    }
    out += text;
    out += ']';
  }
  return out;
}

}  // namespace

std::string RenderPiece(const Vocab& vocab, int32_t id) {
  const TokenData& token = vocab.tokens[id];
  if (token.attr & (kAttrUnknown | kAttrControl | kAttrUserDefined)) return token.text;
  if (token.attr & kAttrNormal) {
    // SentencePiece and WordPiece vocabs spell a word-initial space as U+2581.
    if (vocab.kind != VocabKind::kBpe || vocab.escape_whitespaces) return UnescapeSpaces(token.text);
    return DecodeByteLevel(vocab, token.text);
  }
  if (token.attr & kAttrByte) return ByteTokenValue(token.text);
  return {};  // UNUSED / UNDEFINED tokens decode to nothing
}

// llama.cpp's clean_spaces passes (Hugging Face's clean_up_tokenization_spaces): drop the space in " ?",
// " !", " .", " ,"; turn " ' " into "'"; drop the space before 's 'm 're 've.
void CleanUpTokenizationSpaces(std::string& text) {
  if (text.empty()) return;
  std::string out;
  out.reserve(text.size());
  out += text[0];
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (text[i - 1] == ' ' && (c == '?' || c == '!' || c == '.' || c == ',')) out.pop_back();
    out += c;
  }
  text.swap(out);

  out.clear();
  out += text[0];
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\'' && i + 1 < text.size() && text[i - 1] == ' ' && text[i + 1] == ' ') {
      out.pop_back();
      out += c;
      // The space after is dropped and, as in llama.cpp, the next comparison sees a NUL in its place.
      text[++i] = '\0';
      continue;
    }
    out += c;
  }
  text.swap(out);

  out.clear();
  out += text[0];
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (text[i - 1] == ' ' && c == '\'' && i + 1 < text.size()) {
      const char c1 = text[i + 1];
      const char c2 = i + 2 < text.size() ? text[i + 2] : '\0';
      if (c1 == 's' || c1 == 'm' ||
          (i + 2 < text.size() && ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e')))) {
        out.pop_back();
      }
    }
    out += c;
  }
  text.swap(out);
}

}  // namespace corral::tokenizer
