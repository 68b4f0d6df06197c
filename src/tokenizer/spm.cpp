// SentencePiece BPE as llama.cpp's llm_tokenizer_spm_session runs it: start from UTF-8 characters, queue
// every adjacent pair whose concatenation is a vocab entry with that entry's score, merge the best pair
// first (highest score, then leftmost), and re-queue the new neighbours. A final symbol that is not a vocab
// entry is emitted byte by byte (<0xXX>). Every merge yields a vocab entry, so only never-merged single
// characters can miss the vocab, and no reverse-merge bookkeeping is needed to resegment them.
#include <algorithm>

#include "tokenizer/codec.h"

namespace corral::tokenizer {
namespace {

struct Symbol {
  uint32_t begin;
  uint32_t size;  // 0 once merged into its left neighbour
  int32_t prev;
  int32_t next;
};

struct Candidate {
  float score;
  int32_t left;
  int32_t right;
  uint32_t size;
  int32_t id;
};

// Highest score first, then leftmost.
struct Worse {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

namespace {
void EncodeSpmChunk(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
  symbols.reserve(text.size());
  for (uint32_t offset = 0; offset < text.size();) {
    const auto size = static_cast<uint32_t>(
        std::min<size_t>(Utf8SequenceLength(static_cast<uint8_t>(text[offset])), text.size() - offset));
    const auto index = static_cast<int32_t>(symbols.size());
    symbols.push_back({offset, size, index - 1, offset + size == text.size() ? -1 : index + 1});
    offset += size;
  }
  const auto try_queue = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const uint32_t size = symbols[left].size + symbols[right].size;
    const int32_t id = vocab.Find(text.substr(symbols[left].begin, size));
    if (id == kNoToken) return;
    heap.push_back({vocab.tokens[id].score, left, right, size, id});
    std::push_heap(heap.begin(), heap.end(), Worse());
  };
  for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) try_queue(i - 1, i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), Worse());
    const Candidate c = heap.back();
    heap.pop_back();
    Symbol& left = symbols[c.left];
    Symbol& right = symbols[c.right];
    if (left.size == 0 || right.size == 0 || left.size + right.size != c.size) continue;
    left.size += right.size;
    right.size = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = c.left;
    try_queue(left.prev, c.left);
    try_queue(c.left, left.next);
  }

  for (int32_t i = symbols.empty() ? -1 : 0; i != -1; i = symbols[i].next) {
    const std::string_view piece = text.substr(symbols[i].begin, symbols[i].size);
    const int32_t id = vocab.Find(piece);
    if (id != kNoToken) {
      out.push_back(id);
      continue;
    }
    for (char c : piece) {
      // llama.cpp throws when a vocab has neither <0xXX> nor the raw byte; corral falls back to <unk>.
      const int32_t byte_id = vocab.ByteToken(static_cast<uint8_t>(c));
      if (byte_id != kNoToken) {
        out.push_back(byte_id);
      } else if (vocab.unk != kNoToken) {
        out.push_back(vocab.unk);
      }
    }
  }
}

}  // namespace

// The merge order is a total order (score, then position), so chunks that no merge can cross give the same
// result separately as together; cutting at never-joinable bytes (a newline in Llama 2's vocab) keeps the
// work queue small.
void EncodeSpmFragment(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
  size_t begin = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<uint8_t>(text[i]);
    if (byte >= 0x80 || vocab.spm_joinable_byte[byte]) continue;
    if (i > begin) EncodeSpmChunk(vocab, text.substr(begin, i - begin), out);
    EncodeSpmChunk(vocab, text.substr(i, 1), out);
    begin = i + 1;
  }
  if (begin < text.size()) EncodeSpmChunk(vocab, text.substr(begin), out);
}

}  // namespace corral::tokenizer
