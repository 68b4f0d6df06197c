#include "sample/grammar/regex_to_gbnf.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

namespace corral::sample::grammar {
namespace {

using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;

// JSON text cannot hold these raw inside a string: '"', '\', and the control characters (0x7F is legal
// but the schema grammar's `char` leaves it out too, for one definition of a plain character).
const Ranges kForbidden = {{0x00, 0x1F}, {'"', '"'}, {'\\', '\\'}, {0x7F, 0x7F}};

const Ranges kDigit = {{'0', '9'}};
const Ranges kWord = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};

std::string CodePoint(uint32_t cp) {
  char buf[16];
  if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
    return std::string(1, static_cast<char>(cp));
  if (cp < 0x100) {
    std::snprintf(buf, sizeof buf, "\\x%02X", cp);
  } else if (cp < 0x10000) {
    std::snprintf(buf, sizeof buf, "\\u%04X", cp);
  } else {
    std::snprintf(buf, sizeof buf, "\\U%08X", cp);
  }
  return buf;
}

Ranges Normalize(Ranges r) {
  std::sort(r.begin(), r.end());
  Ranges out;
  for (const auto& x : r) {
    if (!out.empty() && x.first <= out.back().second + 1)
      out.back().second = std::max(out.back().second, x.second);
    else
      out.push_back(x);
  }
  return out;
}

// The code points of `r` outside `minus`.
Ranges Subtract(const Ranges& r, const Ranges& minus) {
  Ranges out;
  for (auto [lo, hi] : Normalize(r)) {
    for (const auto& [mlo, mhi] : Normalize(minus)) {
      if (mhi < lo || mlo > hi) continue;
      if (mlo > lo) out.push_back({lo, mlo - 1});
      if (mhi >= hi) {
        lo = 1, hi = 0;  // consumed
        break;
      }
      lo = mhi + 1;
    }
    if (lo <= hi) out.push_back({lo, hi});
  }
  return out;
}

std::string ClassExpr(const Ranges& ranges, bool negated) {
  Ranges r = negated ? Normalize([&] {
    Ranges all = ranges;
    all.insert(all.end(), kForbidden.begin(), kForbidden.end());
    return all;
  }())
                     : Subtract(ranges, kForbidden);
  if (!negated && r.empty()) return "";
  std::string out = negated ? "[^" : "[";
  for (const auto& [lo, hi] : r) out += lo == hi ? CodePoint(lo) : CodePoint(lo) + "-" + CodePoint(hi);
  return out + "]";
}

// One character as JSON text inside a string.
std::string JsonChar(uint32_t cp) {
  auto lit = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  switch (cp) {
    case '"':
      return lit("\\\"");
    case '\\':
      return lit("\\\\");
    case '\n':
      return lit("\\n");
    case '\r':
      return lit("\\r");
    case '\t':
      return lit("\\t");
    default:
      break;
  }
  if (cp < 0x20 || cp == 0x7F) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", cp);
    return lit(buf);
  }
  return "[" + CodePoint(cp) + "]";
}

class RegexParser {
 public:
  explicit RegexParser(std::string_view p) : p_(p) {}

  Result<std::string> Translate() {
    bool anchored_start = false, anchored_end = false;
    if (!p_.empty() && p_.front() == '^') {
      anchored_start = true;
      pos_ = 1;
    }
    if (p_.size() > pos_ && p_.back() == '$' && (p_.size() < 2 || p_[p_.size() - 2] != '\\')) {
      anchored_end = true;
      p_.remove_suffix(1);
    }
    std::optional<std::string> body = Alternation();
    if (!body) return error_;
    if (pos_ != p_.size())
      return Fail(p_[pos_] == ')' ? "unmatched ')'" : "unexpected '" + std::string(1, p_[pos_]) + "'");
    std::string out = "(" + *body + ")";
    if (!anchored_start) out = "char* " + out;
    if (!anchored_end) out += " char*";
    return out;
  }

 private:
  Status Fail(const std::string& what) {
    error_ = Status::InvalidArgument("regular expression at offset " + std::to_string(pos_) + ": " + what);
    return error_;
  }
  bool AtEnd() const { return pos_ >= p_.size(); }

