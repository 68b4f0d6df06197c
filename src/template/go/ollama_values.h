// Ollama's template-facing types (template/template.go templateMessage, templateToolCall, templateTool,
// api.ToolProperty, ...) as Go values: the fields templates read, how they print (their String methods)
// and how they marshal to JSON.
#pragma once

#include <vector>

#include "template/chat_types.h"
#include "template/go/value.h"

namespace corral::gotmpl {

// []*templateMessage for already collated messages.
Value OllamaMessages(const std::vector<chat::Message>& messages);
// templateTools (nil when there are none, which prints "null").
Value OllamaTools(const std::vector<chat::Tool>& tools);

}  // namespace corral::gotmpl
