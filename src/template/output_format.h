// How a model writes reasoning and tool calls in its output, told from its chat template: the family's
// tool-call syntax and the markers around its thinking. OutputParser (output_parser.h) uses it.
#pragma once

#include <string>
#include <string_view>

namespace corral::chat {

enum class ToolCallSyntax {
  kNone,
  // Llama 3.x: the answer is a JSON object {"name": ..., "parameters"|"arguments": {...}} (several may
  // follow, separated by ';' or whitespace), optionally after <|python_tag|>.
  kLlamaJson,
  // Hermes / Qwen: <tool_call>{"name": ..., "arguments": {...}}</tool_call>, or inside it Qwen3-Coder's
  // <function=NAME><parameter=P>VALUE</parameter></function>.
  kHermes,
  // Mistral: [TOOL_CALLS][{"name": ..., "arguments": {...}}, ...], or the newer
  // [TOOL_CALLS]NAME[ARGS]{...} (optionally with [CALL_ID]ID before [ARGS]).
  kMistral,
  // DeepSeek: <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{...}\n```
  // <｜tool▁call▁end｜>... (R1 / V3), or <｜tool▁call▁begin｜>NAME<｜tool▁sep｜>{...}<｜tool▁call▁end｜>
  // (V3.1).
  kDeepSeek,
  // Functionary v3.1 / Llama 3.1 custom tools: <function=NAME>{...}</function>.
  kFunctionTag,
  // Command R7B: <|START_ACTION|>[{"tool_call_id": ..., "tool_name": ..., "parameters":
  // {...}}]<|END_ACTION|>.
  kCommandR7B,
};

struct OutputFormat {
  ToolCallSyntax tools = ToolCallSyntax::kNone;
  // Reasoning markers; empty when the model does not think.
  std::string think_open;
  std::string think_close;
  // The prompt already opened the reasoning block (it ends with think_open): output starts inside it.
  bool starts_in_thinking = false;
};

// The family from the template text (Jinja or Go); `prompt` is the rendered prompt, to see whether it
// ends inside an opened reasoning block.
OutputFormat DetectOutputFormat(std::string_view template_source, std::string_view prompt = "");

}  // namespace corral::chat
