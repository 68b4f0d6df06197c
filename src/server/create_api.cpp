// Ollama's model creation over HTTP: HEAD/POST /api/blobs/<digest> (the client uploads each file the
// Modelfile names, unless the server already holds it) and POST /api/create (the Modelfile's fields, with
// files named by digest, or `from` a model in the store), streaming progress lines as `ollama create`
// prints them. Error texts and codes follow Ollama's server/create.go and routes.go.
#include <httplib.h>

#include "server/http_util.h"
#include "server/server.h"

namespace corral::server {
namespace {

// `{"name": "digest", ...}` as pairs, each digest non-empty (Ollama: "invalid digest format").
Result<std::vector<std::pair<std::string, std::string>>> FileDigests(const Json& body, const char* key) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_object())
    return Status::InvalidArgument(std::string(key) + " must be an object of file digests");
  for (const auto& [name, digest] : it->items()) {
    if (!digest.is_string() || digest.get<std::string>().empty())
      return Status::InvalidArgument("invalid digest format");
    out.emplace_back(name, digest.get<std::string>());
  }
  return out;
}

// A JSON parameter value as the text a Modelfile's PARAMETER line would hold; a list gives one text per
// element (as repeated `PARAMETER stop` lines do).
Result<std::vector<std::string>> ParameterTexts(const std::string& name, const Json& value) {
  std::vector<std::string> texts;
  const auto one = [&](const Json& v) -> Status {
    if (v.is_string()) {
      texts.push_back(v.get<std::string>());
    } else if (v.is_number() || v.is_boolean()) {
      texts.push_back(v.dump());
    } else {
      return Status::InvalidArgument("invalid value for parameter \"" + name + "\": " + v.dump());
    }
    return Status::Ok();
  };
  if (value.is_array()) {
    for (const Json& v : value) CORRAL_RETURN_IF_ERROR(one(v));
  } else {
    CORRAL_RETURN_IF_ERROR(one(value));
  }
  return texts;
}

Result<store::CreateRequest> ParseCreateRequest(const Json& body) {
  store::CreateRequest r;
  CORRAL_ASSIGN_OR_RETURN(r.from, StringField(body, "from"));
  CORRAL_ASSIGN_OR_RETURN(r.files, FileDigests(body, "files"));
  CORRAL_ASSIGN_OR_RETURN(r.adapters, FileDigests(body, "adapters"));
  if (body.contains("template") && !body.at("template").is_null()) {
    CORRAL_ASSIGN_OR_RETURN(r.template_text, StringField(body, "template"));
  }
  if (body.contains("system") && !body.at("system").is_null()) {
    CORRAL_ASSIGN_OR_RETURN(r.system, StringField(body, "system"));
  }
  if (auto it = body.find("license"); it != body.end() && !it->is_null()) {
    // A string or a list of strings (Ollama's `license: string | []string`).
    const Json list = it->is_array() ? *it : Json::array({*it});
    for (const Json& l : list) {
      if (!l.is_string()) return Status::InvalidArgument("unknown license type");
      r.licenses.push_back(l.get<std::string>());
    }
  }
  if (auto it = body.find("parameters"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return Status::InvalidArgument("parameters must be an object");
    for (const auto& [name, value] : it->items()) {
      CORRAL_ASSIGN_OR_RETURN(std::vector<std::string> texts, ParameterTexts(name, value));
      for (std::string& t : texts) r.parameters.emplace_back(name, std::move(t));
    }
  }
  if (auto it = body.find("messages"); it != body.end() && !it->is_null()) {
    if (!it->is_array()) return Status::InvalidArgument("messages must be an array");
    for (const Json& m : *it) {
      if (!m.is_object()) return Status::InvalidArgument("each message must be an object");
      CORRAL_ASSIGN_OR_RETURN(std::string role, StringField(m, "role"));
      CORRAL_ASSIGN_OR_RETURN(std::string content, StringField(m, "content"));
      r.messages.emplace_back(std::move(role), std::move(content));
    }
  }
  CORRAL_ASSIGN_OR_RETURN(r.renderer, StringField(body, "renderer"));
  CORRAL_ASSIGN_OR_RETURN(r.parser, StringField(body, "parser"));
  CORRAL_ASSIGN_OR_RETURN(r.requires_version, StringField(body, "requires"));
  return r;
}

}  // namespace

