// `corral template TEMPLATE --messages CONV.json [--tools TOOLS.json] [--no-generation-prompt] [--think]
// [--var NAME=JSON ...]`: prints the prompt a chat template renders for a conversation, byte for byte what
// the model would be given (no newline is added). People debug their templates with it; checks use it.
//
// TEMPLATE is a Jinja file, a .gguf file whose tokenizer.chat_template is used with bos_token and
// eos_token taken from its vocabulary, a model in the store (its Go TEMPLATE, else its GGUF's chat
// template), or a Go template (an Ollama Modelfile TEMPLATE), rendered with
// Ollama's semantics (template/go/ollama.h). Which kind: --go forces Go; otherwise a .gguf or .jinja file
// is Jinja, a .gotmpl / .tmpl file is Go, and any other file is told apart by its text ({% %} statements or
// bare `messages` → Jinja, else Go). CONV.json is a JSON array of messages, or an object with "messages"
// and optionally "tools" and "add_generation_prompt" (tests/template/conversations/*.json work as they are;
// for Go templates, OpenAI-style content parts are joined, an image part counts as an image, and
// reasoning_content / name / string tool arguments map to Ollama's thinking / tool_name / objects).
// --var sets any other Jinja variable: its value is parsed as JSON, or taken as a plain string when it is
// not JSON (--var bos_token='<s>'). A bare Jinja file has no variables but those given. --think sets
// enable_thinking=true (Jinja) or think=true (Go: .Think, .ThinkLevel "medium", .IsThinkSet), and
// --think-level LEVEL sets Ollama's think to a level. strftime_now() and currentDate format the local
// time. Errors print one line on stderr ("corral: FILE: line 12: ...") and exit with status 1.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/model_source.h"
#include "gguf/file.h"
#include "template/chat_template.h"
#include "template/template.h"
#include "template/value_json.h"

