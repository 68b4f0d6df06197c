// The BPE pre-tokenizer: splits text into words with the regex list that `tokenizer.ggml.pre` names, the way
// llama.cpp does (llama-vocab.cpp picks the list, unicode.cpp applies it).
//
// Semantics reproduced: each regex of the list re-splits every piece the previous one produced, matching
// inside the piece only (a lookahead sees the piece's end as the end of text); the text between two matches
// becomes a piece of its own. Text is first decoded leniently (see unicode_text.h), so invalid bytes are
// U+FFFD. llama.cpp runs some lists through hand-written matchers and the rest through std::regex over a
// "collapsed" text; both behave like the plain regex except where noted at kWhitespaceClass and in
// TranslateRegex (pre_tokenizer.cpp). PCRE2 (UTF + UCP, JIT-compiled once) runs the translated regexes.
//
// Known difference: letter/number/punctuation classes come from PCRE2's Unicode tables (Unicode 14 in
// Debian bookworm's PCRE2 10.42) where llama.cpp has its own generated tables (a newer Unicode); characters
// assigned after Unicode 14 may be classed differently.
//
// Thread safety: immutable after Create; Split may be called from any number of threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace corral::tokenizer {

class PreTokenizer {
 public:
  // Compiles `regexes` (llama.cpp's spelling). InvalidArgument when PCRE2 refuses one.
  static Result<PreTokenizer> Create(const std::vector<std::string>& regexes);
  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;
  ~PreTokenizer();

  // Appends the words of `text` to `words` as [begin, end) byte ranges of `normalized`, which receives the
  // text re-encoded from its (leniently decoded) code points: the bytes the BPE merges then work on.
  struct Range {
    size_t begin;
    size_t end;
  };
  void Split(std::string_view text, std::string& normalized, std::vector<Range>& words) const;

  // Exposed for tests: the PCRE2 spelling of a llama.cpp regex.
  static Result<std::string> TranslateRegex(std::string_view llama_regex);

 private:
  struct Compiled;
  explicit PreTokenizer(std::vector<std::unique_ptr<Compiled>> regexes);
  std::vector<std::unique_ptr<Compiled>> regexes_;
};

}  // namespace corral::tokenizer
