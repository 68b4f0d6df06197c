// Every snippet in snippets.txt, rendered by Python's jinja2 and by corral: the outputs must be identical
// (or both must fail). Skips when python3 with jinja2 is not installed.
#include <gtest/gtest.h>

#include "template/reference_support.h"

namespace corral::jinja::testing {
namespace {

// snippets.txt: "=== name" starts a snippet, its template lines follow, then optionally "--- " and a JSON
// context that may span lines. Lines starting with '#' before the first snippet are comments.
std::vector<ReferenceJob> LoadSnippets() {
  const std::string text = ReadFile(corral::testing::SourceDir() / "tests" / "template" / "snippets.txt");
  std::vector<ReferenceJob> jobs;
  std::vector<std::string> template_lines;
  std::string context_text;
  bool in_context = false;
  auto flush = [&]() {
    if (jobs.empty()) return;
    std::string source;
    for (size_t i = 0; i < template_lines.size(); ++i) {
      if (i > 0) source += "\n";
      source += template_lines[i];
    }
    jobs.back().source = source;
    jobs.back().context =
        context_text.empty() ? nlohmann::ordered_json::object() : nlohmann::ordered_json::parse(context_text);
  };
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind("=== ", 0) == 0) {
      flush();
      jobs.push_back(ReferenceJob{line.substr(4), {}, {}});
      template_lines.clear();
      context_text.clear();
      in_context = false;
    } else if (jobs.empty()) {
      continue;  // header comments
    } else if (line.rfind("--- ", 0) == 0) {
      in_context = true;
      context_text = line.substr(4);
    } else if (in_context) {
      context_text += "\n" + line;
    } else {
      template_lines.push_back(line);
    }
    if (end == text.size()) break;
  }
  flush();
  return jobs;
}

TEST(JinjaSnippets, MatchPythonJinja2) {
  if (!HaveJinja2()) GTEST_SKIP() << "python3 with jinja2 is not installed";
  const std::vector<ReferenceJob> jobs = LoadSnippets();
  ASSERT_GT(jobs.size(), 100u);
  std::string why;
  const auto expected = RenderWithJinja2(jobs, &why);
  ASSERT_TRUE(expected.has_value()) << why;
  ASSERT_EQ(expected->size(), jobs.size());
  // Snippets whose name ends in _fails must fail in jinja2 too, or the snippet tests nothing.
  for (size_t i = 0; i < jobs.size(); ++i) {
    const bool should_fail =
        jobs[i].name.size() > 6 && jobs[i].name.rfind("_fails") == jobs[i].name.size() - 6;
    EXPECT_EQ((*expected)[i].ok, !should_fail) << jobs[i].name << ": " << (*expected)[i].error;
  }
  const Comparison cmp = CompareWithCorral(jobs, *expected);
  for (const std::string& failure : cmp.failures) ADD_FAILURE() << failure;
  std::printf("jinja snippets: %zu/%zu identical (%zu fail in both)\n", cmp.identical, jobs.size(),
              cmp.both_failed);
}

}  // namespace
}  // namespace corral::jinja::testing
