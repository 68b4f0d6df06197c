// Rendering cost of real chat templates (the test data's templates/*.jinja) over a 50-message
// conversation, as the server pays it per request: the template is parsed once and rendered per call.
// Skips a template whose file is missing (run scripts/testdata). The Go-template cases render the
// registry-style templates of tests/template/ollama_templates the way Ollama does (chat::ChatTemplate),
// and BM_ParseOutput streams a tool-calling answer through chat::OutputParser token by token.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "template/chat_template.h"
#include "template/output_parser.h"
#include "template/template.h"
#include "template/value_json.h"

namespace {

namespace fs = std::filesystem;
using corral::jinja::Template;
using corral::jinja::Value;

fs::path TemplatesDir() {
  if (const char* dir = std::getenv("CORRAL_TESTDATA")) return fs::path(dir) / "templates";
  const char* source = std::getenv("CORRAL_SOURCE_DIR");
  return (source != nullptr ? fs::path(source) : fs::current_path()) / "build" / "testdata" / "templates";
}

// System prompt, then 49 alternating user/assistant turns of a few sentences each (ending on a user turn);
// with_tools adds two tool definitions and turns every tenth exchange into a tool call and its result.
Value Conversation(bool with_tools) {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  messages.push_back(
      {{"role", "system"}, {"content", "You are a helpful assistant. Answer concisely and cite sources."}});
  for (int i = 1; i < 50; ++i) {
    if (i % 2 == 1) {
      messages.push_back(
          {{"role", "user"},
           {"content", "Question " + std::to_string(i) +
                           ": could you explain how the previous answer applies when the input "
                           "doubles, and what changes in the edge cases?"}});
    } else if (with_tools && i % 10 == 0) {
      messages.push_back({{"role", "assistant"},
                          {"content", ""},
                          {"tool_calls",
                           {{{"id", "call_" + std::to_string(i)},
                             {"type", "function"},
                             {"function", {{"name", "get_weather"}, {"arguments", {{"city", "Paris"}}}}}}}}});
      messages.push_back(
          {{"role", "tool"}, {"tool_call_id", "call_" + std::to_string(i)}, {"content", "{\"t\": 21}"}});
      messages.push_back({{"role", "user"}, {"content", "Thanks, go on."}});
      ++i;
    } else {
      messages.push_back({{"role", "assistant"},
                          {"content", "Answer " + std::to_string(i) +
                                          ": when the input doubles the cost grows linearly, except when the "
                                          "cache is cold, where the first pass pays the setup once."}});
    }
  }
  nlohmann::ordered_json context = {
      {"messages", messages}, {"add_generation_prompt", true}, {"bos_token", "<s>"}, {"eos_token", "</s>"}};
  context["tools"] = nullptr;
  if (with_tools) {
    context["tools"] = nlohmann::ordered_json::parse(R"([
      {"type": "function", "function": {"name": "get_weather", "description": "Get the weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City"},
          "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}},
      {"type": "function", "function": {"name": "search", "description": "Search documents.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"},
          "limit": {"type": "integer", "default": 5}}, "required": ["query"]}}}])");
  }
  return corral::jinja::ValueFromJson(context);
}

bool LoadTemplate(benchmark::State& state, const char* file, std::string* source) {
  std::ifstream in(TemplatesDir() / file, std::ios::binary);
  if (!in) {
    state.SkipWithError((std::string("missing ") + (TemplatesDir() / file).string()).c_str());
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  *source = ss.str();
  return true;
}

void BM_Render(benchmark::State& state, const char* file, bool with_tools) {
  std::string source;
  if (!LoadTemplate(state, file, &source)) return;
  corral::Result<Template> tpl = Template::Parse(source);
  if (!tpl.ok()) {
    state.SkipWithError(tpl.status().ToString().c_str());
    return;
  }
  const Value context = Conversation(with_tools);
  size_t bytes = 0;
  for (auto _ : state) {
    corral::Result<std::string> out = tpl->Render(context);
    if (!out.ok()) {
      state.SkipWithError(out.status().ToString().c_str());
      return;
    }
    bytes = out->size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["prompt_bytes"] = static_cast<double>(bytes);
}

void BM_Parse(benchmark::State& state, const char* file) {
  std::string source;
  if (!LoadTemplate(state, file, &source)) return;
  for (auto _ : state) {
    corral::Result<Template> tpl = Template::Parse(source);
    benchmark::DoNotOptimize(tpl);
  }
  state.counters["template_bytes"] = static_cast<double>(source.size());
}

BENCHMARK_CAPTURE(BM_Render, qwen2_5_50_messages, "Qwen-Qwen2.5-7B-Instruct.jinja", false)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Render, qwen2_5_50_messages_tools, "Qwen-Qwen2.5-7B-Instruct.jinja", true)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Render, llama3_1_50_messages, "meta-llama-Llama-3.1-8B-Instruct.jinja", false)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Render, llama3_1_50_messages_tools, "meta-llama-Llama-3.1-8B-Instruct.jinja", true)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Render, qwen3_50_messages, "Qwen-Qwen3-0.6B.jinja", false)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Render, gpt_oss_50_messages_tools, "openai-gpt-oss-120b.jinja", true)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Parse, qwen3, "Qwen-Qwen3-0.6B.jinja")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Parse, gpt_oss, "openai-gpt-oss-120b.jinja")->Unit(benchmark::kMicrosecond);

