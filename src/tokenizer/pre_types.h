// What a BPE vocab's `tokenizer.ggml.pre` value means to llama.cpp (llama-vocab.cpp, llama_vocab::impl::load
// and llm_tokenizer_bpe): the regex list that splits text into words, and the flags the name switches.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace corral::tokenizer {

struct PreType {
  std::string name;                  // canonical name ("default" when the key is absent)
  std::vector<std::string> regexes;  // llama.cpp's spelling, applied in order
  bool ignore_merges = false;        // a word that is itself a vocab entry is emitted whole
  bool clean_spaces = true;          // detokenize drops " ," style spaces (clean_up_tokenization_spaces)
  bool force_add_bos = false;        // add_bos = true unless the GGUF says otherwise
  bool clear_bos = false;            // glm4: the model has no BOS
  bool escape_whitespaces = false;   // gemma4: spaces become U+2581 before BPE
  bool byte_encode = true;           // GPT-2 byte-level alphabet; false: raw UTF-8 with <0xXX> fallback
};

// Unsupported for a name llama.cpp does not know, or one corral does not implement (the message says which).
Result<PreType> LookupPreType(std::string_view pre);

}  // namespace corral::tokenizer
