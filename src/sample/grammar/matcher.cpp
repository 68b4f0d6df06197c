#include "sample/grammar/matcher.h"

#include <algorithm>

namespace corral::sample::grammar {
namespace {

constexpr int32_t kDead = 0;
// The lazily built automaton grows with the distinct (stacks, partial character) states it meets; deeply
// nested output can make many. Past this many states the caches start over (1 KiB of transitions each).
constexpr size_t kMaxStates = 1 << 15;
constexpr size_t kMaxCachedMasks = 64;

}  // namespace

TokenTrie::TokenTrie(const std::vector<std::string>& pieces, std::vector<int32_t> eog)
    : n_vocab_(static_cast<int32_t>(pieces.size())), pieces_(pieces), eog_(std::move(eog)) {
  std::vector<int32_t> order;
  for (int32_t id = 0; id < n_vocab_; ++id)
    if (!pieces_[static_cast<size_t>(id)].empty()) order.push_back(id);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    const std::string &pa = pieces_[static_cast<size_t>(a)], &pb = pieces_[static_cast<size_t>(b)];
    return pa < pb || (pa == pb && a < b);
  });
  // Sorted pieces visit the trie in depth-first order: a prefix sorts before its extensions, so each
  // token belongs to the node created last, and a node's subtree ends where the path first leaves it.
  byte_.push_back(0);
  depth_.push_back(0);
  subtree_end_.push_back(0);
  token_begin_.push_back(0);
  std::vector<uint32_t> path = {0};
  std::string_view previous;
  for (int32_t id : order) {
    const std::string& piece = pieces_[static_cast<size_t>(id)];
    size_t common = 0;
    while (common < previous.size() && common < piece.size() && previous[common] == piece[common]) ++common;
    while (path.size() > common + 1) {
      subtree_end_[path.back()] = static_cast<uint32_t>(byte_.size());
      path.pop_back();
    }
    for (size_t d = common; d < piece.size(); ++d) {
      path.push_back(static_cast<uint32_t>(byte_.size()));
      byte_.push_back(static_cast<uint8_t>(piece[d]));
      depth_.push_back(static_cast<uint16_t>(std::min<size_t>(d + 1, UINT16_MAX)));
      subtree_end_.push_back(0);
      token_begin_.push_back(static_cast<uint32_t>(token_ids_.size()));
    }
    token_ids_.push_back(id);
    previous = piece;
  }
  while (!path.empty()) {
    subtree_end_[path.back()] = static_cast<uint32_t>(byte_.size());
    path.pop_back();
  }
  token_begin_.push_back(static_cast<uint32_t>(token_ids_.size()));
}

Matcher::Matcher(std::shared_ptr<const Grammar> grammar, const TokenTrie& vocab)
    : grammar_(std::move(grammar)), vocab_(vocab) {
  state_ids_.clear();
  states_.emplace_back();  // kDead: no stacks left
  std::vector<int32_t> start;
  for (int32_t alt : grammar_->alternatives[static_cast<size_t>(grammar_->root)]) {
    Stack stack;
    if (grammar_->elements[static_cast<size_t>(alt)].kind != Element::Kind::kEnd) stack.push_back(alt);
    Expand(std::move(stack), start, 0);
  }
  state_ = InternState(std::move(start), 0, 0);
}

int32_t Matcher::InternStack(const Stack& stack) {
  const auto [it, inserted] = stack_ids_.try_emplace(stack, static_cast<int32_t>(stacks_.size()));
  if (inserted) stacks_.push_back(stack);
  return it->second;
}

int32_t Matcher::InternState(std::vector<int32_t> stacks, uint32_t partial, int8_t remaining) {
  std::sort(stacks.begin(), stacks.end());
  stacks.erase(std::unique(stacks.begin(), stacks.end()), stacks.end());
  if (stacks.empty()) return kDead;
  auto key = std::make_tuple(stacks, partial, remaining);
  const auto it = state_ids_.find(key);
  if (it != state_ids_.end()) return it->second;
  const auto id = static_cast<int32_t>(states_.size());
  State state;
  state.stacks = std::move(stacks);
  state.partial = partial;
  state.remaining = remaining;
  states_.push_back(std::move(state));
  state_ids_.emplace(std::move(key), id);
  return id;
}

