// `corral template`: the built binary renders a chat template for a conversation file and prints exactly the
// prompt; for a real template its output equals Python jinja2's rendering of the same variables.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "run_process.h"
#include "template/go_reference_support.h"
#include "template/reference_support.h"
#include "test_paths.h"

namespace corral {
namespace {

namespace fs = std::filesystem;
using corral::testing::ProcessResult;
using corral::testing::RunProcess;

class TemplateCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("corral-template-cmd-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  fs::path dir_;
};

TEST_F(TemplateCommand, PrintsThePromptExactly) {
  const std::string tpl = Write(
      "t.jinja",
      "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}"
      "{% if add_generation_prompt %}[assistant]{% endif %}{{ extra.n if extra is defined }}{% if tools %}"
      "{{ tools|length }}{% endif %}{{ enable_thinking }}");
  const std::string conv =
      Write("c.json", R"([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hé"}])");
  const std::string tools = Write("tools.json", R"([{"type": "function", "function": {"name": "f"}}])");
  ProcessResult r = RunProcess({CORRAL_EXE, "template", tpl, "--messages", conv, "--tools", tools, "--think",
                                "--var", "bos_token=<s>", "--var", R"(extra={"n": 7})"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<s>[user] hi\n[assistant] hé\n[assistant]71True");

  r = RunProcess({CORRAL_EXE, "template", tpl, "--messages", conv, "--no-generation-prompt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[user] hi\n[assistant] hé\n");
}

TEST_F(TemplateCommand, TemplateErrorsAreOneLineWithTheTemplateLine) {
  const std::string tpl = Write("bad.jinja",
                                "ok\n{% if messages|length > 1 %}{{ raise_exception('Only one message!') }}"
                                "{% endif %}");
  const std::string conv = Write("c.json", R"({"messages": [{"role": "user"}, {"role": "user"}]})");
  const ProcessResult r = RunProcess({CORRAL_EXE, "template", tpl, "--messages", conv});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "corral: " + tpl + ": line 2: Only one message!\n");

  const ProcessResult missing =
      RunProcess({CORRAL_EXE, "template", (dir_ / "nope.jinja").string(), "--messages", conv});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.jinja"), std::string::npos) << missing.err;
}

TEST_F(TemplateCommand, RealTemplateMatchesJinja2) {
  if (!jinja::testing::HaveJinja2()) GTEST_SKIP() << "python3 with jinja2 is not installed";
  const fs::path tpl = corral::testing::TestDataDir() / "templates" / "Qwen-Qwen2.5-7B-Instruct.jinja";
  if (!fs::exists(tpl)) GTEST_SKIP() << "no " << tpl << " (run scripts/testdata)";
  const fs::path conv = corral::testing::SourceDir() / "tests" / "template" / "conversations" /
                        "08_parallel_calls_string_args.json";
  const ProcessResult r = RunProcess({CORRAL_EXE, "template", tpl.string(), "--messages", conv.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // The command passes messages, tools and add_generation_prompt from the conversation file, nothing else.
  const nlohmann::ordered_json conversation = nlohmann::ordered_json::parse(jinja::testing::ReadFile(conv));
  nlohmann::ordered_json context = {{"messages", conversation["messages"]},
                                    {"tools", conversation["tools"]},
                                    {"add_generation_prompt", conversation["add_generation_prompt"]}};
  std::string why;
  const auto expected =
      jinja::testing::RenderWithJinja2({{"qwen2.5", jinja::testing::ReadFile(tpl), context}}, &why);
  ASSERT_TRUE(expected.has_value()) << why;
  ASSERT_TRUE((*expected)[0].ok) << (*expected)[0].error;
  EXPECT_EQ(r.out, (*expected)[0].output);
}

TEST_F(TemplateCommand, GoTemplateRendersAsOllamaDoes) {
  const std::string conv = Write("c.json", R"({"messages": [{"role": "system", "content": "S"},
    {"role": "user", "content": "a"}, {"role": "user", "content": "b"}]})");
  // A .gotmpl file is a Go template: consecutive user messages collate, .System collects the system text.
  const std::string tpl = Write("t.gotmpl",
                                "{{ .System }}|{{ range .Messages }}[{{ .Role }}:{{ .Content }}]{{ end }}"
                                "{{ if .IsThinkSet }} think={{ .Think }}/{{ .ThinkLevel }}{{ end }}");
  ProcessResult r = RunProcess({CORRAL_EXE, "template", tpl, "--messages", conv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "S|[system:S][user:a\n\nb]");
  r = RunProcess({CORRAL_EXE, "template", tpl, "--messages", conv, "--think-level", "high"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "S|[system:S][user:a\n\nb] think=true/high");

  // Any other file is told apart by its text; --go forces Go.
  const std::string legacy = Write("Modelfile.template", "<<{{ .Prompt }}>>");
  r = RunProcess({CORRAL_EXE, "template", legacy, "--messages", conv});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<<a\n\nb>>");
  const std::string forced = Write("forced.jinja", "{{ len .Messages }}");
  r = RunProcess({CORRAL_EXE, "template", forced, "--messages", conv, "--go"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2");
}

TEST_F(TemplateCommand, GoTemplateErrorsNameTheLine) {
  const std::string conv = Write("c.json", R"([{"role": "user", "content": "hi"}])");
  const std::string tpl = Write("bad.gotmpl", "ok\n{{ range .Messages }}{{ .Nope }}{{ end }}");
  const ProcessResult r = RunProcess({CORRAL_EXE, "template", tpl, "--messages", conv});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "corral: " + tpl + ": line 2: can't evaluate field Nope in type *template.templateMessage\n");
  const ProcessResult var = RunProcess({CORRAL_EXE, "template", tpl, "--messages", conv, "--var", "x=1"});
  EXPECT_EQ(var.exit_code, 1);
  EXPECT_NE(var.err.find("--var applies to Jinja templates only"), std::string::npos) << var.err;
}

// A registry-style template with tools and thinking, on a real conversation: the output equals Go's own
// text/template run the way Ollama runs it (tests/template/go_reference).
TEST_F(TemplateCommand, GoTemplateMatchesGoReference) {
  if (!gotmpl::testing::HaveGo()) GTEST_SKIP() << "go is not installed";
  const fs::path tpl =
      corral::testing::SourceDir() / "tests" / "template" / "ollama_templates" / "qwen-tools-think.gotmpl";
  const fs::path conv =
      corral::testing::SourceDir() / "tests" / "template" / "conversations" / "07_tool_call_object_args.json";
  const ProcessResult r =
      RunProcess({CORRAL_EXE, "template", tpl.string(), "--messages", conv.string(), "--think"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::ordered_json conversation = nlohmann::ordered_json::parse(jinja::testing::ReadFile(conv));
  nlohmann::ordered_json request = {
      {"messages", conversation["messages"]}, {"tools", conversation["tools"]}, {"think", true}};
  std::string why;
  const auto expected =
      gotmpl::testing::RunGoReference({{"qwen", "ollama", jinja::testing::ReadFile(tpl), request}}, &why);
  ASSERT_TRUE(expected.has_value()) << why;
  ASSERT_TRUE((*expected)[0].ok) << (*expected)[0].error;
  EXPECT_EQ(r.out, (*expected)[0].output);
  EXPECT_NE(r.out.find("<tool_call>"), std::string::npos);
}

}  // namespace
}  // namespace corral
