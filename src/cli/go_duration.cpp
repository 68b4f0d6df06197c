#include "cli/go_duration.h"

#include <cstdint>
#include <cstdio>

namespace corral::cli {
namespace {

// `value` units of 10^-decimals, as "I.FFF" with trailing zeros (and a bare point) removed.
std::string Fixed(uint64_t value, int decimals) {
  uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  std::string out = std::to_string(value / scale);
  uint64_t fraction = value % scale;
  if (fraction == 0) return out;
  std::string digits(static_cast<size_t>(decimals), '0');
  for (int i = decimals - 1; i >= 0; --i, fraction /= 10)
    digits[static_cast<size_t>(i)] = char('0' + fraction % 10);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

}  // namespace

std::string FormatGoDuration(std::chrono::nanoseconds duration) {
  int64_t ns = duration.count();
  std::string sign;
  if (ns < 0) {
    sign = "-";
    ns = -ns;
  }
  const auto u = static_cast<uint64_t>(ns);
  if (u == 0) return "0s";
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + Fixed(u, 3) + "µs";
  if (u < 1000000000) return sign + Fixed(u, 6) + "ms";
  const uint64_t hours = u / 3600000000000ull;
  const uint64_t minutes = u / 60000000000ull % 60;
  const uint64_t seconds_ns = u % 60000000000ull;
  std::string out = sign;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  return out + Fixed(seconds_ns, 9) + "s";
}

}  // namespace corral::cli
