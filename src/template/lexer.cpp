#include "template/lexer.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "template/unicode.h"

namespace corral::jinja {

std::string_view DescribeTokenType(TokenType type) {
  switch (type) {
    case TokenType::kData:
      return "template data / text";
    case TokenType::kVariableBegin:
      return "begin of print statement";
    case TokenType::kVariableEnd:
      return "end of print statement";
    case TokenType::kBlockBegin:
      return "begin of statement block";
    case TokenType::kBlockEnd:
      return "end of statement block";
    case TokenType::kName:
      return "name";
    case TokenType::kString:
      return "string";
    case TokenType::kInteger:
      return "integer";
    case TokenType::kFloat:
      return "float";
    case TokenType::kAdd:
      return "+";
    case TokenType::kSub:
      return "-";
    case TokenType::kDiv:
      return "/";
    case TokenType::kFloorDiv:
      return "//";
    case TokenType::kMul:
      return "*";
    case TokenType::kMod:
      return "%";
    case TokenType::kPow:
      return "**";
    case TokenType::kTilde:
      return "~";
    case TokenType::kLBracket:
      return "[";
    case TokenType::kRBracket:
      return "]";
    case TokenType::kLParen:
      return "(";
    case TokenType::kRParen:
      return ")";
    case TokenType::kLBrace:
      return "{";
    case TokenType::kRBrace:
      return "}";
    case TokenType::kAssign:
      return "=";
    case TokenType::kDot:
      return ".";
    case TokenType::kColon:
      return ":";
    case TokenType::kPipe:
      return "|";
    case TokenType::kComma:
      return ",";
    case TokenType::kSemicolon:
      return ";";
    case TokenType::kEq:
      return "==";
    case TokenType::kNe:
      return "!=";
    case TokenType::kLt:
      return "<";
    case TokenType::kLtEq:
      return "<=";
    case TokenType::kGt:
      return ">";
    case TokenType::kGtEq:
      return ">=";
    case TokenType::kEof:
      return "end of template";
  }
  return "token";
}

std::string DescribeToken(const Token& token) {
  if (token.type == TokenType::kName) return token.text;
  return std::string(DescribeTokenType(token.type));
}

namespace {

Status SyntaxError(int line, std::string message) {
  return Status::InvalidArgument(std::string("line ").append(std::to_string(line)) + ": " + message);
}

// jinja2 normalises \r\n and \r to \n and drops one trailing newline (keep_trailing_newline=False).
std::string NormalizeSource(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
      out.push_back('\n');
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool IsAsciiDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsNameChar(char c) {
  return IsNameStart(c) || IsAsciiDigit(c);
}

int CountNewlines(std::string_view s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

class Lexer {
 public:
  Lexer(std::string source, const LexerOptions& options) : src_(std::move(source)), options_(options) {}

  Result<std::vector<Token>> Run() {
    while (pos_ < src_.size()) {
      const size_t tag = FindTagStart(pos_);
      if (tag == std::string::npos) {
        Emit(TokenType::kData, src_.substr(pos_));
        line_ += CountNewlines(std::string_view(src_).substr(pos_));
        break;
      }
      CORRAL_RETURN_IF_ERROR(LexTag(tag));
    }
    tokens_.push_back(Token{TokenType::kEof, line_, {}});
    return std::move(tokens_);
  }

 private:
  size_t FindTagStart(size_t from) const {
    for (size_t p = src_.find('{', from); p != std::string::npos; p = src_.find('{', p + 1)) {
      if (p + 1 < src_.size() && (src_[p + 1] == '{' || src_[p + 1] == '%' || src_[p + 1] == '#')) return p;
    }
    return std::string::npos;
  }

  // Python's \s* from `pos`: returns the end of the run.
  size_t SkipSpace(size_t pos) const {
    while (pos < src_.size()) {
      size_t next = pos;
      if (!IsPySpace(NextCodePoint(src_, next))) break;
      pos = next;
    }
    return pos;
  }

  bool AllSpace(std::string_view s) const {
    if (s.empty()) return false;  // whitespace_re.fullmatch needs at least one character
    for (size_t p = 0; p < s.size();) {
      if (!IsPySpace(NextCodePoint(s, p))) return false;
    }
    return true;
  }

  // The data before a tag, after `-` stripping or lstrip_blocks (jinja2's OptionalLStrip rule).
  std::string_view StripData(std::string_view text, char sign, bool is_variable) const {
    if (sign == '-') return PyStrip(text, nullptr, false, true);
    if (sign != '+' && options_.lstrip_blocks && !is_variable) {
      const size_t nl = text.rfind('\n');
      const size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
      if ((l_pos > 0 || line_starting_) && AllSpace(text.substr(l_pos))) return text.substr(0, l_pos);
    }
    return text;
  }

  void Emit(TokenType type, std::string_view text) {
    if (type == TokenType::kData && text.empty()) return;
    tokens_.push_back(Token{type, line_, std::string(text)});
  }

  // Matches `{%[-+]?\s*WORD\s*(-%}\s*|%}...)` at p; returns the end of the match or npos.
  size_t MatchKeywordTag(size_t p, std::string_view word, bool allow_plus_end, char* begin_sign) const {
    size_t q = p + 2;
    *begin_sign = 0;
    if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) *begin_sign = src_[q++];
    q = SkipSpace(q);
    if (src_.compare(q, word.size(), word) != 0) return std::string::npos;
    q += word.size();
    if (q < src_.size() && IsNameChar(src_[q])) return std::string::npos;
    q = SkipSpace(q);
    if (allow_plus_end && src_.compare(q, 3, "+%}") == 0) return q + 3;
    if (src_.compare(q, 3, "-%}") == 0) return SkipSpace(q + 3);
    if (src_.compare(q, 2, "%}") == 0) {
      q += 2;
      if (allow_plus_end && options_.trim_blocks && q < src_.size() && src_[q] == '\n') ++q;
      return q;
    }
    return std::string::npos;
  }

  Status LexTag(size_t tag) {
    const char kind = src_[tag + 1];
    const char sign =
        (tag + 2 < src_.size() && (src_[tag + 2] == '-' || src_[tag + 2] == '+')) ? src_[tag + 2] : 0;
    const std::string_view text = std::string_view(src_).substr(pos_, tag - pos_);
    char raw_sign = 0;
    if (kind == '%') {
      const size_t raw_end = MatchKeywordTag(tag, "raw", false, &raw_sign);
      if (raw_end != std::string::npos) {
        Emit(TokenType::kData, StripData(text, raw_sign, false));
        line_ += CountNewlines(text) + CountNewlines(std::string_view(src_).substr(tag, raw_end - tag));
        line_starting_ = src_[raw_end - 1] == '\n';
        pos_ = raw_end;
        return LexRaw();
      }
    }
    Emit(TokenType::kData, StripData(text, sign, kind == '{'));
    line_ += CountNewlines(text);
    line_starting_ = false;
    pos_ = tag + 2 + (sign ? 1 : 0);
    if (kind == '#') return LexComment();
    tokens_.push_back(Token{kind == '{' ? TokenType::kVariableBegin : TokenType::kBlockBegin, line_, {}});
    return LexExpressionTokens(kind == '%');
  }

  Status LexRaw() {
    const int start_line = line_;
    for (size_t p = src_.find("{%", pos_); p != std::string::npos; p = src_.find("{%", p + 1)) {
      char sign = 0;
      const size_t end = MatchKeywordTag(p, "endraw", true, &sign);
      if (end == std::string::npos) continue;
      const std::string_view text = std::string_view(src_).substr(pos_, p - pos_);
      Emit(TokenType::kData, StripData(text, sign, false));
      line_ += CountNewlines(std::string_view(src_).substr(pos_, end - pos_));
      line_starting_ = src_[end - 1] == '\n';
      pos_ = end;
      return Status::Ok();
    }
    return SyntaxError(start_line, "Missing end of raw directive");
  }

  Status LexComment() {
    const size_t close = src_.find("#}", pos_);
    if (close == std::string::npos) return SyntaxError(line_, "Missing end of comment tag");
    const char sign =
        (close > pos_ && (src_[close - 1] == '-' || src_[close - 1] == '+')) ? src_[close - 1] : 0;
    size_t end = close + 2;
    if (sign == '-') {
      end = SkipSpace(end);
    } else if (sign == 0 && options_.trim_blocks && end < src_.size() && src_[end] == '\n') {
      ++end;
    }
    line_ += CountNewlines(std::string_view(src_).substr(pos_, end - pos_));
    line_starting_ = src_[end - 1] == '\n';
    pos_ = end;
    return Status::Ok();
  }

  // Matches the end delimiter of the current tag at pos_; returns its end or npos.
  size_t MatchTagEnd(bool block) const {
    const char c = src_[pos_];
    const std::string_view close = block ? "%}" : "}}";
    if (block && c == '+' && src_.compare(pos_ + 1, 2, close) == 0) return pos_ + 3;
    if (c == '-' && src_.compare(pos_ + 1, 2, close) == 0) return SkipSpace(pos_ + 3);
    if (src_.compare(pos_, 2, close) == 0) {
      size_t end = pos_ + 2;
      if (block && options_.trim_blocks && end < src_.size() && src_[end] == '\n') ++end;
      return end;
    }
    return std::string::npos;
  }

  Status LexExpressionTokens(bool block) {
    std::vector<char> balance;
    while (true) {
      if (pos_ >= src_.size()) return Status::Ok();  // the parser reports the unexpected end
      if (balance.empty()) {
        const size_t end = MatchTagEnd(block);
        if (end != std::string::npos) {
          tokens_.push_back(Token{block ? TokenType::kBlockEnd : TokenType::kVariableEnd, line_, {}});
          line_ += CountNewlines(std::string_view(src_).substr(pos_, end - pos_));
          line_starting_ = src_[end - 1] == '\n';
          pos_ = end;
          return Status::Ok();
        }
      }
      const size_t space_end = SkipSpace(pos_);
      if (space_end != pos_) {
        line_ += CountNewlines(std::string_view(src_).substr(pos_, space_end - pos_));
        pos_ = space_end;
        continue;
      }
      const char c = src_[pos_];
      if (IsAsciiDigit(c)) {
        CORRAL_RETURN_IF_ERROR(LexNumber());
        continue;
      }
      if (IsNameStart(c)) {
        size_t end = pos_;
        while (end < src_.size() && IsNameChar(src_[end])) ++end;
        tokens_.push_back(Token{TokenType::kName, line_, src_.substr(pos_, end - pos_)});
        pos_ = end;
        continue;
      }
      if (c == '\'' || c == '"') {
        CORRAL_RETURN_IF_ERROR(LexString());
        continue;
      }
      CORRAL_RETURN_IF_ERROR(LexOperator(balance));
    }
  }

  // (\d+_)*\d+ : returns the end, or npos when no digit is at p.
  size_t MatchDigits(size_t p) const {
    if (p >= src_.size() || !IsAsciiDigit(src_[p])) return std::string::npos;
    while (true) {
      while (p < src_.size() && IsAsciiDigit(src_[p])) ++p;
      if (p + 1 < src_.size() && src_[p] == '_' && IsAsciiDigit(src_[p + 1])) {
        ++p;
        continue;
      }
      return p;
    }
  }

  // Float: \d+ (\.\d+)? e[+-]?\d+ | \d+ \.\d+  (not directly after a '.', as jinja2's float_re says).
  size_t MatchFloat(size_t p) const {
    if (p > 0 && src_[p - 1] == '.') return std::string::npos;
    const size_t int_end = MatchDigits(p);
    if (int_end == std::string::npos) return std::string::npos;
    size_t frac_end = std::string::npos;
    if (int_end < src_.size() && src_[int_end] == '.') frac_end = MatchDigits(int_end + 1);
    auto match_exponent = [&](size_t q) -> size_t {
      if (q >= src_.size() || (src_[q] != 'e' && src_[q] != 'E')) return std::string::npos;
      ++q;
      if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
      return MatchDigits(q);
    };
    if (frac_end != std::string::npos) {
      const size_t with_exp = match_exponent(frac_end);
      return with_exp != std::string::npos ? with_exp : frac_end;
    }
    return match_exponent(int_end);
  }

  Status LexNumber() {
    const size_t float_end = MatchFloat(pos_);
    if (float_end != std::string::npos) {
      std::string digits;
      for (size_t i = pos_; i < float_end; ++i) {
        if (src_[i] != '_') digits.push_back(src_[i]);
      }
      Token token{TokenType::kFloat, line_, src_.substr(pos_, float_end - pos_)};
      token.float_value = std::strtod(digits.c_str(), nullptr);
      tokens_.push_back(std::move(token));
      pos_ = float_end;
      return Status::Ok();
    }
    // Integer: 0b.. 0o.. 0x.. with optional '_' between digits, [1-9](_?\d)*, or 0(_?0)*.
    int base = 10;
    size_t p = pos_;
    if (src_[p] == '0' && p + 1 < src_.size()) {
      const char prefix = static_cast<char>(src_[p + 1] | 0x20);
      if (prefix == 'b') base = 2;
      if (prefix == 'o') base = 8;
      if (prefix == 'x') base = 16;
    }
    auto digit_value = [](char ch) -> int {
      if (ch >= '0' && ch <= '9') return ch - '0';
      const char lower = static_cast<char>(ch | 0x20);
      if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
      return 99;
    };
    std::string digits;
    size_t end = p;
    if (base != 10) {
      size_t q = p + 2;
      while (true) {
        size_t r = q;
        if (r < src_.size() && src_[r] == '_') ++r;
        if (r < src_.size() && digit_value(src_[r]) < base) {
          digits.push_back(src_[r]);
          q = r + 1;
        } else {
          break;
        }
      }
      if (digits.empty()) {
        base = 10;  // "0x" without digits lexes as the integer 0 followed by a name
      } else {
        end = q;
      }
    }
    if (base == 10) {
      const bool zero = src_[p] == '0';
      size_t q = p + 1;
      digits.assign(1, src_[p]);
      while (true) {
        size_t r = q;
        if (r < src_.size() && src_[r] == '_') ++r;
        if (r < src_.size() && IsAsciiDigit(src_[r]) && (!zero || src_[r] == '0')) {
          digits.push_back(src_[r]);
          q = r + 1;
        } else {
          break;
        }
      }
      end = q;
    }
    int64_t value = 0;
    for (char ch : digits) {
      const int d = digit_value(ch);
      if (value > (std::numeric_limits<int64_t>::max() - d) / base) {
        return SyntaxError(line_, "integer literal too large");
      }
      value = value * base + d;
    }
    Token token{TokenType::kInteger, line_, src_.substr(pos_, end - pos_)};
    token.int_value = value;
    tokens_.push_back(std::move(token));
    pos_ = end;
    return Status::Ok();
  }

  static int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    const char lower = static_cast<char>(c | 0x20);
    if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
    return -1;
  }

  // Python's unicode-escape decoding of a string literal's body (after jinja2's backslashreplace step,
  // which makes a backslash before a non-ASCII character stay literal).
  Status DecodeEscapes(std::string_view body, int line, std::string* out) {
    for (size_t i = 0; i < body.size(); ++i) {
      const char c = body[i];
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (i + 1 >= body.size()) return SyntaxError(line, "\\ at end of string");
      const char e = body[++i];
      switch (e) {
        case '\n':
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '\'':
          out->push_back('\'');
          break;
        case '"':
          out->push_back('"');
          break;
        case 'a':
          out->push_back('\a');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'v':
          out->push_back('\v');
          break;
        case 'x':
        case 'u':
        case 'U': {
          const int count = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
          uint32_t cp = 0;
          for (int k = 0; k < count; ++k) {
            const int h = i + 1 < body.size() ? HexValue(body[i + 1]) : -1;
            if (h < 0) {
              return SyntaxError(line, std::string("truncated \\") + e + std::string(count, 'X') + " escape");
            }
            cp = cp * 16 + static_cast<uint32_t>(h);
            ++i;
          }
          if (cp > 0x10FFFF) return SyntaxError(line, "illegal Unicode character");
          AppendUtf8(*out, cp);
          break;
        }
        case 'N':
          return SyntaxError(line, "\\N{...} escapes are not supported");
        default:
          if (e >= '0' && e <= '7') {
            uint32_t cp = static_cast<uint32_t>(e - '0');
            for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k) {
              cp = cp * 8 + static_cast<uint32_t>(body[++i] - '0');
            }
            AppendUtf8(*out, cp);
          } else if (static_cast<unsigned char>(e) >= 0x80) {
            // backslashreplace turned the character into \xhh / \uhhhh / \Uhhhhhhhh; the decoder then read
            // "\\" as one backslash and the rest as plain text.
            size_t p = i;
            const char32_t cp = NextCodePoint(body, p);
            out->push_back('\\');
            if (cp < 0x100) {
              *out += 'x';
            } else if (cp < 0x10000) {
              *out += 'u';
            } else {
              *out += 'U';
            }
            const int digits = cp < 0x100 ? 2 : (cp < 0x10000 ? 4 : 8);
            static constexpr char kHex[] = "0123456789abcdef";
            for (int k = digits - 1; k >= 0; --k) out->push_back(kHex[(cp >> (4 * k)) & 0xF]);
            i = p - 1;
          } else {
            out->push_back('\\');  // unknown escapes stay as written
            out->push_back(e);
          }
      }
    }
    return Status::Ok();
  }

