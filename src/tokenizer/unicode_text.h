// UTF-8 helpers with llama.cpp's exact lenience, so that corral splits and re-encodes hostile text the way
// the reference tokenizer does: an invalid byte becomes U+FFFD and decoding resumes at the next byte;
// overlong forms and surrogates decode to their (non-canonical) code points; code points above U+10FFFF
// (lead bytes F5..F7), which llama.cpp cannot re-encode and refuses by throwing, become U+FFFD here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace corral::tokenizer {

inline constexpr uint32_t kReplacementChar = 0xFFFD;

// Bytes in the UTF-8 sequence that starts with `lead`, judged from its top four bits only (a continuation
// byte counts as 1). llama.cpp splits SPM/BPE symbols with this rule, even inside invalid text.
inline size_t Utf8SequenceLength(uint8_t lead) {
  static constexpr std::array<uint8_t, 16> kLengths = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLengths[lead >> 4];
}

// Decodes one code point at `offset` and advances it (by 1 on an invalid sequence, yielding U+FFFD).
// REQUIRES: offset < text.size().
uint32_t DecodeCodepoint(std::string_view text, size_t& offset);

std::vector<uint32_t> DecodeCodepoints(std::string_view text);

// Appends the UTF-8 form of `cp` (surrogates are written as 3-byte sequences, as llama.cpp does).
// REQUIRES: cp <= 0x10FFFF.
void AppendUtf8(uint32_t cp, std::string& out);

// GPT-2's byte-level alphabet: bytes 0x21-0x7E, 0xA1-0xAC and 0xAE-0xFF stand for themselves; the other 68
// bytes map, in increasing order, to U+0100, U+0101, ... (space -> U+0120 'Ġ', LF -> U+010A 'Ċ').
class ByteLevelAlphabet {
 public:
  ByteLevelAlphabet();
  // The UTF-8 text of the code point that stands for `byte`.
  std::string_view Encode(uint8_t byte) const { return {encoded_[byte].data(), encoded_size_[byte]}; }
  // The byte a code point stands for, or -1 when it is not in the alphabet.
  int Decode(uint32_t cp) const { return cp < decoded_.size() ? decoded_[cp] : -1; }

 private:
  std::array<std::array<char, 2>, 256> encoded_{};
  std::array<uint8_t, 256> encoded_size_{};
  std::array<int16_t, 324> decoded_{};  // code points up to U+0143
};

// True when `text` is entirely valid, shortest-form UTF-8 without surrogates.
bool IsValidUtf8(std::string_view text);

}  // namespace corral::tokenizer
