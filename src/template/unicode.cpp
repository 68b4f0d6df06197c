#include "template/unicode.h"

namespace corral::jinja {

char32_t NextCodePoint(std::string_view s, size_t& pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(pos);
  int extra = 0;
  char32_t cp = 0;
  if (b0 < 0x80) {
    ++pos;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    extra = 1;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3;
    cp = b0 & 0x07;
  } else {
    ++pos;  // a stray continuation or invalid lead byte counts as one code point
    return b0;
  }
  if (pos + extra >= s.size()) {  // truncated sequence
    ++pos;
    return b0;
  }
  for (int i = 1; i <= extra; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) {
      ++pos;
      return b0;
    }
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  pos += 1 + extra;
  return cp;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
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

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (size_t pos = 0; pos < s.size(); ++n) NextCodePoint(s, pos);
  return n;
}

size_t ByteOffsetOfCodePoint(std::string_view s, size_t index) {
  size_t pos = 0;
  for (size_t i = 0; i < index && pos < s.size(); ++i) NextCodePoint(s, pos);
  return pos;
}

std::vector<char32_t> ToCodePoints(std::string_view s) {
  std::vector<char32_t> cps;
  cps.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) cps.push_back(NextCodePoint(s, pos));
  return cps;
}

std::string FromCodePoints(const std::vector<char32_t>& cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t cp : cps) AppendUtf8(out, cp);
  return out;
}

