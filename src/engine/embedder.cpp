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
  // A bidirectional model (bert) sees a sequence only whole, in one batch (llama.cpp likewise needs
  // n_ubatch ≥ the input length for non-causal models).
  if (!config.causal && n > step) {
    return Status::InvalidArgument("the input length (" + std::to_string(n) +
                                   " tokens) exceeds the batch size (" + std::to_string(step) +
                                   "), which must hold it whole for this model");
  }
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

namespace {

// Whether token i of an n-token sequence gives its state to the pooling: every token for mean, the first
// for CLS, the last otherwise (as Embed takes them).
bool WantsOutput(model::Pooling pooling, int32_t i, int32_t n) {
  switch (pooling) {
    case model::Pooling::kMean:
      return true;
    case model::Pooling::kCls:
      return i == 0;
    default:
      return i == n - 1;
  }
}

}  // namespace

Result<std::vector<std::vector<float>>> EmbedMany(model::Context& context,
                                                  std::span<const std::vector<int32_t>> inputs) {
  const model::Config& config = context.model().config();
  const model::ContextOptions& options = context.options();
  std::vector<std::vector<float>> out;
  out.reserve(inputs.size());
  if (config.causal || !options.embeddings || config.pooling == model::Pooling::kRank) {
    for (const std::vector<int32_t>& tokens : inputs) {
      CORRAL_ASSIGN_OR_RETURN(std::vector<float> v, Embed(context, tokens));
      out.push_back(std::move(v));
    }
    return out;
  }
  const bool mean = config.pooling == model::Pooling::kMean;
  const auto n_embd = static_cast<size_t>(config.n_embd);
  model::Batch batch;
  size_t first = 0;  // the first input of the batch being filled
  int outputs = 0;
  const auto flush = [&](size_t end) -> Status {
    if (first == end) return Status::Ok();
    CORRAL_RETURN_IF_ERROR(context.Decode(batch));
    int o = 0;
    for (size_t in = first; in < end; ++in) {
      const int n_out = mean ? static_cast<int>(inputs[in].size()) : 1;
      std::vector<double> sum(n_embd, 0.0);
      for (int r = 0; r < n_out; ++r, ++o) {
        const std::span<const float> row = context.Embedding(o);
        for (size_t d = 0; d < n_embd; ++d) sum[d] += row[d];
      }
      std::vector<float>& v = out.emplace_back(n_embd);
      for (size_t d = 0; d < n_embd; ++d) v[d] = static_cast<float>(sum[d] / n_out);
    }
    batch.Clear();
    first = end;
    outputs = 0;
    return Status::Ok();
  };
  for (size_t in = 0; in < inputs.size(); ++in) {
    const auto n = static_cast<int32_t>(inputs[in].size());
    const int n_out = mean ? n : 1;
    if (n == 0) return Status::InvalidArgument("embed: no tokens");
    if (n > options.n_ctx) {
      return Status::InvalidArgument("the input length (" + std::to_string(n) +
                                     " tokens) exceeds the context length (" + std::to_string(options.n_ctx) +
                                     ")");
    }
    if (n > options.n_batch_max || n_out > options.n_outputs_max) {
      return Status::InvalidArgument(
          "the input length (" + std::to_string(n) + " tokens) exceeds the batch size (" +
          std::to_string(options.n_batch_max) + "), which must hold it whole for this model");
    }
    const auto seqs = static_cast<int>(in - first);
    if (batch.size() + n > options.n_batch_max || outputs + n_out > options.n_outputs_max ||
        seqs == options.n_seq_max) {
      CORRAL_RETURN_IF_ERROR(flush(in));
    }
    const auto seq = static_cast<int32_t>(in - first);
    for (int32_t i = 0; i < n; ++i)
      batch.Add(inputs[in][static_cast<size_t>(i)], i, seq, WantsOutput(config.pooling, i, n));
    outputs += n_out;
  }
  CORRAL_RETURN_IF_ERROR(flush(inputs.size()));
  return out;
}

}  // namespace corral::engine
