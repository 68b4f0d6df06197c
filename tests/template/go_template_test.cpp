// corral's Go-template interpreter against Go's own text/template (tests/template/go_reference): every case
// of tests/template/go_cases.txt renders byte-identically, and fails where Go fails.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "template/go/template.h"
#include "template/go/value_json.h"
#include "template/go_reference_support.h"
#include "template/reference_support.h"
#include "test_paths.h"

namespace corral::gotmpl {
namespace {

using testing::GoCase;

std::vector<GoCase> LoadCases() {
  const std::string text =
      jinja::testing::ReadFile(corral::testing::SourceDir() / "tests" / "template" / "go_cases.txt");
  std::vector<GoCase> cases;
  size_t pos = text.find("\n=== ");
  if (pos != std::string::npos) ++pos;
  while (pos != std::string::npos) {
    const size_t name_end = text.find('\n', pos);
    const size_t next = text.find("\n=== ", name_end);
    const std::string body =
        text.substr(name_end + 1, (next == std::string::npos ? text.size() : next) - name_end - 1);
    GoCase c;
    c.name = text.substr(pos + 4, name_end - pos - 4);
    const size_t data_at = body.find("--- data\n");
    const size_t tpl_at = body.find("--- template\n");
    EXPECT_NE(data_at, std::string::npos) << c.name;
    EXPECT_NE(tpl_at, std::string::npos) << c.name;
    c.data = nlohmann::ordered_json::parse(body.substr(data_at + 9, tpl_at - data_at - 9));
    c.source = body.substr(tpl_at + 13);
    if (next == std::string::npos && !c.source.empty() && c.source.back() == '\n') c.source.pop_back();
    cases.push_back(std::move(c));
    pos = next == std::string::npos ? next : next + 1;
  }
  return cases;
}

ExecOptions FixedDate() {
  ExecOptions options;
  std::tm day{};
  day.tm_year = 124;  // 2024-03-01, the date go_reference is given: yesterday crosses a (leap) month
  day.tm_mon = 2;
  day.tm_mday = 1;
  day.tm_hour = 12;
  options.now = day;
  options.max_template_depth = 200;
  return options;
}

Result<std::string> Render(const GoCase& c) {
  CORRAL_ASSIGN_OR_RETURN(Template tpl, Template::Parse(c.source));
  return tpl.Execute(ValueFromJson(c.data), FixedDate());
}

TEST(GoTemplate, CasesMatchGoTextTemplate) {
  if (!testing::HaveGo()) GTEST_SKIP() << "go is not installed (scripts/setup installs golang-go)";
  const std::vector<GoCase> cases = LoadCases();
  ASSERT_GT(cases.size(), 60u);
  std::string why;
  const auto expected = testing::RunGoReference(cases, &why);
  ASSERT_TRUE(expected.has_value()) << why;
  size_t compared = 0;
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE(cases[k].name);
    const Result<std::string> got = Render(cases[k]);
    const testing::GoResult& want = (*expected)[k];
    if (want.ok) {
      if (!got.ok()) {
        ADD_FAILURE() << got.status().message() << "\nGo rendered: " << want.output;
        continue;
      }
      EXPECT_EQ(*got, want.output);
    } else {
      EXPECT_FALSE(got.ok()) << "Go failed with: " << want.error
                             << "\ncorral rendered: " << (got.ok() ? *got : "");
    }
    ++compared;
  }
  EXPECT_EQ(compared, cases.size());
}

TEST(GoTemplate, ErrorsNameTheLine) {
  Result<Template> bad = Template::Parse("a\nb\n{{ if .x }}\n{{ nofunc }}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "line 4: function \"nofunc\" not defined");

  Result<Template> tpl = Template::Parse("line1\n{{ .a }}\n{{ len .a.b }}");
  ASSERT_TRUE(tpl.ok());
  Result<std::string> out = tpl->Execute(ValueFromJson(nlohmann::ordered_json::parse(R"({"a": {"b": 3}})")));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "line 3: error calling len: len of type float64");
}

TEST(GoTemplate, WorkIsBounded) {
  Result<Template> loop =
      Template::Parse("{{ range .a }}{{ range $.a }}{{ range $.a }}x{{ end }}{{ end }}{{ end }}");
  ASSERT_TRUE(loop.ok());
  nlohmann::ordered_json data;
  data["a"] = nlohmann::ordered_json::array();
  for (int k = 0; k < 300; ++k) data["a"].push_back(k);
  ExecOptions options;
  options.max_steps = 100'000;
  Result<std::string> out = loop->Execute(ValueFromJson(data), options);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("steps"), std::string::npos) << out.status().message();

  options = ExecOptions();
  options.max_output_bytes = 1000;
  out = loop->Execute(ValueFromJson(data), options);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("output exceeds"), std::string::npos) << out.status().message();

  Result<Template> recursive =
      Template::Parse("{{ define \"r\" }}{{ template \"r\" }}{{ end }}{{ template \"r\" }}");
  ASSERT_TRUE(recursive.ok());
  out = recursive->Execute(Value::Invalid());
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("maximum template depth"), std::string::npos);
}

}  // namespace
}  // namespace corral::gotmpl
