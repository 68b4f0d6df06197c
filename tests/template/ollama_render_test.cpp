// Ollama's way of running a Go template for a chat (go/ollama.h) and the chat-formatting API
// (chat_template.h): every test template × every conversation × every think setting renders as
// tests/template/go_reference renders it with Go's text/template, plus golden prompts taken from Ollama's
// own tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "template/chat_request_support.h"
#include "template/chat_template.h"
#include "template/go/ollama.h"
#include "template/go_reference_support.h"
#include "template/reference_support.h"
#include "test_paths.h"

namespace corral::chat {
namespace {

namespace fs = std::filesystem;
using testing::Json;

fs::path TemplateDir() {
  return corral::testing::SourceDir() / "tests" / "template" / "ollama_templates";
}
fs::path ConversationDir() {
  return corral::testing::SourceDir() / "tests" / "template" / "conversations";
}

std::vector<fs::path> Sorted(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ext) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> RenderOllama(const std::string& source, const Json& request) {
  CORRAL_ASSIGN_OR_RETURN(gotmpl::OllamaTemplate tpl, gotmpl::OllamaTemplate::Parse(source));
  return tpl.Render(testing::RequestFromOllamaJson(request));
}

TEST(OllamaRender, TemplatesTimesConversationsMatchGo) {
  if (!gotmpl::testing::HaveGo()) GTEST_SKIP() << "go is not installed (scripts/setup installs golang-go)";
  std::vector<gotmpl::testing::GoCase> cases;
  const std::vector<Json> thinks = {Json(), Json(true), Json(false), Json("high")};
  for (const fs::path& tpl : Sorted(TemplateDir(), ".gotmpl")) {
    const std::string source = jinja::testing::ReadFile(tpl);
    for (const fs::path& conv : Sorted(ConversationDir(), ".json")) {
      const Json request = testing::OllamaRequestJson(Json::parse(jinja::testing::ReadFile(conv)));
      for (const Json& think : thinks) {
        Json r = request;
        if (!think.is_null()) r["think"] = think;
        cases.push_back(
            {tpl.filename().string() + " × " + conv.filename().string() + " think=" + think.dump(), "ollama",
             source, r});
      }
    }
    // Fill-in-the-middle: .Prompt and .Suffix alone.
    cases.push_back({tpl.filename().string() + " fim", "ollama", source,
                     Json{{"messages", Json::array()}, {"prompt", "def f("}, {"suffix", "\n  return x"}}});
  }
  ASSERT_GT(cases.size(), 1000u);
  std::string why;
  const auto expected = gotmpl::testing::RunGoReference(cases, &why);
  ASSERT_TRUE(expected.has_value()) << why;
  size_t rendered = 0;
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE(cases[k].name);
    const Result<std::string> got = RenderOllama(cases[k].source, cases[k].data);
    const auto& want = (*expected)[k];
    if (!want.ok) {
      EXPECT_FALSE(got.ok()) << "Go failed: " << want.error;
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(*got, want.output);
    ++rendered;
  }
  EXPECT_GT(rendered, cases.size() * 9 / 10);
}

Request Messages(std::vector<std::pair<std::string, std::string>> turns) {
  Request r;
  for (auto& [role, content] : turns) r.messages.push_back(Message::Of(role, content));
  return r;
}

std::string Render(std::string_view source, const Request& request) {
  Result<gotmpl::OllamaTemplate> tpl = gotmpl::OllamaTemplate::Parse(source);
  EXPECT_TRUE(tpl.ok()) << tpl.status().message();
  if (!tpl.ok()) return "";
  Result<std::string> out = tpl->Render(request);
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? *out : "";
}

// Ollama template/template_test.go TestExecuteWithMessages, case "mistral system": the legacy templates
// (with and without .Response) and the .Messages template give the same prompt.
TEST(OllamaRender, LegacyAndMessagesTemplatesAgreeAsInOllamasTests) {
  const Request request = Messages({{"system", "You are a helpful assistant!"},
                                    {"user", "Hello friend!"},
                                    {"assistant", "Hello human!"},
                                    {"user", "What is your name?"}});
  const std::string want =
      "[INST] You are a helpful assistant!\n\nHello friend![/INST] Hello human![INST] What is your "
      "name?[/INST] ";
  EXPECT_EQ(Render("[INST] {{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}[/INST] ", request), want);
  EXPECT_EQ(Render("[INST] {{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}[/INST] {{ .Response }}",
                   request),
            want);
  EXPECT_EQ(
      Render(
          "[INST] {{ if .System }}{{ .System }}\n\n{{ end }}\n{{- range .Messages }}\n{{- if eq .Role "
          "\"user\" }}{{ .Content }}[/INST] {{ else if eq .Role \"assistant\" }}{{ .Content }}[INST] {{ end "
          "}}\n{{- end }}",
          request),
      want);
}

// Same file, case "mistral assistant": a final assistant message is continued, not closed (the legacy
// template is cut after .Response).
TEST(OllamaRender, FinalAssistantMessageIsContinuedAsInOllamasTests) {
  const Request request = Messages({{"user", "Hello friend!"},
                                    {"assistant", "Hello human!"},
                                    {"user", "What is your name?"},
                                    {"assistant", "My name is Ollama and I"}});
  const std::string want =
      "[INST] Hello friend![/INST] Hello human![INST] What is your name?[/INST] My name is Ollama and I";
  EXPECT_EQ(Render("[INST] {{ .Prompt }}[/INST] ", request), want);
  EXPECT_EQ(Render("[INST] {{ .Prompt }}[/INST] {{ .Response }}", request), want);
  EXPECT_EQ(
      Render("\n{{- range $i, $m := .Messages }}\n{{- if eq .Role \"user\" }}[INST] {{ .Content }}[/INST] {{ "
             "else if eq .Role \"assistant\" }}{{ .Content }}{{ end }}\n{{- end }}",
             request),
      want);
}

// template.go collate and server/prompt.go imageTaggedMessages: consecutive user messages merge with a
// blank line, .System joins every system message, images become [img-N] (replacing "[img]" when present).
TEST(OllamaRender, CollatesMessagesAndTagsImages) {
  Request request =
      Messages({{"system", "S1"}, {"user", "a"}, {"user", "look [img] here"}, {"system", "S2"}});
  request.messages[1].images = {"x", "y"};
  request.messages[2].images = {"z"};
  EXPECT_EQ(Render("{{ .System }}|{{ range .Messages }}<{{ .Role }}:{{ .Content }}>{{ end }}", request),
            "S1\n\nS2|<system:S1><user:[img-0][img-1]a\n\nlook [img-2] here><system:S2>");
}

TEST(OllamaRender, TemplateWithoutResponseGetsItAppended) {
  Result<gotmpl::OllamaTemplate> tpl = gotmpl::OllamaTemplate::Parse("{{ .Prompt }}");
  ASSERT_TRUE(tpl.ok());
  EXPECT_FALSE(tpl->UsesMessages());
  EXPECT_TRUE(tpl->vars().contains("response"));
  EXPECT_EQ(
      Render("Q: {{ .Prompt }} A: ", Messages({{"user", "1+1?"}, {"assistant", "2"}, {"user", "2+2?"}})),
      "Q: 1+1? A: 2Q: 2+2? A: ");
}

TEST(ChatTemplate, DefaultIsChatMl) {
  const ChatTemplate tpl = ChatTemplate::Default();
  Result<std::string> out = tpl.Render(Messages({{"system", "Be brief."}, {"user", "Hi"}}));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(
      *out,
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplate, TellsJinjaFromGoOnRealTemplates) {
  const fs::path jinja_dir = corral::testing::TestDataDir() / "templates";
  if (!fs::exists(jinja_dir)) GTEST_SKIP() << "no " << jinja_dir << " (run scripts/testdata)";
  size_t jinja_count = 0;
  for (const fs::path& p : Sorted(jinja_dir, ".jinja")) {
    EXPECT_TRUE(LooksLikeJinja(jinja::testing::ReadFile(p))) << p;
    ++jinja_count;
  }
  EXPECT_GE(jinja_count, 60u);
  for (const fs::path& p : Sorted(TemplateDir(), ".gotmpl")) {
    const std::string source = jinja::testing::ReadFile(p);
    EXPECT_FALSE(LooksLikeJinja(source)) << p;
    Result<ChatTemplate> tpl = ChatTemplate::FromText(source);
    ASSERT_TRUE(tpl.ok()) << p << ": " << tpl.status().message();
    EXPECT_EQ(tpl->kind(), ChatTemplate::Kind::kGo);
  }
}

// The Jinja path gives a real template the variables Hugging Face's apply_chat_template gives it: the
// prompt equals Python jinja2's rendering of the original conversation.
TEST(ChatTemplate, JinjaPathMatchesJinja2) {
  if (!jinja::testing::HaveJinja2()) GTEST_SKIP() << "python3 with jinja2 is not installed";
  const fs::path path = corral::testing::TestDataDir() / "templates" / "Qwen-Qwen2.5-7B-Instruct.jinja";
  if (!fs::exists(path)) GTEST_SKIP() << "no " << path;
  const std::string source = jinja::testing::ReadFile(path);
  std::vector<jinja::testing::ReferenceJob> jobs;
  std::vector<Request> requests;
  for (const char* name :
       {"04_multi_turn_system.json", "07_tool_call_object_args.json", "16_consecutive_user.json"}) {
    const Json conv = Json::parse(jinja::testing::ReadFile(ConversationDir() / name));
    Json context = {{"messages", conv["messages"]},
                    {"add_generation_prompt", true},
                    {"bos_token", ""},
                    {"eos_token", "<|im_end|>"}};
    if (conv.contains("tools")) context["tools"] = conv["tools"];
    jobs.push_back({name, source, context});
    Request r = testing::RequestFromOllamaJson(testing::OllamaRequestJson(conv));
    for (size_t k = 0; k < r.messages.size(); ++k) {
      // Ollama's request has no tool_call_id/name split; give the Jinja side the conversation's own.
      r.messages[k].tool_name = conv["messages"][k].value("name", "");
    }
    requests.push_back(std::move(r));
  }
  std::string why;
  const auto expected = jinja::testing::RenderWithJinja2(jobs, &why);
  ASSERT_TRUE(expected.has_value()) << why;
  Result<ChatTemplate> tpl = ChatTemplate::FromJinja(source, "", "<|im_end|>");
  ASSERT_TRUE(tpl.ok());
  EXPECT_EQ(tpl->kind(), ChatTemplate::Kind::kJinja);
  for (size_t k = 0; k < jobs.size(); ++k) {
    SCOPED_TRACE(jobs[k].name);
    ASSERT_TRUE((*expected)[k].ok) << (*expected)[k].error;
    Result<std::string> got = tpl->Render(requests[k]);
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(*got, (*expected)[k].output);
  }
}

}  // namespace
}  // namespace corral::chat
