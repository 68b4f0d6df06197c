// Embeddings: Ollama's /api/embed (batch, L2-normalized, optional `dimensions`) and the older
// /api/embeddings (one prompt, the raw vector), and OpenAI's /v1/embeddings (float or base64). A model's
// embedding is its pooling of the final normed hidden states (engine/embedder.h).
#include <httplib.h>

#include <cmath>
#include <cstring>

#include "engine/prompt.h"
#include "server/http_util.h"
#include "server/server.h"

namespace corral::server {
namespace {

// The `input` field: one string or a list of strings.
Result<std::vector<std::string>> Inputs(const Json& body, const char* key) {
  std::vector<std::string> inputs;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return inputs;
  if (it->is_string()) {
    if (!it->get<std::string>().empty()) inputs.push_back(it->get<std::string>());
    return inputs;
  }
  if (!it->is_array()) return Status::InvalidArgument("invalid input type");
  for (const Json& e : *it) {
    if (!e.is_string()) return Status::InvalidArgument("invalid input type");
    inputs.push_back(e.get<std::string>());
  }
  return inputs;
}

// L2 normalization, as Ollama normalizes every vector of /api/embed (after cutting it to `dimensions`).
Status Normalize(std::vector<float>& v) {
  double sum = 0;
  for (float x : v) {
    if (!std::isfinite(x)) return Status::Internal("the embedding holds NaN or infinite values");
    sum += static_cast<double>(x) * x;
  }
  const double norm = std::sqrt(sum);
  if (norm > 0) {
    for (float& x : v) x = static_cast<float>(x / norm);
  }
  return Status::Ok();
}

struct EmbedResult {
  std::vector<std::vector<float>> vectors;
  int prompt_tokens = 0;
  std::chrono::nanoseconds load_duration{0};
};

// Embeds each input with the model `name`: too long an input is cut to the context when `truncate`, else
// refused; vectors normalized (and cut to `dimensions` when that is smaller) when `normalize`.
Result<EmbedResult> EmbedAll(sched::Scheduler& scheduler, const std::string& name,
                             const std::vector<std::string>& inputs, const Json& body, bool truncate,
                             int dimensions, bool normalize) {
  CORRAL_ASSIGN_OR_RETURN(std::optional<sched::Duration> keep_alive, KeepAliveField(body));
  GenerationOptions options;
  if (auto o = body.find("options"); o != body.end()) CORRAL_RETURN_IF_ERROR(ApplyOptionsJson(*o, options));
  Result<sched::Scheduler::Lease> lease = scheduler.Acquire(name, keep_alive, options.num_ctx);
  if (!lease.ok()) {
    if (lease.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("model \"" + name + "\" not found, try pulling it first");
    }
    return lease.status();
  }
  const sched::LoadedModel& model = (*lease)->model();
  EmbedResult result;
  result.load_duration = (*lease)->load_duration();
  for (const std::string& input : inputs) {
    std::vector<int32_t> tokens = engine::TokenizePrompt(model.tokenizer(), input);
    if (tokens.size() > static_cast<size_t>(model.num_ctx())) {
      if (!truncate) return Status::InvalidArgument("the input length exceeds the context length");
      tokens.resize(static_cast<size_t>(model.num_ctx()));
    }
    result.prompt_tokens += static_cast<int>(tokens.size());
    CORRAL_ASSIGN_OR_RETURN(std::vector<float> v, model.Embed(tokens));
    if (normalize) {
      if (dimensions > 0 && static_cast<size_t>(dimensions) < v.size())
        v.resize(static_cast<size_t>(dimensions));
      CORRAL_RETURN_IF_ERROR(Normalize(v));
    }
    result.vectors.push_back(std::move(v));
  }
  return result;
}

Result<int> Dimensions(const Json& body) {
  auto it = body.find("dimensions");
  if (it == body.end() || it->is_null()) return 0;
  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
    return Status::InvalidArgument("dimensions must be a non-negative integer");
  }
  return static_cast<int>(std::min<int64_t>(it->get<int64_t>(), 1 << 20));
}

std::string Base64(const void* data, size_t n) {
  static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    const uint32_t b =
        (uint32_t{p[i]} << 16) | (i + 1 < n ? uint32_t{p[i + 1]} << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    out += kDigits[(b >> 18) & 63];
    out += kDigits[(b >> 12) & 63];
    out += i + 1 < n ? kDigits[(b >> 6) & 63] : '=';
    out += i + 2 < n ? kDigits[b & 63] : '=';
  }
  return out;
}

}  // namespace

