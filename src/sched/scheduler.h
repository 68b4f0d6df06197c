// The Scheduler keeps the loaded models of a server: a request leases a model by name (loading it on
// first use), and a model nobody leases is unloaded once its keep_alive has passed since its last request,
// as Ollama's scheduler does. Each loaded model carries its tokenizer, chat template and the Runner that
// batches its requests.
//
//   Scheduler scheduler(resolver, {.keep_alive = 5min});
//   CORRAL_ASSIGN_OR_RETURN(Scheduler::Lease lease, scheduler.Acquire("llama3.2", std::nullopt, 0));
//   lease->runner()->Submit(...);   // the model stays loaded while `lease` lives
//
// Thread-safe. Loading happens under the scheduler's lock: requests for other models wait for it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/status.h"
#include "engine/runner.h"
#include "model/model.h"
#include "template/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace corral::sched {

// What a model name stands for, from the store (or a .gguf path).
struct ModelSpec {
  std::string name;  // canonical name as listed ("llama3.2:latest"), or the path
  std::filesystem::path gguf;
  std::string digest;         // the manifest's sha256 (hex), for `ps`; empty for a path
  std::string template_text;  // an Ollama (Go) template; empty: the GGUF's own chat template
  std::string system;         // the Modelfile's SYSTEM
  // The Modelfile's PARAMETER lines in order, as name/value text (stop may repeat).
  std::vector<std::pair<std::string, std::string>> parameters;
  // The Modelfile's MESSAGE lines (role, content): a conversation put before every chat's own.
  std::vector<std::pair<std::string, std::string>> messages;
};

// Maps a request's model name to its spec: NotFound for an unknown name, InvalidArgument for a bad one.
using ModelResolver = std::function<Result<ModelSpec>(std::string_view name)>;

using Duration = std::chrono::nanoseconds;
using Clock = std::chrono::system_clock;

struct SchedulerOptions {
  Duration keep_alive = std::chrono::minutes(5);  // CORRAL_KEEP_ALIVE / OLLAMA_KEEP_ALIVE; < 0: forever
  int num_ctx = 4096;                             // default per-sequence context (OLLAMA_CONTEXT_LENGTH)
  int num_parallel = 4;                           // sequences per model (OLLAMA_NUM_PARALLEL)
  int max_queue = 512;                            // OLLAMA_MAX_QUEUE
  int max_loaded = 3;                             // OLLAMA_MAX_LOADED_MODELS
  int num_thread = 0;                             // 0: one per core
  int num_batch = 512;
};

class LoadedModel {
 public:
  const ModelSpec& spec() const { return spec_; }
  const model::Model& model() const { return *model_; }
  const tokenizer::Tokenizer& tokenizer() const { return *tokenizer_; }
  const chat::ChatTemplate& chat_template() const { return chat_template_; }
  // The generation runner; null for an embedding-only model (bert), which has no language-model head.
  engine::Runner* runner() const { return runner_.get(); }
  int num_ctx() const { return num_ctx_; }
  // Weights plus the contexts (KV cache and scratch).
  size_t size_bytes() const;
  // The embedding of `tokens` (engine::Embed; not normalized). Embeddings of one model run one at a time,
  // on a context of their own made on first use. Thread-safe.
  Result<std::vector<float>> Embed(std::span<const int32_t> tokens) const;

 private:
  friend class Scheduler;
  ModelSpec spec_;
  std::unique_ptr<model::Model> model_;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer_;
  chat::ChatTemplate chat_template_ = chat::ChatTemplate::Default();
  std::unique_ptr<engine::Runner> runner_;
  int num_ctx_ = 0;
  int num_batch_ = 512;
  int num_thread_ = 0;
  mutable std::mutex embed_mutex_;
  mutable std::unique_ptr<model::Context> embed_context_;
};

// One loaded model as `ps` shows it.
struct RunningModel {
  std::string name;
  std::string digest;
  size_t size_bytes = 0;
  int context_length = 0;
  std::optional<Clock::time_point> expires_at;  // none: kept forever (or in use with no timer yet)
  int leases = 0;
};

class Scheduler {
 private:
  struct Entry;

 public:
  // Keeps a model loaded; releasing the last lease starts its keep_alive timer.
  class LeaseHandle {
   public:
    ~LeaseHandle();
    LeaseHandle(const LeaseHandle&) = delete;
    LeaseHandle& operator=(const LeaseHandle&) = delete;
    const LoadedModel& model() const;
    std::chrono::nanoseconds load_duration() const { return load_duration_; }

   private:
    friend class Scheduler;
    LeaseHandle(Scheduler& scheduler, std::shared_ptr<Entry> entry, std::chrono::nanoseconds load)
        : scheduler_(scheduler), entry_(std::move(entry)), load_duration_(load) {}
    Scheduler& scheduler_;
    std::shared_ptr<Entry> entry_;
    std::chrono::nanoseconds load_duration_;
  };
  using Lease = std::unique_ptr<LeaseHandle>;

  Scheduler(ModelResolver resolver, const SchedulerOptions& options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // The model `name`, loaded if needed with a context of num_ctx (0: the default; capped at the model's
  // training context). keep_alive, when given, becomes the model's keep_alive from now on. A loaded model
  // whose context differs is reloaded once nobody uses it. Errors: the resolver's, the loader's, and
  // Unavailable when max_loaded models are all in use.
  Result<Lease> Acquire(std::string_view name, std::optional<Duration> keep_alive, int num_ctx);
  // Unloads `name` now if nobody uses it, else as soon as its last lease ends. NotFound when not loaded.
  Status Unload(std::string_view name);
  std::vector<RunningModel> Running() const;
  const SchedulerOptions& options() const { return options_; }

 private:
  void Release(const std::shared_ptr<Entry>& entry);
  Result<std::unique_ptr<LoadedModel>> Load(ModelSpec spec, int num_ctx) const;
  void ExpireLoop();
  bool EvictOneIdle(std::unique_lock<std::mutex>& lock);

  ModelResolver resolver_;
  const SchedulerOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, std::shared_ptr<Entry>> loaded_;  // by canonical name
  bool stopping_ = false;
  std::thread expirer_;
};

// Ollama's keep_alive value: a Go duration string ("5m", "1h30m", "-1s") or a number of seconds; negative:
// forever. InvalidArgument for anything else.
Result<Duration> ParseKeepAlive(std::string_view text);

}  // namespace corral::sched
