#include "sched/scheduler.h"

#include "engine/embedder.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace corral::sched {

struct Scheduler::Entry {
  std::unique_ptr<LoadedModel> model;
  int leases = 0;
  Duration keep_alive{0};
  std::optional<Clock::time_point> expires_at;  // set when the last lease ends (none with keep_alive < 0)
  bool unload_when_idle = false;
};

size_t LoadedModel::size_bytes() const {
  std::lock_guard lock(embed_mutex_);
  return model_->weight_bytes() + (runner_ ? runner_->context_bytes() : 0) +
         (embed_context_ ? embed_context_->memory_bytes() : 0);
}

Result<std::vector<float>> LoadedModel::Embed(std::span<const int32_t> tokens) const {
  std::lock_guard lock(embed_mutex_);
  if (!embed_context_) {
    model::ContextOptions o;
    o.n_ctx = num_ctx_;
    // A bidirectional model (bert) needs an input whole in one batch (llama.cpp likewise needs n_ubatch ≥
    // the input for non-causal models): let the batch hold the whole context.
    o.n_batch_max = model_->config().causal ? std::min(num_batch_, num_ctx_) : num_ctx_;
    o.n_outputs_max = o.n_batch_max;  // mean pooling reads every token's state
    o.n_threads = num_thread_;
    o.embeddings = true;
    CORRAL_ASSIGN_OR_RETURN(embed_context_, model::Context::Create(*model_, o));
  }
  return engine::Embed(*embed_context_, tokens);
}

Scheduler::LeaseHandle::~LeaseHandle() {
  scheduler_.Release(entry_);
}

const LoadedModel& Scheduler::LeaseHandle::model() const {
  return *entry_->model;
}

Scheduler::Scheduler(ModelResolver resolver, const SchedulerOptions& options)
    : resolver_(std::move(resolver)), options_(options), expirer_([this] { ExpireLoop(); }) {}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  expirer_.join();
}

Result<std::unique_ptr<LoadedModel>> Scheduler::Load(ModelSpec spec, int num_ctx) const {
  auto loaded = std::unique_ptr<LoadedModel>(new LoadedModel());
  // Ollama's use_mmap is a load-time option; a Modelfile's PARAMETER sets it for the model.
  model::LoadOptions load;
  for (const auto& [name, value] : spec.parameters) {
    if (name == "use_mmap" && (value == "true" || value == "false")) load.use_mmap = value == "true";
  }
  CORRAL_ASSIGN_OR_RETURN(loaded->model_, model::Model::Load(spec.gguf, load));
  CORRAL_ASSIGN_OR_RETURN(tokenizer::Tokenizer tok, tokenizer::Tokenizer::FromGguf(loaded->model_->file()));
  loaded->tokenizer_ = std::make_unique<tokenizer::Tokenizer>(std::move(tok));
  const tokenizer::Tokenizer& t = *loaded->tokenizer_;
  const auto special = [&](int32_t id) { return std::string(id >= 0 ? t.TokenText(id) : ""); };
  // The store's Go template wins over the GGUF's Jinja one, as Ollama renders a Modelfile TEMPLATE itself.
  if (!spec.template_text.empty()) {
    Result<chat::ChatTemplate> go = chat::ChatTemplate::FromGo(spec.template_text);
    if (!go.ok()) return Status::InvalidArgument("the model's template: " + go.status().message());
    loaded->chat_template_ = std::move(*go);
  } else if (Result<std::string_view> jinja = loaded->model_->file().GetString("tokenizer.chat_template");
             jinja.ok()) {
    Result<chat::ChatTemplate> parsed =
        chat::ChatTemplate::FromJinja(*jinja, special(t.bos()), special(t.eos()));
    if (!parsed.ok())
      return Status::InvalidArgument("the model's chat template: " + parsed.status().message());
    loaded->chat_template_ = std::move(*parsed);
  }
  const int64_t trained = loaded->model_->config().n_ctx_train;
  int ctx = num_ctx > 0 ? num_ctx : options_.num_ctx;
  if (trained > 0 && ctx > trained) ctx = static_cast<int>(trained);
  ctx = std::max(ctx, 4);  // Ollama's minimum
  loaded->num_ctx_ = ctx;
  loaded->num_batch_ = options_.num_batch;
  loaded->num_thread_ = options_.num_thread;
  loaded->spec_ = std::move(spec);
  if (loaded->model_->config().is_embedding_only()) return loaded;  // embeddings only: no runner
  CORRAL_ASSIGN_OR_RETURN(loaded->runner_, engine::Runner::Create(*loaded->model_, t,
                                                                  {.num_ctx = ctx,
                                                                   .n_parallel = options_.num_parallel,
                                                                   .n_batch = options_.num_batch,
                                                                   .n_threads = options_.num_thread,
                                                                   .max_queue = options_.max_queue}));
  return loaded;
}

