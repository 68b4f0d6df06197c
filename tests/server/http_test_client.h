// Client-side pieces the server tests share: waiting for a server thread to accept, and reading a streamed
// POST as it arrives.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace corral::server {

// Serve() runs on another thread and may not be accepting yet: polls the health check (GET /) for 2 s.
inline bool WaitUntilServing(httplib::Client& client) {
  for (int i = 0; i < 200; ++i) {
    if (auto res = client.Get("/"); res && res->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

struct StreamedBody {
  std::string body;
  bool ok = false;  // the request completed with status 200
};

// POSTs a JSON body and collects the streamed answer; `keep_reading` (called with all received so far)
// returning false hangs up.
inline StreamedBody PostStreaming(httplib::Client& client, const std::string& path, const std::string& json,
                                  const std::function<bool(const std::string& so_far)>& keep_reading = {}) {
  httplib::Request req;
  req.method = "POST";
  req.path = path;
  req.body = json;
  req.set_header("Content-Type", "application/json");
  StreamedBody out;
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    out.body.append(data, n);
    return !keep_reading || keep_reading(out.body);
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  out.ok = client.send(req, res, error) && res.status == 200;
  return out;
}

}  // namespace corral::server
