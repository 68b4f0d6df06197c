// Code-point level string helpers with Python's str semantics. Jinja templates index, slice, measure, strip
// and case-map strings by code point (Python str), while corral stores them as UTF-8 bytes; these functions
// bridge the two. Invalid UTF-8 bytes are treated as one code point each, so no input can make them fail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace corral::jinja {

// Decodes the code point starting at s[pos] and advances pos past it.
char32_t NextCodePoint(std::string_view s, size_t& pos);
void AppendUtf8(std::string& out, char32_t cp);
size_t CodePointCount(std::string_view s);
bool IsAscii(std::string_view s);
// Byte offset of the code point with index `index` (index may equal the count: returns s.size()).
size_t ByteOffsetOfCodePoint(std::string_view s, size_t index);
std::vector<char32_t> ToCodePoints(std::string_view s);
std::string FromCodePoints(const std::vector<char32_t>& cps);

// Python's str.isspace() per code point (the Unicode White_Space set plus the ASCII separators 0x1c-0x1f).
bool IsPySpace(char32_t cp);
// Python's str.splitlines() line boundaries: \n \r \v \f \x1c-\x1e \x85 \u2028 \u2029 (and \r\n as one).
bool IsLineBoundary(char32_t cp);

// Case mapping for the scripts chat templates meet (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic,
// fullwidth Latin). Python maps all of Unicode; code points outside these ranges are left unchanged.
char32_t ToUpper(char32_t cp);
char32_t ToTitle(char32_t cp);
char32_t ToLower(char32_t cp);
bool IsCased(char32_t cp);
bool IsUpper(char32_t cp);
bool IsLower(char32_t cp);
bool IsAlpha(char32_t cp);
bool IsDigit(char32_t cp);
bool IsWordChar(char32_t cp);  // Python re's \w for str patterns (approximated outside the ranges above)

std::string PyUpper(std::string_view s);
std::string PyLower(std::string_view s);
std::string PyCaseFold(std::string_view s);
std::string PyCapitalize(std::string_view s);
std::string PyTitle(std::string_view s);  // str.title()
std::string PySwapCase(std::string_view s);

// str.strip/lstrip/rstrip: chars == nullptr strips whitespace, otherwise any of the code points in *chars.
std::string_view PyStrip(std::string_view s, const std::string_view* chars, bool left, bool right);
// str.split(sep=None, maxsplit): whitespace runs when sep is null.
std::vector<std::string> PySplit(std::string_view s, const std::string_view* sep, int64_t maxsplit);
std::vector<std::string> PyRSplit(std::string_view s, const std::string_view* sep, int64_t maxsplit);
std::vector<std::string> PySplitLines(std::string_view s, bool keepends);
// str.replace with Python's rule that an empty `old` inserts `replacement` between code points.
std::string PyReplace(std::string_view s, std::string_view old, std::string_view replacement, int64_t count);

}  // namespace corral::jinja
