// `corral template TEMPLATE --messages CONV.json [--tools TOOLS.json] [--no-generation-prompt] [--think]
// [--var NAME=JSON ...]`: prints the prompt a chat template renders for a conversation, byte for byte what
// the model would be given (no newline is added). People debug their templates with it; checks use it.
//
// TEMPLATE is a Jinja file, or a .gguf file whose tokenizer.chat_template is used with bos_token and
// eos_token taken from its vocabulary. CONV.json is a JSON array of messages, or an object with "messages"
// and optionally "tools" and "add_generation_prompt" (tests/template/conversations/*.json work as they are).
// --var sets any other template variable: its value is parsed as JSON, or taken as a plain string when it is
// not JSON (--var bos_token='<s>'). A bare Jinja file has no variables but those given. --think sets
// enable_thinking=true. strftime_now() formats the local time. Errors print one line on stderr
// ("corral: FILE: line 12: ...") and exit with status 1.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "gguf/file.h"
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
Result<std::string> LoadTemplate(const std::string& path, nlohmann::ordered_json& context) {
  if (!EndsWith(path, ".gguf")) return ReadText(path);
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

int RunTemplate(const Options& options) {
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  Result<std::string> source = LoadTemplate(options.template_path, context);
  if (!source.ok()) {
    std::fprintf(stderr, "corral: %s\n", source.status().ToString().c_str());
    return 1;
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
  cmd->add_option("template", options->template_path, "Jinja template file, or a .gguf with a chat template")
      ->required();
  cmd->add_option("--messages", options->messages_path,
                  "JSON file: array of messages, or {\"messages\": [...]}")
      ->required();
  cmd->add_option("--tools", options->tools_path, "JSON file: array of tool definitions");
  cmd->add_flag("--no-generation-prompt", options->no_generation_prompt,
                "Set add_generation_prompt to false");
  cmd->add_flag("--think", options->think, "Set enable_thinking to true");
  cmd->add_option("--var", options->vars,
                  "NAME=VALUE: another template variable (VALUE is JSON, else a string)");
  cmd->callback([options, &exit_code] { exit_code = RunTemplate(*options); });
}

}  // namespace corral::cli
