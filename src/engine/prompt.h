// Prompt text to token ids the way llama.cpp tokenizes a prompt: BOS/EOS as the vocabulary asks and
// special-token text parsed, except that a prompt whose template already wrote the BOS text gets no second
// BOS (llama.cpp's chat path does the same check). And a prompt too long for the context cut as Ollama cuts
// it.
#pragma once

#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace corral::engine {

std::vector<int32_t> TokenizePrompt(const tokenizer::Tokenizer& tokenizer, std::string_view prompt);

// A prompt of num_ctx tokens or more cut the way Ollama cuts it (llm/llama_server.go): the first num_keep
// tokens (one more when the tokenizer adds BOS; -1: all) stay, and from the rest the oldest go until half
// of the context after the kept tokens is free for the answer. Shorter prompts come back as they are.
std::vector<int32_t> TruncatePrompt(std::vector<int32_t> tokens, int num_ctx, int num_keep, bool adds_bos);

}  // namespace corral::engine
