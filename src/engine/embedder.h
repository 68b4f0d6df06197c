// One embedding vector per token sequence, from a model Context in embedding mode
// (ContextOptions::embeddings, one sequence, n_outputs_max ≥ n_batch_max for mean pooling): the sequence is
// evaluated in batches and its final normed hidden states pooled as the model says (Config::pooling):
// mean of every token, the first (CLS) or the last token's (kLast, and kNone as llama.cpp's readers and
// Ollama take a generative model's embedding). The vector is not normalized. A bidirectional model (bert)
// takes the sequence in one batch, so it must fit n_batch_max (and n_outputs_max for mean pooling).
#pragma once

#include <span>
#include <vector>

#include "base/status.h"
#include "model/context.h"

namespace corral::engine {

// Errors: InvalidArgument for an empty sequence or one that does not fit the context, Unsupported for rank
// pooling (a reranker), errors of Decode.
Result<std::vector<float>> Embed(model::Context& context, std::span<const int32_t> tokens);

// The embeddings of several token sequences, in order. A bidirectional model (bert) evaluates as many of
// them per forward pass as the context allows (n_seq_max sequences, n_batch_max tokens, n_outputs_max
// outputs), each its own sequence id, so they never attend to each other; a causal model embeds them one
// at a time through Embed. Errors as Embed's, for the first input that fails.
Result<std::vector<std::vector<float>>> EmbedMany(model::Context& context,
                                                  std::span<const std::vector<int32_t>> inputs);

}  // namespace corral::engine
