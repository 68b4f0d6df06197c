#include "engine/runner.h"

#include <algorithm>
#include <utility>

#include "engine/stop_matcher.h"

namespace corral::engine {

using Clock = std::chrono::steady_clock;

struct Runner::Pending {
  Request request;
  TokenCallback on_token;
  std::shared_ptr<Sequence> handle;
  Clock::time_point submitted;
};

struct Runner::Slot {
  int seq = 0;                  // the Context's sequence id
  std::vector<int32_t> cached;  // the tokens whose keys and values the sequence holds, position by position
  std::unique_ptr<Pending> active;
  std::optional<sample::Sampler> sampler;
  std::optional<tokenizer::StreamingDetokenizer> detokenizer;
  std::optional<StopMatcher> stops;
  std::unique_ptr<sample::grammar::Matcher> matcher;
  sample::TokenMask mask;
  size_t prompt_next = 0;  // the first prompt token not yet in `cached`
  bool decoding = false;   // the prompt is in; `last_token` is sampled and not yet evaluated
  int32_t last_token = -1;
  Completion completion;
  Clock::time_point prompt_start;
  Clock::time_point eval_start;
};

void Sequence::Finish(Completion completion) {
  {
    std::lock_guard lock(mutex_);
    completion_ = std::move(completion);
  }
  done_cv_.notify_all();
}

Completion Sequence::Wait() {
  std::unique_lock lock(mutex_);
  done_cv_.wait(lock, [&] { return completion_.has_value(); });
  return *completion_;
}

std::optional<Completion> Sequence::TryGet() {
  std::lock_guard lock(mutex_);
  return completion_;
}

Result<std::unique_ptr<Runner>> Runner::Create(const model::Model& model,
                                               const tokenizer::Tokenizer& tokenizer,
                                               const RunnerOptions& options) {
  if (options.num_ctx < 2 || options.n_parallel < 1 || options.n_batch < 1 || options.max_queue < 0) {
    return Status::InvalidArgument("runner: num_ctx must be at least 2, n_parallel and n_batch at least 1");
  }
  // One pool of KV blocks for all slots, num_ctx positions each (Ollama sizes its cache num_ctx × parallel);
  // the per-sequence limit of num_ctx is kept here, so the pool never runs dry.
  model::ContextOptions context_options;
  context_options.n_ctx = options.num_ctx * options.n_parallel;
  context_options.n_batch_max = std::max(options.n_batch, options.n_parallel);
  context_options.n_seq_max = options.n_parallel;
  context_options.n_outputs_max = options.n_parallel;
  context_options.n_threads = options.n_threads;
  context_options.two_pass_attention = options.two_pass_attention;
  CORRAL_ASSIGN_OR_RETURN(std::unique_ptr<model::Context> context,
                          model::Context::Create(model, context_options));
  return std::unique_ptr<Runner>(new Runner(tokenizer, options, std::move(context)));
}

Runner::Runner(const tokenizer::Tokenizer& tokenizer, const RunnerOptions& options,
               std::unique_ptr<model::Context> context)
    : tokenizer_(tokenizer),
      options_(options),
      context_(std::move(context)),
      slots_(static_cast<size_t>(options.n_parallel)),
      batch_outputs_(static_cast<size_t>(options.n_parallel), -1) {
  for (size_t i = 0; i < slots_.size(); ++i) {
    slots_[i].seq = static_cast<int>(i);
    slots_[i].cached.reserve(static_cast<size_t>(options.num_ctx));
  }
  const size_t batch_capacity = static_cast<size_t>(context_->options().n_batch_max);
  batch_.token.reserve(batch_capacity);
  batch_.pos.reserve(batch_capacity);
  batch_.seq.reserve(batch_capacity);
  batch_.wants_logits.reserve(batch_capacity);
  thread_ = std::thread([this] { Loop(); });
}

Runner::~Runner() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

Result<std::shared_ptr<Sequence>> Runner::Submit(Request request, TokenCallback on_token) {
  const auto n_prompt = static_cast<int64_t>(request.prompt.size());
  if (n_prompt == 0) return Status::InvalidArgument("the prompt is empty (no tokens)");
  if (n_prompt >= options_.num_ctx) {
    return Status::InvalidArgument("the prompt has " + std::to_string(n_prompt) +
                                   " tokens, which does not fit a context of " +
                                   std::to_string(options_.num_ctx) + " (raise num_ctx)");
  }
  const auto n_vocab =
      static_cast<int32_t>(std::min<int64_t>(tokenizer_.n_vocab(), context_->model().config().n_vocab));
  for (int32_t id : request.prompt) {
    // Checked here: a bad id inside a shared batch would fail every sequence of that step.
    if (id < 0 || id >= n_vocab) {
      return Status::InvalidArgument("token id " + std::to_string(id) + " is outside the vocabulary (" +
                                     std::to_string(n_vocab) + " tokens)");
    }
  }
  CORRAL_RETURN_IF_ERROR(sample::Validate(request.sampling));

  auto pending = std::make_unique<Pending>();
  pending->request = std::move(request);
  pending->on_token = std::move(on_token);
  pending->handle = std::make_shared<Sequence>();
  pending->submitted = Clock::now();
  std::shared_ptr<Sequence> handle = pending->handle;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return Status::Unavailable("the model is being unloaded");
    if (queue_.size() >= static_cast<size_t>(options_.max_queue) &&
        running_ == static_cast<int>(slots_.size())) {
      return Status::Unavailable("server busy: " + std::to_string(queue_.size()) +
                                 " requests are already waiting (max_queue)");
    }
    queue_.push_back(std::move(pending));
  }
  wake_.notify_one();
  return handle;
}

