#include "tokenizer/pre_tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <utility>

#include "tokenizer/unicode_text.h"

namespace corral::tokenizer {
namespace {

// llama.cpp's whitespace is the Unicode White_Space set (unicode-data.cpp: unicode_set_whitespace), which
// includes U+0085 but not U+001C..U+001F. Its std::regex path agrees (ASCII \s is C-locale isspace, other
// whitespace is collapsed to \v first). PCRE2's \s differs by Unicode version, so \s is spelled out.
constexpr std::string_view kWhitespaceClass =
    "\\t-\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

// Surrogates (from lenient decoding) are not UTF-8 to PCRE2. For matching they stand in as U+E000, which is
// of the same kind to every regex here (not a letter, digit, mark, punctuation, symbol or space) and has
// the same 3-byte length, so byte offsets carry over unchanged.
constexpr uint32_t kSurrogateStandIn = 0xE000;

struct CodeDeleter {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
struct MatchDataDeleter {
  void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
};

}  // namespace

struct PreTokenizer::Compiled {
  std::unique_ptr<pcre2_code, CodeDeleter> code;
  bool jit = false;
};

Result<std::string> PreTokenizer::TranslateRegex(std::string_view regex) {
  std::string out;
  bool inside_class = false;
  for (size_t i = 0; i < regex.size(); ++i) {
    const char c = regex[i];
    if (c == '[' && !inside_class) {
      inside_class = true;
      out += c;
      continue;
    }
    if (c == ']' && inside_class) {
      inside_class = false;
      out += c;
      continue;
    }
    if (c != '\\' || i + 1 >= regex.size()) {
      out += c;
      continue;
    }
    const char e = regex[++i];
    const auto emit_class = [&](std::string_view body, bool negated) -> Status {
      if (inside_class) {
        if (negated)
          return Status::Unsupported("negated class escape inside [] in regex: " + std::string(regex));
        out += body;
      } else {
        out += negated ? "[^" : "[";
        out += body;
        out += ']';
      }
      return Status::Ok();
    };
    switch (e) {
      case 's':
      case 'S':
        CORRAL_RETURN_IF_ERROR(emit_class(kWhitespaceClass, e == 'S'));
        break;
      // std::regex's \d and \w are ASCII-only.
      case 'd':
      case 'D':
        CORRAL_RETURN_IF_ERROR(emit_class("0-9", e == 'D'));
        break;
      case 'w':
      case 'W':
        CORRAL_RETURN_IF_ERROR(emit_class("A-Za-z0-9_", e == 'W'));
        break;
      case 'p': {
        // llama.cpp collapses every letter subcategory (\p{Lu}, \p{Ll}, ...) to "any letter".
        const size_t close = regex.find('}', i);
        if (i + 1 < regex.size() && regex[i + 1] == '{' && close != std::string_view::npos) {
          const std::string_view property = regex.substr(i + 2, close - i - 2);
          if (property.size() == 2 && property[0] == 'L') {
            out += "\\p{L}";
          } else {
            out += "\\p{";
            out += property;
            out += '}';
          }
          i = close;
        } else {
          out += "\\p";
        }
        break;
      }
      default:
        out += '\\';
        out += e;
    }
  }
  return out;
}

PreTokenizer::PreTokenizer(std::vector<std::unique_ptr<Compiled>> regexes) : regexes_(std::move(regexes)) {}
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;
PreTokenizer::~PreTokenizer() = default;

Result<PreTokenizer> PreTokenizer::Create(const std::vector<std::string>& regexes) {
  std::vector<std::unique_ptr<Compiled>> compiled;
  for (const std::string& regex : regexes) {
    CORRAL_ASSIGN_OR_RETURN(std::string pattern, TranslateRegex(regex));
    int error = 0;
    PCRE2_SIZE error_offset = 0;
    // DOLLAR_ENDONLY: '$' is the end of the piece only, as in std::regex (deepseek-llm's "\s+$").
    pcre2_code* code =
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                      PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &error, &error_offset, nullptr);
    if (code == nullptr) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error, message, sizeof(message));
      return Status::InvalidArgument("pre-tokenizer regex '" + regex +
                                     "': " + reinterpret_cast<const char*>(message) + " at offset " +
                                     std::to_string(error_offset));
    }
    auto entry = std::make_unique<Compiled>();
    entry->code.reset(code);
    entry->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    compiled.push_back(std::move(entry));
  }
  return PreTokenizer(std::move(compiled));
}

void PreTokenizer::Split(std::string_view text, std::string& normalized, std::vector<Range>& words) const {
  normalized.clear();
  std::string subject;
  normalized.reserve(text.size());
  subject.reserve(text.size());
  for (size_t offset = 0; offset < text.size();) {
    const uint32_t cp = DecodeCodepoint(text, offset);
    AppendUtf8(cp, normalized);
    AppendUtf8(cp >= 0xD800 && cp <= 0xDFFF ? kSurrogateStandIn : cp, subject);
  }

  std::vector<Range> pieces = {{0, subject.size()}};
  std::vector<Range> next;
  const auto* base = reinterpret_cast<PCRE2_SPTR>(subject.data());
  for (const auto& regex : regexes_) {
    std::unique_ptr<pcre2_match_data, MatchDataDeleter> match(
        pcre2_match_data_create_from_pattern(regex->code.get(), nullptr));
    next.clear();
    for (const Range& piece : pieces) {
      if (piece.begin == piece.end) continue;
      const size_t length = piece.end - piece.begin;
      size_t pos = 0;  // relative to the piece
      size_t unmatched_from = 0;
      while (pos < length) {
        const uint32_t options = PCRE2_NO_UTF_CHECK;
        int rc = regex->jit ? pcre2_jit_match(regex->code.get(), base + piece.begin, length, pos, options,
                                              match.get(), nullptr)
                            : PCRE2_ERROR_JIT_BADOPTION;
        // The JIT stack or heap limits can be hit on pathological input; the interpreter then decides.
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
          rc = pcre2_match(regex->code.get(), base + piece.begin, length, pos, options | PCRE2_NO_JIT,
                           match.get(), nullptr);
        }
        if (rc < 0) break;  // no further match (or a limit hit): the rest is one unmatched piece
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
        const size_t begin = ovector[0];
        const size_t end = ovector[1];
        if (begin > unmatched_from) next.push_back({piece.begin + unmatched_from, piece.begin + begin});
        if (end > begin) next.push_back({piece.begin + begin, piece.begin + end});
        unmatched_from = end;
        // None of these regexes matches the empty string; step over one anyway rather than loop forever.
        pos = end > begin ? end : end + Utf8SequenceLength(static_cast<uint8_t>(subject[piece.begin + end]));
        if (pos > length) pos = length;
      }
      if (length > unmatched_from) next.push_back({piece.begin + unmatched_from, piece.end});
    }
    std::swap(pieces, next);
  }
  words.insert(words.end(), pieces.begin(), pieces.end());
}

}  // namespace corral::tokenizer
