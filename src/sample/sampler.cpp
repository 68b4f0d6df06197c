#include "sample/sampler.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace corral::sample {

Status Validate(const SamplerOptions& o) {
  auto bad = [](const char* name, const std::string& why) {
    return Status::InvalidArgument(std::string("option ") + name + ": " + why);
  };
  if (!(o.temperature >= 0) || !std::isfinite(o.temperature)) return bad("temperature", "must be ≥ 0");
  if (!(o.top_p >= 0 && o.top_p <= 1)) return bad("top_p", "must be in [0, 1]");
  if (!(o.min_p >= 0 && o.min_p <= 1)) return bad("min_p", "must be in [0, 1]");
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

int32_t Sampler::Sample(std::span<const float> logits) {
  const bool penalised =
      options_.repeat_last_n != 0 && !history_.empty() &&
      (options_.repeat_penalty != 1 || options_.presence_penalty != 0 || options_.frequency_penalty != 0);
  if (options_.temperature == 0 && !penalised) return Argmax(logits.first(static_cast<size_t>(n_vocab_)));
  candidates_.clear();
  for (int32_t i = 0; i < n_vocab_; ++i) candidates_.push_back({i, logits[static_cast<size_t>(i)]});
  ApplyPenalties();
  if (options_.temperature == 0) {
    // The first of equal maxima, as an argmax over the vocabulary would choose.
    const auto best =
        std::max_element(candidates_.begin(), candidates_.end(),
                         [](const Candidate& a, const Candidate& b) { return a.logit < b.logit; });
    return best->id;
  }
  if (options_.top_k > 0) KeepTopK(options_.top_k);
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
