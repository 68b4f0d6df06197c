// A Go template run the way Ollama runs a model's TEMPLATE for a chat (template/template.go Execute and
// server/prompt.go chatPrompt/renderPrompt):
//   - images become "[img-N]" tags: each replaces an "[img]" in its message or is prefixed to it;
//   - messages are collated: consecutive messages of one role (except "tool") merge, joined by a blank
//     line; .System is every system message joined by blank lines;
//   - a template that mentions .Messages runs once with .System, .Messages, .Tools, .Response (""),
//     .Think, .ThinkLevel, .IsThinkSet;
//   - a legacy template runs once per system/user/assistant turn with .System/.Prompt/.Response, and the
//     last turn is cut right after {{ .Response }} (so a final assistant message is continued, not closed);
//   - a template that mentions neither .Messages nor .Response gets {{ .Response }} appended;
//   - with a fill-in-the-middle prompt and suffix, .Prompt and .Suffix are all it gets.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "base/status.h"
#include "template/chat_types.h"
#include "template/go/template.h"

namespace corral::gotmpl {

class OllamaTemplate {
 public:
  static Result<OllamaTemplate> Parse(std::string_view source);
  Result<std::string> Render(const chat::Request& request, const ExecOptions& options = {}) const;

  // Whether the template reads .Messages (Ollama's Vars() contains "messages").
  bool UsesMessages() const { return vars_.contains("messages"); }
  // The field and variable names the template mentions, lower-cased (Ollama's Template.Vars).
  const std::set<std::string>& vars() const { return vars_; }
  const Template& tpl() const { return tpl_; }

 private:
  OllamaTemplate(Template tpl, std::optional<Template> last_turn, std::set<std::string> vars)
      : tpl_(std::move(tpl)), last_turn_(std::move(last_turn)), vars_(std::move(vars)) {}
  Result<std::string> RenderLegacy(const std::vector<chat::Message>& messages, const Value& think,
                                   const Value& level, const Value& think_set,
                                   const ExecOptions& options) const;

  Template tpl_;
  std::optional<Template> last_turn_;  // absent when cutting after .Response would empty an {{else}}
  std::set<std::string> vars_;
};

}  // namespace corral::gotmpl
