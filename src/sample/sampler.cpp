#include "sample/sampler.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace corral::sample {

Status Validate(const SamplerOptions& o, int32_t n_vocab) {
  auto bad = [](const char* name, const std::string& why) {
    return Status::InvalidArgument(std::string("option ") + name + ": " + why);
  };
  if (!(o.temperature >= 0) || !std::isfinite(o.temperature)) return bad("temperature", "must be ≥ 0");
  if (!(o.top_p >= 0 && o.top_p <= 1)) return bad("top_p", "must be in [0, 1]");
  if (!(o.min_p >= 0 && o.min_p <= 1)) return bad("min_p", "must be in [0, 1]");
  if (!(o.typical_p > 0 && o.typical_p <= 1)) return bad("typical_p", "must be in (0, 1]");
  for (const auto& [id, bias] : o.logit_bias) {
    if (id < 0 || (n_vocab > 0 && id >= n_vocab))
      return bad("logit_bias", "token id " + std::to_string(id) + " is outside the vocabulary");
    if (std::isnan(bias)) return bad("logit_bias", "the bias of token " + std::to_string(id) + " is NaN");
  }
  if (!(o.repeat_penalty > 0) || !std::isfinite(o.repeat_penalty))
    return bad("repeat_penalty", "must be > 0");
  if (o.repeat_last_n < -1) return bad("repeat_last_n", "must be ≥ -1");
  if (!std::isfinite(o.presence_penalty)) return bad("presence_penalty", "must be finite");
  if (!std::isfinite(o.frequency_penalty)) return bad("frequency_penalty", "must be finite");
  return Status::Ok();
}

int32_t Argmax(std::span<const float> logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

Sampler::Sampler(const SamplerOptions& options, int32_t n_vocab)
    : options_(options),
      n_vocab_(n_vocab),
      rng_(options.seed >= 0 ? static_cast<uint64_t>(options.seed) : std::random_device{}()),
      counts_(static_cast<size_t>(n_vocab), 0) {
  candidates_.reserve(static_cast<size_t>(n_vocab));
  probs_.reserve(static_cast<size_t>(n_vocab));
}

void Sampler::Reset() {
  history_.clear();
  if (options_.seed >= 0) rng_.seed(static_cast<uint64_t>(options_.seed));
}

void Sampler::Accept(int32_t token) {
  history_.push_back(token);
}

int32_t Sampler::Sample(std::span<const float> logits, const TokenMask* allowed) {
  const bool penalised =
      options_.repeat_last_n != 0 && !history_.empty() &&
      (options_.repeat_penalty != 1 || options_.presence_penalty != 0 || options_.frequency_penalty != 0);
  if (options_.temperature == 0 && !penalised && allowed == nullptr && options_.logit_bias.empty())
    return Argmax(logits.first(static_cast<size_t>(n_vocab_)));
  candidates_.clear();
  for (int32_t i = 0; i < n_vocab_; ++i) candidates_.push_back({i, logits[static_cast<size_t>(i)]});
  // Bias and penalties index candidates_ by id, so they run before the mask compacts it.
  for (const auto& [id, bias] : options_.logit_bias) candidates_[static_cast<size_t>(id)].logit += bias;
  ApplyPenalties();
  if (allowed != nullptr) {
    size_t kept = 0;
    for (const Candidate& c : candidates_)
      if (allowed->allowed(c.id)) candidates_[kept++] = c;
    candidates_.resize(kept);
  }
  // A bias of -inf bans a token; keep the finite ones unless nothing else is left.
  if (!options_.logit_bias.empty()) {
    const auto finite_end = std::stable_partition(candidates_.begin(), candidates_.end(),
                                                  [](const Candidate& c) { return c.logit > -INFINITY; });
    if (finite_end != candidates_.begin()) candidates_.erase(finite_end, candidates_.end());
  }
  if (options_.temperature == 0) {
    // The first of equal maxima, as an argmax over the vocabulary would choose.
    const auto best =
        std::max_element(candidates_.begin(), candidates_.end(),
                         [](const Candidate& a, const Candidate& b) { return a.logit < b.logit; });
    return best->id;
  }
  if (options_.top_k > 0) KeepTopK(options_.top_k);
  if (options_.typical_p < 1) KeepTypical(options_.typical_p);
  SoftmaxSorted();
  if (options_.top_p < 1) {
    // Keep the smallest prefix whose probability reaches top_p (at least one token).
    float cumulative = 0;
    size_t keep = candidates_.size();
    for (size_t i = 0; i < candidates_.size(); ++i) {
      cumulative += probs_[i];
      if (cumulative >= options_.top_p) {
        keep = i + 1;
        break;
      }
    }
    candidates_.resize(keep);
  }
  if (options_.min_p > 0) {
    // Drop tokens less likely than min_p times the most likely one: logit < max + ln(min_p).
    const float threshold = candidates_.front().logit + std::log(options_.min_p);
    size_t keep = 1;
    while (keep < candidates_.size() && candidates_[keep].logit >= threshold) ++keep;
    candidates_.resize(keep);
  }
  for (Candidate& c : candidates_) c.logit /= options_.temperature;
  SoftmaxSorted();
  return Draw();
}

// Locally typical sampling (Meister et al. 2022, llama.cpp's llama_sampler_typical): rank tokens by how far
// their surprise -ln p is from the distribution's entropy and keep the closest ones until their probability
// exceeds p.
void Sampler::KeepTypical(float p) {
  SoftmaxSorted();
  float entropy = 0;
  for (float q : probs_) entropy += -q * std::log(q);
  const size_t n = candidates_.size();
  scratch_.resize(n);
  order_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    scratch_[i] = std::fabs(-std::log(probs_[i]) - entropy);
    order_[i] = static_cast<uint32_t>(i);
  }
  std::stable_sort(order_.begin(), order_.end(),
                   [&](uint32_t a, uint32_t b) { return scratch_[a] < scratch_[b]; });
  float cumulative = 0;
  size_t keep = n;
  for (size_t i = 0; i < n; ++i) {
    cumulative += probs_[order_[i]];
    if (cumulative > p) {
      keep = i + 1;
      break;
    }
  }
  kept_.clear();
  for (size_t i = 0; i < keep; ++i) kept_.push_back(candidates_[order_[i]]);
  candidates_.swap(kept_);
}