  std::optional<uint32_t> Utf8() {
    const auto b0 = static_cast<uint8_t>(p_[pos_]);
    int extra = b0 < 0x80             ? 0
                : (b0 & 0xE0) == 0xC0 ? 1
                : (b0 & 0xF0) == 0xE0 ? 2
                : (b0 & 0xF8) == 0xF0 ? 3
                                      : -1;
    if (extra < 0 || pos_ + static_cast<size_t>(extra) >= p_.size() + (extra == 0 ? 1 : 0)) {
      (void)Fail("invalid UTF-8");
      return std::nullopt;
    }
    uint32_t cp = extra == 0 ? b0 : b0 & (0x3Fu >> extra);
    for (int i = 1; i <= extra; ++i)
      cp = (cp << 6) | (static_cast<uint8_t>(p_[pos_ + static_cast<size_t>(i)]) & 0x3F);
    pos_ += static_cast<size_t>(extra) + 1;
    return cp;
  }

  // After a backslash: a class escape (into `ranges`, with `negated`) or one character.
  enum class EscapeKind { kChar, kClass, kError };
  EscapeKind Escape(uint32_t& cp, Ranges& ranges, bool& negated) {
    if (AtEnd()) {
      (void)Fail("a trailing backslash");
      return EscapeKind::kError;
    }
    const char c = p_[pos_++];
    negated = c == 'D' || c == 'W' || c == 'S';
    switch (c) {
      case 'd':
      case 'D':
        ranges = kDigit;
        return EscapeKind::kClass;
      case 'w':
      case 'W':
        ranges = kWord;
        return EscapeKind::kClass;
      case 's':
      case 'S':
        ranges = {{' ', ' '}, {'\t', '\r'}};
        return EscapeKind::kClass;
      case 'n':
        cp = '\n';
        return EscapeKind::kChar;
      case 'r':
        cp = '\r';
        return EscapeKind::kChar;
      case 't':
        cp = '\t';
        return EscapeKind::kChar;
      case 'f':
        cp = '\f';
        return EscapeKind::kChar;
      case 'v':
        cp = '\v';
        return EscapeKind::kChar;
      default:
        break;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      (void)Fail(std::string("unsupported escape \\") + c +
                 " (backreferences, \\b, \\u... are not supported)");
      return EscapeKind::kError;
    }
    --pos_;
    std::optional<uint32_t> ch = Utf8();
    if (!ch) return EscapeKind::kError;
    cp = *ch;
    return EscapeKind::kChar;
  }

  // \s includes tab..CR, which JSON text spells as escapes: a class that allows them lists those too.
  std::string ClassWithEscapes(const Ranges& ranges, bool negated) {
    std::string cls = ClassExpr(ranges, negated);
    std::vector<std::string> alts;
    if (!cls.empty()) alts.push_back(cls);
    if (!negated) {
      for (uint32_t cp : {'\t', '\n', '\r', '"', '\\'}) {
        const bool inside = std::any_of(ranges.begin(), ranges.end(),
                                        [&](auto r) { return cp >= r.first && cp <= r.second; });
        if (inside) alts.push_back(JsonChar(cp));
      }
    }
    if (alts.empty()) return "";
    std::string out;
    for (const std::string& a : alts) out += (out.empty() ? "" : " | ") + a;
    return alts.size() == 1 ? out : "(" + out + ")";
  }

  std::optional<std::string> Class() {
    ++pos_;  // [
    bool negated = false;
    if (!AtEnd() && p_[pos_] == '^') {
      negated = true;
      ++pos_;
    }
    Ranges ranges;
    bool first = true;
    while (true) {
      if (AtEnd()) {
        (void)Fail("unterminated character class");
        return std::nullopt;
      }
      if (p_[pos_] == ']' && !first) break;
      first = false;
      uint32_t lo;
      if (p_[pos_] == '\\') {
        ++pos_;
        Ranges sub;
        bool sub_negated;
        const EscapeKind kind = Escape(lo, sub, sub_negated);
        if (kind == EscapeKind::kError) return std::nullopt;
        if (kind == EscapeKind::kClass) {
          if (sub_negated) {
            (void)Fail("\\D, \\W or \\S inside a class");
            return std::nullopt;
          }
          ranges.insert(ranges.end(), sub.begin(), sub.end());
          continue;
        }
      } else {
        std::optional<uint32_t> ch = Utf8();
        if (!ch) return std::nullopt;
        lo = *ch;
      }
      uint32_t hi = lo;
      if (pos_ + 1 < p_.size() && p_[pos_] == '-' && p_[pos_ + 1] != ']') {
        ++pos_;
        if (p_[pos_] == '\\') {
          ++pos_;
          Ranges sub;
          bool sub_negated;
          if (Escape(hi, sub, sub_negated) != EscapeKind::kChar) {
            (void)Fail("a class escape cannot end a range");
            return std::nullopt;
          }
        } else {
          std::optional<uint32_t> ch = Utf8();
          if (!ch) return std::nullopt;
          hi = *ch;
        }
        if (hi < lo) {
          (void)Fail("a backwards range in a class");
          return std::nullopt;
        }
      }
      ranges.push_back({lo, hi});
    }
    ++pos_;  // ]
    std::string out = ClassWithEscapes(Normalize(ranges), negated);
    if (out.empty()) {
      (void)Fail("a class that allows no character");
      return std::nullopt;
    }
    return out;
  }