Result<Scheduler::Lease> Scheduler::Acquire(std::string_view name, std::optional<Duration> keep_alive,
                                            int num_ctx) {
  CORRAL_ASSIGN_OR_RETURN(ModelSpec spec, resolver_(name));
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  auto it = loaded_.find(spec.name);
  const int wanted_ctx = num_ctx > 0 ? num_ctx : options_.num_ctx;
  if (it != loaded_.end() && it->second->leases == 0 && !it->second->unload_when_idle) {
    const LoadedModel& m = *it->second->model;
    const int64_t trained = m.model().config().n_ctx_train;
    const int effective = trained > 0 ? static_cast<int>(std::min<int64_t>(wanted_ctx, trained)) : wanted_ctx;
    // Another context size, or the model changed on disk (a new digest): load it afresh.
    if (std::max(effective, 4) != m.num_ctx() || m.spec().digest != spec.digest ||
        m.spec().gguf != spec.gguf) {
      loaded_.erase(it);
      it = loaded_.end();
    }
  }
  if (it == loaded_.end()) {
    while (static_cast<int>(loaded_.size()) >= options_.max_loaded) {
      if (!EvictOneIdle(lock)) {
        return Status::Unavailable("server busy: " + std::to_string(loaded_.size()) +
                                   " models are loaded and in use (max_loaded)");
      }
    }
    auto entry = std::make_shared<Entry>();
    entry->keep_alive = options_.keep_alive;
    CORRAL_ASSIGN_OR_RETURN(entry->model, Load(spec, num_ctx));
    it = loaded_.emplace(entry->model->spec().name, std::move(entry)).first;
  } else if (it->second->leases == 0) {
    // Name-level metadata (template, system, parameters) may have changed without the weights changing.
    it->second->model->spec_ = std::move(spec);
  }
  const std::shared_ptr<Entry>& entry = it->second;
  if (keep_alive) entry->keep_alive = *keep_alive;
  ++entry->leases;
  entry->expires_at.reset();
  return Lease(new LeaseHandle(*this, entry, std::chrono::steady_clock::now() - start));
}

void Scheduler::Release(const std::shared_ptr<Entry>& entry) {
  {
    std::lock_guard lock(mutex_);
    if (--entry->leases > 0) return;
    if (entry->keep_alive.count() >= 0) entry->expires_at = Clock::now() + entry->keep_alive;
  }
  wake_.notify_all();
}

Status Scheduler::Unload(std::string_view name) {
  CORRAL_ASSIGN_OR_RETURN(ModelSpec spec, resolver_(name));
  {
    std::lock_guard lock(mutex_);
    auto it = loaded_.find(spec.name);
    if (it == loaded_.end()) return Status::NotFound("model '" + spec.name + "' is not loaded");
    it->second->unload_when_idle = true;
    it->second->keep_alive = Duration(0);
    if (it->second->leases == 0) it->second->expires_at = Clock::now();
  }
  wake_.notify_all();
  return Status::Ok();
}

