#include "engine/prompt.h"

namespace corral::engine {

std::vector<int32_t> TokenizePrompt(const tokenizer::Tokenizer& tokenizer, std::string_view prompt) {
  const std::string_view bos =
      tokenizer.bos() >= 0 ? tokenizer.TokenText(tokenizer.bos()) : std::string_view();
  const bool has_bos = tokenizer.add_bos() && !bos.empty() && prompt.starts_with(bos);
  std::vector<int32_t> ids = tokenizer.Encode(prompt, /*add_special=*/!has_bos, /*parse_special=*/true);
  if (has_bos && tokenizer.add_eos() && (ids.empty() || ids.back() != tokenizer.eos())) {
    ids.push_back(tokenizer.eos());
  }
  return ids;
}

}  // namespace corral::engine
