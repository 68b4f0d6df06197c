// Prompt text to token ids the way llama.cpp tokenizes a prompt: BOS/EOS as the vocabulary asks and
// special-token text parsed, except that a prompt whose template already wrote the BOS text gets no second
// BOS (llama.cpp's chat path does the same check).
#pragma once

#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace corral::engine {

std::vector<int32_t> TokenizePrompt(const tokenizer::Tokenizer& tokenizer, std::string_view prompt);

}  // namespace corral::engine
