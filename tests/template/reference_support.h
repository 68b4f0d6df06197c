// Runs Python's jinja2 (tests/template/render_reference.py) on a batch of jobs and compares corral's
// rendering of the same jobs with it, byte for byte.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "template/template.h"
#include "template/value_json.h"
#include "test_paths.h"

namespace corral::jinja::testing {

struct ReferenceJob {
  std::string name;  // for failure messages
  std::string source;
  nlohmann::ordered_json context;
};

struct ReferenceResult {
  bool ok = false;
  std::string output;  // when ok
  std::string error;   // when not
};

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Whether python3 with jinja2 is here; the reference tests skip without it.
inline bool HaveJinja2() {
  static const bool have = std::system("python3 -c 'import jinja2' >/dev/null 2>&1") == 0;
  return have;
}

// Renders every job with jinja2; nullopt (and *why) when the reference could not run.
inline std::optional<std::vector<ReferenceResult>> RenderWithJinja2(const std::vector<ReferenceJob>& jobs,
                                                                    std::string* why) {
  nlohmann::ordered_json input = nlohmann::ordered_json::array();
  for (const ReferenceJob& job : jobs) input.push_back({{"template", job.source}, {"context", job.context}});
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem = "corral_jinja_" + std::to_string(::getpid()) + "_" + std::to_string(std::rand());
  const auto in_path = dir / (stem + "_in.json");
  const auto out_path = dir / (stem + "_out.json");
  {
    std::ofstream out(in_path, std::ios::binary);
    out << input.dump();
  }
  const auto script = corral::testing::SourceDir() / "tests" / "template" / "render_reference.py";
  const std::string command =
      "python3 '" + script.string() + "' '" + in_path.string() + "' '" + out_path.string() + "'";
  const int rc = std::system(command.c_str());
  std::filesystem::remove(in_path);
  if (rc != 0) {
    *why = "render_reference.py failed (exit " + std::to_string(rc) + ")";
    return std::nullopt;
  }
  const nlohmann::ordered_json output = nlohmann::ordered_json::parse(ReadFile(out_path));
  std::filesystem::remove(out_path);
  std::vector<ReferenceResult> results;
  for (const auto& r : output) {
    ReferenceResult result;
    result.ok = r.at("ok").get<bool>();
    if (result.ok) {
      result.output = r.at("output").get<std::string>();
    } else {
      result.error = r.at("error").get<std::string>();
    }
    results.push_back(std::move(result));
  }
  return results;
}

// The moment render_reference.py's strftime_now formats: 2025-03-14 09:26:53, a Friday.
inline RenderOptions FixedClockOptions() {
  RenderOptions options;
  std::tm tm{};
  tm.tm_year = 2025 - 1900;
  tm.tm_mon = 2;
  tm.tm_mday = 14;
  tm.tm_hour = 9;
  tm.tm_min = 26;
  tm.tm_sec = 53;
  tm.tm_wday = 5;
  tm.tm_yday = 72;
  options.now = tm;
  return options;
}

// Describes the first difference between two outputs, with some context around it.
inline std::string DescribeDifference(const std::string& expected, const std::string& actual) {
  size_t i = 0;
  while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
  const size_t from = i > 60 ? i - 60 : 0;
  auto show = [&](const std::string& s) {
    nlohmann::json j = s.substr(from, std::min<size_t>(s.size() - std::min(s.size(), from), 140));
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  return "first difference at byte " + std::to_string(i) + " (lengths " + std::to_string(expected.size()) +
         " vs " + std::to_string(actual.size()) + ")\n  jinja2: " + show(expected) +
         "\n  corral: " + show(actual);
}

struct Comparison {
  size_t identical = 0;
  size_t both_failed = 0;
  std::vector<std::string> failures;
};

// Renders every job with corral and compares with jinja2's results: identical text when jinja2 succeeds,
// an error when jinja2 fails.
inline Comparison CompareWithCorral(const std::vector<ReferenceJob>& jobs,
                                    const std::vector<ReferenceResult>& expected) {
  Comparison cmp;
  const RenderOptions options = FixedClockOptions();
  std::string cached_source;
  std::optional<Result<Template>> cached;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const ReferenceJob& job = jobs[i];
    if (!cached || cached_source != job.source) {
      cached_source = job.source;
      cached.emplace(Template::Parse(job.source));
    }
    Result<std::string> actual = cached->ok() ? cached->value().Render(ValueFromJson(job.context), options)
                                              : Result<std::string>(cached->status());
    const ReferenceResult& ref = expected[i];
    if (ref.ok && actual.ok() && *actual == ref.output) {
      ++cmp.identical;
    } else if (!ref.ok && !actual.ok()) {
      // A template's own raise_exception must surface with its message intact.
      const std::string kRaised = "TemplateError: ";
      const std::string& message = actual.status().message();
      if (ref.error.rfind(kRaised, 0) == 0) {
        const std::string expected_message = ref.error.substr(kRaised.size());
        if (message.size() < expected_message.size() ||
            message.compare(message.size() - expected_message.size(), expected_message.size(),
                            expected_message) != 0) {
          cmp.failures.push_back(job.name + ": jinja2 raised '" + expected_message +
                                 "', corral failed with '" + message + "'");
          continue;
        }
      }
      ++cmp.identical;
      ++cmp.both_failed;
    } else if (ref.ok && !actual.ok()) {
      cmp.failures.push_back(job.name + ": jinja2 rendered, corral failed: " + actual.status().ToString());
    } else if (!ref.ok) {
      cmp.failures.push_back(job.name + ": jinja2 failed (" + ref.error + "), corral rendered " +
                             std::to_string(actual->size()) + " bytes");
    } else {
      cmp.failures.push_back(job.name + ": " + DescribeDifference(ref.output, *actual));
    }
  }
  return cmp;
}

}  // namespace corral::jinja::testing