RunnerStats Runner::stats() const {
  std::lock_guard lock(mutex_);
  return RunnerStats{running_, static_cast<int>(queue_.size())};
}

void Runner::Loop() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) break;
      Admit(lock);
      if (running_ == 0) {
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        continue;
      }
    }
    Step();
  }
  for (Slot& slot : slots_) {
    if (slot.active) End(slot, "cancel");
  }
  std::deque<std::unique_ptr<Pending>> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(queue_);
  }
  for (auto& pending : left) {
    Completion completion;
    completion.done_reason = "cancel";
    completion.prompt_tokens = static_cast<int32_t>(pending->request.prompt.size());
    pending->handle->Finish(std::move(completion));
  }
}

// Shared prefix length of a slot's cached tokens and a prompt.
static size_t CommonPrefix(const std::vector<int32_t>& cached, const std::vector<int32_t>& prompt) {
  const size_t n = std::min(cached.size(), prompt.size());
  size_t i = 0;
  while (i < n && cached[i] == prompt[i]) ++i;
  return i;
}

void Runner::Admit(std::unique_lock<std::mutex>& lock) {
  (void)lock;
  while (!queue_.empty() && running_ < static_cast<int>(slots_.size())) {
    std::unique_ptr<Pending> pending = std::move(queue_.front());
    queue_.pop_front();
    if (pending->handle->cancelled()) {
      Completion completion;
      completion.done_reason = "cancel";
      completion.prompt_tokens = static_cast<int32_t>(pending->request.prompt.size());
      completion.queue_duration = Clock::now() - pending->submitted;
      pending->handle->Finish(std::move(completion));
      continue;
    }
    Slot* best = nullptr;
    size_t best_common = 0;
    for (Slot& slot : slots_) {
      if (slot.active) continue;
      const size_t common = CommonPrefix(slot.cached, pending->request.prompt);
      // Prefer the longest shared prefix, then an empty slot over evicting someone's cache.
      if (best == nullptr || common > best_common ||
          (common == best_common && slot.cached.size() < best->cached.size())) {
        best = &slot;
        best_common = common;
      }
    }
    ++running_;
    Start(*best, std::move(pending));
  }
}

