// Constrained decoding: which tokens keep the output inside a grammar, step by step.
//
//   TokenTrie vocab(pieces, eog_ids);                  // once per tokenizer
//   Matcher matcher(grammar, vocab);                   // once per generation
//   matcher.FillMask(mask);  id = sampler.Sample(logits, &mask);  matcher.Accept(id);
//
// The matcher runs the grammar as a set of pushdown stacks over Unicode code points (llama.cpp's method),
// but caches it as a byte-level automaton built lazily: each distinct (set of stacks, unfinished UTF-8
// character) is a state with a 256-entry transition row filled on first use. A mask is a walk of the
// vocabulary's byte trie from the current state that skips a whole subtree as soon as its prefix is
// impossible, so each step costs table lookups; masks are cached per state, so grammars that revisit a
// state (inside a long string, between array items) cost almost nothing after the first visit.
//
// A token is allowed when its bytes can be extended to a sentence of the grammar; tokens whose text is
// empty (control tokens) never are, except end-of-generation tokens once the grammar can end.
// Not thread-safe: one Matcher per sequence. The Grammar and TokenTrie must outlive it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sample/grammar/grammar.h"
#include "sample/token_mask.h"

namespace corral::sample::grammar {

// Every token's decoded bytes in a byte trie, in depth-first order so a subtree is a contiguous range.
class TokenTrie {
 public:
  // pieces[id] is token id's text as it is emitted (Tokenizer::Piece); eog: end-of-generation ids.
  TokenTrie(const std::vector<std::string>& pieces, std::vector<int32_t> eog);

  int32_t n_vocab() const { return n_vocab_; }
  const std::vector<int32_t>& eog() const { return eog_; }
  const std::string& piece(int32_t id) const { return pieces_[static_cast<size_t>(id)]; }

 private:
  friend class Matcher;
  int32_t n_vocab_;
  std::vector<std::string> pieces_;
  std::vector<int32_t> eog_;
  // Node i (0 is the root, no byte): its byte, depth, the end of its subtree, and the tokens spelled by the
  // path to it (token_ids_[token_begin_[i] .. token_begin_[i + 1])).
  std::vector<uint8_t> byte_;
  std::vector<uint16_t> depth_;
  std::vector<uint32_t> subtree_end_;
  std::vector<uint32_t> token_begin_;
  std::vector<int32_t> token_ids_;
};

class Matcher {
 public:
  Matcher(std::shared_ptr<const Grammar> grammar, const TokenTrie& vocab);

  // The tokens that may come next. When none may (a grammar no token can continue), the mask is empty.
  void FillMask(TokenMask& mask);
  // Advances over the token; false (and no change) when the grammar does not allow it.
  bool Accept(int32_t token);
  // Whether the text so far is a whole sentence of the grammar (the output may end here).
  bool accepting() const;
  // Accepting and nothing may follow: generation is finished.
  bool complete() const;
  // Advances over raw text (for tests and for prompts that prefill the output); false when not allowed.
  bool AcceptText(std::string_view text);

 private:
  using Stack = std::vector<int32_t>;  // element indexes; the back is the next element to match
  struct State {
    std::vector<int32_t> stacks;                     // interned stack ids, sorted
    uint32_t partial = 0;                            // the bits of an unfinished UTF-8 character
    int8_t remaining = 0;                            // its continuation bytes still to come
    std::unique_ptr<std::array<int32_t, 256>> next;  // -1: not computed yet
  };

  int32_t Step(int32_t state, uint8_t byte);
  int32_t ComputeStep(int32_t state, uint8_t byte);
  int32_t InternState(std::vector<int32_t> stacks, uint32_t partial, int8_t remaining);
  int32_t InternStack(const Stack& stack);
  void Expand(Stack stack, std::vector<int32_t>& out, int depth);
  bool CanMatchPrefix(int32_t element, uint32_t lo, uint32_t hi) const;
  void ComputeMask(int32_t state, TokenMask& mask);

  std::shared_ptr<const Grammar> grammar_;
  const TokenTrie& vocab_;
  std::vector<Stack> stacks_;
  std::map<Stack, int32_t> stack_ids_;
  std::vector<State> states_;
  std::map<std::tuple<std::vector<int32_t>, uint32_t, int8_t>, int32_t> state_ids_;
  std::map<int32_t, TokenMask> mask_cache_;
  std::vector<int32_t> walk_;  // the trie walk's state per depth
  int32_t state_ = 0;
};

}  // namespace corral::sample::grammar
