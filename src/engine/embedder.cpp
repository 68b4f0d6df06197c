#include "engine/embedder.h"

#include <algorithm>
#include <string>

namespace corral::engine {

Result<std::vector<float>> Embed(model::Context& context, std::span<const int32_t> tokens) {
  const model::Config& config = context.model().config();
  const model::ContextOptions& options = context.options();
  const auto n = static_cast<int32_t>(tokens.size());
  if (!options.embeddings) return Status::InvalidArgument("embed: the context is not in embedding mode");
  if (n == 0) return Status::InvalidArgument("embed: no tokens");
  if (n > options.n_ctx) {
    return Status::InvalidArgument("the input length (" + std::to_string(n) +
                                   " tokens) exceeds the context length (" + std::to_string(options.n_ctx) +
                                   ")");
  }
  if (config.pooling == model::Pooling::kRank) return Status::Unsupported("embed: rank pooling (a reranker)");
  const bool mean = config.pooling == model::Pooling::kMean;
  const bool first = config.pooling == model::Pooling::kCls;
  const int32_t step = std::min(options.n_batch_max, mean ? options.n_outputs_max : options.n_batch_max);
  const auto n_embd = static_cast<size_t>(config.n_embd);
  std::vector<double> sum(n_embd, 0.0);
  std::vector<float> out(n_embd, 0.f);
  context.ClearSequence(0);
  model::Batch batch;
  for (int32_t begin = 0; begin < n; begin += step) {
    const int32_t end = std::min(n, begin + step);
    batch.Clear();
    for (int32_t i = begin; i < end; ++i) {
      const bool wanted = mean || (first && i == 0) || (!mean && !first && i == n - 1);
      batch.Add(tokens[static_cast<size_t>(i)], i, 0, wanted);
    }
    CORRAL_RETURN_IF_ERROR(context.Decode(batch));
    for (int o = 0; o < context.n_outputs(); ++o) {
      const std::span<const float> row = context.Embedding(o);
      if (mean) {
        for (size_t d = 0; d < n_embd; ++d) sum[d] += row[d];
      } else {
        std::copy(row.begin(), row.end(), out.begin());
      }
    }
  }
  context.ClearSequence(0);
  if (mean) {
    for (size_t d = 0; d < n_embd; ++d) out[d] = static_cast<float>(sum[d] / n);
  }
  return out;
}

}  // namespace corral::engine
