// A Jinja chat template, rendered byte-for-byte as Python's jinja2 3.1 renders it in Hugging Face
// transformers' apply_chat_template (trim_blocks, lstrip_blocks, loopcontrols, the generation tag, HF's
// tojson / raise_exception / strftime_now), except that lists and dicts may be mutated (.append, .update) as
// in jinja2's SandboxedEnvironment.
//
//   CORRAL_ASSIGN_OR_RETURN(jinja::Template tpl, jinja::Template::Parse(source));   // parse once, keep it
//   jinja::Value context = jinja::Value::Dict();
//   context.dict().Set(jinja::Value::String("messages"), jinja::ValueFromJson(messages_json));
//   context.dict().Set(jinja::Value::String("add_generation_prompt"), jinja::Value::Bool(true));
//   CORRAL_ASSIGN_OR_RETURN(std::string prompt, tpl.Render(context));
//
// Errors (syntax errors, runtime errors such as a template's raise_exception, exceeded limits) come back as
// a Status whose message starts with the template line: "line 12: Conversation roles must alternate ...".
//
// A parsed Template is immutable: any number of threads may Render it at once. The context's lists and dicts
// are shared with the template (as in Python), so a context must not be shared by concurrent renders of a
// template that mutates it (.append, .update).
//
// Known differences from jinja2: integers are 64-bit (Python's are unbounded; overflow is an error);
// dict.items()/keys()/values() return lists (they print as lists, not dict_items([...])); range() returns
// a list; case mapping covers Latin, Greek, Cyrillic, Armenian, Georgian and fullwidth letters only;
// {% block %}, {% extends %}, {% include %}, {% import %} and {% autoescape %} are rejected.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "template/value.h"

namespace corral::jinja {

struct Program;

struct RenderOptions {
  // What strftime_now() formats: the local time when unset (Python's datetime.now()), else this.
  std::optional<std::tm> now;
  // Bounds that keep a hostile or broken template from running away.
  size_t max_output_bytes = 32u << 20;  // rendered text, and any single string built on the way
  uint64_t max_steps = 20'000'000;      // statements, loop iterations and calls together
  int max_call_depth = 100;             // nested macro calls
};

class Template {
 public:
  static Result<Template> Parse(std::string_view source);
  // `context` is a dict of the template's variables (messages, tools, add_generation_prompt, bos_token, ...).
  Result<std::string> Render(const Value& context, const RenderOptions& options = {}) const;

 private:
  explicit Template(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const Program> program_;
};

}  // namespace corral::jinja
