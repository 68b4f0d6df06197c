// A set of allowed token ids (one bit per vocabulary entry), as a grammar produces it for one step and the
// sampler consumes it before its other stages.
#pragma once

#include <cstdint>
#include <vector>

namespace corral::sample {

class TokenMask {
 public:
  TokenMask() = default;
  explicit TokenMask(int32_t n_vocab) { Reset(n_vocab); }

  // All ids disallowed.
  void Reset(int32_t n_vocab) {
    n_vocab_ = n_vocab;
    words_.assign((static_cast<size_t>(n_vocab) + 63) / 64, 0);
  }
  void Allow(int32_t id) { words_[static_cast<size_t>(id) >> 6] |= uint64_t{1} << (id & 63); }
  bool allowed(int32_t id) const {
    return id >= 0 && id < n_vocab_ && ((words_[static_cast<size_t>(id) >> 6] >> (id & 63)) & 1) != 0;
  }
  bool any() const {
    for (uint64_t w : words_)
      if (w != 0) return true;
    return false;
  }
  int32_t n_vocab() const { return n_vocab_; }

 private:
  int32_t n_vocab_ = 0;
  std::vector<uint64_t> words_;
};

}  // namespace corral::sample
