// A JSON-schema `pattern` (an ECMA-262 regular expression, matched unanchored as JSON Schema says) turned
// into a GBNF expression for the characters between a JSON string's quotes, written as JSON text: a '"' or
// '\' the pattern asks for comes out escaped, and classes never produce raw control characters.
//
// The subset: literals (UTF-8), escapes \d \D \w \W \s \S \n \r \t and escaped punctuation, '.', classes
// with ranges and negation, groups (capturing or (?:...)), alternation, * + ? {m} {m,} {m,n} (lazy forms
// as greedy), ^ at the start and $ at the end (without them any text may come before or after).
// Backreferences, lookaround, \b and the like are an InvalidArgument naming the construct.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace corral::sample::grammar {

// REQUIRES the GBNF rule `char` (one JSON string character, escapes included) where the result is used,
// when the pattern is not anchored at both ends.
Result<std::string> RegexToGbnf(std::string_view pattern);

}  // namespace corral::sample::grammar
