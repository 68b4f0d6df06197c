// `corral serve`: the HTTP server that speaks Ollama's API (/api/...) and the OpenAI-compatible API (/v1/...)
// over the Scheduler's models. Routes only translate: JSON becomes typed requests here, and nothing below
// this folder sees JSON.
//
//   Server server(scheduler, {.lister = ...});
//   CORRAL_RETURN_IF_ERROR(server.Bind("127.0.0.1", 11434));
//   server.Serve();            // blocks until Stop() from another thread (or a signal handler's thread)
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "sched/scheduler.h"
#include "store/create.h"
#include "store/model_info.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace corral::server {

// Hands a request body over chunk by chunk to `sink` (a large upload is never held in memory whole);
// returns the first error of the sink, or IoError when the client's body ended early.
using BodyReader = std::function<Status(const std::function<Status(std::span<const uint8_t>)>& sink)>;

// A model in the store, for /api/tags and /v1/models.
struct ListedModel {
  std::string name;  // "llama3.2:latest"
  std::string digest;
  int64_t size = 0;
  std::chrono::system_clock::time_point modified;
  std::string family;
  std::string parameter_size;
  std::string quantization_level;
};

struct ServerOptions {
  // Lists the store (none: an empty list).
  std::function<Result<std::vector<ListedModel>>()> lister;
  // /api/copy and /api/delete on the store (none: those routes answer 501).
  std::function<Status(std::string_view source, std::string_view destination)> copy;
  std::function<Status(std::string_view name)> remove;
  // /api/show: a store model's layers read back (none: that route answers 501).
  std::function<Result<store::ModelInfo>(std::string_view name)> show;
  // /api/create: creates `name` from the request (quantizing the weights to `quantize` unless empty),
  // calling on_status with each progress line (none: the route answers 501).
  std::function<Status(std::string_view name, const store::CreateRequest& request,
                       const std::string& quantize, const std::function<void(const std::string&)>& on_status)>
      create;
  // HEAD /api/blobs/<digest>: whether the store holds the blob (InvalidArgument for a malformed digest).
  std::function<Result<bool>(std::string_view digest)> has_blob;
  // POST /api/blobs/<digest>: stores the body, which `read` hands over chunk by chunk, as that blob; true
  // when it was written, false when the store already had it. InvalidArgument when the bytes do not hash to
  // the digest.
  std::function<Result<bool>(std::string_view digest, const BodyReader& read)> put_blob;
  // Origins allowed by CORS besides localhost ones (CORRAL_ORIGINS / OLLAMA_ORIGINS); "*" allows any.
  std::vector<std::string> origins;
  size_t max_body_bytes = size_t{32} << 20;
  int http_threads = 64;  // connections served at once (a streaming client holds one)
};

// The Ollama version whose API corral speaks, reported by /api/version (clients gate features on it).
inline constexpr const char* kOllamaApiVersion = "0.13.0";

class Server {
 public:
  Server(sched::Scheduler& scheduler, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (port 0: any free port; see port()). IoError when the address is taken.
  Status Bind(const std::string& host, int port);
  int port() const { return port_; }
  // Serves until Stop(). REQUIRES: Bind succeeded.
  void Serve();
  void Stop();

 private:
  void Routes();
  void OllamaRoutes();
  void OpenAiRoutes();
  void EmbedRoutes();
  void CreateRoutes();
  // POST / DELETE routes with a JSON body, read up to options_.max_body_bytes (413 beyond it).
  void JsonPost(const std::string& pattern,
                std::function<void(const httplib::Request&, httplib::Response&)> handler);
  void JsonDelete(const std::string& pattern,
                  std::function<void(const httplib::Request&, httplib::Response&)> handler);

  sched::Scheduler& scheduler_;
  ServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
};

}  // namespace corral::server
