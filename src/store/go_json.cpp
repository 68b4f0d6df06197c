#include "store/go_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace corral::store {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendUnicodeEscape(std::string& out, uint32_t code) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(code >> shift) & 0xF];
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one (overlong forms, surrogates and
// code points above U+10FFFF are invalid, as in Go's utf8.DecodeRuneInString).
size_t ValidUtf8Length(std::string_view s, size_t i, uint32_t* code) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  const uint8_t c = b(0);
  size_t len = 0;
  uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  *code = cp;
  return len;
}

}  // namespace

void AppendGoJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '<':
        case '>':
        case '&':
          AppendUnicodeEscape(out, c);
          break;
        default:
          if (c < 0x20) {
            AppendUnicodeEscape(out, c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    uint32_t code = 0;
    const size_t len = ValidUtf8Length(s, i, &code);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (code == 0x2028 || code == 0x2029) {
      AppendUnicodeEscape(out, code);
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  out += '"';
}

std::string GoJsonFloat64(double v) {
  char buf[64];
  const double a = std::fabs(v);
  const bool exponent = a != 0 && (a < 1e-6 || a >= 1e21);
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v,
                                       exponent ? std::chars_format::scientific : std::chars_format::fixed);
  std::string out = ec == std::errc() ? std::string(buf, end) : std::string("0");
  if (exponent) {
    // Go writes e-7 where C writes e-07 (e+21 stays).
    const size_t n = out.size();
    if (n >= 4 && out[n - 4] == 'e' && out[n - 3] == '-' && out[n - 2] == '0') out.erase(n - 2, 1);
  }
  return out;
}

}  // namespace corral::store
