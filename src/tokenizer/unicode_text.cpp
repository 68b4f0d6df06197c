#include "tokenizer/unicode_text.h"

namespace corral::tokenizer {
namespace {

bool IsContinuation(uint8_t byte) {
  return (byte & 0xC0) == 0x80;
}

}  // namespace

uint32_t DecodeCodepoint(std::string_view text, size_t& offset) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[offset + i]); };
  const size_t left = text.size() - offset;
  const uint8_t lead = byte(0);
  uint32_t cp = kReplacementChar;
  size_t length = 1;
  if (lead < 0x80) {
    cp = lead;
  } else if ((lead & 0x40) == 0) {
    // A continuation byte where a sequence should start.
  } else if ((lead & 0x20) == 0) {
    if (left >= 2 && IsContinuation(byte(1))) {
      cp = (uint32_t{lead} & 0x1F) << 6 | (byte(1) & 0x3F);
      length = 2;
    }
  } else if ((lead & 0x10) == 0) {
    if (left >= 3 && IsContinuation(byte(1)) && IsContinuation(byte(2))) {
      cp = (uint32_t{lead} & 0x0F) << 12 | (uint32_t{byte(1)} & 0x3F) << 6 | (byte(2) & 0x3F);
      length = 3;
    }
  } else if ((lead & 0x08) == 0) {
    if (left >= 4 && IsContinuation(byte(1)) && IsContinuation(byte(2)) && IsContinuation(byte(3))) {
      cp = (uint32_t{lead} & 0x07) << 18 | (uint32_t{byte(1)} & 0x3F) << 12 |
           (uint32_t{byte(2)} & 0x3F) << 6 | (byte(3) & 0x3F);
      length = 4;
      if (cp > 0x10FFFF) cp = kReplacementChar;
    }
  }
  offset += length;
  return cp;
}

std::vector<uint32_t> DecodeCodepoints(std::string_view text) {
  std::vector<uint32_t> cps;
  cps.reserve(text.size());
  for (size_t offset = 0; offset < text.size();) cps.push_back(DecodeCodepoint(text, offset));
  return cps;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp <= 0x7F) {
    out.push_back(static_cast<char>(cp));
  } else if (cp <= 0x7FF) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp <= 0xFFFF) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

ByteLevelAlphabet::ByteLevelAlphabet() {
  decoded_.fill(-1);
  uint32_t next_extra = 0x100;
  for (int byte = 0; byte < 256; ++byte) {
    const bool printable = (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) || byte >= 0xAE;
    const uint32_t cp = printable ? static_cast<uint32_t>(byte) : next_extra++;
    std::string utf8;
    AppendUtf8(cp, utf8);
    encoded_[byte] = {utf8[0], utf8.size() > 1 ? utf8[1] : '\0'};
    encoded_size_[byte] = static_cast<uint8_t>(utf8.size());
    decoded_[cp] = static_cast<int16_t>(byte);
  }
}

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<uint8_t>(text[i]);
    size_t offset = i;
    const uint32_t cp = DecodeCodepoint(text, offset);
    const size_t length = offset - i;
    if (cp == kReplacementChar && length == 1 && lead >= 0x80) return false;
    const bool overlong =
        (length == 2 && cp < 0x80) || (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
    if (overlong || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    // U+FFFD itself takes 3 bytes: a 4-byte sequence decoding to it was above U+10FFFF.
    if (length == 4 && cp == kReplacementChar) return false;
    i = offset;
  }
  return true;
}

}  // namespace corral::tokenizer