void Runner::Start(Slot& slot, std::unique_ptr<Pending> pending) {
  const std::vector<int32_t>& prompt = pending->request.prompt;
  // At least the last prompt token is evaluated again: its logits give the first sampled token.
  const size_t keep = std::min(CommonPrefix(slot.cached, prompt), prompt.size() - 1);
  context_->TruncateSequence(slot.seq, static_cast<int32_t>(keep));
  slot.cached.resize(keep);
  slot.prompt_next = keep;
  slot.decoding = false;
  slot.last_token = -1;
  slot.sampler.emplace(pending->request.sampling, static_cast<int32_t>(context_->model().config().n_vocab));
  for (int32_t id : prompt) slot.sampler->Accept(id);
  slot.detokenizer.emplace(tokenizer_);
  slot.stops.emplace(pending->request.stop);
  if (pending->request.grammar) {
    if (!token_trie_) token_trie_ = std::make_unique<sample::grammar::TokenTrie>(MakeTokenTrie(tokenizer_));
    slot.matcher = std::make_unique<sample::grammar::Matcher>(pending->request.grammar, *token_trie_);
  } else {
    slot.matcher.reset();
  }
  slot.completion = Completion{};
  slot.completion.prompt_tokens = static_cast<int32_t>(prompt.size());
  slot.completion.prompt_eval_count = static_cast<int32_t>(prompt.size() - keep);
  slot.prompt_start = Clock::now();
  slot.completion.queue_duration = slot.prompt_start - pending->submitted;
  slot.active = std::move(pending);
}

void Runner::Step() {
  for (Slot& slot : slots_) {
    if (slot.active && slot.active->handle->cancelled()) End(slot, "cancel");
  }
  batch_.Clear();
  std::fill(batch_outputs_.begin(), batch_outputs_.end(), -1);
  int outputs = 0;
  // Every decoding sequence contributes its next token; prompts fill what is left of the batch.
  for (Slot& slot : slots_) {
    if (!slot.active || !slot.decoding) continue;
    batch_.Add(slot.last_token, static_cast<int32_t>(slot.cached.size()), slot.seq, true);
    batch_outputs_[static_cast<size_t>(slot.seq)] = outputs++;
  }
  std::vector<size_t> chunk(slots_.size(), 0);
  int budget = context_->options().n_batch_max - batch_.size();
  // Slots take turns at being first for prompt room, so a short prompt is not stuck behind a long one.
  for (size_t k = 0; k < slots_.size() && budget > 0; ++k) {
    Slot& slot = slots_[(k + prefill_turn_) % slots_.size()];
    if (!slot.active || slot.decoding) continue;
    const std::vector<int32_t>& prompt = slot.active->request.prompt;
    const size_t n = std::min(prompt.size() - slot.prompt_next, static_cast<size_t>(budget));
    const bool completes = slot.prompt_next + n == prompt.size();
    for (size_t i = 0; i < n; ++i) {
      batch_.Add(prompt[slot.prompt_next + i], static_cast<int32_t>(slot.cached.size() + i), slot.seq,
                 completes && i + 1 == n);
    }
    if (completes) batch_outputs_[static_cast<size_t>(slot.seq)] = outputs++;
    chunk[static_cast<size_t>(slot.seq)] = n;
    budget -= static_cast<int>(n);
  }
  prefill_turn_ = (prefill_turn_ + 1) % slots_.size();
  if (batch_.size() == 0) return;

  const Status status = context_->Decode(batch_);
  if (!status.ok()) {
    // The cache is unchanged after a failed Decode; the sequences of this step cannot go on.
    for (Slot& slot : slots_) {
      if (slot.active && (slot.decoding || chunk[static_cast<size_t>(slot.seq)] > 0)) {
        End(slot, "stop", status);
        context_->ClearSequence(slot.seq);
        slot.cached.clear();
      }
    }
    return;
  }
  for (Slot& slot : slots_) {
    if (!slot.active) continue;
    if (slot.decoding) {
      slot.cached.push_back(slot.last_token);
    } else {
      const size_t n = chunk[static_cast<size_t>(slot.seq)];
      const std::vector<int32_t>& prompt = slot.active->request.prompt;
      slot.cached.insert(slot.cached.end(), prompt.begin() + static_cast<std::ptrdiff_t>(slot.prompt_next),
                         prompt.begin() + static_cast<std::ptrdiff_t>(slot.prompt_next + n));
      slot.prompt_next += n;
    }
    const int output = batch_outputs_[static_cast<size_t>(slot.seq)];
    if (output >= 0) Sample(slot, output);
  }
}

