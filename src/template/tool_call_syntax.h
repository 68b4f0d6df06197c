// Reads the tool calls of one family's syntax from the text after its opening marker (output_parser.cpp
// finds the markers; this file knows what follows them).
#pragma once

#include <string_view>
#include <vector>

#include "template/chat_types.h"
#include "template/output_format.h"

namespace corral::chat {

struct CallParse {
  enum class Status {
    kNeedMore,  // the calls may still complete: wait for more output
    kDone,      // `consumed` bytes held `calls`
    kInvalid,   // the first `consumed` bytes are not a call: give them back as content
  };
  Status status = Status::kNeedMore;
  size_t consumed = 0;
  std::vector<ToolCall> calls;  // ids as the model wrote them (often none); index not yet set
};

// `text` follows `marker` ("" for a Llama JSON call that leads the output). `final`: no more text comes.
CallParse ParseToolCalls(ToolCallSyntax syntax, std::string_view marker, std::string_view text, bool final);

// The markers that open a tool call in content, for the family.
std::vector<std::string> ToolCallMarkers(ToolCallSyntax syntax);

// Calls longer than this are given back as content (bounds the memory a runaway call can hold).
constexpr size_t kMaxToolCallBytes = 1u << 20;

}  // namespace corral::chat