bool Scheduler::EvictOneIdle(std::unique_lock<std::mutex>& lock) {
  (void)lock;
  // The idle model whose timer ends first goes (one kept forever goes last).
  auto victim = loaded_.end();
  for (auto it = loaded_.begin(); it != loaded_.end(); ++it) {
    if (it->second->leases > 0) continue;
    if (victim == loaded_.end()) {
      victim = it;
      continue;
    }
    const auto& a = it->second->expires_at;
    const auto& b = victim->second->expires_at;
    if (a && (!b || *a < *b)) victim = it;
  }
  if (victim == loaded_.end()) return false;
  loaded_.erase(victim);
  return true;
}

void Scheduler::ExpireLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const Clock::time_point now = Clock::now();
    std::optional<Clock::time_point> next;
    for (auto it = loaded_.begin(); it != loaded_.end();) {
      const Entry& e = *it->second;
      if (e.leases == 0 && e.expires_at && *e.expires_at <= now) {
        // Destroying the model joins its runner thread; nothing holds it (no lease).
        it = loaded_.erase(it);
        continue;
      }
      if (e.leases == 0 && e.expires_at && (!next || *e.expires_at < *next)) next = e.expires_at;
      ++it;
    }
    if (next) {
      wake_.wait_until(lock, *next);
    } else {
      wake_.wait(lock);
    }
  }
  loaded_.clear();
}

std::vector<RunningModel> Scheduler::Running() const {
  std::lock_guard lock(mutex_);
  std::vector<RunningModel> out;
  for (const auto& [name, entry] : loaded_) {
    RunningModel r;
    r.name = name;
    r.digest = entry->model->spec().digest;
    r.size_bytes = entry->model->size_bytes();
    r.context_length = entry->model->num_ctx();
    r.leases = entry->leases;
    if (entry->leases > 0 && entry->keep_alive.count() >= 0) {
      r.expires_at = Clock::now() + entry->keep_alive;  // Ollama's estimate while in use
    } else {
      r.expires_at = entry->expires_at;
    }
    out.push_back(std::move(r));
  }
  // Ollama lists them by expiry, latest first (a model kept forever first).
  std::sort(out.begin(), out.end(), [](const RunningModel& a, const RunningModel& b) {
    if (!a.expires_at || !b.expires_at) return !a.expires_at && b.expires_at;
    return *a.expires_at > *b.expires_at;
  });
  return out;
}

Result<Duration> ParseKeepAlive(std::string_view text) {
  const auto bad = [&] {
    return Status::InvalidArgument("keep_alive: '" + std::string(text) +
                                   "' is not a duration (\"5m\", \"1h30m\", \"-1\", or seconds)");
  };
  if (text.empty()) return bad();
  // A bare number is seconds.
  double seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec == std::errc() && end == text.data() + text.size()) {
    if (seconds < 0) return Duration(-1);
    if (!std::isfinite(seconds) || seconds > 9e9) return Duration(std::numeric_limits<int64_t>::max());
    return Duration(static_cast<int64_t>(seconds * 1e9));
  }
  // Go's time.ParseDuration: [-+]? then one or more <number><unit>.
  size_t i = 0;
  bool negative = false;
  if (text[i] == '-' || text[i] == '+') negative = text[i++] == '-';
  if (i == text.size()) return bad();
  double total_ns = 0;
  while (i < text.size()) {
    double value = 0;
    const auto [num_end, num_ec] = std::from_chars(text.data() + i, text.data() + text.size(), value);
    if (num_ec != std::errc() || text[i] == '-' || text[i] == '+') return bad();
    i = static_cast<size_t>(num_end - text.data());
    size_t unit_end = i;
    while (unit_end < text.size() && (std::isalpha(static_cast<unsigned char>(text[unit_end])) ||
                                      static_cast<unsigned char>(text[unit_end]) >= 0x80)) {
      ++unit_end;
    }
    const std::string_view unit = text.substr(i, unit_end - i);
    double scale = 0;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "µs" || unit == "μs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else
      return bad();
    total_ns += value * scale;
    i = unit_end;
  }
  if (negative) return Duration(-1);
  if (total_ns > 9e18) return Duration(std::numeric_limits<int64_t>::max());
  return Duration(static_cast<int64_t>(total_ns));
}

}  // namespace corral::sched
