// An embedding-only model (bert) through the engine: it is known as one, generation is refused with a clear
// error at every entry point, sequences packed into one forward pass do not see each other, and a sequence
// must come whole. (Agreement with llama.cpp's numbers: bert_embed_parity_test.cpp.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "engine/embedder.h"
#include "engine/generator.h"
#include "engine/prompt.h"
#include "engine/runner.h"
#include "gguf/writer.h"
#include "model/context.h"
#include "model/model.h"
#include "test_paths.h"
#include "testmodel/random_model.h"
#include "tokenizer/tokenizer.h"

namespace corral::engine {
namespace {

struct Bert {
  std::unique_ptr<model::Model> model;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
};

const Bert* GetBert() {
  static const std::unique_ptr<Bert> bert = []() -> std::unique_ptr<Bert> {
    auto vocab =
        gguf::File::Open((corral::testing::TestDataDir() / "models" / "ggml-vocab-bert-bge.gguf").string());
    if (!vocab.ok()) {
      ADD_FAILURE() << vocab.status().ToString() << " (run scripts/testdata)";
      return nullptr;
    }
    testmodel::ModelSpec spec;
    spec.arch = testmodel::Arch::kBert;
    spec.dim = 64;
    spec.layers = 2;
    spec.heads = 4;
    spec.kv_heads = 4;
    spec.ffn = 128;
    spec.ctx = 64;
    spec.seed = 3;
    spec.dtype = DType::kF32;
    gguf::Writer writer;
    if (Status s = testmodel::BuildRandomModel(*vocab, "bert-bge", spec, &writer); !s.ok()) {
      ADD_FAILURE() << s.ToString();
      return nullptr;
    }
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("corral-bert-test-" + std::to_string(::getpid()) + ".gguf");
    if (Status s = writer.Write(path.string()); !s.ok()) {
      ADD_FAILURE() << s.ToString();
      return nullptr;
    }
    auto model = model::Model::Load(path);
    std::filesystem::remove(path);  // the mapping stays valid
    if (!model.ok()) {
      ADD_FAILURE() << model.status().ToString();
      return nullptr;
    }
    auto tok = tokenizer::Tokenizer::FromGguf((*model)->file());
    if (!tok.ok()) {
      ADD_FAILURE() << tok.status().ToString();
      return nullptr;
    }
    auto out = std::make_unique<Bert>();
    out->model = std::move(*model);
    out->tokenizer = std::make_unique<tokenizer::Tokenizer>(std::move(*tok));
    return out;
  }();
  return bert.get();
}

std::unique_ptr<model::Context> EmbeddingContext(const model::Model& model, int n_seq) {
  auto context = model::Context::Create(model, {.n_ctx = 64,
                                                .n_batch_max = 64,
                                                .n_seq_max = n_seq,
                                                .n_threads = 2,
                                                .n_outputs_max = 64,
                                                .embeddings = true});
  EXPECT_TRUE(context.ok()) << context.status().ToString();
  return context.ok() ? std::move(*context) : nullptr;
}

TEST(Bert, IsKnownAsEmbeddingOnly) {
  const Bert* bert = GetBert();
  ASSERT_NE(bert, nullptr);
  const model::Config& config = bert->model->config();
  EXPECT_TRUE(config.is_embedding_only());
  EXPECT_FALSE(config.causal);
  EXPECT_EQ(config.pooling, model::Pooling::kMean);
  EXPECT_EQ(bert->tokenizer->kind(), tokenizer::TokenizerKind::kWpm);
}

TEST(Bert, CausalBertIsRefused) {
  // llama.cpp reads a bert without attention.causal = false as causal; corral runs bert bidirectionally
  // only, so such a file is refused rather than run differently.
  auto vocab =
      gguf::File::Open((corral::testing::TestDataDir() / "models" / "ggml-vocab-bert-bge.gguf").string());
  ASSERT_TRUE(vocab.ok()) << vocab.status().ToString();
  testmodel::ModelSpec spec;
  spec.arch = testmodel::Arch::kBert;
  spec.dim = 32;
  spec.layers = 1;
  spec.heads = 2;
  spec.kv_heads = 2;
  spec.ffn = 32;
  spec.ctx = 16;
  gguf::Writer writer;
  ASSERT_TRUE(testmodel::BuildRandomModel(*vocab, "bert-bge", spec, &writer).ok());
  writer.SetBool("bert.attention.causal", true);
  auto bytes = writer.ToBytes();
  ASSERT_TRUE(bytes.ok());
  auto file = gguf::File::FromBytes(*bytes);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto model = model::Model::FromFile(std::move(*file));
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kUnsupported) << model.status().ToString();
}

TEST(Bert, GenerationIsRefusedWithAClearError) {
  const Bert* bert = GetBert();
  ASSERT_NE(bert, nullptr);
  auto generation = model::Context::Create(*bert->model, {.n_ctx = 64});
  ASSERT_FALSE(generation.ok());
  EXPECT_EQ(generation.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(generation.status().message().find("embedding model"), std::string::npos)
      << generation.status().ToString();

  auto runner = Runner::Create(*bert->model, *bert->tokenizer, {.num_ctx = 64});
  ASSERT_FALSE(runner.ok());
  EXPECT_NE(runner.status().message().find("cannot generate"), std::string::npos)
      << runner.status().ToString();

  // Generate on an embedding context (the only kind such a model has) must not read logits that do not exist.
  std::unique_ptr<model::Context> context = EmbeddingContext(*bert->model, 1);
  ASSERT_NE(context, nullptr);
  sample::Sampler sampler({}, bert->tokenizer->n_vocab());
  const std::vector<int32_t> prompt = TokenizePrompt(*bert->tokenizer, "hello");
  auto result =
      Generate(*context, *bert->tokenizer, sampler, prompt, {}, [](std::string_view) { return true; });
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("cannot generate"), std::string::npos)
      << result.status().ToString();
}

TEST(Bert, SequencesInOneBatchDoNotSeeEachOther) {
  const Bert* bert = GetBert();
  ASSERT_NE(bert, nullptr);
  const std::vector<std::vector<int32_t>> inputs = {
      TokenizePrompt(*bert->tokenizer, "the cat sat on the mat"),
      TokenizePrompt(*bert->tokenizer, "Hello, world!"), TokenizePrompt(*bert->tokenizer, "x")};
  std::unique_ptr<model::Context> context = EmbeddingContext(*bert->model, 3);
  ASSERT_NE(context, nullptr);
  auto together = EmbedMany(*context, inputs);
  ASSERT_TRUE(together.ok()) << together.status().ToString();
  ASSERT_EQ(together->size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto alone = Embed(*context, inputs[i]);
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    ASSERT_EQ(alone->size(), 64u);
    double diff = 0, norm = 0;
    for (size_t d = 0; d < alone->size(); ++d) {
      diff = std::max(diff, std::fabs(static_cast<double>((*alone)[d] - (*together)[i][d])));
      norm = std::max(norm, std::fabs(static_cast<double>((*alone)[d])));
    }
    // Only float summation order may differ (another batch shape); attending to a neighbour would move the
    // vector by a good fraction of its size.
    EXPECT_LT(diff, 1e-4 * norm) << "input " << i;
  }
}

TEST(Bert, ASequenceMustComeWholeAndWithinThePositionTable) {
  const Bert* bert = GetBert();
  ASSERT_NE(bert, nullptr);
  std::unique_ptr<model::Context> context = EmbeddingContext(*bert->model, 1);
  ASSERT_NE(context, nullptr);
  model::Batch batch;
  batch.Add(101, 1, 0, true);  // does not start at position 0
  Status status = context->Decode(batch);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_NE(status.message().find("whole in one batch"), std::string::npos) << status.ToString();

  // The model has 64 position embeddings: a 65-token input cannot be embedded (and is refused, not read
  // out of bounds).
  std::vector<int32_t> long_input(65, 1000);
  auto context_wide = model::Context::Create(
      *bert->model,
      {.n_ctx = 128, .n_batch_max = 128, .n_threads = 1, .n_outputs_max = 128, .embeddings = true});
  ASSERT_TRUE(context_wide.ok());
  auto embedded = Embed(**context_wide, long_input);
  ASSERT_FALSE(embedded.ok());
  EXPECT_EQ(embedded.status().code(), StatusCode::kOutOfRange) << embedded.status().ToString();
}

}  // namespace
}  // namespace corral::engine
