// A prompt too long for the context is cut as Ollama's runner cuts it (llm/llama_server.go): num_keep
// tokens (plus BOS) stay, and from the rest the oldest go until half the context after them is free.
#include "engine/prompt.h"

#include <gtest/gtest.h>

#include <numeric>

namespace corral::engine {
namespace {

std::vector<int32_t> Iota(int n, int from = 0) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), from);
  return v;
}

std::vector<int32_t> Concat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(TruncatePrompt, ShorterThanTheContextStaysAsItIs) {
  EXPECT_EQ(TruncatePrompt(Iota(63), 64, 4, true), Iota(63));
  EXPECT_EQ(TruncatePrompt(Iota(10), 1, 4, true), Iota(10));  // no room to cut into
}

TEST(TruncatePrompt, KeepsNumKeepAndBosThenTheNewestHalfContext) {
  // keep = 4 + BOS = 5; limit = 64 - (64 - 5) / 2 = 35: tokens 0-4, then the last 30.
  EXPECT_EQ(TruncatePrompt(Iota(100), 64, 4, true), Concat(Iota(5), Iota(30, 70)));
  // Exactly num_ctx tokens leave no room for an answer: cut as well.
  EXPECT_EQ(TruncatePrompt(Iota(64), 64, 4, true), Concat(Iota(5), Iota(30, 34)));
  // Without BOS: keep 4, limit = 64 - 30 = 34.
  EXPECT_EQ(TruncatePrompt(Iota(100), 64, 4, false), Concat(Iota(4), Iota(30, 70)));
  EXPECT_EQ(TruncatePrompt(Iota(100), 64, 0, false), Iota(32, 68));
}

TEST(TruncatePrompt, KeepAllStillLeavesOneFreePosition) {
  // num_keep -1 keeps as much as fits: num_ctx - 1 tokens, the oldest after them dropped.
  const std::vector<int32_t> cut = TruncatePrompt(Iota(100), 64, -1, true);
  EXPECT_EQ(cut, Iota(63));
}

}  // namespace
}  // namespace corral::engine
