// Tokenizer throughput: encoding 1 MB of mixed text (English prose, code, CJK, emoji) with a byte-level BPE
// vocab (Llama 3's llama-bpe) and a SentencePiece one (Llama 2's llama-spm), and decoding the result.
// Reports bytes/s. Vocabs come from the test data (CORRAL_TESTDATA or build/testdata).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "gguf/file.h"
#include "tokenizer/tokenizer.h"

namespace {

std::string VocabPath(const char* name) {
  const char* dir = std::getenv("CORRAL_TESTDATA");
  return std::string(dir != nullptr ? dir : "build/testdata") + "/models/ggml-vocab-" + name + ".gguf";
}

// About 1 MB: paragraphs of prose, code, CJK and emoji, repeated.
std::string MixedText() {
  const std::string block =
      "The quick brown fox jumps over the lazy dog. It's a well-known pangram, and we've used it for years; "
      "typists, font designers and programmers all rely on it.\n\n"
      "def tokenize(text: str) -> list[int]:\n    ids = []\n    for word in re.findall(r\"\\w+|\\S\", "
      "text):\n"
      "        ids.append(vocab.get(word, UNK))\n    return ids  # 42 tokens, 3.14 seconds\n\n"
      "東京は日本の首都です。人口は約一千四百万人で、世界最大級の都市圏を形成しています。\n"
      "大语言模型可以在本地运行，无需网络连接。\n"
      "Emoji: 🦙🦙 😀😃😄 👍🏽 🚀 — “quotes”, ½, and café déjà vu.\n\n";
  std::string text;
  while (text.size() < (1u << 20)) text += block;
  return text;
}

void BM_Encode(benchmark::State& state, const char* vocab) {
  auto file = corral::gguf::File::Open(VocabPath(vocab));
  if (!file.ok()) {
    state.SkipWithError(file.status().ToString().c_str());
    return;
  }
  auto tok = corral::tokenizer::Tokenizer::FromGguf(*file);
  if (!tok.ok()) {
    state.SkipWithError(tok.status().ToString().c_str());
    return;
  }
  const std::string text = MixedText();
  size_t n_tokens = 0;
  for (auto _ : state) {
    const std::vector<int32_t> ids = tok->Encode(text);
    n_tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(n_tokens);
}

void BM_Decode(benchmark::State& state, const char* vocab) {
  auto file = corral::gguf::File::Open(VocabPath(vocab));
  if (!file.ok()) {
    state.SkipWithError(file.status().ToString().c_str());
    return;
  }
  auto tok = corral::tokenizer::Tokenizer::FromGguf(*file);
  if (!tok.ok()) {
    state.SkipWithError(tok.status().ToString().c_str());
    return;
  }
  const std::string text = MixedText();
  const std::vector<int32_t> ids = tok->Encode(text);
  for (auto _ : state) {
    const std::string out = tok->Decode(ids);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

BENCHMARK_CAPTURE(BM_Encode, llama_bpe, "llama-bpe")->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK_CAPTURE(BM_Encode, llama_spm, "llama-spm")->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK_CAPTURE(BM_Decode, llama_bpe, "llama-bpe")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decode, llama_spm, "llama-spm")->Unit(benchmark::kMillisecond);

}  // namespace
