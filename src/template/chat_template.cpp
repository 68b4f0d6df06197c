#include "template/chat_template.h"

#include <nlohmann/json.hpp>

#include "template/go/ollama.h"
#include "template/template.h"
#include "template/value_json.h"

namespace corral::chat {
namespace {

using Json = nlohmann::ordered_json;

// The fallback when a model has no template: ChatML, as llama.cpp's and Ollama's chatml templates write it.
constexpr std::string_view kChatMl =
    "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end "
    "}}<|im_start|>assistant\n";

// Tool arguments and schemas are JSON text; a template gets the object (or the text, if it is not JSON).
Json ParseOrString(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json(text) : j;
}

Json JinjaMessage(const Message& m) {
  Json j = {{"role", m.role}};
  if (m.parts.empty()) {
    j["content"] = m.content;
  } else {
    Json parts = Json::array();
    for (const ContentPart& part : m.parts) {
      if (part.type == ContentPart::Type::kText) {
        parts.push_back({{"type", "text"}, {"text", part.text}});
      } else {
        parts.push_back({{"type", "image"}});
      }
    }
    j["content"] = parts;
  }
  if (!m.thinking.empty()) {
    // Qwen3 / DeepSeek templates read reasoning_content; gpt-oss reads thinking.
    j["reasoning_content"] = m.thinking;
    j["thinking"] = m.thinking;
  }
  if (!m.tool_calls.empty()) {
    Json calls = Json::array();
    for (const ToolCall& c : m.tool_calls) {
      Json call = Json::object();
      if (!c.id.empty()) call["id"] = c.id;
      call["type"] = "function";
      call["function"] = {{"name", c.name}, {"arguments", ParseOrString(c.arguments_json)}};
      calls.push_back(std::move(call));
    }
    j["tool_calls"] = std::move(calls);
  }
  if (!m.tool_call_id.empty()) j["tool_call_id"] = m.tool_call_id;
  if (!m.tool_name.empty()) j["name"] = m.tool_name;
  return j;
}

}  // namespace

bool LooksLikeJinja(std::string_view source) {
  if (source.find("{%") != std::string_view::npos) return true;
  // {{ messages[0] }} or {{ bos_token }}: Jinja names variables bare, Go prefixes them with '.' or '$'.
  for (std::string_view name : {"messages", "bos_token", "add_generation_prompt"}) {
    size_t at = source.find(name);
    while (at != std::string_view::npos) {
      const char before = at == 0 ? ' ' : source[at - 1];
      if (before != '.' && before != '$' && !std::isalnum(static_cast<unsigned char>(before)) &&
          before != '_') {
        return true;
      }
      at = source.find(name, at + 1);
    }
  }
  return false;
}

Result<ChatTemplate> ChatTemplate::FromJinja(std::string_view source, std::string bos_token,
                                             std::string eos_token) {
  CORRAL_ASSIGN_OR_RETURN(jinja::Template tpl, jinja::Template::Parse(source));
  ChatTemplate out;
  out.kind_ = Kind::kJinja;
  out.source_ = std::make_shared<const std::string>(source);
  out.jinja_ = std::make_shared<const jinja::Template>(std::move(tpl));
  out.bos_token_ = std::move(bos_token);
  out.eos_token_ = std::move(eos_token);
  return out;
}

Result<ChatTemplate> ChatTemplate::FromGo(std::string_view source) {
  CORRAL_ASSIGN_OR_RETURN(gotmpl::OllamaTemplate tpl, gotmpl::OllamaTemplate::Parse(source));
  ChatTemplate out;
  out.kind_ = Kind::kGo;
  out.source_ = std::make_shared<const std::string>(source);
  out.go_ = std::make_shared<const gotmpl::OllamaTemplate>(std::move(tpl));
  return out;
}

Result<ChatTemplate> ChatTemplate::FromText(std::string_view source, std::string bos_token,
                                            std::string eos_token) {
  if (LooksLikeJinja(source)) return FromJinja(source, std::move(bos_token), std::move(eos_token));
  return FromGo(source);
}

ChatTemplate ChatTemplate::Default() {
  Result<ChatTemplate> tpl = FromGo(kChatMl);
  return std::move(tpl).value();  // a constant that parses (the tests render it)
}

Result<std::string> ChatTemplate::Render(const Request& request) const {
  if (kind_ == Kind::kGo) return go_->Render(request);
  Json context = Json::object();
  Json messages = Json::array();
  for (const Message& m : request.messages) messages.push_back(JinjaMessage(m));
  context["messages"] = std::move(messages);
  if (!request.tools.empty()) {
    Json tools = Json::array();
    for (const Tool& t : request.tools) {
      tools.push_back({{"type", t.type},
                       {"function",
                        {{"name", t.name},
                         {"description", t.description},
                         {"parameters", ParseOrString(t.parameters_json)}}}});
    }
    context["tools"] = std::move(tools);
  }
  context["add_generation_prompt"] = request.add_generation_prompt;
  context["bos_token"] = bos_token_;
  context["eos_token"] = eos_token_;
  if (request.think.set) {
    context["enable_thinking"] = request.think.enabled;
    if (!request.think.level.empty()) context["reasoning_effort"] = request.think.level;
  }
  for (const auto& [name, json_text] : request.extra_vars_json) context[name] = ParseOrString(json_text);
  jinja::RenderOptions options;
  options.now = request.now;
  return jinja_->Render(jinja::ValueFromJson(context), options);
}

}  // namespace corral::chat
