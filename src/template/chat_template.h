// Chat formatting: one call from a typed chat request to the prompt text, whatever kind of template the
// model carries — a Jinja template (GGUF tokenizer.chat_template, rendered as Hugging Face transformers'
// apply_chat_template does), a Go template (an Ollama Modelfile TEMPLATE, rendered as Ollama does), or
// none (ChatML, the fallback of llama.cpp and Ollama's chatml template).
//
//   CORRAL_ASSIGN_OR_RETURN(chat::ChatTemplate tpl, chat::ChatTemplate::FromJinja(source, "<s>", "</s>"));
//   chat::Request request;
//   request.messages.push_back(chat::Message::Of("user", "Hi"));
//   CORRAL_ASSIGN_OR_RETURN(std::string prompt, tpl.Render(request));
//
// Jinja templates see messages as dicts {role, content (a string, or a list of {"type": "text"|"image"}
// parts), reasoning_content and thinking (an earlier turn's reasoning), tool_calls [{id, type: "function",
// function: {name, arguments (an object)}}], tool_call_id, name (a tool result's tool)}, plus tools,
// add_generation_prompt, bos_token, eos_token, enable_thinking and reasoning_effort when think is set, and
// the request's extra variables. Go templates see what Ollama gives them (go/ollama.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "template/chat_types.h"

namespace corral::jinja {
class Template;
}
namespace corral::gotmpl {
class OllamaTemplate;
}

namespace corral::chat {

class ChatTemplate {
 public:
  enum class Kind { kJinja, kGo };

  static Result<ChatTemplate> FromJinja(std::string_view source, std::string bos_token = "",
                                        std::string eos_token = "");
  static Result<ChatTemplate> FromGo(std::string_view source);
  // Jinja or Go, told apart by the text (see LooksLikeJinja).
  static Result<ChatTemplate> FromText(std::string_view source, std::string bos_token = "",
                                       std::string eos_token = "");
  // ChatML: "<|im_start|>ROLE\nCONTENT<|im_end|>\n" per message, then "<|im_start|>assistant\n".
  static ChatTemplate Default();

  Result<std::string> Render(const Request& request) const;

  Kind kind() const { return kind_; }
  const std::string& source() const { return *source_; }

 private:
  ChatTemplate() = default;
  Kind kind_ = Kind::kGo;
  std::shared_ptr<const std::string> source_;
  std::shared_ptr<const jinja::Template> jinja_;
  std::shared_ptr<const gotmpl::OllamaTemplate> go_;
  std::string bos_token_;
  std::string eos_token_;
};

// A Jinja template has statements ({% ... %}) or reads `messages`; Go templates reach data through a
// leading dot ({{ .Messages }}, {{ range .Messages }}) and never use {% %}.
bool LooksLikeJinja(std::string_view source);

}  // namespace corral::chat
