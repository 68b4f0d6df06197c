// The algorithms behind Tokenizer, one file each; internal to src/tokenizer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "tokenizer/vocab.h"

namespace corral::tokenizer {

// vocab_loader.cpp: the vocab as llama.cpp's llama_vocab::impl::load builds it.
Result<std::unique_ptr<Vocab>> LoadVocab(const gguf::File& file);

// bpe.cpp / spm.cpp / wpm.cpp: one plain-text fragment (special tokens already split off), ids appended to
// `out`.
void EncodeBpeFragment(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out);
void EncodeSpmFragment(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out);
void EncodeWpmFragment(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out);

// special_partition.cpp: splits text around special-token occurrences. A fragment is either raw text
// (token == kNoToken) or one special token.
struct Fragment {
  int32_t token = kNoToken;
  size_t begin = 0;
  size_t end = 0;
};
std::vector<Fragment> PartitionSpecialTokens(const Vocab& vocab, std::string_view text, bool parse_special);

// detokenize.cpp: a token's decoded text with special tokens rendered (llama.cpp's token_to_piece,
// special = true), and llama.cpp's clean_up_tokenization_spaces pass.
std::string RenderPiece(const Vocab& vocab, int32_t id);
void CleanUpTokenizationSpaces(std::string& text);

}  // namespace corral::tokenizer
