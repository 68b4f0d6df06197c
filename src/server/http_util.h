// Pieces the route files share: parsing a JSON body, Ollama's and OpenAI's error shapes, status codes from
// Status, timestamps, and turning a chat into prompt tokens through the model's template.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/generator.h"
#include "sample/grammar/grammar.h"
#include "sched/scheduler.h"
#include "server/generation_options.h"
#include "template/chat_types.h"
#include "template/output_parser.h"

namespace corral::server {

using Json = nlohmann::ordered_json;

// HTTP status of an error (Ollama's codes: 400 bad request, 404 unknown model, 503 busy, 500 the rest).
int HttpStatus(const Status& status);

// {"error": message} with the status's HTTP code (Ollama's shape).
void SendOllamaError(httplib::Response& res, int http_status, std::string_view message);
inline void SendOllamaError(httplib::Response& res, const Status& status) {
  SendOllamaError(res, HttpStatus(status), status.message());
}
// {"error": {"message", "type", "param", "code"}} (OpenAI's shape, with Ollama's type names).
void SendOpenAiError(httplib::Response& res, int http_status, std::string_view message);
inline void SendOpenAiError(httplib::Response& res, const Status& status) {
  SendOpenAiError(res, HttpStatus(status), status.message());
}

void SendJson(httplib::Response& res, const Json& body);
// One line of an NDJSON stream (invalid UTF-8 in strings replaced, never thrown).
std::string NdjsonLine(const Json& j);

// The request body as a JSON object: InvalidArgument for an empty body ("missing request body", as Ollama
// says), malformed JSON or invalid UTF-8, or a value that is not an object.
Result<Json> ParseBody(const httplib::Request& req);

// A string / bool / int field of a request object, with the JSON type checked; `fallback` when absent or
// null.
Result<std::string> StringField(const Json& body, const char* key, std::string fallback = "");
Result<bool> BoolField(const Json& body, const char* key, bool fallback);

// RFC 3339 with nanoseconds in UTC, as Go's time.RFC3339Nano writes created_at.
std::string Rfc3339Nano(std::chrono::system_clock::time_point t);
int64_t UnixSeconds(std::chrono::system_clock::time_point t);

// Ollama's message objects ({role, content, images?, thinking?, tool_calls?, tool_name?}) and OpenAI's
// ({role, content: string | [parts], tool_calls with JSON-string arguments, tool_call_id}).
Result<chat::Message> MessageFromJson(const Json& m, bool openai);
Result<std::vector<chat::Tool>> ToolsFromJson(const Json& tools);

// The model's PARAMETERs as generation options (a request's `options` go on top).
Result<GenerationOptions> ModelOptions(const sched::LoadedModel& model);

struct ChatPrompt {
  std::string text;
  std::vector<int32_t> tokens;
};
// Renders the conversation with the model's template (the model's SYSTEM first when the conversation has
// none) and tokenizes it. With `truncate`, a conversation too long for the context loses its oldest
// messages (not the system ones, never the last) until it fits, as Ollama's chatPrompt does.
Result<ChatPrompt> RenderChat(const sched::LoadedModel& model, chat::Request request, bool truncate);

// Ollama's capability check for a chat that offers tools: the model's template must render them (a Jinja
// template that reads `tools`, a Go one that reads `.Tools`); otherwise 400 "<model> does not support tools".
Status CheckToolsCapability(const sched::LoadedModel& model);
// The same for `suffix` (fill-in-the-middle): the template must read `.Suffix`; otherwise 400 "<model> does
// not support insert".
Status CheckInsertCapability(const sched::LoadedModel& model);

// Ollama's tool-call id: "call_" and 8 lowercase letters or digits.
std::string NewToolCallId();
// A tool call in Ollama's shape ({id, function: {index, name, arguments: {...}}}) or OpenAI's ({id, index,
// type, function: {name, arguments: "<json>"}}).
Json ToolCallJson(const chat::ToolCall& call, bool openai);

// Ollama's `format` (OpenAI's response_format maps onto it): null or "" for none, "json" for any JSON
// object, or a JSON schema object. InvalidArgument for anything else or an unsupported schema.
Result<std::shared_ptr<const sample::grammar::Grammar>> FormatGrammar(const Json& format);

// `logprobs` (bool) and `top_logprobs` (0-20) of a request.
struct LogprobRequest {
  bool logprobs = false;
  int32_t top_logprobs = 0;
};
Result<LogprobRequest> LogprobFields(const Json& body);
// [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}] (Ollama's logprobs, OpenAI's content).
Json LogprobsJson(const std::vector<engine::TokenLogprob>& logprobs);

// Ollama's `keep_alive` field (string duration or number of seconds), absent → nullopt.
Result<std::optional<sched::Duration>> KeepAliveField(const Json& body);

}  // namespace corral::server
