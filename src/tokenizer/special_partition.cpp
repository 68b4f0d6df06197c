// llama.cpp's tokenizer_st_partition: special tokens are taken out of the text one token at a time, longest
// text first, each splitting every remaining raw fragment at all its (leftmost, non-overlapping)
// occurrences. CONTROL and UNKNOWN tokens count only with parse_special; USER_DEFINED ones always (as in
// Hugging Face's added tokens). LSTRIP/RSTRIP tokens swallow the ASCII whitespace beside them.
//
// Cost: only the special tokens that occur in the text at all take part, found with one scan that checks
// each position against the tokens starting with that byte.
#include <array>
#include <list>

#include "tokenizer/codec.h"

namespace corral::tokenizer {
namespace {

bool IsAsciiSpace(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

bool Counts(const Vocab& vocab, int32_t id, bool parse_special) {
  return parse_special || (vocab.tokens[id].attr & (kAttrControl | kAttrUnknown)) == 0;
}

// The special tokens (in vocab.special_tokens order) whose text occurs somewhere in `text`.
std::vector<int32_t> PresentSpecialTokens(const Vocab& vocab, std::string_view text, bool parse_special) {
  std::array<std::vector<int32_t>, 256> by_first_byte;
  for (int32_t id : vocab.special_tokens) {
    if (!Counts(vocab, id, parse_special)) continue;
    by_first_byte[static_cast<uint8_t>(vocab.tokens[id].text[0])].push_back(id);
  }
  std::vector<bool> present(vocab.tokens.size(), false);
  for (size_t i = 0; i < text.size(); ++i) {
    for (int32_t id : by_first_byte[static_cast<uint8_t>(text[i])]) {
      if (!present[id] && text.compare(i, vocab.tokens[id].text.size(), vocab.tokens[id].text) == 0) {
        present[id] = true;
      }
    }
  }
  std::vector<int32_t> result;
  for (int32_t id : vocab.special_tokens) {
    if (present[id]) result.push_back(id);
  }
  return result;
}

}  // namespace

std::vector<Fragment> PartitionSpecialTokens(const Vocab& vocab, std::string_view text, bool parse_special) {
  std::list<Fragment> fragments;
  if (text.empty()) return {};
  fragments.push_back({kNoToken, 0, text.size()});
  for (int32_t id : PresentSpecialTokens(vocab, text, parse_special)) {
    const std::string& special = vocab.tokens[id].text;
    const uint32_t attr = vocab.tokens[id].attr;
    for (auto it = fragments.begin(); it != fragments.end(); ++it) {
      if (it->token != kNoToken) continue;
      size_t begin = it->begin;
      const size_t end = it->end;
      // Replace the raw fragment *it by [left][token][left][token]...[rest].
      while (true) {
        const size_t match = text.substr(0, end).find(special, begin);
        if (match == std::string_view::npos) break;
        size_t left_end = match;
        if (attr & kAttrLstrip) {
          while (left_end > begin && IsAsciiSpace(text[left_end - 1])) --left_end;
        }
        if (left_end > begin) fragments.insert(it, {kNoToken, begin, left_end});
        fragments.insert(it, {id, match, match + special.size()});
        begin = match + special.size();
        if (attr & kAttrRstrip) {
          while (begin < end && IsAsciiSpace(text[begin])) ++begin;
        }
      }
      if (begin == it->begin) continue;  // no occurrence in this fragment
      if (begin < end) {
        it->begin = begin;
      } else {
        it = fragments.erase(it);
        --it;
      }
    }
  }
  return {fragments.begin(), fragments.end()};
}

}  // namespace corral::tokenizer
