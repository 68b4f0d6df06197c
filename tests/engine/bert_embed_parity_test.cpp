// BERT embeddings against llama.cpp's (node-llama-cpp's embedding context, embed_ref.mjs): random-weight
// bert and nomic-bert models from corral-testmodel with the bert-bge WordPiece vocab, mean and CLS pooling,
// each text
// embedded alone (engine::Embed) and all texts packed into one forward pass as separate sequences
// (engine::EmbedMany), which must not see each other.
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

struct Agreement {
  double cosine;
  double max_diff;
  double max_abs;
};

Agreement Compare(const std::vector<float>& got, const nlohmann::json& want) {
  double diff = 0, norm = 0, dot = 0, gg = 0, ww = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double w = want[i].get<double>(), g = got[i];
    diff = std::max(diff, std::fabs(g - w));
    norm = std::max(norm, std::fabs(w));
    dot += g * w;
    gg += g * g;
    ww += w * w;
  }
  return {dot / std::sqrt(gg * ww), diff, norm};
}

struct Variant {
  std::string arch;
  std::string pooling;
};

class BertEmbedParity : public ::testing::TestWithParam<Variant> {};

TEST_P(BertEmbedParity, EqualsLlamaCppAloneAndBatched) {
  const std::string& arch = GetParam().arch;
  const std::string& pooling = GetParam().pooling;
  const fs::path dir =
      fs::temp_directory_path() / ("corral-" + arch + "-" + pooling + "-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path model_path = dir / "bert.gguf";
  const corral::testing::ProcessResult made = corral::testing::WriteTestModel(
      model_path, "ggml-vocab-bert-bge.gguf",
      {.dim = 128, .layers = 2, .heads = 4, .kv_heads = 4, .ffn = 512, .ctx = 512},
      {"--arch", arch, "--dtype", "f16", "--seed", "11", "--pooling", pooling});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::vector<std::string> texts = {"Hello world",
                                          "The quick brown fox jumps over the lazy dog.",
                                          "Äpfel und Birnen, s'il vous plaît!",
                                          "東京は日本の首都です。",
                                          "x",
                                          "An unknownwordthatwillbesplitintopieces, and 3.14159 digits"};
  std::string error;
  const nlohmann::json want = corral::testing::LlamaCppEmbeddings(model_path, texts, dir, error);
  ASSERT_TRUE(want.is_array()) << error;
  ASSERT_EQ(want.size(), texts.size());

  auto model = model::Model::Load(model_path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  ASSERT_TRUE((*model)->config().is_embedding_only());
  auto tok = tokenizer::Tokenizer::FromGguf((*model)->file());
  ASSERT_TRUE(tok.ok());
  model::ContextOptions options;
  options.n_ctx = 512;
  options.n_batch_max = 512;
  options.n_outputs_max = 512;
  options.n_seq_max = static_cast<int>(texts.size());
  options.n_threads = 2;
  options.embeddings = true;
  auto context = model::Context::Create(**model, options);
  ASSERT_TRUE(context.ok()) << context.status().ToString();

  std::vector<std::vector<int32_t>> inputs;
  for (const std::string& text : texts) {
    // node-llama-cpp wraps the text in [CLS] ... [SEP], as llama_tokenize does with add_special.
    inputs.push_back(TokenizePrompt(*tok, text));
    ASSERT_EQ(inputs.back().front(), tok->bos());
    ASSERT_EQ(inputs.back().back(), tok->sep());
  }
  Result<std::vector<std::vector<float>>> batched = EmbedMany(**context, inputs);
  ASSERT_TRUE(batched.ok()) << batched.status().ToString();
  ASSERT_EQ(batched->size(), texts.size());
  for (size_t t = 0; t < texts.size(); ++t) {
    Result<std::vector<float>> alone = Embed(**context, inputs[t]);
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    ASSERT_EQ(alone->size(), want[t].size()) << texts[t];
    for (const auto& [label, got] :
         {std::pair<const char*, const std::vector<float>*>{"alone", &*alone}, {"batched", &(*batched)[t]}}) {
      const Agreement a = Compare(*got, want[t]);
      // llama.cpp keeps q, k, v in f32 without a cache; the F16 matrices round the activations to f16 on the
      // way in, where a different summation order can flip a rounding: cosine must not see it, and no
      // component may be off by more than 0.5 % of the largest.
      EXPECT_GT(a.cosine, 0.9999) << label << ": " << texts[t];
      EXPECT_LT(a.max_diff, 5e-3 * a.max_abs) << label << ": " << texts[t];
      std::printf("%s %s %s '%s': cosine 1 - %.2e, max |Δ| %.2e of %.2f\n", arch.c_str(), pooling.c_str(),
                  label, texts[t].c_str(), 1 - a.cosine, a.max_diff, a.max_abs);
    }
  }
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(ArchAndPooling, BertEmbedParity,
                         ::testing::Values(Variant{"bert", "mean"}, Variant{"bert", "cls"},
                                           Variant{"nomic-bert", "mean"}),
                         [](const auto& info) {
                           std::string name = info.param.arch + "_" + info.param.pooling;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace corral::engine
