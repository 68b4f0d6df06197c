#include "server/http_util.h"

#include <ctime>
#include <random>

#include "engine/prompt.h"
#include "sample/grammar/gbnf.h"
#include "sample/grammar/json_grammar.h"
#include "sample/grammar/json_schema.h"

namespace corral::server {

int HttpStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kUnsupported:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kCorrupt:
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

std::string NdjsonLine(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void SendJson(httplib::Response& res, const Json& body) {
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void SendOllamaError(httplib::Response& res, int http_status, std::string_view message) {
  res.status = http_status;
  SendJson(res, Json{{"error", message}});
}

void SendOpenAiError(httplib::Response& res, int http_status, std::string_view message) {
  const char* type = http_status == 400   ? "invalid_request_error"
                     : http_status == 404 ? "not_found_error"
                                          : "api_error";
  res.status = http_status;
  SendJson(res,
           Json{{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}});
}

Result<Json> ParseBody(const httplib::Request& req) {
  if (req.body.empty()) return Status::InvalidArgument("missing request body");
  Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Status::InvalidArgument("invalid JSON in the request body");
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  return body;
}

Result<std::string> StringField(const Json& body, const char* key, std::string fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_string()) return Status::InvalidArgument(std::string("\"") + key + "\" must be a string");
  return it->get<std::string>();
}

Result<bool> BoolField(const Json& body, const char* key, bool fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return Status::InvalidArgument(std::string("\"") + key + "\" must be true or false");
  return it->get<bool>();
}

std::string Rfc3339Nano(std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char head[32];
  std::strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
  // Go trims trailing zeros of the fraction (and the dot when it is all zeros).
  std::string frac = std::to_string(1000000000 + ns % 1000000000).substr(1);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return std::string(head) + (frac.empty() ? "" : "." + frac) + "Z";
}

int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

namespace {

Result<chat::ToolCall> ToolCallFromJson(const Json& call, int index, bool openai) {
  if (!call.is_object()) return Status::InvalidArgument("a tool call must be an object");
  chat::ToolCall out;
  out.index = index;
  if (auto id = call.find("id"); id != call.end() && id->is_string()) out.id = id->get<std::string>();
  auto fn = call.find("function");
  if (fn == call.end() || !fn->is_object())
    return Status::InvalidArgument("a tool call needs a \"function\"");
  CORRAL_ASSIGN_OR_RETURN(out.name, StringField(*fn, "name"));
  if (auto i = fn->find("index"); i != fn->end() && i->is_number_integer()) out.index = i->get<int>();
  auto args = fn->find("arguments");
  if (args == fn->end() || args->is_null()) {
    out.arguments_json = "{}";
  } else if (args->is_string() && openai) {
    // OpenAI sends the arguments as a JSON string.
    const Json parsed = Json::parse(args->get<std::string>(), nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      return Status::InvalidArgument("tool call arguments must be a JSON object");
    }
    out.arguments_json = parsed.dump();
  } else if (args->is_object()) {
    out.arguments_json = args->dump();
  } else {
    return Status::InvalidArgument("tool call arguments must be a JSON object");
  }
  return out;
}

}  // namespace

Result<chat::Message> MessageFromJson(const Json& m, bool openai) {
  if (!m.is_object()) return Status::InvalidArgument("each message must be an object");
  chat::Message out;
  CORRAL_ASSIGN_OR_RETURN(out.role, StringField(m, "role"));
  for (char& c : out.role) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto content = m.find("content");
  if (content != m.end() && !content->is_null()) {
    if (content->is_string()) {
      out.content = content->get<std::string>();
    } else if (content->is_array() && openai) {
      for (const Json& part : *content) {
        const std::string type = part.is_object() ? part.value("type", "") : "";
        if (type == "text") {
          chat::ContentPart p;
          p.text = part.value("text", "");
          out.content += p.text;
          out.parts.push_back(std::move(p));
        } else if (type == "image_url" || type == "input_audio") {
          return Status::InvalidArgument("this model does not support images or audio");
        } else {
          return Status::InvalidArgument("invalid message content part type '" + type + "'");
        }
      }
    } else {
      return Status::InvalidArgument("message content must be a string");
    }
  }
  if (auto images = m.find("images"); images != m.end() && !images->is_null() && !images->empty()) {
    return Status::InvalidArgument("this model does not support images");
  }
  CORRAL_ASSIGN_OR_RETURN(out.thinking, StringField(m, openai ? "reasoning" : "thinking"));
  if (auto calls = m.find("tool_calls"); calls != m.end() && !calls->is_null()) {
    if (!calls->is_array()) return Status::InvalidArgument("\"tool_calls\" must be a list");
    int index = 0;
    for (const Json& c : *calls) {
      CORRAL_ASSIGN_OR_RETURN(chat::ToolCall call, ToolCallFromJson(c, index++, openai));
      out.tool_calls.push_back(std::move(call));
    }
  }
  CORRAL_ASSIGN_OR_RETURN(out.tool_name, StringField(m, openai ? "name" : "tool_name"));
  CORRAL_ASSIGN_OR_RETURN(out.tool_call_id, StringField(m, "tool_call_id"));
  return out;
}

Result<std::vector<chat::Tool>> ToolsFromJson(const Json& tools) {
  std::vector<chat::Tool> out;
  if (tools.is_null()) return out;
  if (!tools.is_array()) return Status::InvalidArgument("\"tools\" must be a list");
  for (const Json& t : tools) {
    if (!t.is_object()) return Status::InvalidArgument("each tool must be an object");
    auto fn = t.find("function");
    if (fn == t.end() || !fn->is_object())
      return Status::InvalidArgument("a tool needs a \"function\" object");
    chat::Tool tool;
    CORRAL_ASSIGN_OR_RETURN(tool.type, StringField(t, "type", "function"));
    CORRAL_ASSIGN_OR_RETURN(tool.name, StringField(*fn, "name"));
    CORRAL_ASSIGN_OR_RETURN(tool.description, StringField(*fn, "description"));
    if (auto p = fn->find("parameters"); p != fn->end() && p->is_object()) tool.parameters_json = p->dump();
    out.push_back(std::move(tool));
  }
  return out;
}

Result<GenerationOptions> ModelOptions(const sched::LoadedModel& model) {
  GenerationOptions options;
  for (const auto& [name, value] : model.spec().parameters) {
    CORRAL_RETURN_IF_ERROR(ApplyParameter(name, value, options));
  }
  return options;
}

Result<ChatPrompt> RenderChat(const sched::LoadedModel& model, chat::Request request, bool truncate) {
  // The Modelfile's MESSAGE history goes first, then the model's SYSTEM unless the chat has its own.
  std::vector<chat::Message> history;
  for (const auto& [role, content] : model.spec().messages)
    history.push_back(chat::Message::Of(role, content));
  request.messages.insert(request.messages.begin(), history.begin(), history.end());
  const bool has_system = !request.messages.empty() && request.messages.front().role == "system";
  if (!has_system && !model.spec().system.empty()) {
    request.messages.insert(request.messages.begin(), chat::Message::Of("system", model.spec().system));
  }
  const auto render = [&](const chat::Request& r) -> Result<ChatPrompt> {
    Result<std::string> prompt = model.chat_template().Render(r);
    if (!prompt.ok()) return Status::InvalidArgument("the model's template: " + prompt.status().message());
    ChatPrompt out;
    out.tokens = engine::TokenizePrompt(model.tokenizer(), *prompt);
    out.text = std::move(*prompt);
    return out;
  };
  CORRAL_ASSIGN_OR_RETURN(ChatPrompt whole, render(request));
  if (!truncate || static_cast<int64_t>(whole.tokens.size()) <= model.num_ctx()) return whole;
  // Too long: as Ollama's chatPrompt, drop messages from the front, keeping the system messages among them
  // and always the last message, until the conversation fits (the prompt cut that follows is the fallback).
  for (size_t first = 1; first < request.messages.size(); ++first) {
    chat::Request shorter = request;
    shorter.messages.clear();
    for (size_t i = 0; i < first; ++i) {
      if (request.messages[i].role == "system") shorter.messages.push_back(request.messages[i]);
    }
    shorter.messages.insert(shorter.messages.end(),
                            request.messages.begin() + static_cast<std::ptrdiff_t>(first),
                            request.messages.end());
    CORRAL_ASSIGN_OR_RETURN(ChatPrompt fitted, render(shorter));
    if (static_cast<int64_t>(fitted.tokens.size()) <= model.num_ctx() || first + 1 == request.messages.size())
      return fitted;
  }
  return whole;
}

Status CheckToolsCapability(const sched::LoadedModel& model) {
  const std::string& source = model.chat_template().source();
  if (source.find("tools") != std::string::npos || source.find(".Tools") != std::string::npos)
    return Status::Ok();
  return Status::InvalidArgument(model.spec().name + " does not support tools");
}

Status CheckInsertCapability(const sched::LoadedModel& model) {
  if (model.chat_template().source().find(".Suffix") != std::string::npos) return Status::Ok();
  return Status::InvalidArgument(model.spec().name + " does not support insert");
}

std::string NewToolCallId() {
  thread_local std::mt19937 rng{std::random_device{}()};
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id = "call_";
  for (int i = 0; i < 8; ++i) id += kAlphabet[std::uniform_int_distribution<int>(0, 35)(rng)];
  return id;
}

Json ToolCallJson(const chat::ToolCall& call, bool openai) {
  const std::string id = call.id.empty() ? NewToolCallId() : call.id;
  if (openai) {
    return Json{{"id", id},
                {"index", call.index},
                {"type", "function"},
                {"function", {{"name", call.name}, {"arguments", call.arguments_json}}}};
  }
  Json arguments = Json::parse(call.arguments_json, nullptr, false);
  if (arguments.is_discarded()) arguments = Json::object();
  return Json{{"id", id},
              {"function", {{"index", call.index}, {"name", call.name}, {"arguments", arguments}}}};
}

Result<std::shared_ptr<const sample::grammar::Grammar>> FormatGrammar(const Json& format) {
  using GrammarPtr = std::shared_ptr<const sample::grammar::Grammar>;
  if (format.is_null() || (format.is_string() && format.get<std::string>().empty())) return GrammarPtr();
  if (format.is_string() && format.get<std::string>() == "json") {
    return sample::grammar::ParseGbnf(sample::grammar::kJsonObjectGbnf);
  }
  if (!format.is_object())
    return Status::InvalidArgument("invalid format: use \"json\" or a JSON schema object");
  Result<std::string> gbnf = sample::grammar::JsonSchemaToGbnf(format.dump());
  if (!gbnf.ok()) return Status::InvalidArgument("invalid JSON schema in format: " + gbnf.status().message());
  return sample::grammar::ParseGbnf(*gbnf);
}

Result<LogprobRequest> LogprobFields(const Json& body) {
  LogprobRequest r;
  CORRAL_ASSIGN_OR_RETURN(r.logprobs, BoolField(body, "logprobs", false));
  auto top = body.find("top_logprobs");
  if (top != body.end() && !top->is_null()) {
    if (!top->is_number_integer() || top->get<int64_t>() < 0 || top->get<int64_t>() > 20) {
      return Status::InvalidArgument("top_logprobs must be between 0 and 20");
    }
    r.top_logprobs = top->get<int32_t>();
  }
  return r;
}

Json LogprobsJson(const std::vector<engine::TokenLogprob>& logprobs) {
  auto one = [](const engine::TokenLogprob& l) {
    std::vector<int> bytes;
    for (char c : l.token) bytes.push_back(static_cast<unsigned char>(c));
    return Json{{"token", l.token}, {"logprob", l.logprob}, {"bytes", bytes}};
  };
  Json out = Json::array();
  for (const engine::TokenLogprob& l : logprobs) {
    Json j = one(l);
    Json top = Json::array();
    for (const engine::TokenLogprob& alt : l.top_logprobs) top.push_back(one(alt));
    j["top_logprobs"] = top;
    out.push_back(std::move(j));
  }
  return out;
}

Result<std::optional<sched::Duration>> KeepAliveField(const Json& body) {
  auto it = body.find("keep_alive");
  if (it == body.end() || it->is_null()) return std::optional<sched::Duration>();
  if (it->is_number()) {
    const double seconds = it->get<double>();
    if (seconds < 0) return std::optional<sched::Duration>(sched::Duration(-1));
    return std::optional<sched::Duration>(
        sched::Duration(static_cast<int64_t>(std::min(seconds, 9e9) * 1e9)));
  }
  if (!it->is_string()) return Status::InvalidArgument("\"keep_alive\" must be a duration or a number");
  CORRAL_ASSIGN_OR_RETURN(sched::Duration d, sched::ParseKeepAlive(it->get<std::string>()));
  return std::optional<sched::Duration>(d);
}

}  // namespace corral::server
