#include "server/server.h"

#include <httplib.h>

#include <limits>

#include "server/http_util.h"

namespace corral::server {
namespace {

// Ollama allows browser pages served from the machine itself, and apps' own schemes, without configuration.
bool IsLocalOrigin(std::string_view origin) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (!origin.starts_with(scheme)) continue;
    std::string_view host = origin.substr(scheme.size());
    host = host.substr(0, host.find_first_of(":/"));
    return host == "localhost" || host == "127.0.0.1" || host == "0.0.0.0" || host == "[::1]";
  }
  for (std::string_view scheme : {"app://", "file://", "tauri://", "vscode-webview://", "vscode-file://"}) {
    if (origin.starts_with(scheme)) return true;
  }
  return false;
}

// A configured origin matches exactly, or with one '*' standing for any text ("https://*.example.com").
bool MatchesOrigin(std::string_view pattern, std::string_view origin) {
  if (pattern == "*") return true;
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == origin;
  const std::string_view head = pattern.substr(0, star), tail = pattern.substr(star + 1);
  return origin.size() >= head.size() + tail.size() && origin.starts_with(head) && origin.ends_with(tail);
}

// A body over the limit is still read to its end, so the client gets its 413 rather than a connection
// reset mid-upload; one this many times over the limit is cut off instead.
constexpr uint64_t kDrainFactor = 64;

void SendTooLarge(const httplib::Request& req, httplib::Response& res) {
  if (req.path.starts_with("/v1/")) {
    SendOpenAiError(res, 413, "request body too large");
  } else {
    SendOllamaError(res, 413, "request body too large");
  }
}

}  // namespace

Server::Server(sched::Scheduler& scheduler, ServerOptions options)
    : scheduler_(scheduler), options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  const int threads = std::max(4, options_.http_threads);
  // Every streaming client holds a worker for its whole answer.
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // The body limit is per route (JsonPost): blob uploads are model files of many gigabytes, while a JSON
  // request over max_body_bytes is refused.
  http_->set_payload_max_length(std::numeric_limits<size_t>::max());
  http_->set_read_timeout(60, 0);
  http_->set_write_timeout(60, 0);
  Routes();
}

Server::~Server() {
  Stop();
}

void Server::Routes() {
  // CORS: browsers send Origin; an origin that is not allowed gets 403 (as gin-contrib/cors answers).
  http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_header("Origin")) return httplib::Server::HandlerResponse::Unhandled;
    const std::string origin = req.get_header_value("Origin");
    bool allowed = IsLocalOrigin(origin);
    for (const std::string& pattern : options_.origins) allowed = allowed || MatchesOrigin(pattern, origin);
    if (!allowed) {
      res.status = 403;
      return httplib::Server::HandlerResponse::Handled;
    }
    res.set_header("Access-Control-Allow-Origin", origin);
    res.set_header("Vary", "Origin");
    res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS");
    res.set_header(
        "Access-Control-Allow-Headers",
        "Authorization, Content-Type, User-Agent, Accept, X-Requested-With, OpenAI-Beta, "
        "x-stainless-arch, x-stainless-async, x-stainless-custom-poll-interval, x-stainless-helper-method, "
        "x-stainless-lang, x-stainless-os, x-stainless-package-version, x-stainless-poll-helper, "
        "x-stainless-retry-count, x-stainless-runtime, x-stainless-runtime-version, x-stainless-timeout");
    if (req.method == "OPTIONS") {
      res.status = 204;
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http_->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) {
      res.set_content("404 page not found", "text/plain");
    } else if (res.status == 413) {
      const bool openai = req.path.starts_with("/v1/");
      if (openai) {
        SendOpenAiError(res, 413, "request body too large");
      } else {
        SendOllamaError(res, 413, "request body too large");
      }
    }
  });
  http_->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    // Library code reports errors as values; this catches what the JSON library or std may still throw.
    SendOllamaError(res, 500, "internal error while handling the request");
  });
  OllamaRoutes();
  OpenAiRoutes();
  EmbedRoutes();
  CreateRoutes();
}

namespace {

httplib::Server::HandlerWithContentReader CappedBody(
    size_t limit, std::function<void(const httplib::Request&, httplib::Response&)> handler) {
  return [limit, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res,
                                               const httplib::ContentReader& reader) {
    std::string body;
    uint64_t seen = 0;
    const bool complete = reader([&](const char* data, size_t n) {
      seen += n;
      if (seen <= limit) body.append(data, n);
      return seen <= limit * kDrainFactor;
    });
    if (seen > limit) {
      SendTooLarge(req, res);
      if (!complete) res.set_header("Connection", "close");
      return;
    }
    if (!complete) return;  // the client went away mid-body
    httplib::Request with_body = req;
    with_body.body = std::move(body);
    handler(with_body, res);
  };
}

}  // namespace

void Server::JsonPost(const std::string& pattern,
                      std::function<void(const httplib::Request&, httplib::Response&)> handler) {
  http_->Post(pattern, CappedBody(options_.max_body_bytes, std::move(handler)));
}

void Server::JsonDelete(const std::string& pattern,
                        std::function<void(const httplib::Request&, httplib::Response&)> handler) {
  http_->Delete(pattern, CappedBody(options_.max_body_bytes, std::move(handler)));
}

Status Server::Bind(const std::string& host, int port) {
  if (port == 0) {
    port_ = http_->bind_to_any_port(host);
    if (port_ < 0) return Status::IoError("cannot listen on " + host);
    return Status::Ok();
  }
  if (!http_->bind_to_port(host, port)) {
    return Status::IoError("cannot listen on " + host + ":" + std::to_string(port) +
                           " (is another server using it?)");
  }
  port_ = port;
  return Status::Ok();
}

void Server::Serve() {
  http_->listen_after_bind();
}

void Server::Stop() {
  if (http_) http_->stop();
}

}  // namespace corral::server
