// `corral serve`: runs the HTTP server (Ollama's API and the OpenAI-compatible API) until SIGINT/SIGTERM.
// Settings come from the environment, with Ollama's names as fallbacks so existing setups keep working:
//   CORRAL_HOST / OLLAMA_HOST                   address, "host", "host:port", ":port" or "http://host:port"
//                                               (default 127.0.0.1:11434)
//   CORRAL_KEEP_ALIVE / OLLAMA_KEEP_ALIVE       how long an idle model stays loaded (default 5m)
//   CORRAL_CONTEXT_LENGTH / OLLAMA_CONTEXT_LENGTH  default num_ctx (4096)
//   CORRAL_NUM_PARALLEL / OLLAMA_NUM_PARALLEL   sequences decoded together per model (4)
//   CORRAL_MAX_QUEUE / OLLAMA_MAX_QUEUE         requests waiting per model before 503 (512)
//   CORRAL_MAX_LOADED_MODELS / OLLAMA_MAX_LOADED_MODELS  (3)
//   CORRAL_ORIGINS / OLLAMA_ORIGINS             extra CORS origins, comma-separated
// A request's model is a store name (CORRAL_MODELS / OLLAMA_MODELS / ~/.corral/models) or a .gguf path.
#include <pthread.h>
#include <signal.h>
#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "cli/model_source.h"
#include "sched/scheduler.h"
#include "server/server.h"
#include "server/store_backend.h"
#include "store/create.h"
#include "store/model_config.h"
#include "store/store.h"

namespace corral::cli {
namespace {

std::string Env(const char* corral_name, const char* ollama_name) {
  for (const char* name : {corral_name, ollama_name}) {
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') {
      std::string s(v);
      // Ollama trims spaces and quotes around values.
      while (!s.empty() && (s.front() == ' ' || s.front() == '"' || s.front() == '\'')) s.erase(0, 1);
      while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\'')) s.pop_back();
      if (!s.empty()) return s;
    }
  }
  return "";
}

Result<int> EnvInt(const char* corral_name, const char* ollama_name, int fallback) {
  const std::string s = Env(corral_name, ollama_name);
  if (s.empty()) return fallback;
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) {
    return Status::InvalidArgument(std::string(corral_name) + ": '" + s + "' is not a count");
  }
  return v;
}

struct Address {
  std::string host = "127.0.0.1";
  int port = 11434;
};

// Ollama's OLLAMA_HOST forms: "0.0.0.0", ":8080", "host:port", "http://host:port" (https defaults to 443).
Result<Address> ParseHost(std::string s) {
  Address a;
  if (s.empty()) return a;
  if (s.starts_with("http://")) {
    s = s.substr(7);
    a.port = 80;
  } else if (s.starts_with("https://")) {
    s = s.substr(8);
    a.port = 443;
  }
  if (const size_t slash = s.find('/'); slash != std::string::npos) s = s.substr(0, slash);
  const size_t colon = s.rfind(':');
  const bool bracketed = !s.empty() && s.front() == '[';
  if (colon != std::string::npos && (!bracketed || colon > s.find(']'))) {
    const std::string port = s.substr(colon + 1);
    s = s.substr(0, colon);
    int p = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p < 0 || p > 65535) {
      return Status::InvalidArgument("CORRAL_HOST: bad port '" + port + "'");
    }
    a.port = p;
  }
  if (bracketed && s.size() >= 2 && s.back() == ']') s = s.substr(1, s.size() - 2);
  if (!s.empty()) a.host = s;
  return a;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "corral: %s\n", message.c_str());
  return 1;
}

// A store name or a .gguf path, with the model's stored TEMPLATE, SYSTEM, PARAMETERs and MESSAGEs.
Result<sched::ModelSpec> Resolve(std::string_view name) {
  CORRAL_ASSIGN_OR_RETURN(ModelSource source, ResolveModelSource(std::string(name)));
  sched::ModelSpec spec;
  spec.name = source.display_name;
  spec.gguf = source.gguf_path;
  spec.digest = source.digest;
  if (source.has_template) spec.template_text = source.template_text;
  spec.system = source.system;
  for (const std::string& option : source.options) {
    const size_t eq = option.find('=');
    if (eq != std::string::npos) spec.parameters.emplace_back(option.substr(0, eq), option.substr(eq + 1));
  }
  spec.messages = source.messages;
  return spec;
}

int Serve() {
  Result<Address> address = ParseHost(Env("CORRAL_HOST", "OLLAMA_HOST"));
  if (!address.ok()) return Fail(address.status().message());
  sched::SchedulerOptions options;
  if (const std::string keep = Env("CORRAL_KEEP_ALIVE", "OLLAMA_KEEP_ALIVE"); !keep.empty()) {
    Result<sched::Duration> d = sched::ParseKeepAlive(keep);
    if (!d.ok()) return Fail("CORRAL_KEEP_ALIVE: " + d.status().message());
    options.keep_alive = *d;
  }
  for (auto [corral, ollama, field] :
       {std::tuple{"CORRAL_CONTEXT_LENGTH", "OLLAMA_CONTEXT_LENGTH", &options.num_ctx},
        std::tuple{"CORRAL_NUM_PARALLEL", "OLLAMA_NUM_PARALLEL", &options.num_parallel},
        std::tuple{"CORRAL_MAX_QUEUE", "OLLAMA_MAX_QUEUE", &options.max_queue},
        std::tuple{"CORRAL_MAX_LOADED_MODELS", "OLLAMA_MAX_LOADED_MODELS", &options.max_loaded}}) {
    Result<int> v = EnvInt(corral, ollama, *field);
    if (!v.ok()) return Fail(v.status().message());
    if (*v > 0) *field = *v;
  }
  server::ServerOptions server_options;
  const std::string origins = Env("CORRAL_ORIGINS", "OLLAMA_ORIGINS");
  for (size_t start = 0; start < origins.size();) {
    const size_t comma = std::min(origins.find(',', start), origins.size());
    std::string o = origins.substr(start, comma - start);
    while (!o.empty() && o.front() == ' ') o.erase(0, 1);
    while (!o.empty() && o.back() == ' ') o.pop_back();
    if (!o.empty()) server_options.origins.push_back(o);
    start = comma + 1;
  }

  // SIGINT/SIGTERM are taken by one thread (blocked everywhere else, including the threads made below).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  server::UseStore(server_options, store::DefaultStoreRoot());
  sched::Scheduler scheduler(Resolve, options);
  server::Server server(scheduler, server_options);
  if (Status s = server.Bind(address->host, address->port); !s.ok()) return Fail(s.message());
  std::fprintf(stderr, "corral: listening on %s:%d (Ollama API /api, OpenAI API /v1)\n",
               address->host.c_str(), server.port());
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.Stop();
  });
  server.Serve();
  // Serve returned without a signal (the listener failed): wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}

}  // namespace

void RegisterServeCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve models over HTTP: Ollama's API and the OpenAI-compatible API (CORRAL_HOST, default "
      "127.0.0.1:11434)");
  cmd->callback([&exit_code] { exit_code = Serve(); });
}

}  // namespace corral::cli
