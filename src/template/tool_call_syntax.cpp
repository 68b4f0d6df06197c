#include "template/tool_call_syntax.h"

#include <nlohmann/json.hpp>
#include <optional>

namespace corral::chat {
namespace {

using Json = nlohmann::ordered_json;
using Status = CallParse::Status;

// DeepSeek's markers use U+FF5C (fullwidth vertical line) and U+2581 (lower one eighth block).
constexpr std::string_view kDsCallsBegin =
    "<\xEF\xBD\x9Ctool\xE2\x96\x81"
    "calls\xE2\x96\x81"
    "begin\xEF\xBD\x9C>";
constexpr std::string_view kDsCallsEnd =
    "<\xEF\xBD\x9Ctool\xE2\x96\x81"
    "calls\xE2\x96\x81"
    "end\xEF\xBD\x9C>";
constexpr std::string_view kDsCallBegin =
    "<\xEF\xBD\x9Ctool\xE2\x96\x81"
    "call\xE2\x96\x81"
    "begin\xEF\xBD\x9C>";
constexpr std::string_view kDsCallEnd =
    "<\xEF\xBD\x9Ctool\xE2\x96\x81"
    "call\xE2\x96\x81"
    "end\xEF\xBD\x9C>";
constexpr std::string_view kDsSep = "<\xEF\xBD\x9Ctool\xE2\x96\x81sep\xEF\xBD\x9C>";

bool IsSpace(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

size_t SkipSpace(std::string_view s, size_t pos) {
  while (pos < s.size() && IsSpace(s[pos])) ++pos;
  return pos;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// End (exclusive) of the JSON object or array starting at s[start], npos while it is unfinished.
size_t JsonValueEnd(std::string_view s, size_t start) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = start; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

std::optional<Json> ParseJson(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// Arguments as a JSON object's text: an object as is, a string holding an object parsed.
std::optional<std::string> ArgumentsText(const Json& args) {
  if (args.is_object()) return args.dump();
  if (args.is_string()) {
    auto inner = ParseJson(args.get<std::string>());
    if (inner && inner->is_object()) return inner->dump();
  }
  return std::nullopt;
}

// {"name": ..., "arguments"|"parameters": {...}} (Command R7B: "tool_name", "tool_call_id").
std::optional<ToolCall> CallFromObject(const Json& j) {
  if (!j.is_object()) return std::nullopt;
  ToolCall call;
  auto name = j.find("name");
  if (name == j.end()) name = j.find("tool_name");
  if (name == j.end() || !name->is_string() || name->get<std::string>().empty()) return std::nullopt;
  call.name = name->get<std::string>();
  auto args = j.find("arguments");
  if (args == j.end()) args = j.find("parameters");
  if (args == j.end()) {
    call.arguments_json = "{}";
  } else {
    auto text = ArgumentsText(*args);
    if (!text) return std::nullopt;
    call.arguments_json = *text;
  }
  for (const char* id_key : {"id", "tool_call_id"}) {
    auto id = j.find(id_key);
    if (id != j.end() && id->is_string()) call.id = id->get<std::string>();
  }
  return call;
}

// One JSON object or an array of them, all calls.
std::optional<std::vector<ToolCall>> CallsFromJson(std::string_view text) {
  auto j = ParseJson(text);
  if (!j) return std::nullopt;
  std::vector<ToolCall> calls;
  if (j->is_array()) {
    for (const Json& item : *j) {
      auto call = CallFromObject(item);
      if (!call) return std::nullopt;
      calls.push_back(std::move(*call));
    }
    if (calls.empty()) return std::nullopt;
  } else {
    auto call = CallFromObject(*j);
    if (!call) return std::nullopt;
    calls.push_back(std::move(*call));
  }
  return calls;
}

CallParse NeedMoreOrGiveUp(std::string_view text, bool final) {
  if (final || text.size() > kMaxToolCallBytes) return {Status::kInvalid, text.size(), {}};
  return {};
}

// Qwen3-Coder: <function=NAME>\n<parameter=P>\nVALUE\n</parameter>\n...</function>. A value that parses
// as JSON is taken as JSON, anything else as a string.
std::optional<ToolCall> XmlFunctionCall(std::string_view inner) {
  constexpr std::string_view kOpen = "<function=";
  if (!inner.starts_with(kOpen)) return std::nullopt;
  const size_t name_end = inner.find('>');
  const size_t close = inner.rfind("</function>");
  if (name_end == std::string_view::npos || close == std::string_view::npos || close < name_end)
    return std::nullopt;
  ToolCall call;
  call.name = std::string(Trim(inner.substr(kOpen.size(), name_end - kOpen.size())));
  if (call.name.empty()) return std::nullopt;
  Json args = Json::object();
  std::string_view body = inner.substr(name_end + 1, close - name_end - 1);
  size_t pos = 0;
  while ((pos = body.find("<parameter=", pos)) != std::string_view::npos) {
    const size_t pname_end = body.find('>', pos);
    const size_t pclose = body.find("</parameter>", pos);
    if (pname_end == std::string_view::npos || pclose == std::string_view::npos || pclose < pname_end) {
      return std::nullopt;
    }
    const std::string pname(Trim(body.substr(pos + 11, pname_end - pos - 11)));
    std::string_view value = body.substr(pname_end + 1, pclose - pname_end - 1);
    if (value.starts_with('\n')) value.remove_prefix(1);
    if (value.ends_with('\n')) value.remove_suffix(1);
    auto parsed = ParseJson(value);
    args[pname] = parsed ? *parsed : Json(std::string(value));
    pos = pclose + 12;
  }
  call.arguments_json = args.dump();
  return call;
}

CallParse ParseHermes(std::string_view text, bool final) {
  constexpr std::string_view kClose = "</tool_call>";
  const size_t close = text.find(kClose);
  std::string_view inner;
  size_t consumed = 0;
  if (close != std::string_view::npos) {
    inner = Trim(text.substr(0, close));
    consumed = close + kClose.size();
  } else if (final) {
    inner = Trim(text);  // a model that stops without the closing tag
    consumed = text.size();
  } else {
    return NeedMoreOrGiveUp(text, false);
  }
  if (inner.starts_with('{')) {
    if (auto calls = CallsFromJson(inner); calls && calls->size() == 1)
      return {Status::kDone, consumed, *calls};
  } else if (auto call = XmlFunctionCall(inner)) {
    return {Status::kDone, consumed, {*call}};
  }
  return {Status::kInvalid, consumed, {}};
}

CallParse ParseMistral(std::string_view text, bool final) {
  const size_t start = SkipSpace(text, 0);
  if (start == text.size()) return NeedMoreOrGiveUp(text, final);
  if (text[start] == '[') {
    const size_t end = JsonValueEnd(text, start);
    if (end == std::string_view::npos) return NeedMoreOrGiveUp(text, final);
    auto calls = CallsFromJson(text.substr(start, end - start));
    if (!calls) return {Status::kInvalid, end, {}};
    return {Status::kDone, end, *calls};
  }
  // NAME[ARGS]{...} or NAME[CALL_ID]ID[ARGS]{...}
  constexpr std::string_view kArgs = "[ARGS]";
  constexpr std::string_view kCallId = "[CALL_ID]";
  ToolCall call;
  size_t pos = start;
  // The name (and the call id) run to the next '['; a space or brace in them means this is no call.
  auto field = [&](std::string& into) -> std::optional<CallParse> {
    const size_t bracket = text.find('[', pos);
    const size_t stop = bracket == std::string_view::npos ? text.size() : bracket;
    for (size_t k = pos; k < stop; ++k) {
      if (IsSpace(text[k]) || text[k] == '{' || text[k] == ']') return CallParse{Status::kInvalid, k, {}};
    }
    if (bracket == std::string_view::npos) return NeedMoreOrGiveUp(text, final);
    into = std::string(text.substr(pos, bracket - pos));
    pos = bracket;
    return std::nullopt;
  };
  auto tag = [&](std::string_view t) { return text.substr(pos, t.size()) == t; };
  auto partial = [&] {
    const std::string_view rest = text.substr(pos);
    return rest.size() < kCallId.size() && (kArgs.starts_with(rest) || kCallId.starts_with(rest));
  };
  if (auto r = field(call.name)) return *r;
  if (tag(kCallId)) {
    pos += kCallId.size();
    if (auto r = field(call.id)) return *r;
  }
  if (!tag(kArgs)) {
    if (partial()) return NeedMoreOrGiveUp(text, final);
    return {Status::kInvalid, pos, {}};
  }
  const size_t args_at = pos;
  const size_t json_at = SkipSpace(text, args_at + kArgs.size());
  if (json_at == text.size()) return NeedMoreOrGiveUp(text, final);
  if (text[json_at] != '{') return {Status::kInvalid, json_at, {}};
  const size_t end = JsonValueEnd(text, json_at);
  if (end == std::string_view::npos) return NeedMoreOrGiveUp(text, final);
  auto args = ParseJson(text.substr(json_at, end - json_at));
  if (!args || !args->is_object() || call.name.empty()) return {Status::kInvalid, end, {}};
  call.arguments_json = args->dump();
  return {Status::kDone, end, {call}};
}

CallParse ParseDeepSeek(std::string_view text, bool final) {
  const size_t end = text.find(kDsCallsEnd);
  if (end == std::string_view::npos && !final) return NeedMoreOrGiveUp(text, false);
  const std::string_view region = text.substr(0, end == std::string_view::npos ? text.size() : end);
  const size_t consumed = end == std::string_view::npos ? text.size() : end + kDsCallsEnd.size();
  std::vector<ToolCall> calls;
  size_t pos = 0;
  while ((pos = region.find(kDsCallBegin, pos)) != std::string_view::npos) {
    const size_t body_at = pos + kDsCallBegin.size();
    const size_t call_end = region.find(kDsCallEnd, body_at);
    if (call_end == std::string_view::npos) return {Status::kInvalid, consumed, {}};
    const std::string_view body = region.substr(body_at, call_end - body_at);
    const size_t sep = body.find(kDsSep);
    if (sep == std::string_view::npos) return {Status::kInvalid, consumed, {}};
    const std::string_view left = body.substr(0, sep);
    std::string_view right = body.substr(sep + kDsSep.size());
    ToolCall call;
    std::string_view args_text;
    if (left == "function") {
      // R1 / V3: NAME\n```json\n{...}\n```
      const size_t newline = right.find('\n');
      call.name = std::string(Trim(right.substr(0, newline)));
      std::string_view rest = newline == std::string_view::npos ? "" : right.substr(newline + 1);
      rest = Trim(rest);
      if (rest.starts_with("```json")) rest.remove_prefix(7);
      if (rest.ends_with("```")) rest.remove_suffix(3);
      args_text = Trim(rest);
    } else {
      call.name = std::string(Trim(left));  // V3.1: NAME<sep>{...}
      args_text = Trim(right);
    }
    auto args = ParseJson(args_text);
    auto text_args = args ? ArgumentsText(*args) : std::nullopt;
    if (call.name.empty() || !text_args) return {Status::kInvalid, consumed, {}};
    call.arguments_json = *text_args;
    calls.push_back(std::move(call));
    pos = call_end + kDsCallEnd.size();
  }
  if (calls.empty()) return {Status::kInvalid, consumed, {}};
  return {Status::kDone, consumed, std::move(calls)};
}

CallParse ParseFunctionTag(std::string_view text, bool final) {
  const size_t name_end = text.find('>');
  const size_t bad = text.find_first_of("\n{");
  if (bad < name_end) return {Status::kInvalid, bad, {}};
  if (name_end == std::string_view::npos) return NeedMoreOrGiveUp(text, final);
  const size_t json_at = SkipSpace(text, name_end + 1);
  if (json_at == text.size()) return NeedMoreOrGiveUp(text, final);
  if (text[json_at] != '{') return {Status::kInvalid, json_at, {}};
  const size_t end = JsonValueEnd(text, json_at);
  if (end == std::string_view::npos) return NeedMoreOrGiveUp(text, final);
  auto args = ParseJson(text.substr(json_at, end - json_at));
  ToolCall call;
  call.name = std::string(Trim(text.substr(0, name_end)));
  if (!args || !args->is_object() || call.name.empty()) return {Status::kInvalid, end, {}};
  call.arguments_json = args->dump();
  constexpr std::string_view kClose = "</function>";
  const std::string_view after = text.substr(end);
  if (after.starts_with(kClose)) return {Status::kDone, end + kClose.size(), {call}};
  if (!final && kClose.starts_with(after)) return {};  // the closing tag may still be coming
  return {Status::kDone, end, {call}};
}

CallParse ParseCommandR7B(std::string_view text, bool final) {
  constexpr std::string_view kEnd = "<|END_ACTION|>";
  const size_t end = text.find(kEnd);
  if (end == std::string_view::npos) return NeedMoreOrGiveUp(text, final);
  auto calls = CallsFromJson(Trim(text.substr(0, end)));
  if (!calls) return {Status::kInvalid, end + kEnd.size(), {}};
  return {Status::kDone, end + kEnd.size(), *calls};
}

// One or more JSON objects separated by whitespace or ';' (Llama 3.x writes parallel calls that way).
CallParse ParseLlamaJson(std::string_view text, bool final) {
  CallParse result;
  size_t pos = SkipSpace(text, 0);
  if (pos == text.size()) return NeedMoreOrGiveUp(text, final);
  while (true) {
    if (text[pos] != '{') return {Status::kInvalid, pos, {}};
    const size_t end = JsonValueEnd(text, pos);
    if (end == std::string_view::npos) {
      if (!result.calls.empty() && final) break;
      return NeedMoreOrGiveUp(text, final);
    }
    auto calls = CallsFromJson(text.substr(pos, end - pos));
    if (!calls) {
      if (!result.calls.empty()) break;  // the calls so far stand; the rest is content
      return {Status::kInvalid, end, {}};
    }
    result.calls.push_back(std::move(calls->front()));
    result.consumed = end;
    size_t next = end;
    while (next < text.size() && (IsSpace(text[next]) || text[next] == ';')) ++next;
    if (next == text.size()) {
      if (final) break;
      return {};  // another call may follow
    }
    if (text[next] != '{') break;
    pos = next;
  }
  result.status = Status::kDone;
  return result;
}

}  // namespace

std::vector<std::string> ToolCallMarkers(ToolCallSyntax syntax) {
  switch (syntax) {
    case ToolCallSyntax::kNone:
      return {};
    case ToolCallSyntax::kLlamaJson:
      return {"<|python_tag|>"};
    case ToolCallSyntax::kHermes:
      return {"<tool_call>"};
    case ToolCallSyntax::kMistral:
      return {"[TOOL_CALLS]"};
    case ToolCallSyntax::kDeepSeek:
      return {std::string(kDsCallsBegin)};
    case ToolCallSyntax::kFunctionTag:
      return {"<function="};
    case ToolCallSyntax::kCommandR7B:
      return {"<|START_ACTION|>"};
  }
  return {};
}

CallParse ParseToolCalls(ToolCallSyntax syntax, std::string_view /*marker*/, std::string_view text,
                         bool final) {
  switch (syntax) {
    case ToolCallSyntax::kLlamaJson:
      return ParseLlamaJson(text, final);
    case ToolCallSyntax::kHermes:
      return ParseHermes(text, final);
    case ToolCallSyntax::kMistral:
      return ParseMistral(text, final);
    case ToolCallSyntax::kDeepSeek:
      return ParseDeepSeek(text, final);
    case ToolCallSyntax::kFunctionTag:
      return ParseFunctionTag(text, final);
    case ToolCallSyntax::kCommandR7B:
      return ParseCommandR7B(text, final);
    case ToolCallSyntax::kNone:
      break;
  }
  return {Status::kInvalid, text.size(), {}};
}

}  // namespace corral::chat
