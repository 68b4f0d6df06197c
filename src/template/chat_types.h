// A chat request as the template layer sees it: typed structs that server/ fills from the Ollama or OpenAI
// JSON (JSON itself stays above this layer, except tool arguments and schemas, which stay JSON text
// because templates print them as JSON).
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace corral::chat {

struct ToolCall {
  std::string id;                     // "call_abc123"; may be empty
  int index = 0;                      // position among the calls of one message (Ollama's Function.Index)
  std::string name;                   // function name
  std::string arguments_json = "{}";  // a JSON object
};

// One piece of a message's content, for templates that take a list of parts (OpenAI's content array).
struct ContentPart {
  enum class Type { kText, kImage };
  Type type = Type::kText;
  std::string text;  // kText
};

struct Message {
  std::string role;  // "system", "user", "assistant", "tool" (Ollama lower-cases it)
  std::string content;
  // When not empty, the content as parts; `content` is then ignored.
  std::vector<ContentPart> parts;
  // Attached images (their data, for the engine); templates see only their count and position.
  std::vector<std::string> images;
  std::string thinking;  // the reasoning of an earlier assistant turn
  std::vector<ToolCall> tool_calls;
  std::string tool_name;     // on a tool result: which function produced it (Ollama)
  std::string tool_call_id;  // on a tool result: which call it answers (OpenAI)

  static Message Of(std::string role, std::string content) {
    Message m;
    m.role = std::move(role);
    m.content = std::move(content);
    return m;
  }
  // The content as one string (parts' text joined, images left out).
  std::string Text() const;
};

struct Tool {
  std::string type = "function";
  std::string name;
  std::string description;
  std::string parameters_json = R"({"type":"object","properties":{}})";  // a JSON Schema object
};

// Ollama's `think`: unset, a bool, or a level ("low", "medium", "high", "max").
struct Think {
  bool set = false;
  bool enabled = false;
  std::string level;  // "" for a plain bool false; "medium" for a plain true (api.ThinkValue.String)

  static Think Unset() { return {}; }
  static Think Bool(bool on) { return {true, on, on ? "medium" : ""}; }
  static Think Level(std::string level);
};

struct Request {
  std::vector<Message> messages;
  std::vector<Tool> tools;
  Think think;
  // Jinja templates: whether to open the assistant's turn at the end (Go templates always decide it).
  bool add_generation_prompt = true;
  // Other Jinja template variables, as JSON text by name ({"documents", "[...]"}).
  std::vector<std::pair<std::string, std::string>> extra_vars_json;
  // Fill-in-the-middle (Ollama's generate with a suffix): when both are set, Go templates get .Prompt and
  // .Suffix instead of messages.
  std::string fim_prompt;
  std::string fim_suffix;
  // What strftime_now / currentDate format (the local time when unset).
  std::optional<std::tm> now;
};

}  // namespace corral::chat