// Replaces rule references on top of the stack by each of their alternatives until a character set (or
// nothing: the grammar may end) is on top. The parser rejects left recursion, so this terminates.
void Matcher::Expand(Stack stack, std::vector<int32_t>& out, int depth) {
  const std::vector<Element>& elements = grammar_->elements;
  if (stack.empty() || elements[static_cast<size_t>(stack.back())].kind == Element::Kind::kChars) {
    out.push_back(InternStack(stack));
    return;
  }
  const int32_t top = stack.back();
  stack.pop_back();
  if (elements[static_cast<size_t>(top) + 1].kind != Element::Kind::kEnd) stack.push_back(top + 1);
  for (int32_t alt : grammar_->alternatives[static_cast<size_t>(elements[static_cast<size_t>(top)].rule)]) {
    Stack next = stack;
    if (elements[static_cast<size_t>(alt)].kind != Element::Kind::kEnd) next.push_back(alt);
    Expand(std::move(next), out, depth + 1);
  }
}

// Whether a character set on top of a stack matches some code point in [lo, hi] (the characters an
// unfinished UTF-8 sequence may still become).
bool Matcher::CanMatchPrefix(int32_t element, uint32_t lo, uint32_t hi) const {
  const Element& e = grammar_->elements[static_cast<size_t>(element)];
  if (!e.negated) {
    for (const auto& [a, b] : e.ranges)
      if (a <= hi && b >= lo) return true;
    return false;
  }
  // Negated: some code point of [lo, hi] lies outside every range (ranges are sorted and merged).
  uint32_t next = lo;
  for (const auto& [a, b] : e.ranges) {
    if (b < next) continue;
    if (a > next) return true;
    if (b >= hi) return false;
    next = b + 1;
  }
  return next <= hi;
}

int32_t Matcher::Step(int32_t state, uint8_t byte) {
  State& s = states_[static_cast<size_t>(state)];
  if (!s.next) {
    s.next = std::make_unique<std::array<int32_t, 256>>();
    s.next->fill(-1);
  }
  const int32_t known = (*s.next)[byte];
  if (known >= 0) return known;
  const int32_t computed = ComputeStep(state, byte);
  (*states_[static_cast<size_t>(state)].next)[byte] = computed;
  return computed;
}

int32_t Matcher::ComputeStep(int32_t state, uint8_t byte) {
  const std::vector<int32_t> stacks = states_[static_cast<size_t>(state)].stacks;
  uint32_t value;
  int8_t remaining;
  const State& s = states_[static_cast<size_t>(state)];
  if (s.remaining == 0) {
    // Well-formed UTF-8 only (Unicode table 3-7): C0, C1 and F5..FF never occur, so no overlong form can
    // pass for an ASCII character.
    if (byte < 0x80) {
      value = byte, remaining = 0;
    } else if (byte >= 0xC2 && byte <= 0xDF) {
      value = byte & 0x1Fu, remaining = 1;
    } else if ((byte & 0xF0) == 0xE0) {
      value = byte & 0x0Fu, remaining = 2;
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      value = byte & 0x07u, remaining = 3;
    } else {
      return kDead;  // a continuation byte with no character to continue, or not UTF-8 at all
    }
  } else {
    if ((byte & 0xC0) != 0x80) return kDead;
    // The second byte after E0, ED, F0 and F4 has a narrower range (no overlong forms, no surrogates, nothing
    // past U+10FFFF). Right after a 3-byte lead the state holds its 4 bits (< 16); after a 4-byte lead, 3.
    const bool second_of_three = s.remaining == 2 && s.partial < 16;
    if (second_of_three && s.partial == 0x0 && byte < 0xA0) return kDead;
    if (second_of_three && s.partial == 0xD && byte > 0x9F) return kDead;
    if (s.remaining == 3 && s.partial == 0 && byte < 0x90) return kDead;
    if (s.remaining == 3 && s.partial == 4 && byte > 0x8F) return kDead;
    value = (s.partial << 6) | (byte & 0x3Fu);
    remaining = static_cast<int8_t>(s.remaining - 1);
  }
  std::vector<int32_t> next;
  if (remaining > 0) {
    uint32_t lo = value << (6 * remaining);
    uint32_t hi = lo | ((1u << (6 * remaining)) - 1);
    if (s.remaining == 0) {
      // After a lead byte alone, the bits say little: E0 and F0 start at U+0800 and U+10000, not at 0.
      lo = std::max(lo, remaining == 1 ? 0x80u : remaining == 2 ? 0x800u : 0x10000u);
      hi = std::min(hi, 0x10FFFFu);
    }
    for (int32_t id : stacks) {
      const Stack& stack = stacks_[static_cast<size_t>(id)];
      if (!stack.empty() && CanMatchPrefix(stack.back(), lo, hi)) next.push_back(id);
    }
    return InternState(std::move(next), value, remaining);
  }
  const std::vector<Element>& elements = grammar_->elements;
  for (int32_t id : stacks) {
    if (stacks_[static_cast<size_t>(id)].empty()) continue;
    const int32_t top = stacks_[static_cast<size_t>(id)].back();
    if (!elements[static_cast<size_t>(top)].Matches(value)) continue;
    Stack advanced = stacks_[static_cast<size_t>(id)];
    advanced.pop_back();
    if (elements[static_cast<size_t>(top) + 1].kind != Element::Kind::kEnd) advanced.push_back(top + 1);
    Expand(std::move(advanced), next, 0);
  }
  return InternState(std::move(next), 0, 0);
}

