// Test helpers: open a vocab GGUF of the test data as a Tokenizer, and read llama.cpp's tokenizer cases
// (models/ggml-vocab-NAME.gguf.inp/.out, the files test-tokenizer-0 runs).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gguf/file.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

namespace corral::testing {

inline std::string VocabPath(const std::string& name) {
  return (TestDataDir() / "models" / ("ggml-vocab-" + name + ".gguf")).string();
}

inline tokenizer::Tokenizer LoadTokenizerUncached(const std::string& name) {
  auto file = gguf::File::Open(VocabPath(name));
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  if (!file.ok()) std::abort();
  auto tok = tokenizer::Tokenizer::FromGguf(*file);
  EXPECT_TRUE(tok.ok()) << name << ": " << tok.status().ToString();
  if (!tok.ok()) std::abort();
  return std::move(tok).value();
}

// One Tokenizer per vocab for the whole test binary: loading a 128k-262k vocab costs seconds under ASan.
inline const tokenizer::Tokenizer& LoadTokenizer(const std::string& name) {
  static std::map<std::string, std::unique_ptr<tokenizer::Tokenizer>> cache;
  std::unique_ptr<tokenizer::Tokenizer>& slot = cache[name];
  if (slot == nullptr) slot = std::make_unique<tokenizer::Tokenizer>(LoadTokenizerUncached(name));
  return *slot;
}

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// ref.mjs adds BOS/EOS from llama_vocab_get_add_bos/eos; llama_tokenize with add_special also ends a
// WordPiece sequence with [SEP] (llama-vocab.cpp's WPM branch), as node-llama-cpp's embedding input does.
inline std::vector<int32_t> WithSep(const tokenizer::Tokenizer& tok, std::vector<int32_t> ids) {
  if (tok.kind() == tokenizer::TokenizerKind::kWpm) ids.push_back(tok.sep());
  return ids;
}

struct VocabCase {
  std::string text;
  std::vector<int32_t> ids;
};

// test-tokenizer-0's format: inputs separated by "\n__ggml_vocab_test__\n"; one line of ids per input.
inline std::vector<VocabCase> ReadVocabCases(const std::string& name) {
  const std::string inp = ReadWholeFile(VocabPath(name) + ".inp");
  const std::string out = ReadWholeFile(VocabPath(name) + ".out");
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  for (size_t pos = 0; pos < inp.size();) {
    const size_t next = inp.find(separator, pos);
    if (next == std::string::npos) {
      texts.push_back(inp.substr(pos));
      break;
    }
    texts.push_back(inp.substr(pos, next - pos));
    pos = next + separator.size();
  }
  std::vector<VocabCase> cases;
  std::istringstream lines(out);
  std::string line;
  for (const std::string& text : texts) {
    if (!std::getline(lines, line)) break;
    VocabCase c{text, {}};
    std::istringstream ids(line);
    for (int32_t id = 0; ids >> id;) c.ids.push_back(id);
    cases.push_back(std::move(c));
  }
  EXPECT_EQ(cases.size(), texts.size()) << name << ": .inp and .out disagree on the number of cases";
  return cases;
}

}  // namespace corral::testing