namespace corral::cli {
namespace {

struct Options {
  std::string template_path;
  std::string messages_path;
  std::string tools_path;
  bool no_generation_prompt = false;
  bool think = false;
  std::string think_level;
  bool go = false;
  std::vector<std::string> vars;
};

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<nlohmann::ordered_json> ReadJson(const std::string& path) {
  CORRAL_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  nlohmann::ordered_json json = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Status::InvalidArgument(path + ": not valid JSON");
  return json;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The template text and the variables a GGUF implies (bos_token / eos_token from its vocabulary).
Result<std::string> LoadTemplate(const std::string& path, bool gguf, nlohmann::ordered_json& context) {
  if (!gguf) return ReadText(path);
  CORRAL_ASSIGN_OR_RETURN(gguf::File file, gguf::File::Open(path));
  CORRAL_ASSIGN_OR_RETURN(std::string_view source, file.GetString("tokenizer.chat_template"));
  Result<std::vector<std::string_view>> tokens = file.GetStringArray("tokenizer.ggml.tokens");
  if (tokens.ok()) {
    for (const auto& [key, name] : {std::pair{"tokenizer.ggml.bos_token_id", "bos_token"},
                                    std::pair{"tokenizer.ggml.eos_token_id", "eos_token"}}) {
      Result<uint32_t> id = file.GetU32(key);
      if (id.ok() && *id < tokens->size()) context[name] = std::string((*tokens)[*id]);
    }
  }
  return std::string(source);
}

Status BuildContext(const Options& options, nlohmann::ordered_json& context) {
  CORRAL_ASSIGN_OR_RETURN(nlohmann::ordered_json conversation, ReadJson(options.messages_path));
  if (conversation.is_array()) {
    context["messages"] = conversation;
  } else if (conversation.is_object() && conversation.contains("messages")) {
    context["messages"] = conversation["messages"];
    if (conversation.contains("tools")) context["tools"] = conversation["tools"];
    if (conversation.contains("add_generation_prompt")) {
      context["add_generation_prompt"] = conversation["add_generation_prompt"];
    }
  } else {
    return Status::InvalidArgument(options.messages_path +
                                   ": expected an array of messages or {\"messages\": [...]}");
  }
  if (!options.tools_path.empty()) {
    CORRAL_ASSIGN_OR_RETURN(context["tools"], ReadJson(options.tools_path));
  }
  if (!context.contains("add_generation_prompt")) context["add_generation_prompt"] = true;
  if (options.no_generation_prompt) context["add_generation_prompt"] = false;
  if (options.think) context["enable_thinking"] = true;
  for (const std::string& var : options.vars) {
    const size_t eq = var.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--var " + var + ": expected NAME=VALUE");
    }
    const std::string value_text = var.substr(eq + 1);
    nlohmann::ordered_json value =
        nlohmann::ordered_json::parse(value_text, nullptr, /*allow_exceptions=*/false);
    context[var.substr(0, eq)] = value.is_discarded() ? nlohmann::ordered_json(value_text) : value;
  }
  return Status::Ok();
}

// Whether TEMPLATE is a Go template (see the comment at the top).
bool IsGoTemplate(const Options& options, bool gguf, std::string_view source) {
  if (options.go) return true;
  const std::string& path = options.template_path;
  if (gguf || EndsWith(path, ".jinja")) return false;
  if (EndsWith(path, ".gotmpl") || EndsWith(path, ".tmpl")) return true;
  return !chat::LooksLikeJinja(source);
}

// The conversation file as the typed request a Go template is rendered from.
Result<chat::Request> GoRequest(const Options& options) {
  CORRAL_ASSIGN_OR_RETURN(nlohmann::ordered_json conversation, ReadJson(options.messages_path));
  nlohmann::ordered_json messages =
      conversation.is_array() ? conversation : conversation.value("messages", nlohmann::ordered_json());
  if (!messages.is_array()) {
    return Status::InvalidArgument(options.messages_path +
                                   ": expected an array of messages or {\"messages\": [...]}");
  }
  nlohmann::ordered_json tools = conversation.is_object()
                                     ? conversation.value("tools", nlohmann::ordered_json())
                                     : nlohmann::ordered_json();
  if (!options.tools_path.empty()) {
    CORRAL_ASSIGN_OR_RETURN(tools, ReadJson(options.tools_path));
  }
  auto text = [](const nlohmann::ordered_json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  chat::Request request;
  for (const auto& m : messages) {
    if (!m.is_object())
      return Status::InvalidArgument(options.messages_path + ": a message is not an object");
    chat::Message msg = chat::Message::Of(text(m, "role"), text(m, "content"));
    if (auto content = m.find("content"); content != m.end() && content->is_array()) {
      for (const auto& part : *content) {
        if (part.is_object() && part.value("type", "") == "text") {
          msg.content += text(part, "text");
        } else {
          msg.images.emplace_back();
        }
      }
    }
    if (auto images = m.find("images"); images != m.end() && images->is_array()) {
      for (const auto& image : *images)
        msg.images.push_back(image.is_string() ? image.get<std::string>() : "");
    }
    msg.thinking = text(m, "thinking").empty() ? text(m, "reasoning_content") : text(m, "thinking");
    msg.tool_name = text(m, "tool_name").empty() ? text(m, "name") : text(m, "tool_name");
    msg.tool_call_id = text(m, "tool_call_id");
    if (auto calls = m.find("tool_calls"); calls != m.end() && calls->is_array()) {
      for (const auto& c : *calls) {
        const nlohmann::ordered_json function = c.value("function", nlohmann::ordered_json::object());
        nlohmann::ordered_json args = function.value("arguments", nlohmann::ordered_json::object());
        if (args.is_string()) args = nlohmann::ordered_json::parse(args.get<std::string>(), nullptr, false);
        if (!args.is_object()) args = nlohmann::ordered_json::object();
        msg.tool_calls.push_back({text(c, "id"),
                                  function.value("index", static_cast<int>(msg.tool_calls.size())),
                                  text(function, "name"), args.dump()});
      }
    }
    request.messages.push_back(std::move(msg));
  }
  if (tools.is_array()) {
    for (const auto& t : tools) {
      const nlohmann::ordered_json function = t.value("function", nlohmann::ordered_json::object());
      chat::Tool tool;
      tool.type = t.value("type", "function");
      tool.name = text(function, "name");
      tool.description = text(function, "description");
      if (function.contains("parameters")) tool.parameters_json = function["parameters"].dump();
      request.tools.push_back(std::move(tool));
    }
  }
  if (!options.think_level.empty()) {
    request.think = chat::Think::Level(options.think_level);
  } else if (options.think) {
    request.think = chat::Think::Bool(true);
  }
  return request;
}

Result<std::string> RenderGo(const Options& options, std::string_view source) {
  if (!options.vars.empty()) return Status::InvalidArgument("--var applies to Jinja templates only");
  CORRAL_ASSIGN_OR_RETURN(chat::Request request, GoRequest(options));
  CORRAL_ASSIGN_OR_RETURN(chat::ChatTemplate tpl, chat::ChatTemplate::FromGo(source));
  return tpl.Render(request);
}

int RunTemplate(const Options& given) {
  Options options = given;
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  bool gguf = EndsWith(options.template_path, ".gguf");
  Result<std::string> source = Status::NotFound(options.template_path);
  std::error_code ec;
  if (std::filesystem::exists(options.template_path, ec)) {
    source = LoadTemplate(options.template_path, gguf, context);
  } else {
    // A model in the store: its Go TEMPLATE, else its GGUF's chat template.
    Result<ModelSource> model = ResolveModelSource(options.template_path);
    if (!model.ok()) {
      source = model.status();
    } else if (model->has_template) {
      options.go = true;
      source = model->template_text;
    } else {
      gguf = true;
      source = LoadTemplate(model->gguf_path, gguf, context);
    }
  }
  if (!source.ok()) {
    std::fprintf(stderr, "corral: %s\n", source.status().ToString().c_str());
    return 1;
  }
  if (IsGoTemplate(options, gguf, *source)) {
    Result<std::string> prompt = RenderGo(options, *source);
    if (!prompt.ok()) {
      std::fprintf(stderr, "corral: %s: %s\n", options.template_path.c_str(),
                   prompt.status().message().c_str());
      return 1;
    }
    std::fwrite(prompt->data(), 1, prompt->size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  if (Status s = BuildContext(options, context); !s.ok()) {
    std::fprintf(stderr, "corral: %s\n", s.ToString().c_str());
    return 1;
  }
  Result<jinja::Template> tpl = jinja::Template::Parse(*source);
  Result<std::string> prompt =
      tpl.ok() ? tpl->Render(jinja::ValueFromJson(context)) : Result<std::string>(tpl.status());
  if (!prompt.ok()) {
    std::fprintf(stderr, "corral: %s: %s\n", options.template_path.c_str(),
                 prompt.status().message().c_str());
    return 1;
  }
  std::fwrite(prompt->data(), 1, prompt->size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

void RegisterTemplateCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<Options>();
  auto* cmd =
      app.add_subcommand("template", "Render a chat template for a conversation and print the prompt");
  cmd->add_option("template", options->template_path,
                  "Jinja template file, a .gguf with a chat template, a Go template (Ollama TEMPLATE): "
                  ".gotmpl/.tmpl files, --go, or any non-.jinja file without {% %} statements; or a model in "
                  "the store (its TEMPLATE, else its GGUF's chat template)")
      ->required();
  cmd->add_option("--messages", options->messages_path,
                  "JSON file: array of messages, or {\"messages\": [...]}")
      ->required();
  cmd->add_option("--tools", options->tools_path, "JSON file: array of tool definitions");
  cmd->add_flag("--no-generation-prompt", options->no_generation_prompt,
                "Set add_generation_prompt to false");
  cmd->add_flag("--think", options->think, "Set enable_thinking to true (Go templates: think=true)");
  cmd->add_option("--think-level", options->think_level,
                  "Go templates: Ollama's think level (low, medium, high, max) as .ThinkLevel");
  cmd->add_flag("--go", options->go, "Treat TEMPLATE as a Go template and render it as Ollama does");
  cmd->add_option("--var", options->vars,
                  "NAME=VALUE: another template variable (VALUE is JSON, else a string)");
  cmd->callback([options, &exit_code] { exit_code = RunTemplate(*options); });
}

}  // namespace corral::cli
