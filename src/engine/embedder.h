// One embedding vector per token sequence, from a model Context in embedding mode
// (ContextOptions::embeddings, one sequence, n_outputs_max ≥ n_batch_max for mean pooling): the sequence is
// evaluated in batches and its final normed hidden states pooled as the model says (Config::pooling):
// mean of every token, the first (CLS) or the last token's (kLast, and kNone as llama.cpp's readers and
// Ollama take a generative model's embedding). The vector is not normalized.
#pragma once

#include <span>
#include <vector>

#include "base/status.h"
#include "model/context.h"

namespace corral::engine {

// Errors: InvalidArgument for an empty sequence or one that does not fit the context, Unsupported for rank
// pooling (a reranker), errors of Decode.
Result<std::vector<float>> Embed(model::Context& context, std::span<const int32_t> tokens);

}  // namespace corral::engine
