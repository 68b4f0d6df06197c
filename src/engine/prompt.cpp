#include "engine/prompt.h"

#include <algorithm>

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

std::vector<int32_t> TruncatePrompt(std::vector<int32_t> tokens, int num_ctx, int num_keep, bool adds_bos) {
  const auto n = static_cast<int64_t>(tokens.size());
  if (num_ctx <= 1 || n < num_ctx) return tokens;
  int64_t keep = num_keep < 0 ? n : num_keep;
  if (adds_bos) ++keep;
  keep = std::min<int64_t>(keep, num_ctx - 1);
  // Ollama's contextShiftPromptLimit: keep num_keep, free about half of what remains.
  const int64_t limit = num_ctx - std::max<int64_t>((num_ctx - keep) / 2, 1);
  const int64_t discard = n - limit;
  tokens.erase(tokens.begin() + keep, tokens.begin() + keep + discard);
  return tokens;
}

}  // namespace corral::engine
