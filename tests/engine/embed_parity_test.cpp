// Embeddings against llama.cpp's (node-llama-cpp's embedding context through ../shared/peer's packages): a
// generative llama model has no pooling key, so both take the last token's final normed state, unnormalized.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/run_process.h"
#include "embed_reference.h"
#include "engine/embedder.h"
#include "engine/prompt.h"
#include "test_models.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

namespace corral::engine {
namespace {

namespace fs = std::filesystem;

TEST(EmbedParity, LastTokenStateEqualsLlamaCpp) {
  const fs::path dir = fs::temp_directory_path() / ("corral-embed-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path model_path = dir / "tiny.gguf";
  const corral::testing::ProcessResult made = corral::testing::WriteTestModel(
      model_path, "ggml-vocab-llama-bpe.gguf", {.dim = 128, .ffn = 256, .ctx = 512},
      {"--dtype", "f16", "--seed", "21"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::vector<std::string> texts = {"Hello world", "The quick brown fox jumps over the lazy dog.",
                                          "東京は日本の首都です。", "x"};
  std::string error;
  const nlohmann::json want = corral::testing::LlamaCppEmbeddings(model_path, texts, dir, error);
  ASSERT_TRUE(want.is_array()) << error;
  ASSERT_EQ(want.size(), texts.size());

  auto model = model::Model::Load(model_path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto tok = tokenizer::Tokenizer::FromGguf((*model)->file());
  ASSERT_TRUE(tok.ok());
  model::ContextOptions options;
  options.n_ctx = 512;
  options.n_batch_max = 512;
  options.n_outputs_max = 512;
  options.n_threads = 2;
  options.embeddings = true;
  auto context = model::Context::Create(**model, options);
  ASSERT_TRUE(context.ok()) << context.status().ToString();
  for (size_t t = 0; t < texts.size(); ++t) {
    // node-llama-cpp tokenizes embedding input with special tokens (BOS) and special-token text parsed.
    const std::vector<int32_t> ids = TokenizePrompt(*tok, texts[t]);
    Result<std::vector<float>> got = Embed(**context, ids);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), want[t].size()) << texts[t];
    double diff = 0, norm = 0, dot = 0, gg = 0, ww = 0;
    for (size_t i = 0; i < got->size(); ++i) {
      const double w = want[t][i].get<double>(), g = (*got)[i];
      diff = std::max(diff, std::fabs(g - w));
      norm = std::max(norm, std::fabs(w));
      dot += g * w;
      gg += g * g;
      ww += w * w;
    }
    const double cosine = dot / std::sqrt(gg * ww);
    // The same arithmetic up to float summation order, and activations rounded to f16 on their way into
    // the F16 matrices, where an order difference can flip a rounding: what embeddings are used for
    // (cosine similarity) must not see it, and no component may be off by more than 0.5 % of the largest.
    EXPECT_GT(cosine, 0.99999) << texts[t];
    EXPECT_LT(diff, 5e-3 * norm) << texts[t] << ": max |Δ| " << diff << " of max |x| " << norm;
    std::printf("%s: cosine 1 - %.2e, max |Δ| %.2e of %.2f\n", texts[t].c_str(), 1 - cosine, diff, norm);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace corral::engine
