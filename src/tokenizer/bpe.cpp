// Byte-level BPE as llama.cpp's llm_tokenizer_bpe_session applies it: per pre-tokenized word, start from
// UTF-8 characters and repeatedly merge the adjacent pair with the lowest merge rank (ties: leftmost);
// a final symbol missing from the vocab falls back to one token per byte.
#include <algorithm>

#include "tokenizer/codec.h"

namespace corral::tokenizer {
namespace {

struct Symbol {
  uint32_t begin;  // byte offset in the word
  uint32_t size;   // 0 once merged into its left neighbour
  int32_t id;      // vocab id of the symbol's text, or kNoToken
  int32_t prev;
  int32_t next;
};

struct Candidate {
  int32_t rank;
  int32_t left;
  int32_t right;
  uint32_t size;      // left.size + right.size when queued: a changed sum means the pair is stale
  int32_t result_id;  // id of the merged text
};

// Lowest rank first, then leftmost: the heap's top is the "largest" under this order.
struct Later {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

// Scratch reused across the words of one call.
struct Work {
  std::string normalized;
  std::vector<PreTokenizer::Range> words;
  std::string word;
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
};

void TryQueue(const Vocab& vocab, const std::string& word, Work& work, int32_t left, int32_t right) {
  if (left < 0 || right < 0) return;
  const Symbol& l = work.symbols[left];
  const Symbol& r = work.symbols[right];
  const std::string_view lt(word.data() + l.begin, l.size);
  const std::string_view rt(word.data() + r.begin, r.size);
  const Vocab::Merge* merge = vocab.FindMerge(l.id, lt, r.id, rt);
  if (merge == nullptr) return;
  work.heap.push_back({merge->rank, left, right, l.size + r.size, merge->result});
  std::push_heap(work.heap.begin(), work.heap.end(), Later());
}

void EmitSymbolBytes(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
  for (char c : text) {
    // Byte-level vocabs look the raw byte up as a one-byte string (only ASCII ever hits); others use <0xXX>.
    const int32_t id = vocab.pre.byte_encode ? vocab.Find(std::string_view(&c, 1)) : vocab.Find([&] {
      static constexpr char kHex[] = "0123456789ABCDEF";
      const auto b = static_cast<uint8_t>(c);
      return std::string{'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
    }());
    if (id != kNoToken) out.push_back(id);
  }
}

void EncodeWord(const Vocab& vocab, Work& work, std::vector<int32_t>& out) {
  const std::string& word = work.word;
  if (word.empty()) return;
  const int32_t whole = vocab.Find(word);
  // ignore_merges (llama-bpe, tekken): a word that is a vocab entry is taken whole. Gemma 4 does the same
  // for runs of newlines (ggml-org/llama.cpp#21343).
  if (whole != kNoToken && (vocab.pre.ignore_merges || (vocab.pre.name == "gemma4" &&
                                                        word.find_first_not_of('\n') == std::string::npos))) {
    out.push_back(whole);
    return;
  }
  work.symbols.clear();
  work.heap.clear();
  for (uint32_t offset = 0; offset < word.size();) {
    const auto size = static_cast<uint32_t>(
        std::min<size_t>(Utf8SequenceLength(static_cast<uint8_t>(word[offset])), word.size() - offset));
    const auto index = static_cast<int32_t>(work.symbols.size());
    work.symbols.push_back({offset, size, vocab.Find(std::string_view(word.data() + offset, size)), index - 1,
                            offset + size == word.size() ? -1 : index + 1});
    offset += size;
  }
  for (int32_t i = 1; i < static_cast<int32_t>(work.symbols.size()); ++i)
    TryQueue(vocab, word, work, i - 1, i);

  while (!work.heap.empty()) {
    std::pop_heap(work.heap.begin(), work.heap.end(), Later());
    const Candidate c = work.heap.back();
    work.heap.pop_back();
    Symbol& left = work.symbols[c.left];
    Symbol& right = work.symbols[c.right];
    // A symbol only grows by absorbing its right neighbour, so unchanged sizes mean an unchanged pair.
    if (left.size == 0 || right.size == 0 || left.size + right.size != c.size) continue;
    left.size += right.size;
    left.id = c.result_id;
    right.size = 0;
    left.next = right.next;
    if (right.next >= 0) work.symbols[right.next].prev = c.left;
    TryQueue(vocab, word, work, left.prev, c.left);
    TryQueue(vocab, word, work, c.left, left.next);
  }

  for (const Symbol& s : work.symbols) {
    if (s.size == 0) continue;
    if (s.id != kNoToken) {
      out.push_back(s.id);
    } else {
      EmitSymbolBytes(vocab, std::string_view(word.data() + s.begin, s.size), out);
    }
  }
}

}  // namespace

void EncodeBpeFragment(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
  Work work;
  std::string escaped;
  if (vocab.escape_whitespaces) {
    escaped.reserve(text.size());
    for (char c : text) {
      if (c == ' ') {
        escaped += "\xE2\x96\x81";
      } else {
        escaped += c;
      }
    }
    text = escaped;
  }
  vocab.pre_tokenizer->Split(text, work.normalized, work.words);
  for (const PreTokenizer::Range& range : work.words) {
    const std::string_view raw(work.normalized.data() + range.begin, range.end - range.begin);
    if (vocab.pre.byte_encode) {
      work.word.clear();
      for (char c : raw) work.word += vocab.alphabet.Encode(static_cast<uint8_t>(c));
    } else {
      work.word.assign(raw);
    }
    EncodeWord(vocab, work, out);
  }
}

}  // namespace corral::tokenizer