bool IsPySpace(char32_t cp) {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
  if (cp < 0x85) return false;
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool IsLineBoundary(char32_t cp) {
  return cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || cp == 0x1C || cp == 0x1D || cp == 0x1E ||
         cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

namespace {

// Ranges where upper and lower case alternate: even code point upper, odd lower (or the reverse).
bool InAlternatingRange(char32_t cp, bool* upper) {
  struct Range {
    char32_t first, last;
    bool even_is_upper;
  };
  static constexpr Range kRanges[] = {
      {0x100, 0x137, true},   {0x139, 0x148, false},  {0x14A, 0x177, true},   {0x179, 0x17E, false},
      {0x1CD, 0x1DC, false},  {0x1DE, 0x1EF, true},   {0x1F8, 0x21F, true},   {0x222, 0x233, true},
      {0x246, 0x24F, true},   {0x3D8, 0x3EF, true},   {0x460, 0x481, true},   {0x48A, 0x4BF, true},
      {0x4C1, 0x4CE, false},  {0x4D0, 0x52F, true},   {0x1E00, 0x1E95, true}, {0x1EA0, 0x1EFF, true},
      {0x2C80, 0x2CE3, true}, {0xA640, 0xA66D, true},
  };
  for (const Range& r : kRanges) {
    if (cp >= r.first && cp <= r.last) {
      const bool even = (cp % 2) == 0;
      *upper = even == r.even_is_upper;
      return true;
    }
  }
  return false;
}

// Blocks where lower = upper + delta over a contiguous span.
struct ShiftRange {
  char32_t upper_first, upper_last;
  int32_t delta;  // lower - upper
};
constexpr ShiftRange kShiftRanges[] = {
    {'A', 'Z', 32},       {0xC0, 0xD6, 32},     {0xD8, 0xDE, 32},       {0x391, 0x3A1, 32},
    {0x3A3, 0x3AB, 32},   {0x388, 0x38A, 37},   {0x38E, 0x38F, 63},     {0x410, 0x42F, 32},
    {0x400, 0x40F, 80},   {0x531, 0x556, 48},   {0x10A0, 0x10C5, 7264}, {0x1F08, 0x1F0F, -8},
    {0x1F18, 0x1F1D, -8}, {0x1F28, 0x1F2F, -8}, {0x1F38, 0x1F3F, -8},   {0x1F48, 0x1F4D, -8},
    {0x1F68, 0x1F6F, -8}, {0x24B6, 0x24CF, 26}, {0xFF21, 0xFF3A, 32},   {0x10400, 0x10427, 40},
};

}  // namespace

namespace {

// Latin digraphs come in triples (upper, title, lower): Ǆ ǅ ǆ, Ǉ ǈ ǉ, Ǌ ǋ ǌ, Ǳ ǲ ǳ. Returns the upper one.
char32_t DigraphBase(char32_t cp) {
  if (cp >= 0x1C4 && cp <= 0x1CC) return 0x1C4 + (cp - 0x1C4) / 3 * 3;
  if (cp >= 0x1F1 && cp <= 0x1F3) return 0x1F1;
  return 0;
}

}  // namespace

char32_t ToTitle(char32_t cp) {
  if (const char32_t base = DigraphBase(cp)) return base + 1;
  return ToUpper(cp);
}

char32_t ToUpper(char32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
  if (const char32_t base = DigraphBase(cp)) return base;
  for (const ShiftRange& r : kShiftRanges) {
    const char32_t lo_first = r.upper_first + r.delta, lo_last = r.upper_last + r.delta;
    if (cp >= lo_first && cp <= lo_last) return cp - r.delta;
  }
  bool upper = false;
  if (InAlternatingRange(cp, &upper)) return upper ? cp : cp - 1;
  switch (cp) {
    case 0xB5:
      return 0x39C;
    case 0xFF:
      return 0x178;
    case 0x131:
      return 'I';
    case 0x17F:
      return 'S';
    case 0x3C2:
      return 0x3A3;
    case 0x3AC:
      return 0x386;
    case 0x3CC:
      return 0x38C;
    default:
      return cp;
  }
}

char32_t ToLower(char32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (const char32_t base = DigraphBase(cp)) return base + 2;
  for (const ShiftRange& r : kShiftRanges) {
    if (cp >= r.upper_first && cp <= r.upper_last) return cp + r.delta;
  }
  bool upper = false;
  if (InAlternatingRange(cp, &upper)) return upper ? cp + 1 : cp;
  switch (cp) {
    case 0x178:
      return 0xFF;
    case 0x130:
      return 'i';
    case 0x386:
      return 0x3AC;
    case 0x38C:
      return 0x3CC;
    default:
      return cp;
  }
}

bool IsUpper(char32_t cp) {
  return ToLower(cp) != cp || cp == 0x130;
}
bool IsLower(char32_t cp) {
  return ToUpper(cp) != cp || cp == 0xDF || (cp >= 0x250 && cp <= 0x2AF);
}
bool IsCased(char32_t cp) {
  return IsUpper(cp) || IsLower(cp);
}

bool IsDigit(char32_t cp) {
  return (cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0x660 && cp <= 0x669) ||
         (cp >= 0x6F0 && cp <= 0x6F9) || (cp >= 0x966 && cp <= 0x96F) || cp == 0xB2 || cp == 0xB3 ||
         cp == 0xB9 || cp == 0x2070 || (cp >= 0x2074 && cp <= 0x2079) || (cp >= 0x2080 && cp <= 0x2089) ||
         (cp >= 0x2460 && cp <= 0x2468);
}

bool IsAlpha(char32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  if (IsCased(cp)) return true;
  return cp == 0xAA || cp == 0xBA || (cp >= 0x5D0 && cp <= 0x5EA) || (cp >= 0x620 && cp <= 0x64A) ||
         (cp >= 0x904 && cp <= 0x939) || (cp >= 0xE01 && cp <= 0xE30) || (cp >= 0x3041 && cp <= 0x3096) ||
         (cp >= 0x30A1 && cp <= 0x30FA) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FA1F);
}

bool IsWordChar(char32_t cp) {
  return cp == '_' || IsAlpha(cp) || IsDigit(cp);
}

namespace {

template <typename Fn>
std::string MapCodePoints(std::string_view s, Fn fn) {
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) fn(out, NextCodePoint(s, pos));
  return out;
}

// Characters whose upper case is several characters (Python's SpecialCasing): ß and the Latin ligatures.
const char* MultiCharUpper(char32_t cp) {
  switch (cp) {
    case 0xDF:
      return "SS";
    case 0xFB00:
      return "FF";
    case 0xFB01:
      return "FI";
    case 0xFB02:
      return "FL";
    case 0xFB03:
      return "FFI";
    case 0xFB04:
      return "FFL";
    case 0xFB05:
    case 0xFB06:
      return "ST";
    default:
      return nullptr;
  }
}

void AppendUpper(std::string& out, char32_t cp) {
  if (const char* multi = MultiCharUpper(cp)) {
    out += multi;
    return;
  }
  AppendUtf8(out, ToUpper(cp));
}

// Title case of a word's first character (str.title / str.capitalize): digraphs take their title form.
void AppendTitle(std::string& out, char32_t cp) {
  if (const char* multi = MultiCharUpper(cp)) {
    out.push_back(multi[0]);  // 'ﬁ'.title() == 'Fi', 'ß'.title() == 'Ss'
    for (const char* c = multi + 1; *c != 0; ++c) out.push_back(static_cast<char>(*c | 0x20));
    return;
  }
  AppendUtf8(out, ToTitle(cp));
}

}  // namespace

