// The OpenAI-compatible API: /v1/chat/completions, /v1/completions (SSE streams ending in `data: [DONE]`),
// /v1/models. Field mapping and defaults as Ollama's openai middleware (../shared/reference/ollama.md §3):
// temperature and top_p default to 1.0 when absent, max_tokens becomes num_predict, errors use OpenAI's
// shape.
#include <httplib.h>

#include <random>

#include "engine/prompt.h"
#include "server/completion_route.h"
#include "server/http_util.h"
#include "server/server.h"

namespace corral::server {
namespace {

using Clock = std::chrono::system_clock;

std::string Frame(const Json& j) {
  return "data: " + j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

std::string FinishReason(const engine::Completion& done) {
  return done.done_reason == "length" ? "length" : "stop";
}

Json Usage(const engine::Completion& done) {
  const int completion = static_cast<int>(done.tokens.size());
  return Json{{"prompt_tokens", done.prompt_tokens},
              {"completion_tokens", completion},
              {"total_tokens", done.prompt_tokens + completion}};
}

std::string RandomId(const char* prefix) {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::string(prefix) + std::to_string(std::uniform_int_distribution<int>(0, 998)(rng));
}

struct OpenAiCommon {
  std::string model;
  bool stream = false;
  bool include_usage = false;
  GenerationOptions request;  // the fields mapped onto Ollama's options
  Json options;               // the same as an Ollama options object (applied after the model's)
  std::shared_ptr<const sample::grammar::Grammar> grammar;  // response_format
  LogprobRequest logprobs;
};

Result<OpenAiCommon> ParseCommon(const Json& body) {
  OpenAiCommon c;
  CORRAL_ASSIGN_OR_RETURN(c.model, StringField(body, "model"));
  if (c.model.empty()) return Status::InvalidArgument("model is required");
  CORRAL_ASSIGN_OR_RETURN(c.stream, BoolField(body, "stream", false));
  if (auto so = body.find("stream_options"); so != body.end() && so->is_object()) {
    CORRAL_ASSIGN_OR_RETURN(c.include_usage, BoolField(*so, "include_usage", false));
  }
  Json o = Json::object();
  // Ollama sets both to 1.0 when the request leaves them out, overriding the model's defaults.
  o["temperature"] =
      body.contains("temperature") && !body["temperature"].is_null() ? body["temperature"] : Json(1.0);
  o["top_p"] = body.contains("top_p") && !body["top_p"].is_null() ? body["top_p"] : Json(1.0);
  for (const char* key : {"seed", "frequency_penalty", "presence_penalty", "stop"}) {
    if (body.contains(key) && !body[key].is_null()) o[key] = body[key];
  }
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    if (body.contains(key) && !body[key].is_null()) o["num_predict"] = body[key];
  }
  if (auto rf = body.find("response_format"); rf != body.end() && !rf->is_null()) {
    const std::string type = rf->is_object() ? rf->value("type", "") : "";
    if (type == "json_object") {
      CORRAL_ASSIGN_OR_RETURN(c.grammar, FormatGrammar(Json("json")));
    } else if (type == "json_schema") {
      const Json* schema = nullptr;
      if (auto js = rf->find("json_schema"); js != rf->end() && js->is_object() && js->contains("schema")) {
        schema = &(*js)["schema"];
      }
      if (schema == nullptr)
        return Status::InvalidArgument("response_format json_schema needs json_schema.schema");
      CORRAL_ASSIGN_OR_RETURN(c.grammar, FormatGrammar(*schema));
    } else if (type != "text") {
      return Status::InvalidArgument("invalid response_format type '" + type + "'");
    }
  }
  // Chat takes logprobs (bool) and top_logprobs; completions' integer logprobs is its top_logprobs.
  if (auto lp = body.find("logprobs"); lp != body.end() && lp->is_number_integer()) {
    Json mapped = body;
    mapped["top_logprobs"] = *lp;
    mapped["logprobs"] = true;
    CORRAL_ASSIGN_OR_RETURN(c.logprobs, LogprobFields(mapped));
  } else {
    CORRAL_ASSIGN_OR_RETURN(c.logprobs, LogprobFields(body));
  }
  CORRAL_RETURN_IF_ERROR(ApplyOptionsJson(o, c.request));
  c.options = std::move(o);
  return c;
}

Status NotFound(const Status& s, const std::string& model) {
  if (s.code() == StatusCode::kNotFound) return Status::NotFound("model \"" + model + "\" not found");
  return s;
}

Result<std::shared_ptr<CompletionJob>> Lease(sched::Scheduler& scheduler, const OpenAiCommon& c) {
  const auto start = std::chrono::steady_clock::now();  // total_duration counts the load too
  Result<sched::Scheduler::Lease> lease = scheduler.Acquire(c.model, std::nullopt, 0);
  if (!lease.ok()) return NotFound(lease.status(), c.model);
  auto job = std::make_shared<CompletionJob>();
  job->start = start;
  job->lease = std::move(*lease);
  CORRAL_ASSIGN_OR_RETURN(job->options, ModelOptions(job->lease->model()));
  CORRAL_RETURN_IF_ERROR(ApplyOptionsJson(c.options, job->options));
  job->grammar = c.grammar;
  job->logprobs = c.logprobs.logprobs;
  job->top_logprobs = c.logprobs.top_logprobs;
  return job;
}

// What the parser made of a chat's output so far.
struct ChatOutput {
  explicit ChatOutput(chat::OutputFormat format) : parser(format) {}
  chat::OutputParser parser;
  bool tool_calls = false;
};

// OpenAI's message / delta fields of parsed output: content, reasoning (Ollama's name for it), tool calls.
Json DeltaJson(const chat::OutputDelta& d, bool with_role) {
  Json j = Json::object();
  if (with_role) j["role"] = "assistant";
  j["content"] = d.content;
  if (!d.thinking.empty()) j["reasoning"] = d.thinking;
  if (!d.tool_calls.empty()) {
    Json calls = Json::array();
    for (const chat::ToolCall& call : d.tool_calls) calls.push_back(ToolCallJson(call, true));
    j["tool_calls"] = calls;
  }
  return j;
}

// chat.completion(.chunk) or text_completion objects, streamed as SSE or answered once.
CompletionFormat SseFormat(const OpenAiCommon& c, bool chat, std::shared_ptr<ChatOutput> output = nullptr) {
  const std::string id = RandomId(chat ? "chatcmpl-" : "cmpl-");
  const int64_t created = UnixSeconds(Clock::now());
  const std::string object = chat ? "chat.completion.chunk" : "text_completion";
  auto head = [id, created, object, model = c.model] {
    return Json{{"id", id},
                {"object", object},
                {"created", created},
                {"model", model},
                {"system_fingerprint", "fp_ollama"}};
  };
  CompletionFormat f;
  f.content_type = "text/event-stream";
  f.chunk = [head, chat, output](const std::string& text, const std::vector<engine::TokenLogprob>& logprobs) {
    Json j = head();
    if (chat) {
      const chat::OutputDelta d = output->parser.Feed(text);
      if (d.empty() && logprobs.empty()) return std::string();
      output->tool_calls = output->tool_calls || !d.tool_calls.empty();
      j["choices"] = Json::array({{{"index", 0}, {"delta", DeltaJson(d, true)}, {"finish_reason", nullptr}}});
    } else {
      j["choices"] = Json::array({{{"text", text}, {"index", 0}, {"finish_reason", nullptr}}});
    }
    if (!logprobs.empty()) j["choices"][0]["logprobs"] = {{"content", LogprobsJson(logprobs)}};
    return Frame(j);
  };
  f.end = [head, chat, output, include_usage = c.include_usage](const engine::Completion& done,
                                                                const CompletionJob&) {
    if (!done.status.ok()) {
      return Frame(Json{{"error",
                         {{"message", done.status.message()},
                          {"type", "api_error"},
                          {"param", nullptr},
                          {"code", nullptr}}}}) +
             "data: [DONE]\n\n";
    }
    std::string out;
    std::string finish = FinishReason(done);
    Json j = head();
    if (chat) {
      const chat::OutputDelta rest = output->parser.Finish();
      output->tool_calls = output->tool_calls || !rest.tool_calls.empty();
      if (!rest.empty()) {
        Json last = head();
        last["choices"] =
            Json::array({{{"index", 0}, {"delta", DeltaJson(rest, true)}, {"finish_reason", nullptr}}});
        out += Frame(last);
      }
      if (output->tool_calls && finish == "stop") finish = "tool_calls";
      j["choices"] = Json::array({{{"index", 0}, {"delta", Json::object()}, {"finish_reason", finish}}});
    } else {
      j["choices"] = Json::array({{{"text", ""}, {"index", 0}, {"finish_reason", finish}}});
    }
    out += Frame(j);
    if (include_usage) {
      Json u = head();
      u["choices"] = Json::array();
      u["usage"] = Usage(done);
      out += Frame(u);
    }
    return out + "data: [DONE]\n\n";
  };
  f.whole = [head, chat, output](httplib::Response& res, const std::string& text,
                                 const engine::Completion& done, const CompletionJob&) {
    Json j = head();
    j["object"] = chat ? "chat.completion" : "text_completion";
    if (chat) {
      chat::OutputDelta all = output->parser.Feed(text);
      all.Append(output->parser.Finish());
      std::string finish = FinishReason(done);
      if (!all.tool_calls.empty() && finish == "stop") finish = "tool_calls";
      j["choices"] =
          Json::array({{{"index", 0}, {"message", DeltaJson(all, true)}, {"finish_reason", finish}}});
    } else {
      j["choices"] = Json::array(
          {{{"text", text}, {"index", 0}, {"logprobs", nullptr}, {"finish_reason", FinishReason(done)}}});
    }
    if (!done.logprobs.empty()) j["choices"][0]["logprobs"] = {{"content", LogprobsJson(done.logprobs)}};
    j["usage"] = Usage(done);
    SendJson(res, j);
  };
  f.error = [](httplib::Response& res, const Status& s) { SendOpenAiError(res, s); };
  return f;
}

void ChatCompletions(sched::Scheduler& scheduler, const httplib::Request& req, httplib::Response& res) {
  Result<Json> body = ParseBody(req);
  if (!body.ok()) return SendOpenAiError(res, body.status());
  Result<OpenAiCommon> common = ParseCommon(*body);
  if (!common.ok()) return SendOpenAiError(res, common.status());
  chat::Request request;
  auto messages = body->find("messages");
  if (messages == body->end() || !messages->is_array() || messages->empty()) {
    return SendOpenAiError(res, 400, "[] is too short - 'messages'");
  }
  for (const Json& m : *messages) {
    Result<chat::Message> message = MessageFromJson(m, true);
    if (!message.ok()) return SendOpenAiError(res, message.status());
    request.messages.push_back(std::move(*message));
  }
  if (auto tools = body->find("tools"); tools != body->end()) {
    Result<std::vector<chat::Tool>> parsed = ToolsFromJson(*tools);
    if (!parsed.ok()) return SendOpenAiError(res, parsed.status());
    request.tools = std::move(*parsed);
  }
  Result<std::shared_ptr<CompletionJob>> job = Lease(scheduler, *common);
  if (!job.ok()) return SendOpenAiError(res, job.status());
  const bool tools = !request.tools.empty();
  const sched::LoadedModel& model = (*job)->lease->model();
  if (tools) {
    if (Status s = CheckToolsCapability(model); !s.ok()) return SendOpenAiError(res, s);
  }
  Result<ChatPrompt> rendered = RenderChat(model, std::move(request), /*truncate=*/true);
  if (!rendered.ok()) return SendOpenAiError(res, rendered.status());
  (*job)->prompt = std::move(rendered->tokens);
  chat::OutputFormat format = chat::DetectOutputFormat(model.chat_template().source(), rendered->text);
  if (!tools) format.tools = chat::ToolCallSyntax::kNone;
  RunCompletion(*job, common->stream, SseFormat(*common, true, std::make_shared<ChatOutput>(format)), res);
}

void Completions(sched::Scheduler& scheduler, const httplib::Request& req, httplib::Response& res) {
  Result<Json> body = ParseBody(req);
  if (!body.ok()) return SendOpenAiError(res, body.status());
  Result<OpenAiCommon> common = ParseCommon(*body);
  if (!common.ok()) return SendOpenAiError(res, common.status());
  Result<std::string> prompt = StringField(*body, "prompt");
  if (!prompt.ok()) return SendOpenAiError(res, 400, "invalid type for 'prompt': only a string is supported");
  if (prompt->empty()) return SendOpenAiError(res, 400, "prompt is required");
  Result<std::shared_ptr<CompletionJob>> job = Lease(scheduler, *common);
  if (!job.ok()) return SendOpenAiError(res, job.status());
  (*job)->prompt = engine::TokenizePrompt((*job)->lease->model().tokenizer(), *prompt);
  RunCompletion(*job, common->stream, SseFormat(*common, false), res);
}

Json ModelObject(const ListedModel& m) {
  // owned_by is the namespace of the name ("library" for official models).
  std::string owner = "library";
  const std::string& n = m.name;
  if (const size_t slash = n.rfind('/'); slash != std::string::npos) {
    const size_t before = n.rfind('/', slash - 1);
    owner = n.substr(before == std::string::npos ? 0 : before + 1,
                     slash - (before == std::string::npos ? 0 : before + 1));
  }
  return Json{{"id", m.name}, {"object", "model"}, {"created", UnixSeconds(m.modified)}, {"owned_by", owner}};
}

}  // namespace

void Server::OpenAiRoutes() {
  httplib::Server& h = *http_;
  JsonPost("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    ChatCompletions(scheduler_, req, res);
  });
  JsonPost("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
    Completions(scheduler_, req, res);
  });
  h.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    Json data = Json::array();
    if (options_.lister) {
      Result<std::vector<ListedModel>> listed = options_.lister();
      if (!listed.ok()) return SendOpenAiError(res, listed.status());
      for (const ListedModel& m : *listed) data.push_back(ModelObject(m));
    }
    SendJson(res, Json{{"object", "list"}, {"data", data}});
  });
  h.Get(R"(/v1/models/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    if (options_.lister) {
      Result<std::vector<ListedModel>> listed = options_.lister();
      if (!listed.ok()) return SendOpenAiError(res, listed.status());
      for (const ListedModel& m : *listed) {
        if (m.name == id) return SendJson(res, ModelObject(m));
      }
    }
    SendOpenAiError(res, 404, "model \"" + id + "\" not found");
  });
}

}  // namespace corral::server
