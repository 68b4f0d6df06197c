#include "sample/logprobs.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace corral::sample {

StepLogprobs ComputeLogprobs(std::span<const float> logits, int32_t id, int32_t top_n) {
  // log p_i = x_i - max - ln Σ exp(x_j - max): the max shift keeps exp from overflowing.
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float x : logits) sum += std::exp(static_cast<double>(x) - max);
  const double log_sum = std::log(sum);
  auto logprob = [&](int32_t i) {
    return static_cast<float>(static_cast<double>(logits[static_cast<size_t>(i)]) - max - log_sum);
  };
  StepLogprobs out;
  out.chosen = {id, logprob(id)};
  const size_t n = std::min(logits.size(), static_cast<size_t>(std::max(top_n, 0)));
  if (n > 0) {
    std::vector<int32_t> ids(logits.size());
    std::iota(ids.begin(), ids.end(), 0);
    std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n), ids.end(),
                      [&](int32_t a, int32_t b) {
                        const float la = logits[static_cast<size_t>(a)], lb = logits[static_cast<size_t>(b)];
                        return la > lb || (la == lb && a < b);
                      });
    for (size_t i = 0; i < n; ++i) out.top.push_back({ids[i], logprob(ids[i])});
  }
  return out;
}

}  // namespace corral::sample
