// Turns a model's streamed output into a structured message as it arrives: content, reasoning
// ("thinking") and tool calls, in the syntax of the model's family (output_format.h).
//
//   chat::OutputParser parser(chat::DetectOutputFormat(template_source, prompt));
//   for (std::string_view piece : stream) {
//     chat::OutputDelta d = parser.Feed(piece);   // send d.content / d.thinking / d.tool_calls on
//   }
//   chat::OutputDelta last = parser.Finish();
//
// Text is released as soon as it cannot be the start of a marker; a tool call is released once it is
// complete. However the output is split into pieces, the concatenated deltas are the same. A tool call
// that does not parse (bad JSON, no name) comes back as content, marker included; nothing throws.
// Thinking: whitespace right after the opening marker and right after the closing one is dropped, as
// Ollama's thinking parser does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "template/chat_types.h"
#include "template/output_format.h"

namespace corral::chat {

struct OutputDelta {
  std::string content;
  std::string thinking;
  std::vector<ToolCall> tool_calls;  // complete calls, numbered by `index` in output order

  bool empty() const { return content.empty() && thinking.empty() && tool_calls.empty(); }
  void Append(OutputDelta&& more);
};

class OutputParser {
 public:
  explicit OutputParser(OutputFormat format);

  OutputDelta Feed(std::string_view chunk);
  // End of output: whatever was held back comes out (an unfinished tool call as content).
  OutputDelta Finish();

 private:
  enum class State { kStart, kThinking, kContent, kCall };
  void Drain(bool final, OutputDelta& out);
  bool StepStart(bool final);
  bool StepThinking(bool final, OutputDelta& out);
  bool StepContent(bool final, OutputDelta& out);
  bool StepCall(bool final, OutputDelta& out);
  void EmitContent(std::string_view text, OutputDelta& out);

  OutputFormat format_;
  std::vector<std::string> markers_;  // what opens a tool call in content
  std::string buf_;
  State state_;
  bool eat_whitespace_ = false;   // after a thinking marker, and after a Llama JSON call
  bool content_started_ = false;  // non-whitespace content went out (a bare Llama JSON call must lead)
  std::string call_marker_;       // the marker that opened the call being read ("" for bare JSON)
  int next_index_ = 0;
};

}  // namespace corral::chat
