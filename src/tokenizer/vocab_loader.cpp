// Reads tokenizer.ggml.* the way llama.cpp's llama_vocab::impl::load does, including its by-text
// corrections of special tokens (a GGUF converted before a key existed still gets EOT/EOG right).
#include <algorithm>
#include <cctype>
#include <span>
#include <utility>

#include "tokenizer/codec.h"

namespace corral::tokenizer {
namespace {

// tokenizer.ggml.token_type values (llama.h: llama_token_type).
uint32_t AttrFromTokenType(int32_t type) {
  switch (type) {
    case 1:
      return kAttrNormal;
    case 2:
      return kAttrUnknown;
    case 3:
      return kAttrControl;
    case 4:
      return kAttrUserDefined;
    case 5:
      return kAttrUnused;
    case 6:
      return kAttrByte;
    default:
      return kAttrUndefined;
  }
}

bool IsOneOf(std::string_view text, std::span<const std::string_view> names) {
  return std::find(names.begin(), names.end(), text) != names.end();
}

// llama.cpp looks these up by text when the GGUF has no id for them, and makes them CONTROL.
constexpr std::string_view kEotNames[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",         "<|endoftext|>",     "<|end_of_text|>",
    "<EOT>",      "_<EOT>",     "[EOT]",   "<｜end▁of▁sentence｜>", "<end_of_utterance>"};
constexpr std::string_view kEomNames[] = {"<|eom_id|>"};
constexpr std::string_view kFimPreNames[] = {"<|fim_prefix|>",  "<fim-prefix>", "<fim_prefix>",
                                             "<｜fim▁begin｜>", "<PRE>",        "▁<PRE>",
                                             "<|code_prefix|>", "<|prefix|>"};
constexpr std::string_view kFimSufNames[] = {"<|fim_suffix|>",  "<fim-suffix>", "<fim_suffix>",
                                             "<｜fim▁hole｜>",  "<SUF>",        "▁<SUF>",
                                             "<|code_suffix|>", "<|suffix|>"};
constexpr std::string_view kFimMidNames[] = {"<|fim_middle|>",  "<fim-middle>", "<fim_middle>",
                                             "<｜fim▁end｜>",   "<MID>",        "▁<MID>",
                                             "<|code_middle|>", "<|middle|>"};
constexpr std::string_view kFimPadNames[] = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"};
constexpr std::string_view kFimRepNames[] = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
                                             "<reponame>"};
constexpr std::string_view kFimSepNames[] = {"<|file_sep|>"};
// Tokens llama.cpp treats as end of generation by their text.
constexpr std::string_view kEogNames[] = {"<|eot_id|>",
                                          "<|im_end|>",
                                          "<|end|>",
                                          "<|return|>",
                                          "<|call|>",
                                          "<|flush|>",
                                          "<|calls|>",
                                          "<end_of_turn>",
                                          "<|endoftext|>",
                                          "</s>",
                                          "<|eom_id|>",
                                          "<EOT>",
                                          "_<EOT>",
                                          "[EOT]",
                                          "[EOS]",
                                          "<|end_of_text|>",
                                          "<end_of_utterance>",
                                          "<eos>",
                                          "<turn|>",
                                          "<|tool_response>",
                                          "<｜end▁of▁sentence｜>",
                                          "[e~["};

// gpt-oss's message framing tokens, which llama.cpp always renders.
constexpr std::string_view kAlwaysRenderedNames[] = {"<|channel|>", "<|message|>", "<|start|>",
                                                     "<|constrain|>"};

Status ReadTokens(const gguf::File& file, Vocab& vocab) {
  auto texts = file.GetStringArray("tokenizer.ggml.tokens");
  if (!texts.ok()) {
    return texts.status().code() == StatusCode::kNotFound
               ? Status::NotFound("no tokenizer in this GGUF (tokenizer.ggml.tokens is missing)")
               : texts.status();
  }
  const size_t n = texts->size();
  if (n == 0 || n > (size_t{1} << 31) - 1) return Status::Corrupt("tokenizer.ggml.tokens: bad token count");
  std::vector<float> scores;
  if (file.Find("tokenizer.ggml.scores") != nullptr) {
    CORRAL_ASSIGN_OR_RETURN(scores, file.GetF32Array("tokenizer.ggml.scores"));
    if (scores.size() < n) return Status::Corrupt("tokenizer.ggml.scores: fewer scores than tokens");
  }
  std::vector<int32_t> types;
  if (file.Find("tokenizer.ggml.token_type") != nullptr) {
    CORRAL_ASSIGN_OR_RETURN(types, file.GetI32Array("tokenizer.ggml.token_type"));
    if (types.size() < n) return Status::Corrupt("tokenizer.ggml.token_type: fewer types than tokens");
  }
  vocab.tokens.resize(n);
  for (size_t i = 0; i < n; ++i) {
    TokenData& token = vocab.tokens[i];
    token.text = (*texts)[i].empty() ? "[EMPTY_" + std::to_string(i) + "]" : std::string((*texts)[i]);
    token.score = scores.empty() ? 0.0f : scores[i];
    token.attr = types.empty() ? kAttrNormal : AttrFromTokenType(types[i]);
  }
  vocab.ids.reserve(n);
  for (size_t i = 0; i < n; ++i) vocab.ids.insert_or_assign(vocab.tokens[i].text, static_cast<int32_t>(i));
  return Status::Ok();
}

Status ReadMerges(const gguf::File& file, Vocab& vocab) {
  auto lines = file.GetStringArray("tokenizer.ggml.merges");
  if (!lines.ok()) {
    return lines.status().code() == StatusCode::kNotFound
               ? Status::NotFound("BPE tokenizer without tokenizer.ggml.merges")
               : lines.status();
  }
  vocab.merges.reserve(lines->size());
  std::string joined;
  for (size_t rank = 0; rank < lines->size(); ++rank) {
    const std::string_view line = (*lines)[rank];
    // The halves are split at the first space after position 0 (a half may itself be a lone space).
    const size_t space = line.size() > 1 ? line.find(' ', 1) : std::string_view::npos;
    const std::string_view left =
        space == std::string_view::npos ? std::string_view() : line.substr(0, space);
    const std::string_view right =
        space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    joined.assign(left);
    joined += right;
    const Vocab::Merge merge{static_cast<int32_t>(rank), vocab.Find(joined)};
    const int32_t left_id = vocab.Find(left);
    const int32_t right_id = vocab.Find(right);
    // llama.cpp's map keeps the first rank of a repeated pair (emplace).
    if (left_id != kNoToken && right_id != kNoToken) {
      vocab.merges.emplace(Vocab::PairKey(left_id, right_id), merge);
    } else {
      vocab.merges_by_text.emplace(std::string(left) + '\n' + std::string(right), merge);
    }
  }
  return Status::Ok();
}

Status ReadWordPieceOptions(const gguf::File& file, Vocab& vocab) {
  CORRAL_ASSIGN_OR_RETURN(vocab.wpm_lowercase,
                          file.GetBoolOr("tokenizer.ggml.normalizer.lowercase", vocab.wpm_lowercase));
  CORRAL_ASSIGN_OR_RETURN(vocab.wpm_strip_accents,
                          file.GetBoolOr("tokenizer.ggml.normalizer.strip_accents", vocab.wpm_lowercase));
  for (const TokenData& token : vocab.tokens)
    vocab.max_token_bytes = std::max(vocab.max_token_bytes, token.text.size());
  return Status::Ok();
}

Status ReadSpecialIds(const gguf::File& file, Vocab& vocab) {
  const int32_t n = static_cast<int32_t>(vocab.tokens.size());
  const std::pair<const char*, int32_t*> keys[] = {
      {"tokenizer.ggml.bos_token_id", &vocab.bos},
      {"tokenizer.ggml.eos_token_id", &vocab.eos},
      {"tokenizer.ggml.eot_token_id", &vocab.eot},
      {"tokenizer.ggml.eom_token_id", &vocab.eom},
      {"tokenizer.ggml.unknown_token_id", &vocab.unk},
      {"tokenizer.ggml.seperator_token_id", &vocab.sep},
      {"tokenizer.ggml.padding_token_id", &vocab.pad},
      {"tokenizer.ggml.mask_token_id", &vocab.mask},
      {"tokenizer.ggml.fim_pre_token_id", &vocab.fim_pre},
      {"tokenizer.ggml.fim_suf_token_id", &vocab.fim_suf},
      {"tokenizer.ggml.fim_mid_token_id", &vocab.fim_mid},
      {"tokenizer.ggml.fim_pad_token_id", &vocab.fim_pad},
      {"tokenizer.ggml.fim_rep_token_id", &vocab.fim_rep},
      {"tokenizer.ggml.fim_sep_token_id", &vocab.fim_sep},
      {"tokenizer.ggml.prefix_token_id", &vocab.fim_pre},
      {"tokenizer.ggml.suffix_token_id", &vocab.fim_suf},
      {"tokenizer.ggml.middle_token_id", &vocab.fim_mid},
  };
  for (const auto& [key, id] : keys) {
    if (*id >= n) *id = kNoToken;  // a default beyond the vocab is disabled
    if (file.Find(key) == nullptr) continue;
    CORRAL_ASSIGN_OR_RETURN(uint32_t value, file.GetU32(key));
    // An out-of-range id in the file keeps the default, as llama.cpp does (with a warning).
    if (value < static_cast<uint32_t>(n)) *id = static_cast<int32_t>(value);
  }
  CORRAL_ASSIGN_OR_RETURN(vocab.add_bos, file.GetBoolOr("tokenizer.ggml.add_bos_token", vocab.add_bos));
  CORRAL_ASSIGN_OR_RETURN(vocab.add_eos, file.GetBoolOr("tokenizer.ggml.add_eos_token", vocab.add_eos));
  CORRAL_ASSIGN_OR_RETURN(vocab.add_sep, file.GetBoolOr("tokenizer.ggml.add_sep_token", vocab.add_sep));
  // llama.cpp forces BOS on for Gemma 4 (ggml-org/llama.cpp#21500).
  if (vocab.pre.name == "gemma4") vocab.add_bos = true;
  if (vocab.add_bos && vocab.bos == kNoToken) return Status::Corrupt("the tokenizer adds a BOS but has none");
  if (vocab.add_eos && vocab.eos == kNoToken)
    return Status::Corrupt("the tokenizer adds an EOS but has none");
  return Status::Ok();
}

void MarkControl(Vocab& vocab, int32_t id) {
  vocab.tokens[id].attr |= kAttrControl;
}

// The by-text corrections of llama_vocab::impl::load. llama.cpp walks an unordered_map there, so when a
// vocab holds two candidates for one role the one it picks is unspecified; corral takes the lowest id.
void ApplyTextRules(Vocab& vocab) {
  const int32_t n = static_cast<int32_t>(vocab.tokens.size());
  const std::pair<std::span<const std::string_view>, int32_t*> roles[] = {
      {kEotNames, &vocab.eot},        {kEomNames, &vocab.eom},        {kFimPreNames, &vocab.fim_pre},
      {kFimSufNames, &vocab.fim_suf}, {kFimMidNames, &vocab.fim_mid}, {kFimPadNames, &vocab.fim_pad},
      {kFimRepNames, &vocab.fim_rep}, {kFimSepNames, &vocab.fim_sep},
  };
  for (const auto& [names, role] : roles) {
    if (*role != kNoToken) continue;
    for (int32_t id = 0; id < n; ++id) {
      if (IsOneOf(vocab.tokens[id].text, names) && vocab.Find(vocab.tokens[id].text) == id) {
        *role = id;
        MarkControl(vocab, id);
        break;
      }
    }
  }
  // Control tokens named "...unused..." are unused.
  for (TokenData& token : vocab.tokens) {
    if ((token.attr & kAttrControl) && token.text.find("unused") != std::string::npos)
      token.attr |= kAttrUnused;
  }

  std::vector<int32_t> eog;
  for (int32_t id : {vocab.fim_pad, vocab.fim_rep, vocab.fim_sep}) {
    if (id != kNoToken) eog.push_back(id);
  }
  for (int32_t id = 0; id < n; ++id) {
    if (IsOneOf(vocab.tokens[id].text, kEogNames) && vocab.Find(vocab.tokens[id].text) == id) {
      eog.push_back(id);
      MarkControl(vocab, id);
    }
  }
  for (int32_t id = 0; id < n; ++id) {
    if (IsOneOf(vocab.tokens[id].text, kAlwaysRenderedNames) && vocab.Find(vocab.tokens[id].text) == id) {
      vocab.tokens[id].attr = kAttrUserDefined;
    }
  }
  for (int32_t id : {vocab.eos, vocab.eot, vocab.eom}) {
    if (id != kNoToken) eog.push_back(id);
  }
  std::sort(eog.begin(), eog.end());
  eog.erase(std::unique(eog.begin(), eog.end()), eog.end());

  const auto has_text = [&](std::string_view text) {
    return std::any_of(eog.begin(), eog.end(), [&](int32_t id) { return vocab.tokens[id].text == text; });
  };
  const auto drop = [&](std::string_view text, uint32_t new_attr) {
    for (auto it = eog.begin(); it != eog.end(); ++it) {
      if (vocab.tokens[*it].text == text) {
        vocab.tokens[*it].attr = new_attr;
        eog.erase(it);
        return;
      }
    }
  };
  // o200k_harmony / solar-open: "<|end|>" ends a message, not the generation.
  const bool has_call = has_text("<|call|>") || has_text("<|calls|>");
  if (has_text("<|end|>") && has_call && (has_text("<|return|>") || has_text("<|flush|>"))) {
    drop("<|end|>", kAttrUserDefined);
  }
  // gemma4 / paddleocr: "</s>" is an ordinary token when "<|tool_response>" exists.
  if (has_text("<|tool_response>") && has_text("</s>")) drop("</s>", kAttrNormal);

  vocab.eog_ids = std::move(eog);
  vocab.is_eog.assign(n, false);
  for (int32_t id : vocab.eog_ids) vocab.is_eog[id] = true;
}

Status ApplyModelSpecificAttributes(const gguf::File& file, Vocab& vocab) {
  CORRAL_ASSIGN_OR_RETURN(std::string_view name_view, file.GetStringOr("general.name", ""));
  CORRAL_ASSIGN_OR_RETURN(std::string_view arch, file.GetStringOr("general.architecture", ""));
  std::string name(name_view);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto set_attr = [&](std::string_view text, uint32_t attr, bool on) {
    const int32_t id = vocab.Find(text);
    if (id == kNoToken) return;
    vocab.tokens[id].attr = on ? (vocab.tokens[id].attr | attr) : (vocab.tokens[id].attr & ~attr);
  };
  const std::string& pre = vocab.pre.name;
  if (pre.find("jina-v2-de") != std::string::npos || pre.find("jina-v2-es") != std::string::npos ||
      pre.find("jina-v2-code") != std::string::npos ||
      arch.find("nomic-bert-moe") != std::string_view::npos ||
      arch.find("jina-bert-v3") != std::string_view::npos) {
    set_attr("<mask>", kAttrLstrip, true);
  } else if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
    // Phi-3's special tokens swallow the whitespace after them (HF rstrip=True), except these three.
    for (int32_t id : vocab.special_tokens) vocab.tokens[id].attr |= kAttrRstrip;
    set_attr("</s>", kAttrRstrip, true);
    for (std::string_view text : {"<unk>", "<s>", "<|endoftext|>"}) set_attr(text, kAttrRstrip, false);
  } else if (name.find("modern-bert") != std::string::npos) {
    set_attr("[MASK]", kAttrLstrip, true);
  }
  return Status::Ok();
}

}  // namespace

