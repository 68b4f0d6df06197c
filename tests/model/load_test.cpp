// Model::Load's two homes for the weights (LoadOptions::use_mmap): in place in the file's map, or copied
// into memory of their own. The copy must change nothing but where the bytes live: the same logits to the
// bit, every view inside the copy, and a file that cannot be read whole is an error, not a crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "model/context.h"
#include "model/model.h"
#include "tiny_model.h"

namespace corral::model {
namespace {

using testing::TinyModelBytes;
using testing::TinySpec;

class ModelLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("corral-load-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".gguf");
  }
  void TearDown() override { std::filesystem::remove(path_); }

  void Write(std::span<const uint8_t> bytes) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good());
  }

  std::filesystem::path path_;
};

// Logits of every position of a short prompt, as one batch.
std::vector<float> PromptLogits(const Model& model) {
  auto ctx = Context::Create(model, {.n_ctx = 32, .n_batch_max = 16, .n_threads = 2, .n_outputs_max = 16});
  EXPECT_TRUE(ctx.ok()) << ctx.status().ToString();
  if (!ctx.ok()) return {};
  Batch batch;
  for (int32_t i = 0; i < 12; ++i) batch.Add((i * 29 + 5) % 96, i, 0, true);
  const Status s = (*ctx)->Decode(batch);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::vector<float> out;
  for (int j = 0; j < (*ctx)->n_outputs(); ++j) {
    auto l = (*ctx)->Logits(j);
    out.insert(out.end(), l.begin(), l.end());
  }
  return out;
}

bool Inside(const void* p, size_t bytes, const uint8_t* begin, size_t size) {
  const auto* b = static_cast<const uint8_t*>(p);
  return b >= begin && b + bytes <= begin + size;
}

TEST_F(ModelLoad, CopiedWeightsGiveTheMappedLogitsBitForBit) {
  for (const bool tied : {false, true}) {
    SCOPED_TRACE(tied ? "tied" : "untied");
    TinySpec spec;
    spec.tied = tied;
    spec.rope_factors = true;
    Write(TinyModelBytes(spec));
    auto mapped = Model::Load(path_, {.use_mmap = true});
    auto copied = Model::Load(path_, {.use_mmap = false});
    ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
    ASSERT_TRUE(copied.ok()) << copied.status().ToString();
    EXPECT_EQ((*mapped)->copied_bytes(), 0u);
    const gguf::File& file = (*copied)->file();
    EXPECT_EQ((*copied)->copied_bytes(), file.file_size() - file.data_offset());
    EXPECT_EQ((*copied)->weight_bytes(), (*mapped)->weight_bytes());

    const std::vector<float> a = PromptLogits(**mapped);
    const std::vector<float> b = PromptLogits(**copied);
    ASSERT_EQ(a.size(), b.size());
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  }
}

TEST_F(ModelLoad, EveryCopiedViewPointsIntoTheCopyNotTheMap) {
  Write(TinyModelBytes({}));
  auto copied = Model::Load(path_, {.use_mmap = false});
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  const Weights& w = (*copied)->weights();
  const gguf::File& file = (*copied)->file();
  const uint8_t* map_begin = file.tensors().front().data.data() - file.tensors().front().offset;
  const size_t map_size = file.file_size() - file.data_offset();
  auto expect_copied = [&](const void* p, size_t bytes, const char* what) {
    SCOPED_TRACE(what);
    EXPECT_FALSE(Inside(p, bytes, map_begin, map_size));
  };
  expect_copied(w.token_embd.data, w.token_embd.row_stride * static_cast<size_t>(w.token_embd.rows),
                "token_embd");
  expect_copied(w.output.data, w.output.row_stride * static_cast<size_t>(w.output.rows), "output");
  expect_copied(w.output_norm.data(), w.output_norm.size_bytes(), "output_norm");
  for (const LayerWeights& l : w.layers) {
    expect_copied(l.attn_norm.data(), l.attn_norm.size_bytes(), "attn_norm");
    for (const WeightView* m : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down})
      expect_copied(m->data, m->row_stride * static_cast<size_t>(m->rows), "matrix");
  }
  // And the bytes are the file's.
  const gguf::TensorInfo* q = file.FindTensor("blk.1.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(std::memcmp(w.layers[1].wq.data, q->data.data(), q->bytes), 0);
}

TEST_F(ModelLoad, FromFileCopiesLikeLoad) {
  const std::vector<uint8_t> bytes = TinyModelBytes({});
  Write(bytes);
  auto loaded = Model::Load(path_, {.use_mmap = false});
  auto file = gguf::File::FromBytes(bytes);
  ASSERT_TRUE(file.ok());
  auto from_bytes = Model::FromFile(std::move(*file), {.use_mmap = false});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_TRUE(from_bytes.ok()) << from_bytes.status().ToString();
  EXPECT_GT((*from_bytes)->copied_bytes(), 0u);
  const std::vector<float> a = PromptLogits(**loaded);
  const std::vector<float> b = PromptLogits(**from_bytes);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
}

TEST_F(ModelLoad, ATruncatedFileIsAnErrorInEitherMode) {
  std::vector<uint8_t> bytes = TinyModelBytes({});
  bytes.resize(bytes.size() - 100);  // the last tensor loses its tail
  Write(bytes);
  for (const bool use_mmap : {true, false}) {
    SCOPED_TRACE(use_mmap ? "mapped" : "copied");
    auto model = Model::Load(path_, {.use_mmap = use_mmap});
    ASSERT_FALSE(model.ok());
    EXPECT_NE(model.status().ToString().find(path_.filename().string()), std::string::npos)
        << model.status().ToString();
  }
}

TEST_F(ModelLoad, AMissingFileIsNotFound) {
  auto model = Model::Load(path_, {.use_mmap = false});
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kNotFound) << model.status().ToString();
}

}  // namespace
}  // namespace corral::model