std::string PyUpper(std::string_view s) {
  return MapCodePoints(s, AppendUpper);
}

std::string PyLower(std::string_view s) {
  return MapCodePoints(s, [](std::string& out, char32_t cp) { AppendUtf8(out, ToLower(cp)); });
}

std::string PyCaseFold(std::string_view s) {
  return MapCodePoints(s, [](std::string& out, char32_t cp) {
    if (const char* multi = MultiCharUpper(cp)) {
      for (const char* c = multi; *c != 0; ++c) out.push_back(static_cast<char>(*c | 0x20));
    } else if (cp == 0x3C2) {
      AppendUtf8(out, 0x3C3);  // final sigma folds to σ
    } else {
      AppendUtf8(out, ToLower(cp));
    }
  });
}

std::string PySwapCase(std::string_view s) {
  return MapCodePoints(s, [](std::string& out, char32_t cp) {
    if (IsUpper(cp)) {
      AppendUtf8(out, ToLower(cp));
    } else {
      AppendUpper(out, cp);
    }
  });
}

std::string PyCapitalize(std::string_view s) {
  bool first = true;
  return MapCodePoints(s, [&first](std::string& out, char32_t cp) {
    if (first) {
      AppendTitle(out, cp);
      first = false;
    } else {
      AppendUtf8(out, ToLower(cp));
    }
  });
}

std::string PyTitle(std::string_view s) {
  // Python: a cased character following a cased character is lowered, any other one is upper-cased.
  bool previous_cased = false;
  return MapCodePoints(s, [&previous_cased](std::string& out, char32_t cp) {
    if (previous_cased) {
      AppendUtf8(out, ToLower(cp));
    } else {
      AppendTitle(out, cp);
    }
    previous_cased = IsCased(cp);
  });
}

namespace {

bool InChars(char32_t cp, const std::string_view* chars) {
  if (chars == nullptr) return IsPySpace(cp);
  for (size_t pos = 0; pos < chars->size();) {
    if (NextCodePoint(*chars, pos) == cp) return true;
  }
  return false;
}

// Start byte offset of the code point that ends at byte `end`.
size_t PreviousCodePointStart(std::string_view s, size_t end) {
  size_t start = end - 1;
  while (start > 0 && end - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  size_t probe = start;
  NextCodePoint(s, probe);
  return probe == end ? start : end - 1;
}

}  // namespace

std::string_view PyStrip(std::string_view s, const std::string_view* chars, bool left, bool right) {
  size_t begin = 0, end = s.size();
  if (left) {
    while (begin < end) {
      size_t next = begin;
      if (!InChars(NextCodePoint(s, next), chars)) break;
      begin = next;
    }
  }
  if (right) {
    while (end > begin) {
      const size_t start = PreviousCodePointStart(s, end);
      size_t probe = start;
      if (!InChars(NextCodePoint(s, probe), chars)) break;
      end = start;
    }
  }
  return s.substr(begin, end - begin);
}

std::vector<std::string> PySplit(std::string_view s, const std::string_view* sep, int64_t maxsplit) {
  std::vector<std::string> parts;
  if (sep != nullptr) {
    size_t start = 0;
    while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
      const size_t hit = s.find(*sep, start);
      if (hit == std::string_view::npos) break;
      parts.emplace_back(s.substr(start, hit - start));
      start = hit + sep->size();
    }
    parts.emplace_back(s.substr(start));
    return parts;
  }
  size_t pos = 0;
  while (pos < s.size()) {
    size_t probe = pos;
    while (pos < s.size()) {  // skip a whitespace run
      probe = pos;
      if (!IsPySpace(NextCodePoint(s, probe))) break;
      pos = probe;
    }
    if (pos >= s.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) >= maxsplit) {
      parts.emplace_back(s.substr(pos));
      return parts;
    }
    const size_t word_start = pos;
    while (pos < s.size()) {
      probe = pos;
      if (IsPySpace(NextCodePoint(s, probe))) break;
      pos = probe;
    }
    parts.emplace_back(s.substr(word_start, pos - word_start));
  }
  return parts;
}

