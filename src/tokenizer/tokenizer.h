// Tokenizer: text <-> token ids for a GGUF model, matching llama.cpp's llama_tokenize / llama_detokenize id
// for id (BPE with the pre-tokenizer that tokenizer.ggml.pre names, SentencePiece-style "llama" vocabs and
// WordPiece "bert" vocabs).
//
//   CORRAL_ASSIGN_OR_RETURN(gguf::File file, gguf::File::Open("model.gguf"));
//   CORRAL_ASSIGN_OR_RETURN(tokenizer::Tokenizer tok, tokenizer::Tokenizer::FromGguf(file));
//   std::vector<int32_t> ids = tok.Encode("Hello world");   // BOS/EOS as the GGUF says
//   std::string text = tok.Decode(ids);                      // special tokens not rendered
//
// The Tokenizer copies what it needs out of the File, which may be closed afterwards. Thread safety:
// immutable after FromGguf; any number of threads may call the const methods at once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"

namespace corral::tokenizer {

struct Vocab;

enum class TokenizerKind { kBpe, kSpm, kWpm };

class Tokenizer {
 public:
  // NotFound when the file has no tokenizer; Unsupported for tokenizer models corral lacks (Unigram,
  // RWKV) or an unknown pre-tokenizer; Corrupt for malformed tokenizer keys.
  static Result<Tokenizer> FromGguf(const gguf::File& file);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // llama_tokenize(text, add_special, parse_special): add_special adds BOS/EOS where the vocab asks for
  // them (a BOS is added even if the text already starts with one, as llama.cpp does; a WordPiece vocab
  // always gets [CLS] first and [SEP] last); parse_special turns
  // the text of CONTROL tokens ("<|eot_id|>") into those tokens. USER_DEFINED tokens are always matched.
  std::vector<int32_t> Encode(std::string_view text, bool add_special = true,
                              bool parse_special = true) const;

  // llama_detokenize(ids, remove_special = false, unparse_special = render_special): concatenated pieces,
  // the SentencePiece leading space removed, and Hugging Face's clean_up_tokenization_spaces applied where
  // the vocab uses it. Invalid ids are skipped.
  std::string Decode(std::span<const int32_t> ids, bool render_special = false) const;

  // One token's decoded text (bytes, not necessarily whole UTF-8 characters): "" for CONTROL/UNKNOWN tokens
  // unless render_special, and for invalid ids.
  std::string_view Piece(int32_t id, bool render_special = false) const;
  // The token's string in the vocab ("Ġthe", "▁the", "<0x0A>"); "" for invalid ids.
  std::string_view TokenText(int32_t id) const;
  float Score(int32_t id) const;

  int32_t n_vocab() const;
  TokenizerKind kind() const;
  std::string_view pre() const;  // "default" for SentencePiece vocabs
  // Special ids; -1 where the vocab has none.
  int32_t bos() const;
  int32_t eos() const;
  int32_t eot() const;
  int32_t eom() const;
  int32_t unk() const;
  int32_t pad() const;
  int32_t sep() const;
  bool add_bos() const;
  bool add_eos() const;
  bool add_sep() const;  // WordPiece: [SEP] (sep()) ends every sequence that add_special wraps
  bool add_space_prefix() const;

  // End of generation: EOS, EOT, EOM and the tokens llama.cpp recognises by text (<|eot_id|>, <|im_end|>,
  // <end_of_turn>, <|endoftext|>, ...).
  bool IsEndOfGeneration(int32_t id) const;
  std::span<const int32_t> EndOfGenerationIds() const;
  bool IsControl(int32_t id) const;
  bool IsUserDefined(int32_t id) const;
  bool IsByte(int32_t id) const;
  bool IsValid(int32_t id) const { return id >= 0 && id < n_vocab(); }

 private:
  explicit Tokenizer(std::unique_ptr<const Vocab> vocab);
  std::unique_ptr<const Vocab> vocab_;
};

// Decodes one id at a time for streaming output. Each Push returns the text that is complete so far and
// never ends inside a UTF-8 character: the bytes of an unfinished character are held until a later token
// completes it. Bytes that can never form a character (a stray continuation byte, a broken sequence, or an
// unfinished one at Flush) come out as U+FFFD, so every returned chunk is valid UTF-8.
//
// The concatenated output equals the concatenated pieces (Tokenizer::Piece, with the SentencePiece leading
// space removed from the first one, as Decode does); unlike Decode it does not apply
// clean_up_tokenization_spaces, which needs the whole text (llama.cpp's server streams pieces the same way).
// Not thread-safe; one per stream. The Tokenizer must outlive it.
class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer& tokenizer, bool render_special = false);
  std::string Push(int32_t id);
  // Whatever is still held, as U+FFFD; resets for a new stream.
  std::string Flush();

 private:
  const Tokenizer& tokenizer_;
  bool render_special_;
  bool first_ = true;
  std::string pending_;
};

}  // namespace corral::tokenizer
