// llama.cpp's GBNF grammar format (grammars/README.md there), parsed into a Grammar:
//
//   root   ::= answer ("," ws answer)*        # a comment
//   answer ::= "yes" | "no" | [0-9]{1,3} | [^\x00-\x1f"]+
//   ws     ::= [ \t\n]*
//
// Rules `name ::= alternatives` (names of letters, digits and '-'; a rule ends at the end of its line
// unless a parenthesis is open or the next line starts with '|'); "literals" and [classes] with ranges,
// negation [^...] and escapes (\n \r \t \\ \" \] \[ \- \xHH \uHHHH \UHHHHHHHH), '.' for any character,
// grouping ( ), alternation |, repetition * + ? {m} {m,} {m,n}; UTF-8 anywhere. Repetitions become plain
// rules; left recursion is an error (the matcher could never finish expanding it).
#pragma once

#include <memory>
#include <string_view>

#include "base/status.h"
#include "sample/grammar/grammar.h"

namespace corral::sample::grammar {

// InvalidArgument "line L, column C: what is wrong" for malformed text, an undefined rule, a missing root
// rule, or left recursion.
Result<std::shared_ptr<const Grammar>> ParseGbnf(std::string_view text, std::string_view root = "root");

}  // namespace corral::sample::grammar