bool Matcher::accepting() const {
  const State& s = states_[static_cast<size_t>(state_)];
  if (s.remaining != 0) return false;
  return std::any_of(s.stacks.begin(), s.stacks.end(),
                     [&](int32_t id) { return stacks_[static_cast<size_t>(id)].empty(); });
}

bool Matcher::complete() const {
  const State& s = states_[static_cast<size_t>(state_)];
  return s.remaining == 0 && !s.stacks.empty() &&
         std::all_of(s.stacks.begin(), s.stacks.end(),
                     [&](int32_t id) { return stacks_[static_cast<size_t>(id)].empty(); });
}

void Matcher::ComputeMask(int32_t state, TokenMask& mask) {
  const TokenTrie& t = vocab_;
  const auto n_nodes = static_cast<uint32_t>(t.byte_.size());
  walk_.assign(1, state);
  uint32_t i = 1;
  while (i < n_nodes) {
    const uint16_t depth = t.depth_[i];
    if (walk_.size() <= depth) walk_.resize(static_cast<size_t>(depth) + 1);
    const int32_t next = Step(walk_[depth - 1u], t.byte_[i]);
    if (next == kDead) {
      i = t.subtree_end_[i];
      continue;
    }
    walk_[depth] = next;
    for (uint32_t k = t.token_begin_[i]; k < t.token_begin_[i + 1]; ++k) mask.Allow(t.token_ids_[k]);
    ++i;
  }
}

void Matcher::FillMask(TokenMask& mask) {
  if (states_.size() > kMaxStates) {
    // Start the caches over, keeping only the current state.
    std::vector<Stack> current;
    for (int32_t id : states_[static_cast<size_t>(state_)].stacks)
      current.push_back(stacks_[static_cast<size_t>(id)]);
    const uint32_t partial = states_[static_cast<size_t>(state_)].partial;
    const int8_t remaining = states_[static_cast<size_t>(state_)].remaining;
    stacks_.clear();
    stack_ids_.clear();
    states_.clear();
    state_ids_.clear();
    mask_cache_.clear();
    states_.emplace_back();
    std::vector<int32_t> ids;
    for (const Stack& stack : current) ids.push_back(InternStack(stack));
    state_ = InternState(std::move(ids), partial, remaining);
  }
  const auto cached = mask_cache_.find(state_);
  if (cached != mask_cache_.end()) {
    mask = cached->second;
    return;
  }
  mask.Reset(vocab_.n_vocab());
  if (state_ != kDead) {
    ComputeMask(state_, mask);
    if (accepting())
      for (int32_t id : vocab_.eog()) mask.Allow(id);
  }
  if (mask_cache_.size() >= kMaxCachedMasks) mask_cache_.clear();
  mask_cache_.emplace(state_, mask);
}

bool Matcher::AcceptText(std::string_view text) {
  int32_t state = state_;
  for (char c : text) {
    state = Step(state, static_cast<uint8_t>(c));
    if (state == kDead) return false;
  }
  state_ = state;
  return true;
}

bool Matcher::Accept(int32_t token) {
  if (token < 0 || token >= vocab_.n_vocab()) return false;
  if (std::find(vocab_.eog().begin(), vocab_.eog().end(), token) != vocab_.eog().end()) return accepting();
  const std::string& piece = vocab_.piece(token);
  return !piece.empty() && AcceptText(piece);
}

}  // namespace corral::sample::grammar
