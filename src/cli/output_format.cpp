#include "cli/output_format.h"

#include <fstream>
#include <sstream>
#include <string>

#include "engine/generator.h"
#include "sample/grammar/gbnf.h"
#include "sample/grammar/json_grammar.h"
#include "sample/grammar/json_schema.h"

namespace corral::cli {

OutputFormat::OutputFormat(std::shared_ptr<const sample::grammar::Grammar> grammar,
                           sample::grammar::TokenTrie vocab)
    : vocab_(std::move(vocab)), matcher_(std::move(grammar), vocab_) {}

Result<std::unique_ptr<OutputFormat>> OutputFormat::Create(std::string_view format,
                                                           const tokenizer::Tokenizer& tok) {
  if (format.empty()) return std::unique_ptr<OutputFormat>();
  std::string gbnf;
  if (format == "json") {
    gbnf = sample::grammar::kJsonObjectGbnf;
  } else {
    std::string schema;
    if (format.front() == '{') {
      schema = format;
    } else {
      const std::string path(format.front() == '@' ? format.substr(1) : format);
      std::ifstream in(path);
      if (!in) return Status::InvalidArgument("--format: cannot read the JSON schema file '" + path + "'");
      std::stringstream text;
      text << in.rdbuf();
      schema = text.str();
    }
    Result<std::string> compiled = sample::grammar::JsonSchemaToGbnf(schema);
    if (!compiled.ok()) return Status::InvalidArgument("--format: " + compiled.status().message());
    gbnf = std::move(*compiled);
  }
  Result<std::shared_ptr<const sample::grammar::Grammar>> grammar = sample::grammar::ParseGbnf(gbnf);
  if (!grammar.ok()) return Status::InvalidArgument("--format: " + grammar.status().message());
  return std::unique_ptr<OutputFormat>(new OutputFormat(std::move(*grammar), engine::MakeTokenTrie(tok)));
}

}  // namespace corral::cli
