// Ollama's native API: /api/generate, /api/chat (NDJSON streams), /api/ps, /api/tags, /api/version,
// /api/tokenize, /api/detokenize. Field names, defaults and error texts follow Ollama's server
// (../shared/reference/ollama.md §2).
#include <httplib.h>

#include "engine/prompt.h"
#include "server/completion_route.h"
#include "server/http_util.h"
#include "server/server.h"

namespace corral::server {
namespace {

using Clock = std::chrono::system_clock;

int64_t Nanos(std::chrono::nanoseconds d) {
  return d.count();
}

// The metrics of a final chunk (api.Metrics).
void AddMetrics(Json& j, const engine::Completion& done, const CompletionJob& job) {
  j["done_reason"] = done.done_reason == "cancel" ? "stop" : done.done_reason;
  j["total_duration"] = Nanos(std::chrono::steady_clock::now() - job.start);
  j["load_duration"] = Nanos(job.lease->load_duration() + done.queue_duration);
  j["prompt_eval_count"] = done.prompt_tokens;
  j["prompt_eval_duration"] = Nanos(done.prompt_eval_duration);
  j["eval_count"] = done.eval_count;
  j["eval_duration"] = Nanos(done.eval_duration);
}

struct Common {
  std::string model;
  bool stream = true;
  std::optional<sched::Duration> keep_alive;
  Json options;
  std::shared_ptr<const sample::grammar::Grammar> grammar;
  LogprobRequest logprobs;
  bool truncate = true;  // too long a prompt is cut to the context, as Ollama cuts it (else refused)
};

Result<Common> ParseCommon(const Json& body) {
  Common c;
  CORRAL_ASSIGN_OR_RETURN(c.model, StringField(body, "model"));
  if (c.model.empty()) return Status::InvalidArgument("model is required");
  CORRAL_ASSIGN_OR_RETURN(c.stream, BoolField(body, "stream", true));
  CORRAL_ASSIGN_OR_RETURN(c.keep_alive, KeepAliveField(body));
  if (auto it = body.find("options"); it != body.end()) c.options = *it;
  if (auto f = body.find("format"); f != body.end()) {
    CORRAL_ASSIGN_OR_RETURN(c.grammar, FormatGrammar(*f));
  }
  CORRAL_ASSIGN_OR_RETURN(c.logprobs, LogprobFields(body));
  CORRAL_ASSIGN_OR_RETURN(c.truncate, BoolField(body, "truncate", true));
  return c;
}

// Model name not in the store: Ollama's wording.
Status NotFound(const Status& s, const std::string& model) {
  if (s.code() == StatusCode::kNotFound) {
    return Status::NotFound("model \"" + model + "\" not found, try pulling it first");
  }
  return s;
}

// An empty prompt or conversation loads the model (or, with keep_alive 0, unloads it).
void LoadOrUnload(sched::Scheduler& scheduler, const Common& c, httplib::Response& res, bool chat) {
  const bool unload = c.keep_alive && c.keep_alive->count() == 0;
  Json j{{"model", c.model}, {"created_at", Rfc3339Nano(Clock::now())}};
  if (chat) {
    j["message"] = {{"role", "assistant"}, {"content", ""}};
  } else {
    j["response"] = "";
  }
  j["done"] = true;
  if (unload) {
    const Status s = scheduler.Unload(c.model);
    if (!s.ok() && s.code() != StatusCode::kNotFound) return SendOllamaError(res, s);
    j["done_reason"] = "unload";
  } else {
    Result<sched::Scheduler::Lease> lease = scheduler.Acquire(c.model, c.keep_alive, 0);
    if (!lease.ok()) return SendOllamaError(res, NotFound(lease.status(), c.model));
    j["done_reason"] = "load";
  }
  SendJson(res, j);
}

Result<std::shared_ptr<CompletionJob>> Lease(sched::Scheduler& scheduler, const Common& c) {
  const auto start = std::chrono::steady_clock::now();  // total_duration counts the load too
  // num_ctx is a load-time setting: it is read before the model is leased.
  GenerationOptions request_options;
  CORRAL_RETURN_IF_ERROR(ApplyOptionsJson(c.options, request_options));
  Result<sched::Scheduler::Lease> lease = scheduler.Acquire(c.model, c.keep_alive, request_options.num_ctx);
  if (!lease.ok()) return NotFound(lease.status(), c.model);
  auto job = std::make_shared<CompletionJob>();
  job->start = start;
  job->lease = std::move(*lease);
  CORRAL_ASSIGN_OR_RETURN(job->options, ModelOptions(job->lease->model()));
  CORRAL_RETURN_IF_ERROR(ApplyOptionsJson(c.options, job->options));
  job->grammar = c.grammar;
  job->logprobs = c.logprobs.logprobs;
  job->top_logprobs = c.logprobs.top_logprobs;
  job->truncate = c.truncate;
  return job;
}

// The fields of a last object: done, the metrics and (generate) the context to continue from.
void Finish(Json& j, const engine::Completion& done, const CompletionJob& job, bool with_context) {
  j["done"] = true;
  AddMetrics(j, done, job);
  if (with_context) {
    std::vector<int32_t> context = job.prompt;
    context.insert(context.end(), done.tokens.begin(), done.tokens.end());
    j["context"] = context;
  }
}

// A chat message from parsed output: content, and thinking and tool calls when there are any.
Json MessageJson(const chat::OutputDelta& d) {
  Json m{{"role", "assistant"}, {"content", d.content}};
  if (!d.thinking.empty()) m["thinking"] = d.thinking;
  if (!d.tool_calls.empty()) {
    Json calls = Json::array();
    for (const chat::ToolCall& call : d.tool_calls) calls.push_back(ToolCallJson(call, false));
    m["tool_calls"] = calls;
  }
  return m;
}

// Generate streams raw text; chat streams the parser's deltas (content, thinking, tool calls).
CompletionFormat NdjsonFormat(const std::string& model, bool chat, bool with_context,
                              std::shared_ptr<chat::OutputParser> parser = nullptr) {
  CompletionFormat f;
  f.content_type = "application/x-ndjson";
  auto delta_line = [model](const chat::OutputDelta& d, const std::vector<engine::TokenLogprob>& logprobs) {
    Json j{{"model", model},
           {"created_at", Rfc3339Nano(Clock::now())},
           {"message", MessageJson(d)},
           {"done", false}};
    if (!logprobs.empty()) j["logprobs"] = LogprobsJson(logprobs);
    return NdjsonLine(j);
  };
  f.chunk = [model, chat, parser, delta_line](const std::string& text,
                                              const std::vector<engine::TokenLogprob>& logprobs) {
    if (chat) {
      const chat::OutputDelta d = parser->Feed(text);
      return d.empty() && logprobs.empty() ? std::string() : delta_line(d, logprobs);
    }
    Json j{{"model", model}, {"created_at", Rfc3339Nano(Clock::now())}, {"response", text}, {"done", false}};
    if (!logprobs.empty()) j["logprobs"] = LogprobsJson(logprobs);
    return NdjsonLine(j);
  };
  f.end = [model, chat, with_context, parser, delta_line](const engine::Completion& done,
                                                          const CompletionJob& job) {
    if (!done.status.ok()) return NdjsonLine(Json{{"error", done.status.message()}});
    std::string out;
    if (chat) {
      const chat::OutputDelta rest = parser->Finish();
      if (!rest.empty()) out = delta_line(rest, {});
    }
    Json j{{"model", model}, {"created_at", Rfc3339Nano(Clock::now())}};
    if (chat) {
      j["message"] = {{"role", "assistant"}, {"content", ""}};
    } else {
      j["response"] = "";
    }
    Finish(j, done, job, with_context);
    return out + NdjsonLine(j);
  };
  f.whole = [model, chat, with_context, parser](httplib::Response& res, const std::string& text,
                                                const engine::Completion& done, const CompletionJob& job) {
    Json j{{"model", model}, {"created_at", Rfc3339Nano(Clock::now())}};
    if (chat) {
      chat::OutputDelta all = parser->Feed(text);
      all.Append(parser->Finish());
      j["message"] = MessageJson(all);
    } else {
      j["response"] = text;
    }
    Finish(j, done, job, with_context);
    if (job.logprobs) j["logprobs"] = LogprobsJson(done.logprobs);
    SendJson(res, j);
  };
  f.error = [](httplib::Response& res, const Status& s) { SendOllamaError(res, s); };
  return f;
}

void Generate(sched::Scheduler& scheduler, const httplib::Request& req, httplib::Response& res) {
  Result<Json> body = ParseBody(req);
  if (!body.ok()) return SendOllamaError(res, body.status());
  Result<Common> common = ParseCommon(*body);
  if (!common.ok()) return SendOllamaError(res, common.status());
  Result<std::string> prompt = StringField(*body, "prompt");
  Result<std::string> system = StringField(*body, "system");
  Result<std::string> tmpl = StringField(*body, "template");
  Result<std::string> suffix = StringField(*body, "suffix");
  Result<bool> raw = BoolField(*body, "raw", false);
  for (const Status& s : {prompt.status(), system.status(), tmpl.status(), suffix.status(), raw.status()}) {
    if (!s.ok()) return SendOllamaError(res, s);
  }
  const bool has_context = body->contains("context") && !(*body)["context"].is_null();
  if (*raw && (!tmpl->empty() || !system->empty() || has_context)) {
    return SendOllamaError(res, 400, "raw mode does not support template, system, or context");
  }
  if (prompt->empty() && suffix->empty()) return LoadOrUnload(scheduler, *common, res, false);

  Result<std::shared_ptr<CompletionJob>> job = Lease(scheduler, *common);
  if (!job.ok()) return SendOllamaError(res, job.status());
  const sched::LoadedModel& model = (*job)->lease->model();
  if (!suffix->empty() && tmpl->empty()) {
    if (Status s = CheckInsertCapability(model); !s.ok()) return SendOllamaError(res, s);
  }
  if (*raw) {
    (*job)->prompt = engine::TokenizePrompt(model.tokenizer(), *prompt);
  } else {
    chat::Request request;
    request.messages.push_back(chat::Message::Of("user", *prompt));
    if (!system->empty())
      request.messages.insert(request.messages.begin(), chat::Message::Of("system", *system));
    request.fim_prompt = *prompt;
    request.fim_suffix = *suffix;
    if (!tmpl->empty()) {
      Result<chat::ChatTemplate> custom = chat::ChatTemplate::FromGo(*tmpl);
      if (!custom.ok()) return SendOllamaError(res, 400, "template: " + custom.status().message());
      Result<std::string> text = custom->Render(request);
      if (!text.ok()) return SendOllamaError(res, 400, "template: " + text.status().message());
      (*job)->prompt = engine::TokenizePrompt(model.tokenizer(), *text);
    } else {
      Result<ChatPrompt> rendered = RenderChat(model, std::move(request), common->truncate);
      if (!rendered.ok()) return SendOllamaError(res, rendered.status());
      (*job)->prompt = std::move(rendered->tokens);
    }
    if (has_context) {
      // The deprecated `context`: token ids of an earlier exchange, continued by this prompt.
      const Json& context = (*body)["context"];
      if (!context.is_array()) return SendOllamaError(res, 400, "\"context\" must be a list of token ids");
      std::vector<int32_t> ids;
      for (const Json& id : context) {
        if (!id.is_number_integer())
          return SendOllamaError(res, 400, "\"context\" must be a list of token ids");
        ids.push_back(id.get<int32_t>());
      }
      ids.insert(ids.end(), (*job)->prompt.begin(), (*job)->prompt.end());
      (*job)->prompt = std::move(ids);
    }
  }
  RunCompletion(*job, common->stream, NdjsonFormat(common->model, false, !*raw), res);
}

void Chat(sched::Scheduler& scheduler, const httplib::Request& req, httplib::Response& res) {
  Result<Json> body = ParseBody(req);
  if (!body.ok()) return SendOllamaError(res, body.status());
  Result<Common> common = ParseCommon(*body);
  if (!common.ok()) return SendOllamaError(res, common.status());
  chat::Request request;
  if (auto messages = body->find("messages"); messages != body->end() && !messages->is_null()) {
    if (!messages->is_array()) return SendOllamaError(res, 400, "\"messages\" must be a list");
    for (const Json& m : *messages) {
      Result<chat::Message> message = MessageFromJson(m, false);
      if (!message.ok()) return SendOllamaError(res, message.status());
      request.messages.push_back(std::move(*message));
    }
  }
  if (request.messages.empty()) return LoadOrUnload(scheduler, *common, res, true);
  if (auto tools = body->find("tools"); tools != body->end()) {
    Result<std::vector<chat::Tool>> parsed = ToolsFromJson(*tools);
    if (!parsed.ok()) return SendOllamaError(res, parsed.status());
    request.tools = std::move(*parsed);
  }
  if (auto think = body->find("think"); think != body->end() && !think->is_null()) {
    if (think->is_boolean()) {
      request.think = chat::Think::Bool(think->get<bool>());
    } else if (think->is_string()) {
      const std::string level = think->get<std::string>();
      if (level != "high" && level != "medium" && level != "low" && level != "max") {
        return SendOllamaError(res, 400, "invalid think value: \"" + level + "\"");
      }
      request.think = chat::Think::Level(level);
    } else {
      return SendOllamaError(res, 400, "invalid think value");
    }
  }
  Result<std::shared_ptr<CompletionJob>> job = Lease(scheduler, *common);
  if (!job.ok()) return SendOllamaError(res, job.status());
  (*job)->capability = "chat";
  const bool tools = !request.tools.empty();
  const sched::LoadedModel& model = (*job)->lease->model();
  if (tools) {
    if (Status s = CheckToolsCapability(model); !s.ok()) return SendOllamaError(res, s);
  }
  Result<ChatPrompt> rendered = RenderChat(model, std::move(request), common->truncate);
  if (!rendered.ok()) return SendOllamaError(res, rendered.status());
  (*job)->prompt = std::move(rendered->tokens);
  // Tool calls are parsed out of the output only when the request offered tools (as Ollama does).
  chat::OutputFormat output = chat::DetectOutputFormat(model.chat_template().source(), rendered->text);
  if (!tools) output.tools = chat::ToolCallSyntax::kNone;
  auto parser = std::make_shared<chat::OutputParser>(output);
  RunCompletion(*job, common->stream, NdjsonFormat(common->model, true, false, parser), res);
}

Json Details(const std::string& family, const std::string& parameter_size, const std::string& quantization) {
  return Json{{"parent_model", ""},
              {"format", "gguf"},
              {"family", family},
              {"families", family.empty() ? Json(nullptr) : Json::array({family})},
              {"parameter_size", parameter_size},
              {"quantization_level", quantization}};
}

void Ps(sched::Scheduler& scheduler, httplib::Response& res) {
  Json models = Json::array();
  for (const sched::RunningModel& m : scheduler.Running()) {
    // Kept forever: Go's zero time would read as year 1; Ollama prints a far-future time instead.
    const Clock::time_point expires =
        m.expires_at.value_or(Clock::now() + std::chrono::hours(24 * 365 * 100));
    models.push_back(Json{{"name", m.name},
                          {"model", m.name},
                          {"size", m.size_bytes},
                          {"digest", m.digest},
                          {"details", Details("", "", "")},
                          {"expires_at", Rfc3339Nano(expires)},
                          {"size_vram", 0},
                          {"context_length", m.context_length}});
  }
  SendJson(res, Json{{"models", models}});
}

void Tokenize(sched::Scheduler& scheduler, const httplib::Request& req, httplib::Response& res, bool encode) {
  Result<Json> body = ParseBody(req);
  if (!body.ok()) return SendOllamaError(res, body.status());
  Result<std::string> model = StringField(*body, "model");
  if (!model.ok()) return SendOllamaError(res, model.status());
  if (model->empty()) return SendOllamaError(res, 400, "model is required");
  Result<std::optional<sched::Duration>> keep_alive = KeepAliveField(*body);
  if (!keep_alive.ok()) return SendOllamaError(res, keep_alive.status());
  Result<sched::Scheduler::Lease> lease = scheduler.Acquire(*model, *keep_alive, 0);
  if (!lease.ok()) return SendOllamaError(res, NotFound(lease.status(), *model));
  const tokenizer::Tokenizer& tok = (*lease)->model().tokenizer();
  if (encode) {
    Result<std::string> content = StringField(*body, "content");
    if (!content.ok()) return SendOllamaError(res, content.status());
    // As llama-server's /tokenize: no BOS/EOS added, special-token text parsed.
    return SendJson(res, Json{{"tokens", tok.Encode(*content, false, true)}});
  }
  auto tokens = body->find("tokens");
  if (tokens == body->end() || !tokens->is_array())
    return SendOllamaError(res, 400, "\"tokens\" must be a list");
  std::vector<int32_t> ids;
  for (const Json& t : *tokens) {
    if (!t.is_number_integer() || !tok.IsValid(t.get<int32_t>())) {
      return SendOllamaError(res, 400, "\"tokens\" holds an id outside the vocabulary");
    }
    ids.push_back(t.get<int32_t>());
  }
  SendJson(res, Json{{"content", tok.Decode(ids)}});
}

// A GGUF metadata value as Ollama's model_info shows it; arrays of more than 5 items are left empty unless
// `verbose` (the vocabulary would be megabytes).
Json MetadataJson(const gguf::Value& v, bool verbose) {
  if (const gguf::Array* array = v.AsArray()) {
    Json out = Json::array();
    if (array->size() > 5 && !verbose) return out;
    for (size_t i = 0; i < array->size(); ++i) out.push_back(MetadataJson(array->at(i), verbose));
    return out;
  }
  if (auto s = v.AsString()) return std::string(*s);
  if (v.type() == gguf::ValueType::kBool) return *v.AsBool();
  if (v.type() == gguf::ValueType::kF32 || v.type() == gguf::ValueType::kF64) return *v.AsF64();
  if (auto i = v.AsI64()) return *i;
  if (auto u = v.AsU64()) return *u;
  return nullptr;
}

void Show(const ServerOptions& options, const httplib::Request& req, httplib::Response& res) {
  Result<Json> body = ParseBody(req);
  if (!body.ok()) return SendOllamaError(res, body.status());
  Result<std::string> model = StringField(*body, "model");
  Result<std::string> name = StringField(*body, "name");  // the deprecated field
  Result<bool> verbose = BoolField(*body, "verbose", false);
  for (const Status& s : {model.status(), name.status(), verbose.status()}) {
    if (!s.ok()) return SendOllamaError(res, s);
  }
  const std::string target = model->empty() ? *name : *model;
  if (target.empty()) return SendOllamaError(res, 400, "model is required");
  if (!options.show) return SendOllamaError(res, 501, "this server has no model store");
  Result<store::ModelInfo> info = options.show(target);
  if (!info.ok()) {
    return SendOllamaError(res, info.status().code() == StatusCode::kNotFound
                                    ? Status::NotFound("model '" + target + "' not found")
                                    : info.status());
  }
  Result<gguf::File> file = gguf::File::Open(info->model_path);
  if (!file.ok()) return SendOllamaError(res, file.status());
  const std::string arch(file->GetStringOr("general.architecture", "").value());
  Json model_info = Json::object();
  for (const gguf::KeyValue& kv : file->metadata()) {
    if (kv.key == "general.name" || kv.key == "tokenizer.chat_template") continue;
    model_info[std::string(kv.key)] = MetadataJson(kv.value, *verbose);
  }
  std::string tpl = info->template_text;
  if (!info->has_template) {
    // A model with only a GGUF chat template shows that (Ollama's native-chat models do the same).
    Result<std::string_view> jinja = file->GetString("tokenizer.chat_template");
    tpl = jinja.ok() ? std::string(*jinja) : "{{ .Prompt }}";
  }
  std::string license;
  for (const std::string& l : info->licenses) license += (license.empty() ? "" : "\n") + l;
  Json messages = Json::array();
  for (const auto& [role, content] : info->messages)
    messages.push_back(Json{{"role", role}, {"content", content}});
  const store::ModelConfig& c = info->config;
  Json out{{"license", license},
           {"modelfile", store::RegeneratedModelfile(*info)},
           {"parameters", store::ParametersText(info->params)},
           {"template", tpl},
           {"system", info->system},
           {"details", Details(c.model_family.empty() ? arch : c.model_family, c.model_type, c.file_type)},
           {"messages", messages},
           {"model_info", model_info},
           {"capabilities", store::Capabilities(*info, *file, arch)}};
  SendJson(res, out);
}

}  // namespace

void Server::OllamaRoutes() {
  httplib::Server& h = *http_;
  h.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("Ollama is running", "text/plain; charset=utf-8");
  });
  h.Get("/api/version", [](const httplib::Request&, httplib::Response& res) {
    SendJson(res, Json{{"version", kOllamaApiVersion}});
  });
  JsonPost("/api/generate",
           [this](const httplib::Request& req, httplib::Response& res) { Generate(scheduler_, req, res); });
  JsonPost("/api/chat",
           [this](const httplib::Request& req, httplib::Response& res) { Chat(scheduler_, req, res); });
  h.Get("/api/ps", [this](const httplib::Request&, httplib::Response& res) { Ps(scheduler_, res); });
  JsonPost("/api/tokenize", [this](const httplib::Request& req, httplib::Response& res) {
    Tokenize(scheduler_, req, res, true);
  });
  JsonPost("/api/detokenize", [this](const httplib::Request& req, httplib::Response& res) {
    Tokenize(scheduler_, req, res, false);
  });
  JsonPost("/api/show",
           [this](const httplib::Request& req, httplib::Response& res) { Show(options_, req, res); });
  JsonPost("/api/copy", [this](const httplib::Request& req, httplib::Response& res) {
    Result<Json> body = ParseBody(req);
    if (!body.ok()) return SendOllamaError(res, body.status());
    Result<std::string> source = StringField(*body, "source");
    Result<std::string> destination = StringField(*body, "destination");
    for (const Status& s : {source.status(), destination.status()}) {
      if (!s.ok()) return SendOllamaError(res, s);
    }
    if (source->empty() || destination->empty())
      return SendOllamaError(res, 400, "source and destination are required");
    if (!options_.copy) return SendOllamaError(res, 501, "this server has no model store");
    if (Status s = options_.copy(*source, *destination); !s.ok()) {
      return SendOllamaError(res, s.code() == StatusCode::kNotFound
                                      ? Status::NotFound("model \"" + *source + "\" not found")
                                      : s);
    }
  });
  JsonDelete("/api/delete", [this](const httplib::Request& req, httplib::Response& res) {
    Result<Json> body = ParseBody(req);
    if (!body.ok()) return SendOllamaError(res, body.status());
    Result<std::string> model = StringField(*body, "model");
    Result<std::string> name = StringField(*body, "name");  // the deprecated field
    for (const Status& s : {model.status(), name.status()}) {
      if (!s.ok()) return SendOllamaError(res, s);
    }
    const std::string target = model->empty() ? *name : *model;
    if (target.empty()) return SendOllamaError(res, 400, "model is required");
    if (!options_.remove) return SendOllamaError(res, 501, "this server has no model store");
    if (Status s = options_.remove(target); !s.ok()) {
      return SendOllamaError(
          res, s.code() == StatusCode::kNotFound ? Status::NotFound("model '" + target + "' not found") : s);
    }
  });
  h.Get("/api/tags", [this](const httplib::Request&, httplib::Response& res) {
    Json models = Json::array();
    if (options_.lister) {
      Result<std::vector<ListedModel>> listed = options_.lister();
      if (!listed.ok()) return SendOllamaError(res, listed.status());
      for (const ListedModel& m : *listed) {
        models.push_back(Json{{"name", m.name},
                              {"model", m.name},
                              {"modified_at", Rfc3339Nano(m.modified)},
                              {"size", m.size},
                              {"digest", m.digest},
                              {"details", Details(m.family, m.parameter_size, m.quantization_level)}});
      }
    }
    SendJson(res, Json{{"models", models}});
  });
}

}  // namespace corral::server
