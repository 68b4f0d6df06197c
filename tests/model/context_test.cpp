// Context: batching must not change the numbers (a prompt as one batch, token by token, or interleaved with
// other sequences in one batch), the KV cache hands out and takes back blocks, and bad batches are refused.
#include <gtest/gtest.h>

#include <cmath>

#include "model/context.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "tiny_model.h"

namespace corral::model {
namespace {

using testing::TinyModelBytes;
using testing::TinySpec;

struct Loaded {
  std::vector<uint8_t> bytes;
  std::unique_ptr<Model> model;
};

Loaded Load(const TinySpec& spec) {
  Loaded l;
  l.bytes = TinyModelBytes(spec);
  auto file = gguf::File::FromBytes(l.bytes);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  auto model = Model::FromFile(std::move(file).value());
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  if (model.ok()) l.model = std::move(model).value();
  return l;
}

std::vector<int32_t> Prompt(int n, int offset) {
  std::vector<int32_t> p;
  for (int i = 0; i < n; ++i) p.push_back((i * 37 + offset) % 96);
  return p;
}

// Logits after each prompt token, run with the given tokens per batch.
std::vector<std::vector<float>> RunPrompt(const Model& model, const std::vector<int32_t>& prompt,
                                          int per_batch, int block_size = 8, bool two_pass = true) {
  ContextOptions o;
  o.two_pass_attention = two_pass;
  o.n_ctx = 64;
  o.n_batch_max = 32;
  o.n_outputs_max = 32;
  o.n_threads = 2;
  o.kv_block_size = block_size;
  auto ctx = Context::Create(model, o);
  EXPECT_TRUE(ctx.ok());
  std::vector<std::vector<float>> out;
  Batch batch;
  for (size_t i = 0; i < prompt.size(); ++i) {
    batch.Add(prompt[i], static_cast<int32_t>(i), 0, true);
    if (batch.size() == per_batch || i + 1 == prompt.size()) {
      const Status s = (*ctx)->Decode(batch);
      EXPECT_TRUE(s.ok()) << s.ToString();
      for (int j = 0; j < (*ctx)->n_outputs(); ++j) {
        auto l = (*ctx)->Logits(j);
        out.emplace_back(l.begin(), l.end());
      }
      batch.Clear();
    }
  }
  return out;
}

void ExpectClose(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b,
                 float tolerance = 1e-3f) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t t = 0; t < a.size(); ++t) {
    ASSERT_EQ(a[t].size(), b[t].size());
    float max_diff = 0;
    for (size_t i = 0; i < a[t].size(); ++i) max_diff = std::max(max_diff, std::abs(a[t][i] - b[t][i]));
    // The matmul quantizes f32 activations the same way in both paths; only summation order differs.
    EXPECT_LT(max_diff, tolerance) << "token " << t;
  }
}

TEST(ModelContext, BatchedPromptEqualsTokenByTokenForEveryArchitecture) {
  for (const char* arch : {"llama", "qwen2", "qwen3", "gemma3", "phi3"}) {
    SCOPED_TRACE(arch);
    TinySpec spec;
    spec.arch = arch;
    spec.sliding_window = std::string(arch) == "gemma3" ? 5 : 0;
    spec.rope_factors = std::string(arch) == "llama";
    spec.tied = std::string(arch) == "gemma3";
    const Loaded l = Load(spec);
    ASSERT_NE(l.model, nullptr);
    const auto prompt = Prompt(20, 3);
    const auto one_batch = RunPrompt(*l.model, prompt, 32);
    ExpectClose(one_batch, RunPrompt(*l.model, prompt, 1));
    ExpectClose(one_batch, RunPrompt(*l.model, prompt, 7, /*block_size=*/3));
    for (const auto& row : one_batch) {
      for (float v : row) ASSERT_TRUE(std::isfinite(v));
    }
  }
}

TEST(ModelContext, OnlineSoftmaxAgreesWithLlamaCppArithmetic) {
  for (const char* arch : {"llama", "gemma3"}) {
    SCOPED_TRACE(arch);
    TinySpec spec;
    spec.arch = arch;
    spec.sliding_window = std::string(arch) == "gemma3" ? 5 : 0;
    const Loaded l = Load(spec);
    ASSERT_NE(l.model, nullptr);
    const auto prompt = Prompt(24, 9);
    // The two-pass path rounds the probabilities to f16 as llama.cpp does; the online one keeps f32.
    ExpectClose(RunPrompt(*l.model, prompt, 32, 8, true), RunPrompt(*l.model, prompt, 32, 8, false), 2e-2f);
    ExpectClose(RunPrompt(*l.model, prompt, 32, 8, false), RunPrompt(*l.model, prompt, 1, 5, false));
  }
}

