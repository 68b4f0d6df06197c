// Go's time.Duration.String() output for the values Ollama's timing block prints (documented examples of
// the Go standard library: "72h3m0.5s", "1.5µs", ...).
#include "cli/go_duration.h"

#include <gtest/gtest.h>

namespace corral::cli {
namespace {

using std::chrono::nanoseconds;

TEST(GoDuration, MatchesGoFormatting) {
  EXPECT_EQ(FormatGoDuration(nanoseconds(0)), "0s");
  EXPECT_EQ(FormatGoDuration(nanoseconds(1)), "1ns");
  EXPECT_EQ(FormatGoDuration(nanoseconds(1100)), "1.1µs");
  EXPECT_EQ(FormatGoDuration(nanoseconds(2200000)), "2.2ms");
  EXPECT_EQ(FormatGoDuration(nanoseconds(15621584)), "15.621584ms");
  EXPECT_EQ(FormatGoDuration(nanoseconds(3300000000)), "3.3s");
  EXPECT_EQ(FormatGoDuration(nanoseconds(2387716667)), "2.387716667s");
  EXPECT_EQ(FormatGoDuration(nanoseconds(60000000000)), "1m0s");
  EXPECT_EQ(FormatGoDuration(nanoseconds(4 * 60000000000 + 5000000000)), "4m5s");
  EXPECT_EQ(FormatGoDuration(nanoseconds(int64_t{72} * 3600000000000 + 3 * 60000000000 + 500000000)),
            "72h3m0.5s");
  EXPECT_EQ(FormatGoDuration(nanoseconds(-1500)), "-1.5µs");
}

}  // namespace
}  // namespace corral::cli