const Vocab::Merge* Vocab::FindMerge(int32_t left_id, std::string_view left, int32_t right_id,
                                     std::string_view right) const {
  if (left_id != kNoToken && right_id != kNoToken) {
    const auto it = merges.find(PairKey(left_id, right_id));
    if (it != merges.end()) return &it->second;
  }
  if (merges_by_text.empty()) return nullptr;
  std::string key(left);
  key += '\n';
  key += right;
  const auto it = merges_by_text.find(key);
  return it == merges_by_text.end() ? nullptr : &it->second;
}

int32_t Vocab::ByteToken(uint8_t byte) const {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const char name[6] = {'<', '0', 'x', kHex[byte >> 4], kHex[byte & 15], '>'};
  const int32_t id = Find(std::string_view(name, 6));
  if (id != kNoToken) return id;
  const char raw = static_cast<char>(byte);
  return Find(std::string_view(&raw, 1));
}

Result<std::unique_ptr<Vocab>> LoadVocab(const gguf::File& file) {
  auto vocab = std::make_unique<Vocab>();
  auto model = file.GetString("tokenizer.ggml.model");
  if (!model.ok()) {
    return model.status().code() == StatusCode::kNotFound
               ? Status::NotFound("no tokenizer in this GGUF (tokenizer.ggml.model is missing)")
               : model.status();
  }
  vocab->model_name = std::string(*model);
  CORRAL_ASSIGN_OR_RETURN(std::string_view pre, file.GetStringOr("tokenizer.ggml.pre", ""));
  if (vocab->model_name == "llama") {
    vocab->kind = VocabKind::kSpm;
    vocab->bos = 1;
    vocab->eos = 2;
    vocab->unk = 0;
    vocab->add_space_prefix = true;
    vocab->add_bos = true;
    vocab->clean_spaces = false;
    vocab->pre.name = "default";
  } else if (vocab->model_name == "gpt2" || vocab->model_name == "gemma4") {
    vocab->kind = VocabKind::kBpe;
    const bool gemma4 = vocab->model_name == "gemma4";
    if (!gemma4) vocab->bos = vocab->eos = 11;  // llama.cpp's GPT-2 defaults
    CORRAL_ASSIGN_OR_RETURN(vocab->pre, LookupPreType(gemma4 ? "gemma4" : pre));
    if (vocab->pre.clear_bos) vocab->bos = kNoToken;
    vocab->add_bos = vocab->pre.force_add_bos;
    vocab->clean_spaces = vocab->pre.clean_spaces;
    vocab->escape_whitespaces = vocab->pre.escape_whitespaces;
    CORRAL_ASSIGN_OR_RETURN(PreTokenizer splitter, PreTokenizer::Create(vocab->pre.regexes));
    vocab->pre_tokenizer.emplace(std::move(splitter));
  } else if (vocab->model_name == "bert") {
    // llama.cpp's WordPiece defaults: [CLS] 101 begins and [SEP] 102 ends every sequence, [UNK] 100.
    vocab->kind = VocabKind::kWpm;
    vocab->bos = 101;
    vocab->unk = 100;
    vocab->sep = 102;
    vocab->pad = 0;
    vocab->mask = 103;
    vocab->add_bos = true;
    vocab->add_sep = true;
    vocab->clean_spaces = true;
    vocab->pre.name = "default";
  } else {
    return Status::Unsupported(
        "tokenizer model '" + vocab->model_name +
        "' is not supported (corral has BPE 'gpt2'/'gemma4', SentencePiece 'llama' and "
        "WordPiece 'bert')");
  }
  CORRAL_ASSIGN_OR_RETURN(vocab->add_space_prefix,
                          file.GetBoolOr("tokenizer.ggml.add_space_prefix", vocab->add_space_prefix));
  CORRAL_RETURN_IF_ERROR(ReadTokens(file, *vocab));
  if (vocab->kind == VocabKind::kWpm) CORRAL_RETURN_IF_ERROR(ReadWordPieceOptions(file, *vocab));
  if (vocab->kind == VocabKind::kBpe) CORRAL_RETURN_IF_ERROR(ReadMerges(file, *vocab));
  CORRAL_RETURN_IF_ERROR(ReadSpecialIds(file, *vocab));
  ApplyTextRules(*vocab);

  const int32_t n = static_cast<int32_t>(vocab->tokens.size());
  for (const TokenData& token : vocab->tokens) {
    if (Utf8SequenceLength(static_cast<uint8_t>(token.text[0])) >= token.text.size()) continue;
    for (char c : token.text) vocab->spm_joinable_byte[static_cast<uint8_t>(c)] = true;
  }
  for (int32_t id = 0; id < n; ++id) {
    if (vocab->tokens[id].attr & (kAttrControl | kAttrUserDefined | kAttrUnknown)) {
      vocab->special_tokens.push_back(id);
    }
  }
  std::stable_sort(vocab->special_tokens.begin(), vocab->special_tokens.end(), [&](int32_t a, int32_t b) {
    return vocab->tokens[a].text.size() > vocab->tokens[b].text.size();
  });
  vocab->pieces.reserve(n);
  for (int32_t id = 0; id < n; ++id) vocab->pieces.push_back(RenderPiece(*vocab, id));
  CORRAL_RETURN_IF_ERROR(ApplyModelSpecificAttributes(file, *vocab));
  return vocab;
}

}  // namespace corral::tokenizer
