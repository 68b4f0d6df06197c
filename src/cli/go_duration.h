// Durations printed the way Go's time.Duration.String() prints them ("2.387716667s", "15.621584ms",
// "812.5µs", "1m2.5s"), because `corral run --verbose` reproduces Ollama's timing block, which people and
// scripts read.
#pragma once

#include <chrono>
#include <string>

namespace corral::cli {

std::string FormatGoDuration(std::chrono::nanoseconds duration);

}  // namespace corral::cli
