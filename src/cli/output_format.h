// `corral run --format`: constrained output as Ollama's `format` field asks for it. "json" is JSON mode (one
// JSON object); anything else names a JSON-schema file ("@schema.json" or a plain path), or is the schema
// itself when it starts with '{'. The result owns the grammar matcher Generate uses.
#pragma once

#include <memory>
#include <string_view>

#include "base/status.h"
#include "sample/grammar/matcher.h"
#include "tokenizer/tokenizer.h"

namespace corral::cli {

class OutputFormat {
 public:
  // Null (no constraint) for an empty format. InvalidArgument for an unreadable file, a schema that is not
  // JSON, an unsupported schema keyword (named), or a grammar error.
  static Result<std::unique_ptr<OutputFormat>> Create(std::string_view format,
                                                      const tokenizer::Tokenizer& tok);

  sample::grammar::Matcher& matcher() { return matcher_; }

 private:
  OutputFormat(std::shared_ptr<const sample::grammar::Grammar> grammar, sample::grammar::TokenTrie vocab);
  sample::grammar::TokenTrie vocab_;
  sample::grammar::Matcher matcher_;
};

}  // namespace corral::cli