void Server::CreateRoutes() {
  httplib::Server& h = *http_;
  JsonPost("/api/create", [this](const httplib::Request& req, httplib::Response& res) {
    Result<Json> body = ParseBody(req);
    if (!body.ok()) return SendOllamaError(res, body.status());
    Result<std::string> model = StringField(*body, "model");
    Result<std::string> old_name = StringField(*body, "name");  // the deprecated field
    Result<std::string> quantize = StringField(*body, "quantize");
    Result<std::string> old_quantize = StringField(*body, "quantization");
    Result<bool> stream = BoolField(*body, "stream", true);
    for (const Status& s :
         {model.status(), old_name.status(), quantize.status(), old_quantize.status(), stream.status()}) {
      if (!s.ok()) return SendOllamaError(res, s);
    }
    const std::string name = model->empty() ? *old_name : *model;
    if (name.empty()) return SendOllamaError(res, 400, "invalid model name");
    Result<store::CreateRequest> request = ParseCreateRequest(*body);
    if (!request.ok()) return SendOllamaError(res, request.status());
    if (request->from.empty() && request->files.empty())
      return SendOllamaError(res, 400, "neither 'from' or 'files' was specified");
    if (!options_.create) return SendOllamaError(res, 501, "this server has no model store");
    const std::string quantization = quantize->empty() ? *old_quantize : *quantize;

    if (!*stream) {
      // One object at the end: the last progress line ({"status":"success"}) or the error.
      const Status s = options_.create(name, *request, quantization, [](const std::string&) {});
      if (!s.ok()) return SendOllamaError(res, s);
      return SendJson(res, Json{{"status", "success"}});
    }
    // Progress as NDJSON, written from the create itself as it goes; an error after the first line can only
    // be a line of its own (the status is sent), as Ollama streams it.
    auto job = std::make_shared<store::CreateRequest>(std::move(*request));
    res.set_chunked_content_provider(
        "application/x-ndjson", [this, job, name, quantization](size_t, httplib::DataSink& sink) {
          const auto write = [&sink](const Json& line) {
            const std::string text = NdjsonLine(line);
            sink.write(text.data(), text.size());  // a client gone does not stop the create
          };
          const Status s = options_.create(name, *job, quantization, [&](const std::string& status) {
            write(Json{{"status", status}});
          });
          if (!s.ok()) write(Json{{"error", s.message()}});
          sink.done();
          return true;
        });
  });

  // cpp-httplib answers HEAD with the GET route; Ollama has only HEAD (does the server hold the blob?).
  h.Get(R"(/api/blobs/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "HEAD") {
      res.status = 404;
      return res.set_content("404 page not found", "text/plain");
    }
    if (!options_.has_blob) return SendOllamaError(res, 501, "this server has no model store");
    const std::string digest = req.matches[1];
    Result<bool> present = options_.has_blob(digest);
    if (!present.ok()) return SendOllamaError(res, present.status());
    if (!*present) SendOllamaError(res, 404, "blob \"" + digest + "\" not found");
  });
  h.Post(R"(/api/blobs/([^/]+))",
         [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
           const std::string digest = req.matches[1];
           if (!options_.put_blob) return SendOllamaError(res, 501, "this server has no model store");
           const BodyReader read = [&reader](const std::function<Status(std::span<const uint8_t>)>& sink) {
             Status failed = Status::Ok();
             const bool complete = reader([&](const char* data, size_t size) {
               failed = sink({reinterpret_cast<const uint8_t*>(data), size});
               return failed.ok();
             });
             if (!failed.ok()) return failed;
             if (!complete) return Status::IoError("the upload was cut off");
             return Status::Ok();
           };
           Result<bool> created = options_.put_blob(digest, read);
           if (!created.ok()) return SendOllamaError(res, created.status());
           res.status = *created ? 201 : 200;
         });
}

}  // namespace corral::server