void Runner::Sample(Slot& slot, int output) {
  const Clock::time_point now = Clock::now();
  if (!slot.decoding) {
    slot.completion.prompt_eval_duration = now - slot.prompt_start;
    slot.eval_start = now;
    slot.decoding = true;
  }
  const std::span<const float> logits = context_->Logits(output);
  const sample::TokenMask* allowed = nullptr;
  if (slot.matcher) {
    slot.matcher->FillMask(slot.mask);
    if (!slot.mask.any()) {
      // No token can continue the grammar (nor end it): the output so far is all it allows.
      End(slot, "stop");
      return;
    }
    allowed = &slot.mask;
  }
  const int32_t id = slot.sampler->Sample(logits, allowed);
  slot.sampler->Accept(id);
  ++slot.completion.eval_count;
  const Request& request = slot.active->request;
  if (request.logprobs) {
    slot.completion.logprobs.push_back(MakeLogprob(tokenizer_, logits, id, request.top_logprobs));
  }
  if (tokenizer_.IsEndOfGeneration(id)) {
    End(slot, "stop");
    return;
  }
  if (slot.matcher) slot.matcher->Accept(id);
  slot.completion.tokens.push_back(id);
  const std::string text = slot.detokenizer->Push(id);
  if (!Emit(slot, id, text, request.logprobs ? &slot.completion.logprobs.back() : nullptr) ||
      slot.stops->stopped() || (slot.matcher && slot.matcher->complete())) {
    End(slot, "stop");
    return;
  }
  const int32_t num_predict = slot.active->request.num_predict;
  if ((num_predict >= 0 && slot.completion.eval_count >= num_predict) ||
      slot.cached.size() >= static_cast<size_t>(options_.num_ctx)) {
    // The limit, or no position left for this token's keys and values.
    End(slot, "length");
    return;
  }
  slot.last_token = id;
}

bool Runner::Emit(Slot& slot, int32_t id, const std::string& text, const TokenLogprob* logprob) {
  const std::string shown = slot.stops->empty() ? text : slot.stops->Push(text);
  if (shown.empty() && logprob == nullptr) return true;
  return !slot.active->on_token || slot.active->on_token(TokenEvent{id, shown, logprob});
}

void Runner::End(Slot& slot, std::string done_reason, Status status) {
  // Text held back (an unfinished character, a possible stop string) goes out unless a stop string ended
  // the text or nobody wants it any more.
  if (slot.detokenizer && status.ok() && done_reason != "cancel" && !slot.stops->stopped()) {
    Emit(slot, -1, slot.detokenizer->Flush(), nullptr);
    if (!slot.stops->stopped()) {
      const std::string held = slot.stops->Flush();
      if (!held.empty() && slot.active->on_token) slot.active->on_token(TokenEvent{-1, held, nullptr});
    }
  }
  if (slot.decoding) slot.completion.eval_duration = Clock::now() - slot.eval_start;
  slot.completion.done_reason = std::move(done_reason);
  slot.completion.status = std::move(status);
  slot.active->handle->Finish(std::move(slot.completion));
  slot.completion = Completion{};
  slot.active.reset();
  slot.sampler.reset();
  slot.detokenizer.reset();
  slot.stops.reset();
  slot.matcher.reset();
  slot.decoding = false;
  {
    std::lock_guard lock(mutex_);
    --running_;
  }
}

}  // namespace corral::engine