  Status LexString() {
    const char quote = src_[pos_];
    size_t p = pos_ + 1;
    while (p < src_.size() && src_[p] != quote) {
      if (src_[p] == '\\') ++p;
      ++p;
    }
    if (p >= src_.size()) {
      return SyntaxError(line_, std::string("unexpected char '") + quote + "' at " + std::to_string(pos_));
    }
    Token token{TokenType::kString, line_, {}};
    CORRAL_RETURN_IF_ERROR(
        DecodeEscapes(std::string_view(src_).substr(pos_ + 1, p - pos_ - 1), line_, &token.text));
    line_ += CountNewlines(std::string_view(src_).substr(pos_, p + 1 - pos_));
    tokens_.push_back(std::move(token));
    pos_ = p + 1;
    return Status::Ok();
  }

  Status LexOperator(std::vector<char>& balance) {
    struct Op {
      std::string_view text;
      TokenType type;
    };
    static constexpr Op kOps[] = {
        {"//", TokenType::kFloorDiv}, {"**", TokenType::kPow},     {"==", TokenType::kEq},
        {"!=", TokenType::kNe},       {">=", TokenType::kGtEq},    {"<=", TokenType::kLtEq},
        {"+", TokenType::kAdd},       {"-", TokenType::kSub},      {"/", TokenType::kDiv},
        {"*", TokenType::kMul},       {"%", TokenType::kMod},      {"~", TokenType::kTilde},
        {"[", TokenType::kLBracket},  {"]", TokenType::kRBracket}, {"(", TokenType::kLParen},
        {")", TokenType::kRParen},    {"{", TokenType::kLBrace},   {"}", TokenType::kRBrace},
        {"=", TokenType::kAssign},    {".", TokenType::kDot},      {":", TokenType::kColon},
        {"|", TokenType::kPipe},      {",", TokenType::kComma},    {";", TokenType::kSemicolon},
        {"<", TokenType::kLt},        {">", TokenType::kGt},
    };
    for (const Op& op : kOps) {
      if (src_.compare(pos_, op.text.size(), op.text) != 0) continue;
      const char c = op.text[0];
      if (op.text.size() == 1 && (c == '(' || c == '[' || c == '{')) {
        balance.push_back(c == '(' ? ')' : (c == '[' ? ']' : '}'));
      } else if (op.text.size() == 1 && (c == ')' || c == ']' || c == '}')) {
        if (balance.empty()) return SyntaxError(line_, std::string("unexpected '") + c + "'");
        const char expected = balance.back();
        balance.pop_back();
        if (expected != c) {
          return SyntaxError(line_, std::string("unexpected '") + c + "', expected '" + expected + "'");
        }
      }
      tokens_.push_back(Token{op.type, line_, std::string(op.text)});
      pos_ += op.text.size();
      return Status::Ok();
    }
    size_t p = pos_;
    std::string ch;
    AppendUtf8(ch, NextCodePoint(src_, p));
    return SyntaxError(line_, "unexpected char '" + ch + "' at " + std::to_string(pos_));
  }

  std::string src_;
  LexerOptions options_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view source, const LexerOptions& options) {
  Lexer lexer(NormalizeSource(source), options);
  return lexer.Run();
}

}  // namespace corral::jinja
