// JSON mode (Ollama's `format: "json"`): a GBNF grammar for one JSON object, as Ollama's json format has
// always asked for (an object at the top, any JSON inside). Whitespace between tokens is limited so that a
// model cannot spend its whole budget on it: after a newline at most 20 spaces or tabs.
#pragma once

#include <string_view>

namespace corral::sample::grammar {

inline constexpr std::string_view kJsonObjectGbnf = R"(root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ( "," ws string ":" ws value )* )? "}" ws
array  ::= "[" ws ( value ( "," ws value )* )? "]" ws
string ::= "\"" char* "\"" ws
char   ::= [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} )
number ::= "-"? ( [0-9] | [1-9] [0-9]{1,15} ) ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )? ws
ws     ::= | " " | "\n" [ \t]{0,20}
)";

}  // namespace corral::sample::grammar
