#include "tokenizer/tokenizer.h"

#include <algorithm>

#include "tokenizer/codec.h"

namespace corral::tokenizer {

Result<Tokenizer> Tokenizer::FromGguf(const gguf::File& file) {
  CORRAL_ASSIGN_OR_RETURN(std::unique_ptr<Vocab> vocab, LoadVocab(file));
  return Tokenizer(std::move(vocab));
}

Tokenizer::Tokenizer(std::unique_ptr<const Vocab> vocab) : vocab_(std::move(vocab)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

std::vector<int32_t> Tokenizer::Encode(std::string_view text, bool add_special, bool parse_special) const {
  const Vocab& vocab = *vocab_;
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  // WordPiece: llama.cpp wraps every sequence in [CLS] ... [SEP] with add_special, whatever the add_* keys
  // say.
  const bool wpm = vocab.kind == VocabKind::kWpm;
  if (add_special && (vocab.add_bos || wpm) && vocab.bos != kNoToken) out.push_back(vocab.bos);
  const std::vector<Fragment> fragments = PartitionSpecialTokens(vocab, text, parse_special);
  // SentencePiece: a text fragment at the start or right after a special token gets one leading space
  // (add_space_prefix), then every space becomes U+2581.
  bool after_special = true;
  std::string spm_text;
  for (const Fragment& fragment : fragments) {
    if (fragment.token != kNoToken) {
      out.push_back(fragment.token);
      after_special = true;
      continue;
    }
    const std::string_view piece = text.substr(fragment.begin, fragment.end - fragment.begin);
    if (vocab.kind == VocabKind::kBpe) {
      EncodeBpeFragment(vocab, piece, out);
    } else if (wpm) {
      EncodeWpmFragment(vocab, piece, out);
    } else {
      spm_text.clear();
      if (vocab.add_space_prefix && after_special) spm_text += "\xE2\x96\x81";
      for (char c : piece) {
        if (c == ' ') {
          spm_text += "\xE2\x96\x81";
        } else {
          spm_text += c;
        }
      }
      EncodeSpmFragment(vocab, spm_text, out);
    }
    after_special = false;
  }
  if (add_special && wpm && vocab.sep != kNoToken) {
    out.push_back(vocab.sep);
  } else if (add_special && vocab.add_eos) {
    out.push_back(vocab.eos);
  }
  return out;
}

std::string Tokenizer::Decode(std::span<const int32_t> ids, bool render_special) const {
  std::string text;
  bool strip_space = vocab_->add_space_prefix;
  for (int32_t id : ids) {
    if (!IsValid(id)) continue;
    std::string_view piece = Piece(id, render_special);
    if (strip_space && !piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    strip_space = false;
    text += piece;
  }
  if (vocab_->clean_spaces) CleanUpTokenizationSpaces(text);
  return text;
}

std::string_view Tokenizer::Piece(int32_t id, bool render_special) const {
  if (!IsValid(id)) return {};
  if (!render_special && (vocab_->tokens[id].attr & (kAttrUnknown | kAttrControl))) return {};
  return vocab_->pieces[id];
}

std::string_view Tokenizer::TokenText(int32_t id) const {
  return IsValid(id) ? std::string_view(vocab_->tokens[id].text) : std::string_view();
}
float Tokenizer::Score(int32_t id) const {
  return IsValid(id) ? vocab_->tokens[id].score : 0.0f;
}

int32_t Tokenizer::n_vocab() const {
  return static_cast<int32_t>(vocab_->tokens.size());
}
TokenizerKind Tokenizer::kind() const {
  switch (vocab_->kind) {
    case VocabKind::kBpe:
      return TokenizerKind::kBpe;
    case VocabKind::kSpm:
      return TokenizerKind::kSpm;
    case VocabKind::kWpm:
      return TokenizerKind::kWpm;
  }
  return TokenizerKind::kBpe;
}
std::string_view Tokenizer::pre() const {
  return vocab_->pre.name;
}
int32_t Tokenizer::bos() const {
  return vocab_->bos;
}
int32_t Tokenizer::eos() const {
  return vocab_->eos;
}
int32_t Tokenizer::eot() const {
  return vocab_->eot;
}
int32_t Tokenizer::eom() const {
  return vocab_->eom;
}
int32_t Tokenizer::unk() const {
  return vocab_->unk;
}
int32_t Tokenizer::pad() const {
  return vocab_->pad;
}
int32_t Tokenizer::sep() const {
  return vocab_->sep;
}
bool Tokenizer::add_bos() const {
  return vocab_->add_bos;
}
bool Tokenizer::add_eos() const {
  return vocab_->add_eos;
}
bool Tokenizer::add_sep() const {
  return vocab_->add_sep;
}
bool Tokenizer::add_space_prefix() const {
  return vocab_->add_space_prefix;
}

bool Tokenizer::IsEndOfGeneration(int32_t id) const {
  return IsValid(id) && vocab_->is_eog[id];
}
std::span<const int32_t> Tokenizer::EndOfGenerationIds() const {
  return vocab_->eog_ids;
}
bool Tokenizer::IsControl(int32_t id) const {
  return IsValid(id) && (vocab_->tokens[id].attr & kAttrControl);
}
bool Tokenizer::IsUserDefined(int32_t id) const {
  return IsValid(id) && (vocab_->tokens[id].attr & kAttrUserDefined);
}
bool Tokenizer::IsByte(int32_t id) const {
  return IsValid(id) && (vocab_->tokens[id].attr & kAttrByte);
}

}  // namespace corral::tokenizer
