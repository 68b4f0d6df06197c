// A tiny random-weight llama (llama-bpe vocab, 128k tokens) written once per test binary, with its tokenizer
// and a Context, for generation tests that run in milliseconds per token.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "gguf/writer.h"
#include "model/context.h"
#include "model/model.h"
#include "test_paths.h"
#include "testmodel/random_model.h"
#include "tokenizer/tokenizer.h"

namespace corral::engine::testing {

struct TinyModel {
  std::unique_ptr<model::Model> model;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;

  std::unique_ptr<model::Context> NewContext(int n_ctx) const {
    auto context = model::Context::Create(*model, {.n_ctx = n_ctx, .n_batch_max = 64, .n_threads = 1});
    EXPECT_TRUE(context.ok()) << context.status().ToString();
    return context.ok() ? std::move(*context) : nullptr;
  }
};

// Null (with a test failure) when the vocab GGUF is missing or the model cannot be written.
inline const TinyModel* GetTinyModel() {
  static const std::unique_ptr<TinyModel> tiny = []() -> std::unique_ptr<TinyModel> {
    const std::filesystem::path vocab_path =
        corral::testing::TestDataDir() / "models" / "ggml-vocab-llama-bpe.gguf";
    auto vocab = gguf::File::Open(vocab_path.string());
    if (!vocab.ok()) {
      ADD_FAILURE() << vocab.status().ToString() << " (run scripts/testdata)";
      return nullptr;
    }
    testmodel::ModelSpec spec;
    spec.dim = 64;
    spec.layers = 1;
    spec.heads = 2;
    spec.kv_heads = 1;
    spec.ffn = 128;
    spec.ctx = 512;
    spec.seed = 7;
    spec.logit_std = 2;  // flat enough that sampling visits many tokens
    spec.dtype = DType::kF32;
    gguf::Writer writer;
    Status built = testmodel::BuildRandomModel(*vocab, "llama-bpe", spec, &writer);
    if (!built.ok()) {
      ADD_FAILURE() << built.ToString();
      return nullptr;
    }
    const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                       ("corral-engine-test-" + std::to_string(::getpid()) + ".gguf");
    Status written = writer.Write(path.string());
    if (!written.ok()) {
      ADD_FAILURE() << written.ToString();
      return nullptr;
    }
    auto out = std::make_unique<TinyModel>();
    auto loaded = model::Model::Load(path);
    std::filesystem::remove(path);  // the mapping stays valid after the unlink
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status().ToString();
      return nullptr;
    }
    out->model = std::move(*loaded);
    auto tok = tokenizer::Tokenizer::FromGguf(out->model->file());
    if (!tok.ok()) {
      ADD_FAILURE() << tok.status().ToString();
      return nullptr;
    }
    out->tokenizer = std::make_unique<tokenizer::Tokenizer>(std::move(*tok));
    return out;
  }();
  return tiny.get();
}

}  // namespace corral::engine::testing
