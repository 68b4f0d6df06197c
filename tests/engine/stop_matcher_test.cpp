// Stop strings over streamed chunks: split over tokens, overlapping, at the very start, multibyte UTF-8,
// and the release of held-back text as soon as it cannot be a stop string.
#include "engine/stop_matcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace corral::engine {
namespace {

// Pushes the chunks in order and returns everything shown (with the final flush when nothing stopped).
std::string Stream(StopMatcher& m, const std::vector<std::string>& chunks,
                   std::vector<std::string>* shown = nullptr) {
  std::string out;
  for (const std::string& chunk : chunks) {
    const std::string s = m.Push(chunk);
    if (shown != nullptr) shown->push_back(s);
    out += s;
  }
  if (!m.stopped()) out += m.Flush();
  return out;
}

TEST(StopMatcher, NoStopsPassesEverythingThrough) {
  StopMatcher m({});
  std::vector<std::string> shown;
  EXPECT_EQ(Stream(m, {"a", "b"}, &shown), "ab");
  EXPECT_EQ(shown, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(m.stopped());
}

TEST(StopMatcher, StopSplitOverTwoToFourTokens) {
  const std::vector<std::vector<std::string>> splits = {{"Hello ", "EN", "D rest"},
                                                        {"Hello E", "N", "D"},
                                                        {"Hello ", "E", "N", "D!"},
                                                        {"Hello", " E", "N", "D"}};
  for (const auto& chunks : splits) {
    StopMatcher m({"END"});
    EXPECT_EQ(Stream(m, chunks), "Hello ");
    EXPECT_TRUE(m.stopped());
    EXPECT_EQ(m.matched(), "END");
  }
}

TEST(StopMatcher, HeldTextIsReleasedAsSoonAsItCannotBeAStop) {
  StopMatcher m({"END"});
  EXPECT_EQ(m.Push("abE"), "ab");  // "E" might start END
  EXPECT_EQ(m.Push("N"), "");      // "EN" still might
  EXPECT_EQ(m.Push("x"), "ENx");   // "ENx" cannot
  EXPECT_EQ(m.Push("E"), "");
  EXPECT_EQ(m.Flush(), "E");  // the end of the text: nothing more can come
  EXPECT_FALSE(m.stopped());
}

TEST(StopMatcher, OverlappingStopsTheEarliestWins) {
  StopMatcher a({"bcd", "abc"});
  EXPECT_EQ(Stream(a, {"xa", "b", "cd"}), "x");
  EXPECT_EQ(a.matched(), "abc");
  // A held tail that is the start of one stop while another completes: "ab" then "c" completes "abc" only
  // through the longer hold.
  StopMatcher b({"abcd", "bc"});
  EXPECT_EQ(Stream(b, {"a", "b", "c"}), "a");
  EXPECT_EQ(b.matched(), "bc");
  // One stop inside another: the earlier start wins.
  StopMatcher c({"needle", "eed"});
  EXPECT_EQ(Stream(c, {"a need", "le"}), "a n");
}

TEST(StopMatcher, StopAtTheVeryStartShowsNothing) {
  StopMatcher m({"<|end|>"});
  std::vector<std::string> shown;
  EXPECT_EQ(Stream(m, {"<|", "end", "|>", "more"}, &shown), "");
  EXPECT_TRUE(m.stopped());
  for (const std::string& s : shown) EXPECT_EQ(s, "");
  EXPECT_EQ(m.Push("later"), "");
}

TEST(StopMatcher, MultibyteUtf8Stops) {
  // "。" is E3 80 82; "→" E2 86 92: split inside a character, as byte-level tokens do.
  StopMatcher m({"。", "→→"});
  EXPECT_EQ(Stream(m, {"日本", "\xE3\x80", "\x82", "x"}), "日本");
  StopMatcher n({"→→"});
  std::vector<std::string> shown;
  EXPECT_EQ(Stream(n, {"a→", "b→", "\xE2\x86", "\x92z"}, &shown), "a→b");
  // Whatever is shown is whole UTF-8: the held tail starts where a stop string starts.
  EXPECT_EQ(shown[0], "a");
  StopMatcher near({"→→"});
  EXPECT_EQ(Stream(near, {"→", "x"}), "→x");
}

TEST(StopMatcher, EmptyStopStringsAreIgnored) {
  StopMatcher m({"", "z"});
  EXPECT_EQ(Stream(m, {"abc"}), "abc");
  EXPECT_FALSE(m.stopped());
}

}  // namespace
}  // namespace corral::engine