fs::path GoTemplatesDir() {
  const char* source = std::getenv("CORRAL_SOURCE_DIR");
  return (source != nullptr ? fs::path(source) : fs::current_path()) / "tests" / "template" /
         "ollama_templates";
}

// The same 50 messages as Conversation(), as a typed chat request.
corral::chat::Request ChatConversation(bool with_tools) {
  corral::chat::Request request;
  request.messages.push_back(
      corral::chat::Message::Of("system", "You are a helpful assistant. Answer concisely and cite sources."));
  for (int i = 1; i < 50; ++i) {
    if (i % 2 == 1) {
      request.messages.push_back(corral::chat::Message::Of(
          "user", "Question " + std::to_string(i) +
                      ": could you explain how the previous answer applies when the input doubles, and what "
                      "changes in the edge cases?"));
    } else if (with_tools && i % 10 == 0) {
      corral::chat::Message call = corral::chat::Message::Of("assistant", "");
      call.tool_calls.push_back({"call_" + std::to_string(i), 0, "get_weather", R"({"city":"Paris"})"});
      request.messages.push_back(std::move(call));
      corral::chat::Message result = corral::chat::Message::Of("tool", "{\"t\": 21}");
      result.tool_call_id = "call_" + std::to_string(i);
      result.tool_name = "get_weather";
      request.messages.push_back(std::move(result));
      request.messages.push_back(corral::chat::Message::Of("user", "Thanks, go on."));
      ++i;
    } else {
      request.messages.push_back(corral::chat::Message::Of(
          "assistant", "Answer " + std::to_string(i) +
                           ": when the input doubles the cost grows linearly, except when the cache is cold, "
                           "where the first pass pays the setup once."));
    }
  }
  if (with_tools) {
    request.tools.push_back(
        {"function", "get_weather", "Get the weather for a city.",
         R"({"type": "object", "properties": {"city": {"type": "string", "description": "City"},
                                 "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]})"});
    request.tools.push_back({"function", "search", "Search documents.",
                             R"({"type": "object", "properties": {"query": {"type": "string"},
                                 "limit": {"type": "integer"}}, "required": ["query"]})"});
  }
  return request;
}

void BM_RenderGo(benchmark::State& state, const char* file, bool with_tools) {
  std::string source;
  if (file == nullptr) {
    source = corral::chat::ChatTemplate::Default().source();
  } else {
    std::ifstream in(GoTemplatesDir() / file, std::ios::binary);
    if (!in) {
      state.SkipWithError((std::string("missing ") + (GoTemplatesDir() / file).string()).c_str());
      return;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    source = ss.str();
  }
  corral::Result<corral::chat::ChatTemplate> tpl = corral::chat::ChatTemplate::FromGo(source);
  if (!tpl.ok()) {
    state.SkipWithError(tpl.status().ToString().c_str());
    return;
  }
  corral::chat::Request request = ChatConversation(with_tools);
  request.think = corral::chat::Think::Bool(true);
  size_t bytes = 0;
  for (auto _ : state) {
    corral::Result<std::string> out = tpl->Render(request);
    if (!out.ok()) {
      state.SkipWithError(out.status().ToString().c_str());
      return;
    }
    bytes = out->size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["prompt_bytes"] = static_cast<double>(bytes);
}

// A thinking + tool-call answer fed in 4-byte pieces, as tokens arrive.
void BM_ParseOutput(benchmark::State& state) {
  std::string answer = "<think>\n";
  for (int i = 0; i < 20; ++i) answer += "The user asks about the weather, so a tool call is needed. ";
  answer +=
      "\n</think>\n\nLet me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
      "{\"city\": \"Paris\", \"unit\": \"celsius\"}}\n</tool_call>";
  corral::chat::OutputFormat format;
  format.tools = corral::chat::ToolCallSyntax::kHermes;
  format.think_open = "<think>";
  format.think_close = "</think>";
  for (auto _ : state) {
    corral::chat::OutputParser parser(format);
    size_t calls = 0;
    for (size_t pos = 0; pos < answer.size(); pos += 4) {
      calls += parser.Feed(std::string_view(answer).substr(pos, 4)).tool_calls.size();
    }
    calls += parser.Finish().tool_calls.size();
    benchmark::DoNotOptimize(calls);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * answer.size()));
}

BENCHMARK_CAPTURE(BM_RenderGo, go_chatml_default_50_messages, nullptr, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_RenderGo, go_qwen_50_messages_tools_think, "qwen-tools-think.gotmpl", true)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_RenderGo, go_llama3_1_50_messages_tools, "llama3.1-tools.gotmpl", true)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_RenderGo, go_command_r_50_messages_tools, "command-r-tools.gotmpl", true)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_RenderGo, go_legacy_llama2_50_messages, "llama2-legacy.gotmpl", false)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ParseOutput)->Unit(benchmark::kMicrosecond);

}  // namespace