void Sampler::ApplyPenalties() {
  const bool repeat = options_.repeat_penalty != 1;
  const bool presence = options_.presence_penalty != 0 || options_.frequency_penalty != 0;
  if ((!repeat && !presence) || options_.repeat_last_n == 0 || history_.empty()) return;
  const size_t window = options_.repeat_last_n < 0
                            ? history_.size()
                            : std::min(history_.size(), static_cast<size_t>(options_.repeat_last_n));
  const auto begin = history_.end() - static_cast<std::ptrdiff_t>(window);
  for (auto it = begin; it != history_.end(); ++it) {
    if (*it >= 0 && *it < n_vocab_) ++counts_[static_cast<size_t>(*it)];
  }
  for (auto it = begin; it != history_.end(); ++it) {
    if (*it < 0 || *it >= n_vocab_) continue;
    uint32_t& count = counts_[static_cast<size_t>(*it)];
    if (count == 0) continue;  // already penalised (repeated token)
    Candidate& c = candidates_[static_cast<size_t>(*it)];
    // llama.cpp's penalties: divide a positive logit, multiply a negative one, so the token always loses.
    if (repeat) c.logit = c.logit > 0 ? c.logit / options_.repeat_penalty : c.logit * options_.repeat_penalty;
    c.logit -= static_cast<float>(count) * options_.frequency_penalty + options_.presence_penalty;
    count = 0;
  }
}

void Sampler::KeepTopK(int32_t k) {
  if (static_cast<size_t>(k) >= candidates_.size()) return;
  auto by_logit = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  std::partial_sort(candidates_.begin(), candidates_.begin() + k, candidates_.end(), by_logit);
  candidates_.resize(static_cast<size_t>(k));
}

void Sampler::SoftmaxSorted() {
  std::sort(candidates_.begin(), candidates_.end(), [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  });
  probs_.resize(candidates_.size());
  const float max = candidates_.front().logit;
  double sum = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    probs_[i] = std::exp(candidates_[i].logit - max);
    sum += probs_[i];
  }
  for (float& p : probs_) p = static_cast<float>(p / sum);
}

int32_t Sampler::Draw() {
  // One uniform in [0, 1) against the cumulative distribution; the last candidate absorbs rounding.
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  double cumulative = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    cumulative += probs_[i];
    if (u < cumulative) return candidates_[i].id;
  }
  return candidates_.back().id;
}

}  // namespace corral::sample
