// Splits a Jinja template into tokens exactly as jinja2's lexer does with Hugging Face's settings
// (trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False): template data between tags, the
// `{{ }}` / `{% %}` delimiters, and the expression tokens inside them. Comments and `{% raw %}` are
// resolved here. Whitespace control (`-`, `+`) and the two trim options change the data tokens only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace corral::jinja {

enum class TokenType : uint8_t {
  kData,
  kVariableBegin,
  kVariableEnd,
  kBlockBegin,
  kBlockEnd,
  kName,
  kString,
  kInteger,
  kFloat,
  // operators
  kAdd,
  kSub,
  kDiv,
  kFloorDiv,
  kMul,
  kMod,
  kPow,
  kTilde,
  kLBracket,
  kRBracket,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kAssign,
  kDot,
  kColon,
  kPipe,
  kComma,
  kSemicolon,
  kEq,
  kNe,
  kLt,
  kLtEq,
  kGt,
  kGtEq,
  kEof,
};

struct Token {
  TokenType type;
  int line;
  std::string text;  // data, name, or the decoded string literal
  int64_t int_value = 0;
  double float_value = 0.0;
};

// Describes a token for error messages the way jinja2 does ("end of print statement", "'name'", ...).
std::string DescribeToken(const Token& token);
std::string_view DescribeTokenType(TokenType type);

struct LexerOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

// Errors carry "line N: message".
Result<std::vector<Token>> Tokenize(std::string_view source, const LexerOptions& options = {});

}  // namespace corral::jinja
