// The 70 real chat templates from the test data (scripts/testdata) × the conversations in
// tests/template/conversations/, rendered by Python's jinja2 as Hugging Face does and by corral: every pair
// must be byte-identical, and where jinja2 fails (a template's raise_exception on an unsupported turn
// order, a missing filter) corral must fail too. jinja2 runs at test time, so the expectations always come
// from the reference itself; the test skips where python3 with jinja2 or the test data is missing.
#include <gtest/gtest.h>

#include <algorithm>

#include "template/reference_support.h"

namespace corral::jinja::testing {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> SortedFiles(const fs::path& dir, std::string_view extension) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == extension) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The variables apply_chat_template passes: messages, tools (None when absent), documents (None),
// add_generation_prompt, the special tokens, and any extra template kwargs of the conversation. A
// conversation marked "tools_undefined" leaves tools and documents out entirely.
nlohmann::ordered_json ContextFor(const nlohmann::ordered_json& conversation) {
  nlohmann::ordered_json context;
  context["messages"] = conversation.at("messages");
  if (!conversation.value("tools_undefined", false)) {
    context["tools"] = conversation.contains("tools") ? conversation["tools"] : nlohmann::ordered_json();
    context["documents"] = nullptr;
  }
  context["add_generation_prompt"] = conversation.value("add_generation_prompt", true);
  context["bos_token"] = "<s>";
  context["eos_token"] = "</s>";
  if (conversation.contains("extra")) {
    for (const auto& [key, value] : conversation["extra"].items()) context[key] = value;
  }
  return context;
}

TEST(ChatTemplates, MatchPythonJinja2) {
  if (!HaveJinja2()) GTEST_SKIP() << "python3 with jinja2 is not installed";
  const auto templates = SortedFiles(corral::testing::TestDataDir() / "templates", ".jinja");
  if (templates.empty())
    GTEST_SKIP() << "no templates in " << corral::testing::TestDataDir() << " (run scripts/testdata)";
  const auto conversations =
      SortedFiles(corral::testing::SourceDir() / "tests" / "template" / "conversations", ".json");
  ASSERT_GE(conversations.size(), 12u);
  std::vector<ReferenceJob> jobs;
  for (const fs::path& tpl : templates) {
    const std::string source = ReadFile(tpl);
    for (const fs::path& conv : conversations) {
      jobs.push_back(ReferenceJob{tpl.stem().string() + " × " + conv.stem().string(), source,
                                  ContextFor(nlohmann::ordered_json::parse(ReadFile(conv)))});
    }
  }
  std::string why;
  const auto expected = RenderWithJinja2(jobs, &why);
  ASSERT_TRUE(expected.has_value()) << why;
  ASSERT_EQ(expected->size(), jobs.size());
  const size_t rendered =
      std::count_if(expected->begin(), expected->end(), [](const auto& r) { return r.ok; });
  // Most pairs must render in jinja2, or the comparison says little.
  EXPECT_GT(rendered, jobs.size() * 3 / 4);

  const Comparison cmp = CompareWithCorral(jobs, *expected);
  for (const std::string& failure : cmp.failures) ADD_FAILURE() << failure;
  std::printf(
      "chat templates: %zu templates × %zu conversations: %zu/%zu identical (%zu rendered by jinja2, %zu "
      "fail in both)\n",
      templates.size(), conversations.size(), cmp.identical, jobs.size(), rendered, cmp.both_failed);
}

}  // namespace
}  // namespace corral::jinja::testing
