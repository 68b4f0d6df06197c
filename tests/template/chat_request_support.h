// Test helpers that turn the OpenAI-style conversations of tests/template/conversations/ into Ollama chat
// requests: as JSON (what go_reference's "ollama" mode reads) and as the chat::Request corral renders.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "template/chat_types.h"

namespace corral::chat::testing {

using Json = nlohmann::ordered_json;

// {"messages": [...], "tools": [...]} in Ollama's API shape: content parts joined (an image part becomes
// an entry of "images"), reasoning_content → thinking, a tool result's name → tool_name, string tool
// arguments parsed into objects.
inline Json OllamaRequestJson(const Json& conversation) {
  Json out = {{"messages", Json::array()}};
  for (const Json& m : conversation["messages"]) {
    Json o = {{"role", m.value("role", "")}, {"content", ""}};
    if (m.contains("content") && m["content"].is_string()) {
      o["content"] = m["content"];
    } else if (m.contains("content") && m["content"].is_array()) {
      std::string text;
      for (const Json& part : m["content"]) {
        if (part.value("type", "") == "text") {
          text += part.value("text", "");
        } else {
          o["images"].push_back("image-data");
        }
      }
      o["content"] = text;
    }
    if (m.contains("reasoning_content") && m["reasoning_content"].is_string())
      o["thinking"] = m["reasoning_content"];
    if (m.contains("tool_calls")) {
      int index = 0;
      for (const Json& c : m["tool_calls"]) {
        Json args = c["function"]["arguments"];
        if (args.is_string()) args = Json::parse(args.get<std::string>(), nullptr, false);
        if (!args.is_object()) args = Json::object();
        Json call = {{"function",
                      {{"index", index++}, {"name", c["function"].value("name", "")}, {"arguments", args}}}};
        if (c.contains("id")) call["id"] = c["id"];
        o["tool_calls"].push_back(call);
      }
    }
    if (m.contains("name") && m["name"].is_string()) o["tool_name"] = m["name"];
    if (m.contains("tool_call_id")) o["tool_call_id"] = m["tool_call_id"];
    out["messages"].push_back(o);
  }
  if (conversation.contains("tools") && conversation["tools"].is_array())
    out["tools"] = conversation["tools"];
  return out;
}

inline Request RequestFromOllamaJson(const Json& j) {
  Request r;
  for (const Json& m : j["messages"]) {
    Message msg;
    msg.role = m.value("role", "");
    msg.content = m.value("content", "");
    msg.thinking = m.value("thinking", "");
    msg.tool_name = m.value("tool_name", "");
    msg.tool_call_id = m.value("tool_call_id", "");
    if (m.contains("images")) {
      for (const Json& image : m["images"]) msg.images.push_back(image.get<std::string>());
    }
    if (m.contains("tool_calls")) {
      for (const Json& c : m["tool_calls"]) {
        msg.tool_calls.push_back({c.value("id", ""), c["function"].value("index", 0),
                                  c["function"].value("name", ""), c["function"]["arguments"].dump()});
      }
    }
    r.messages.push_back(std::move(msg));
  }
  if (j.contains("tools")) {
    for (const Json& t : j["tools"]) {
      Tool tool;
      tool.type = t.value("type", "function");
      tool.name = t["function"].value("name", "");
      tool.description = t["function"].value("description", "");
      tool.parameters_json = t["function"].contains("parameters") ? t["function"]["parameters"].dump() : "{}";
      r.tools.push_back(std::move(tool));
    }
  }
  if (j.contains("think")) {
    if (j["think"].is_boolean()) r.think = Think::Bool(j["think"].get<bool>());
    if (j["think"].is_string()) r.think = Think::Level(j["think"].get<std::string>());
  }
  r.fim_prompt = j.value("prompt", "");
  r.fim_suffix = j.value("suffix", "");
  return r;
}

}  // namespace corral::chat::testing