TEST(ModelContext, SequencesInOneBatchDoNotSeeEachOther) {
  const Loaded l = Load({});
  const auto a = Prompt(9, 1);
  const auto b = Prompt(13, 50);
  const auto alone_a = RunPrompt(*l.model, a, 32);
  const auto alone_b = RunPrompt(*l.model, b, 32);
  ContextOptions o;
  o.n_ctx = 32;
  o.n_batch_max = 32;
  o.n_seq_max = 3;
  o.n_outputs_max = 32;
  o.kv_block_size = 4;
  auto ctx = Context::Create(*l.model, o);
  ASSERT_TRUE(ctx.ok());
  // Interleaved: a's and b's tokens alternate in one batch, sequence 2 stays empty.
  Batch batch;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i < a.size()) batch.Add(a[i], static_cast<int32_t>(i), 0, true);
    batch.Add(b[i], static_cast<int32_t>(i), 1, true);
  }
  ASSERT_TRUE((*ctx)->Decode(batch).ok());
  std::vector<std::vector<float>> got_a, got_b;
  int out = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i < a.size()) got_a.emplace_back((*ctx)->Logits(out).begin(), (*ctx)->Logits(out).end()), ++out;
    got_b.emplace_back((*ctx)->Logits(out).begin(), (*ctx)->Logits(out).end()), ++out;
  }
  ExpectClose(got_a, alone_a);
  ExpectClose(got_b, alone_b);
  EXPECT_EQ((*ctx)->SequenceLength(0), 9);
  EXPECT_EQ((*ctx)->SequenceLength(1), 13);

  // Clearing sequence 0 and running it again reproduces its logits; sequence 1 continues undisturbed.
  (*ctx)->ClearSequence(0);
  EXPECT_EQ((*ctx)->SequenceLength(0), 0);
  batch.Clear();
  for (size_t i = 0; i < a.size(); ++i) batch.Add(a[i], static_cast<int32_t>(i), 0, i + 1 == a.size());
  ASSERT_TRUE((*ctx)->Decode(batch).ok());
  ExpectClose({std::vector<float>((*ctx)->Logits(0).begin(), (*ctx)->Logits(0).end())}, {alone_a.back()});
}

TEST(ModelContext, TruncateThenRedecodeGivesTheSameLogits) {
  const Loaded l = Load({});
  const auto p = Prompt(12, 5);
  const auto full = RunPrompt(*l.model, p, 32);
  ContextOptions o;
  o.n_ctx = 16;
  o.n_batch_max = 16;
  o.kv_block_size = 4;
  auto ctx = Context::Create(*l.model, o);
  Batch batch;
  for (size_t i = 0; i < p.size(); ++i) batch.Add(p[i], static_cast<int32_t>(i), 0, false);
  ASSERT_TRUE((*ctx)->Decode(batch).ok());
  (*ctx)->TruncateSequence(0, 6);
  batch.Clear();
  for (size_t i = 6; i < p.size(); ++i) batch.Add(p[i], static_cast<int32_t>(i), 0, i + 1 == p.size());
  ASSERT_TRUE((*ctx)->Decode(batch).ok());
  ExpectClose({std::vector<float>((*ctx)->Logits(0).begin(), (*ctx)->Logits(0).end())}, {full.back()});
}

TEST(ModelContext, BadBatchesAreRefusedAndLeaveTheCacheAlone) {
  const Loaded l = Load({});
  ContextOptions o;
  o.n_ctx = 8;
  o.n_batch_max = 4;
  o.n_seq_max = 2;
  o.kv_block_size = 4;
  auto ctx = Context::Create(*l.model, o);
  ASSERT_TRUE(ctx.ok());
  Context& c = **ctx;
  Batch b;
  b.Add(96, 0, 0, true);  // token out of range
  EXPECT_EQ(c.Decode(b).code(), StatusCode::kInvalidArgument);
  b.Clear();
  b.Add(1, 1, 0, true);  // skips position 0
  EXPECT_EQ(c.Decode(b).code(), StatusCode::kInvalidArgument);
  b.Clear();
  b.Add(1, 0, 2, true);  // no sequence 2
  EXPECT_EQ(c.Decode(b).code(), StatusCode::kInvalidArgument);
  b.Clear();
  for (int i = 0; i < 5; ++i) b.Add(1, i, 0, false);  // beyond n_batch_max
  EXPECT_EQ(c.Decode(b).code(), StatusCode::kOutOfRange);
  b.Clear();
  b.Add(1, 0, 0, true);
  b.Add(1, 0, 1, true);
  b.Add(1, 1, 1, true);  // three outputs, n_outputs_max is n_seq_max = 2
  EXPECT_EQ(c.Decode(b).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(c.SequenceLength(0), 0);
  EXPECT_EQ(c.SequenceLength(1), 0);
  EXPECT_EQ(c.Decode(Batch{}).code(), StatusCode::kInvalidArgument);
}

TEST(ModelKvCache, BlocksComeFromOnePoolAndReturnToIt) {
  KvCache kv(/*n_layer=*/2, /*k_width=*/8, /*v_width=*/8, /*n_ctx=*/10, /*n_seq=*/2, /*block_size=*/4);
  // ceil(10 / 4) = 3 blocks for one full sequence, plus one partial block per sequence.
  EXPECT_EQ(kv.free_blocks(), 5);
  EXPECT_EQ(kv.bytes(), size_t{5 * 2 * 4 * 8 * 2 * 2});
  ASSERT_TRUE(kv.Grow(0, 5).ok());
  EXPECT_EQ(kv.free_blocks(), 3);
  EXPECT_EQ(kv.length(0), 5);
  ASSERT_TRUE(kv.Grow(1, 10).ok());
  EXPECT_EQ(kv.free_blocks(), 0);
  EXPECT_EQ(kv.Grow(0, 9).code(), StatusCode::kOutOfRange);
  // Rows of different positions and sequences never overlap.
  EXPECT_NE(kv.KRow(0, 0, 4), kv.KRow(0, 1, 4));
  EXPECT_NE(kv.KRow(0, 0, 3), kv.KRow(1, 0, 3));
  EXPECT_EQ(kv.KRow(0, 0, 1), kv.KRow(0, 0, 0) + 8);
  kv.Truncate(1, 4);
  EXPECT_EQ(kv.length(1), 4);
  EXPECT_EQ(kv.free_blocks(), 2);
  kv.Clear(0);
  EXPECT_EQ(kv.free_blocks(), 4);
  ASSERT_TRUE(kv.Grow(0, 9).ok());
}

}  // namespace
}  // namespace corral::model