std::vector<std::string> PyRSplit(std::string_view s, const std::string_view* sep, int64_t maxsplit) {
  std::vector<std::string> parts;
  if (sep != nullptr) {
    size_t end = s.size();
    while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
      if (end < sep->size()) break;
      const size_t hit = s.rfind(*sep, end - sep->size());
      if (hit == std::string_view::npos) break;
      parts.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
      end = hit;
    }
    parts.emplace_back(s.substr(0, end));
    return {parts.rbegin(), parts.rend()};
  }
  size_t end = s.size();
  while (end > 0) {
    while (end > 0) {  // skip a whitespace run from the right
      const size_t start = PreviousCodePointStart(s, end);
      size_t probe = start;
      if (!IsPySpace(NextCodePoint(s, probe))) break;
      end = start;
    }
    if (end == 0) break;
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) >= maxsplit) {
      parts.emplace_back(s.substr(0, end));
      return {parts.rbegin(), parts.rend()};
    }
    size_t word_start = end;
    while (word_start > 0) {
      const size_t start = PreviousCodePointStart(s, word_start);
      size_t probe = start;
      if (IsPySpace(NextCodePoint(s, probe))) break;
      word_start = start;
    }
    parts.emplace_back(s.substr(word_start, end - word_start));
    end = word_start;
  }
  return {parts.rbegin(), parts.rend()};
}

std::vector<std::string> PySplitLines(std::string_view s, bool keepends) {
  std::vector<std::string> lines;
  size_t line_start = 0, pos = 0;
  while (pos < s.size()) {
    const size_t cp_start = pos;
    const char32_t cp = NextCodePoint(s, pos);
    if (!IsLineBoundary(cp)) continue;
    if (cp == '\r' && pos < s.size() && s[pos] == '\n') ++pos;
    lines.emplace_back(s.substr(line_start, (keepends ? pos : cp_start) - line_start));
    line_start = pos;
  }
  if (line_start < s.size()) lines.emplace_back(s.substr(line_start));
  return lines;
}

std::string PyReplace(std::string_view s, std::string_view old, std::string_view replacement, int64_t count) {
  std::string out;
  out.reserve(s.size());
  int64_t done = 0;
  if (old.empty()) {
    size_t pos = 0;
    while (true) {
      if (count >= 0 && done >= count) {
        out.append(s.substr(pos));
        break;
      }
      out.append(replacement);
      ++done;
      if (pos >= s.size()) break;
      const size_t start = pos;
      NextCodePoint(s, pos);
      out.append(s.substr(start, pos - start));
    }
    return out;
  }
  size_t start = 0;
  while (count < 0 || done < count) {
    const size_t hit = s.find(old, start);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(start, hit - start));
    out.append(replacement);
    start = hit + old.size();
    ++done;
  }
  out.append(s.substr(start));
  return out;
}

}  // namespace corral::jinja
