// The tokenizer's data, read once from a GGUF's tokenizer.ggml.* keys (vocab_loader.cpp) and immutable
// afterwards; Tokenizer (tokenizer.h) is the public face. Internal to src/tokenizer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/pre_types.h"
#include "tokenizer/unicode_text.h"

namespace corral::tokenizer {

inline constexpr int32_t kNoToken = -1;

// llama.cpp's token attributes (llama.h: llama_token_attr), bit for bit.
enum TokenAttr : uint32_t {
  kAttrUndefined = 0,
  kAttrUnknown = 1u << 0,
  kAttrUnused = 1u << 1,
  kAttrNormal = 1u << 2,
  kAttrControl = 1u << 3,
  kAttrUserDefined = 1u << 4,
  kAttrByte = 1u << 5,
  kAttrNormalized = 1u << 6,
  kAttrLstrip = 1u << 7,
  kAttrRstrip = 1u << 8,
};

enum class VocabKind { kSpm, kBpe, kWpm };

struct TokenData {
  std::string text;
  float score = 0.0f;
  uint32_t attr = kAttrNormal;
};

struct Vocab {
  VocabKind kind = VocabKind::kBpe;
  std::string model_name;  // tokenizer.ggml.model
  PreType pre;
  std::optional<PreTokenizer> pre_tokenizer;  // BPE only

  std::vector<TokenData> tokens;
  // Keys view tokens[i].text; on duplicate texts the last id wins, as in llama.cpp's token_to_id.
  std::unordered_map<std::string_view, int32_t> ids;

  // BPE merges: rank (line index in tokenizer.ggml.merges) and the id of the merged text (kNoToken when the
  // vocab lacks it). Keyed by the ids of the two halves; merges whose halves are not both vocab entries
  // (rare) go to merges_by_text keyed "left + '\n' + right" (a merge half never contains '\n').
  struct Merge {
    int32_t rank;
    int32_t result;
  };
  std::unordered_map<uint64_t, Merge> merges;
  std::unordered_map<std::string, Merge> merges_by_text;

  int32_t bos = kNoToken, eos = kNoToken, eot = kNoToken, eom = kNoToken, unk = kNoToken, sep = kNoToken,
          pad = kNoToken, mask = kNoToken;
  int32_t fim_pre = kNoToken, fim_suf = kNoToken, fim_mid = kNoToken, fim_pad = kNoToken, fim_rep = kNoToken,
          fim_sep = kNoToken;
  bool add_bos = false;
  bool add_eos = false;
  bool add_sep = false;  // WordPiece (and a few BPE vocabs): [SEP] ends the sequence
  bool add_space_prefix = false;
  bool clean_spaces = false;
  bool escape_whitespaces = false;
  // WordPiece: tokenizer.ggml.normalizer.lowercase / strip_accents (llama.cpp's defaults: true, and
  // strip_accents follows lowercase when absent), and the longest token text in bytes (the match window).
  bool wpm_lowercase = true;
  bool wpm_strip_accents = true;
  size_t max_token_bytes = 0;

  // SentencePiece: bytes that occur in some vocab entry of more than one character. An ASCII byte that
  // does not can never take part in a merge, so the text may be cut around it without changing the result.
  std::array<bool, 256> spm_joinable_byte{};

  std::vector<int32_t> special_tokens;  // CONTROL / USER_DEFINED / UNKNOWN, longest text first
  std::vector<int32_t> eog_ids;         // sorted
  std::vector<bool> is_eog;
  std::vector<std::string> pieces;  // each token as decoded text, special tokens rendered
  ByteLevelAlphabet alphabet;

  int32_t Find(std::string_view text) const {
    const auto it = ids.find(text);
    return it == ids.end() ? kNoToken : it->second;
  }
  static uint64_t PairKey(int32_t left, int32_t right) {
    return uint64_t{static_cast<uint32_t>(left)} << 32 | static_cast<uint32_t>(right);
  }
  const Merge* FindMerge(int32_t left_id, std::string_view left, int32_t right_id,
                         std::string_view right) const;
  // SPM byte fallback: <0xXX>, else the raw one-byte string, else kNoToken.
  int32_t ByteToken(uint8_t byte) const;
};

}  // namespace corral::tokenizer
