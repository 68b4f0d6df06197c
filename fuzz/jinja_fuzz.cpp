// libFuzzer target for the Jinja engine: arbitrary bytes as a template, rendered over a chat-shaped context
// (messages with tool calls and content parts, tools, flags) with tight work limits. Parse and render must
// return a value or an error — never crash, leak, hang or overflow the stack.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "template/template.h"
#include "template/value_json.h"

namespace {

corral::jinja::Value MakeContext() {
  return corral::jinja::ValueFromJson(nlohmann::ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "You are helpful."},
      {"role": "user", "content": [{"type": "text", "text": "Hi é 中"}, {"type": "image"}]},
      {"role": "assistant", "content": null, "reasoning_content": "think",
       "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": {"a": 1, "b": [true, null, 2.5]}}},
                      {"id": "c2", "type": "function", "function": {"name": "g", "arguments": "{\"x\": \"y\"}"}}]},
      {"role": "tool", "tool_call_id": "c1", "content": "42"},
      {"role": "user", "content": ""}],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d",
               "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}}],
    "add_generation_prompt": true, "enable_thinking": false, "bos_token": "<s>", "eos_token": "</s>",
    "n": 3, "f": -1.5e-7, "s": "a'b\"c\\d\n"})"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  corral::Result<corral::jinja::Template> tpl = corral::jinja::Template::Parse(source);
  if (!tpl.ok()) return 0;
  corral::jinja::RenderOptions options;
  options.max_steps = 200000;
  options.max_output_bytes = 1 << 20;
  options.max_call_depth = 40;
  std::tm fixed{};
  fixed.tm_year = 125;
  options.now = fixed;
  corral::Result<std::string> out = tpl->Render(MakeContext(), options);
  (void)out;
  return 0;
}