void Server::EmbedRoutes() {
  JsonPost("/api/embed", [this](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    Result<Json> body = ParseBody(req);
    if (!body.ok()) return SendOllamaError(res, body.status());
    Result<std::string> model = StringField(*body, "model");
    if (!model.ok()) return SendOllamaError(res, model.status());
    if (model->empty()) return SendOllamaError(res, 400, "model is required");
    Result<std::vector<std::string>> inputs = Inputs(*body, "input");
    Result<bool> truncate = BoolField(*body, "truncate", true);
    Result<int> dimensions = Dimensions(*body);
    for (const Status& s : {inputs.status(), truncate.status(), dimensions.status()}) {
      if (!s.ok()) return SendOllamaError(res, s);
    }
    Result<EmbedResult> r = EmbedAll(scheduler_, *model, *inputs, *body, *truncate, *dimensions, true);
    if (!r.ok()) return SendOllamaError(res, r.status());
    SendJson(res, Json{{"model", *model},
                       {"embeddings", r->vectors},
                       {"total_duration", (std::chrono::steady_clock::now() - start).count()},
                       {"load_duration", r->load_duration.count()},
                       {"prompt_eval_count", r->prompt_tokens}});
  });
  JsonPost("/api/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
    Result<Json> body = ParseBody(req);
    if (!body.ok()) return SendOllamaError(res, body.status());
    Result<std::string> model = StringField(*body, "model");
    Result<std::vector<std::string>> inputs = Inputs(*body, "prompt");
    for (const Status& s : {model.status(), inputs.status()}) {
      if (!s.ok()) return SendOllamaError(res, s);
    }
    if (model->empty()) return SendOllamaError(res, 400, "model is required");
    if (inputs->size() > 1) return SendOllamaError(res, 400, "prompt must be a string");
    // The older endpoint returns the model's vector as it is (no normalization).
    Result<EmbedResult> r = EmbedAll(scheduler_, *model, *inputs, *body, true, 0, false);
    if (!r.ok()) return SendOllamaError(res, r.status());
    SendJson(res, Json{{"embedding", r->vectors.empty() ? std::vector<float>() : r->vectors[0]}});
  });
  JsonPost("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
    Result<Json> body = ParseBody(req);
    if (!body.ok()) return SendOpenAiError(res, body.status());
    Result<std::string> model = StringField(*body, "model");
    Result<std::vector<std::string>> inputs = Inputs(*body, "input");
    Result<int> dimensions = Dimensions(*body);
    Result<std::string> encoding = StringField(*body, "encoding_format", "float");
    for (const Status& s : {model.status(), inputs.status(), dimensions.status(), encoding.status()}) {
      if (!s.ok()) return SendOpenAiError(res, s);
    }
    if (model->empty()) return SendOpenAiError(res, 400, "model is required");
    if (inputs->empty()) return SendOpenAiError(res, 400, "invalid input");
    if (*encoding != "float" && *encoding != "base64") {
      return SendOpenAiError(res, 400,
                             "invalid encoding format: \"" + *encoding + "\" (use \"float\" or \"base64\")");
    }
    Result<EmbedResult> r = EmbedAll(scheduler_, *model, *inputs, *body, true, *dimensions, true);
    if (!r.ok()) return SendOpenAiError(res, r.status());
    Json data = Json::array();
    for (size_t i = 0; i < r->vectors.size(); ++i) {
      const std::vector<float>& v = r->vectors[i];
      Json item{{"object", "embedding"}, {"index", i}};
      item["embedding"] = *encoding == "base64" ? Json(Base64(v.data(), v.size() * sizeof(float))) : Json(v);
      data.push_back(std::move(item));
    }
    SendJson(res, Json{{"object", "list"},
                       {"data", data},
                       {"model", *model},
                       {"usage", {{"prompt_tokens", r->prompt_tokens}, {"total_tokens", r->prompt_tokens}}}});
  });
}

}  // namespace corral::server
