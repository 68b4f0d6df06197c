// `--option name=value` parsing: use_mmap (Ollama's load-time option) is a boolean, unset by default so the
// loader picks its own home for the weights.
#include "cli/model_options.h"

#include <gtest/gtest.h>

namespace corral::cli {
namespace {

TEST(ModelOptions, UseMmapIsUnsetUnlessGiven) {
  auto o = ParseModelOptions({"num_ctx=128"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_FALSE(o->use_mmap.has_value());
}

TEST(ModelOptions, UseMmapTakesBooleans) {
  for (const auto& [text, want] : std::vector<std::pair<std::string, bool>>{
           {"true", true}, {"false", false}, {"1", true}, {"0", false}}) {
    auto o = ParseModelOptions({"use_mmap=" + text});
    ASSERT_TRUE(o.ok()) << text << ": " << o.status().ToString();
    ASSERT_TRUE(o->use_mmap.has_value());
    EXPECT_EQ(*o->use_mmap, want) << text;
  }
  auto bad = ParseModelOptions({"use_mmap=maybe"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("use_mmap"), std::string::npos) << bad.status().ToString();
}

}  // namespace
}  // namespace corral::cli