  std::optional<std::string> Atom() {
    const char c = p_[pos_];
    if (c == '(') {
      ++pos_;
      if (p_.substr(pos_, 2) == "?:") {
        pos_ += 2;
      } else if (!AtEnd() && p_[pos_] == '?') {
        (void)Fail("lookaround and named groups are not supported");
        return std::nullopt;
      }
      std::optional<std::string> inner = Alternation();
      if (!inner) return std::nullopt;
      if (AtEnd() || p_[pos_] != ')') {
        (void)Fail("missing ')'");
        return std::nullopt;
      }
      ++pos_;
      return "(" + *inner + ")";
    }
    if (c == '[') return Class();
    if (c == '.') {
      ++pos_;
      return ClassExpr({{'\n', '\n'}}, /*negated=*/true);
    }
    if (c == '\\') {
      ++pos_;
      uint32_t cp;
      Ranges ranges;
      bool negated;
      const EscapeKind kind = Escape(cp, ranges, negated);
      if (kind == EscapeKind::kError) return std::nullopt;
      if (kind == EscapeKind::kClass) return ClassWithEscapes(ranges, negated);
      return JsonChar(cp);
    }
    if (c == '^' || c == '$') {
      (void)Fail("'^' and '$' only at the very start and end");
      return std::nullopt;
    }
    if (c == '*' || c == '+' || c == '?' || c == '{') {
      (void)Fail("a quantifier with nothing to repeat");
      return std::nullopt;
    }
    std::optional<uint32_t> ch = Utf8();
    if (!ch) return std::nullopt;
    return JsonChar(*ch);
  }

  std::optional<std::string> Quantifier() {
    if (AtEnd()) return std::string();
    std::string q;
    const char c = p_[pos_];
    if (c == '*' || c == '+' || c == '?') {
      q = std::string(1, c);
      ++pos_;
    } else if (c == '{') {
      const size_t close = p_.find('}', pos_);
      if (close == std::string_view::npos) {
        (void)Fail("missing '}'");
        return std::nullopt;
      }
      const std::string_view body = p_.substr(pos_ + 1, close - pos_ - 1);
      if (body.empty() || body.find_first_not_of("0123456789,") != std::string_view::npos || body[0] == ',') {
        (void)Fail("a malformed {m,n}");
        return std::nullopt;
      }
      q = "{" + std::string(body) + "}";
      pos_ = close + 1;
    } else {
      return std::string();
    }
    if (!AtEnd() && p_[pos_] == '?') ++pos_;  // lazy: the same language
    return q;
  }

  std::optional<std::string> Sequence() {
    std::string out;
    while (!AtEnd() && p_[pos_] != '|' && p_[pos_] != ')') {
      std::optional<std::string> atom = Atom();
      if (!atom) return std::nullopt;
      std::optional<std::string> q = Quantifier();
      if (!q) return std::nullopt;
      out += (out.empty() ? "" : " ") + (q->empty() ? *atom : "(" + *atom + ")" + *q);
    }
    return out.empty() ? "\"\"" : out;
  }

  std::optional<std::string> Alternation() {
    std::string out;
    while (true) {
      std::optional<std::string> seq = Sequence();
      if (!seq) return std::nullopt;
      out += *seq;
      if (AtEnd() || p_[pos_] != '|') break;
      ++pos_;
      out += " | ";
    }
    return out;
  }

  std::string_view p_;
  size_t pos_ = 0;
  Status error_ = Status::Ok();
};

}  // namespace

Result<std::string> RegexToGbnf(std::string_view pattern) {
  RegexParser parser(pattern);
  return parser.Translate();
}

}  // namespace corral::sample::grammar
