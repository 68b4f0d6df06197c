// `corral tokenize MODEL [--text S] [--json] [--no-special] [--detokenize]`: the token ids of a text as
// llama.cpp tokenizes a prompt (BOS/EOS as the GGUF says, special-token text parsed), printed on one line
// separated by spaces, or as {"tokens": [...]} with --json. The text is --text, or all of stdin exactly as
// read (a trailing newline is part of it, as with llama.cpp's llama-tokenize --stdin). --no-special adds no
// BOS/EOS and tokenizes special-token text as plain text.
//
// --detokenize reads ids instead (separated by spaces, commas or newlines; brackets allowed) and prints
// their text, special tokens rendered unless --no-special; --json prints {"content": "..."}.
// Errors (missing file, not a GGUF, no tokenizer, a bad id) print one line on stderr and exit with 1.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "gguf/file.h"
#include "tokenizer/tokenizer.h"

namespace corral::cli {
namespace {

struct Options {
  std::string model_path;
  std::optional<std::string> text;
  bool json = false;
  bool no_special = false;
  bool detokenize = false;
};

void PrintError(const std::string& path, const Status& status) {
  std::string detail = status.message();
  const std::string prefix = path + ": ";
  if (detail.starts_with(prefix)) detail.erase(0, prefix.size());
  std::fprintf(stderr, "corral: %s: %s: %s\n", path.c_str(),
               std::string(StatusCodeName(status.code())).c_str(), detail.c_str());
}

Result<std::vector<int32_t>> ParseIds(std::string_view text, int32_t n_vocab) {
  std::vector<int32_t> ids;
  size_t i = 0;
  const auto is_separator = [](char c) {
    return c == ' ' || c == ',' || c == '\n' || c == '\r' || c == '\t' || c == '[' || c == ']';
  };
  while (i < text.size()) {
    if (is_separator(text[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && !is_separator(text[end])) ++end;
    const std::string_view word = text.substr(i, end - i);
    int32_t id = 0;
    const auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), id);
    if (ec != std::errc() || ptr != word.data() + word.size()) {
      return Status::InvalidArgument("not a token id: '" + std::string(word) + "'");
    }
    if (id < 0 || id >= n_vocab) {
      return Status::OutOfRange("token id " + std::string(word) + " is outside the vocabulary (0.." +
                                std::to_string(n_vocab - 1) + ")");
    }
    ids.push_back(id);
    i = end;
  }
  return ids;
}

int RunTokenize(const Options& options) {
  Result<gguf::File> file = gguf::File::Open(options.model_path);
  if (!file.ok()) {
    PrintError(options.model_path, file.status());
    return 1;
  }
  Result<tokenizer::Tokenizer> tok = tokenizer::Tokenizer::FromGguf(*file);
  if (!tok.ok()) {
    PrintError(options.model_path, tok.status());
    return 1;
  }
  std::string input;
  if (options.text.has_value()) {
    input = *options.text;
  } else {
    input.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  if (options.detokenize) {
    Result<std::vector<int32_t>> ids = ParseIds(input, tok->n_vocab());
    if (!ids.ok()) {
      std::fprintf(stderr, "corral: %s\n", ids.status().ToString().c_str());
      return 1;
    }
    const std::string text = tok->Decode(*ids, /*render_special=*/!options.no_special);
    if (options.json) {
      // Decoded bytes need not be valid UTF-8 (a byte token alone); replace rather than fail.
      std::printf("%s\n", nlohmann::json{{"content", text}}
                              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                              .c_str());
    } else {
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fputc('\n', stdout);
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  const std::vector<int32_t> ids = tok->Encode(input, !options.no_special, !options.no_special);
  if (options.json) {
    std::printf("%s\n", nlohmann::json{{"tokens", ids}}.dump().c_str());
  } else {
    std::string line;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) line += ' ';
      line += std::to_string(ids[i]);
    }
    std::printf("%s\n", line.c_str());
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

void RegisterTokenizeCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("tokenize", "Print the token ids of a text (stdin or --text) for a model");
  cmd->add_option("model", options->model_path, "GGUF model (or vocab) file")->required();
  cmd->add_option("--text", options->text, "The text (default: all of stdin)");
  cmd->add_flag("--json", options->json, "Print JSON: {\"tokens\": [...]} (or {\"content\": ...})");
  cmd->add_flag(
      "--no-special", options->no_special,
      "Add no BOS/EOS and treat special-token text as plain text (with --detokenize: hide special tokens)");
  cmd->add_flag("--detokenize", options->detokenize, "Read token ids and print their text");
  cmd->callback([options, &exit_code] { exit_code = RunTokenize(*options); });
}

}  // namespace corral::cli
