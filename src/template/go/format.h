// Go's printing rules for template values: fmt's %v (what an action prints), fmt.Sprint / Sprintln /
// Sprintf (the print, println and printf functions), encoding/json's Marshal (Ollama's json function and
// its String() methods), strconv's float formats, and text/template's html / js / urlquery escapers.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "template/go/value.h"

namespace corral::gotmpl {

// strconv.FormatFloat(f, fmt, prec, 64) for fmt in 'e', 'E', 'f', 'g', 'G' (prec -1: shortest).
std::string FormatFloat(double f, char fmt, int prec);
// fmt's %v of a value; a nil interface prints "<nil>".
void AppendValue(std::string& out, const Value& v);
std::string Sprint(std::span<const Value> args);
std::string Sprintln(std::span<const Value> args);
std::string Sprintf(std::string_view format, std::span<const Value> args);
std::string JsonMarshal(const Value& v);
std::string HtmlEscape(std::string_view s);
std::string JsEscape(std::string_view s);
std::string UrlQueryEscape(std::string_view s);

}  // namespace corral::gotmpl
