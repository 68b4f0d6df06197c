#include "template/output_format.h"

namespace corral::chat {
namespace {

bool Has(std::string_view s, std::string_view what) {
  return s.find(what) != std::string_view::npos;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

OutputFormat DetectOutputFormat(std::string_view source, std::string_view prompt) {
  OutputFormat f;
  // The most specific markers first: Qwen3-Coder templates carry both <tool_call> and <function=.
  if (Has(source,
          "tool\xE2\x96\x81"
          "call\xE2\x96\x81"
          "begin")) {
    f.tools = ToolCallSyntax::kDeepSeek;
  } else if (Has(source, "[TOOL_CALLS]")) {
    f.tools = ToolCallSyntax::kMistral;
  } else if (Has(source, "<|START_ACTION|>")) {
    f.tools = ToolCallSyntax::kCommandR7B;
  } else if (Has(source, "<tool_call>")) {
    f.tools = ToolCallSyntax::kHermes;
  } else if (Has(source, "<function=")) {
    f.tools = ToolCallSyntax::kFunctionTag;
  } else if (Has(source, "<|python_tag|>") || (Has(source, "ipython") && Has(source, "\"parameters\"")) ||
             (Has(source, ".ToolCalls") && Has(source, "\"name\""))) {
    f.tools = ToolCallSyntax::kLlamaJson;
  }
  if (Has(source, "<|START_THINKING|>")) {
    f.think_open = "<|START_THINKING|>";
    f.think_close = "<|END_THINKING|>";
  } else if (Has(source, "[THINK]")) {
    f.think_open = "[THINK]";
    f.think_close = "[/THINK]";
  } else if (Has(source, "<think>") || Has(source, "</think>")) {
    f.think_open = "<think>";
    f.think_close = "</think>";
  }
  f.starts_in_thinking = !f.think_open.empty() && TrimRight(prompt).ends_with(f.think_open);
  return f;
}

}  // namespace corral::chat
