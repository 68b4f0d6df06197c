// tools/testmodel (corral-testmodel) without the peer: the file it writes has llama's metadata, the vocab's
// tokenizer keys copied value for value, mkgguf's tensor set, and is deterministic in its seed.
// testmodel_parity_test.cpp holds its tensors against mkgguf.mjs bit for bit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "base/fp16.h"
#include "base/mapped_file.h"
#include "gguf/file.h"
#include "run_process.h"
#include "test_paths.h"

namespace corral {
namespace {

namespace fs = std::filesystem;
using corral::testing::ProcessResult;
using corral::testing::RunProcess;

fs::path VocabPath() {
  return corral::testing::TestDataDir() / "models" / "ggml-vocab-llama-bpe.gguf";
}

class TestModel : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(VocabPath())) << VocabPath() << " is missing: run scripts/testdata";
    dir_ = fs::temp_directory_path() / ("corral-testmodel-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Make(const std::string& name, std::vector<std::string> flags) {
    const fs::path out = dir_ / name;
    std::vector<std::string> args = {CORRAL_TESTMODEL_EXE, "--vocab", VocabPath().string(), "--out",
                                     out.string()};
    args.insert(args.end(), flags.begin(), flags.end());
    const ProcessResult r = RunProcess(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }

  fs::path dir_;
};

const std::vector<std::string> kSmall = {"--dim", "64", "--layers", "2",   "--heads", "4", "--kv-heads", "2",
                                         "--ffn", "96", "--ctx",    "512", "--seed",  "9"};

bool SameValue(const gguf::Value& a, const gguf::Value& b) {
  if (a.type() != b.type()) return false;
  if (const gguf::Array* x = a.AsArray()) {
    const gguf::Array* y = b.AsArray();
    if (x->element_type() != y->element_type() || x->size() != y->size()) return false;
    if (x->element_type() == gguf::ValueType::kString) return std::ranges::equal(x->strings(), y->strings());
    return std::ranges::equal(x->packed(), y->packed());
  }
  return a.AsString() == b.AsString() && a.AsI64() == b.AsI64() && a.AsU64() == b.AsU64() &&
         a.AsF64() == b.AsF64() && a.AsBool() == b.AsBool();
}

TEST_F(TestModel, LlamaMetadataAndTheVocabsTokenizer) {
  const fs::path path = Make("m.gguf", kSmall);
  Result<gguf::File> file = gguf::File::Open(path.string());
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  Result<gguf::File> vocab = gguf::File::Open(VocabPath().string());
  ASSERT_TRUE(vocab.ok());
  EXPECT_EQ(*file->GetString("general.architecture"), "llama");
  EXPECT_EQ(*file->GetString("general.name"), "random llama llama-bpe d64 l2");
  EXPECT_EQ(*file->GetU32("general.file_type"), 1u);
  EXPECT_EQ(*file->GetU32("llama.vocab_size"), 128256u);
  EXPECT_EQ(*file->GetU32("llama.context_length"), 512u);
  EXPECT_EQ(*file->GetU32("llama.embedding_length"), 64u);
  EXPECT_EQ(*file->GetU32("llama.block_count"), 2u);
  EXPECT_EQ(*file->GetU32("llama.feed_forward_length"), 96u);
  EXPECT_EQ(*file->GetU32("llama.attention.head_count"), 4u);
  EXPECT_EQ(*file->GetU32("llama.attention.head_count_kv"), 2u);
  EXPECT_EQ(*file->GetU32("llama.rope.dimension_count"), 16u);
  EXPECT_EQ(*file->GetF32("llama.rope.freq_base"), 500000.0f);
  EXPECT_EQ(*file->GetF32("llama.attention.layer_norm_rms_epsilon"), 1e-5f);
  EXPECT_EQ(*file->GetU32("general.quantization_version"), 2u);
  // llama.cpp reads these with strict types: u32 counts, f32 floats.
  EXPECT_EQ(file->Find("llama.block_count")->type(), gguf::ValueType::kU32);
  EXPECT_EQ(file->Find("llama.rope.freq_base")->type(), gguf::ValueType::kF32);
  size_t copied = 0;
  for (const gguf::KeyValue& kv : vocab->metadata()) {
    if (!kv.key.starts_with("tokenizer.")) continue;
    const gguf::Value* ours = file->Find(kv.key);
    ASSERT_NE(ours, nullptr) << kv.key;
    EXPECT_TRUE(SameValue(*ours, kv.value)) << kv.key;
    ++copied;
  }
  EXPECT_EQ(copied, 7u);
}

TEST_F(TestModel, TensorSetOfMkggufsLlama) {
  const fs::path path = Make("m.gguf", kSmall);
  Result<gguf::File> file = gguf::File::Open(path.string());
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  std::vector<std::string> expected = {"token_embd.weight"};
  for (const char* layer : {"blk.0.", "blk.1."}) {
    for (const char* t : {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate",
                          "ffn_up", "ffn_down"}) {
      expected.push_back(std::string(layer) + t + ".weight");
    }
  }
  expected.push_back("output_norm.weight");
  expected.push_back("output.weight");
  ASSERT_EQ(file->tensors().size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(file->tensors()[i].name, expected[i]);
  auto shape = [&](const char* name) { return file->FindTensor(name)->shape; };
  auto type = [&](const char* name) { return file->FindTensor(name)->type; };
  EXPECT_EQ(shape("token_embd.weight"), gguf::MakeShape({64, 128256}));
  EXPECT_EQ(shape("blk.1.attn_q.weight"), gguf::MakeShape({64, 64}));
  EXPECT_EQ(shape("blk.1.attn_k.weight"), gguf::MakeShape({64, 32}));  // 2 kv heads of 16
  EXPECT_EQ(shape("blk.1.attn_output.weight"), gguf::MakeShape({64, 64}));
  EXPECT_EQ(shape("blk.1.ffn_gate.weight"), gguf::MakeShape({64, 96}));
  EXPECT_EQ(shape("blk.1.ffn_down.weight"), gguf::MakeShape({96, 64}));
  EXPECT_EQ(shape("output_norm.weight"), gguf::MakeShape({64}));
  EXPECT_EQ(type("blk.0.attn_q.weight"), DType::kF16);
  EXPECT_EQ(type("blk.0.attn_norm.weight"), DType::kF32);

  // Scales as specified: matrices ~ N(0, 1/fan_in), norms ~ 1 + N(0, 0.2^2) (loose bounds: 4096 samples).
  const auto* ffn_down = file->FindTensor("blk.0.ffn_down.weight");
  double sum2 = 0;
  for (size_t i = 0; i < ffn_down->data.size() / 2; ++i) {
    uint16_t h;
    std::memcpy(&h, ffn_down->data.data() + 2 * i, 2);
    const float f = Fp16ToFp32(h);
    sum2 += static_cast<double>(f) * f;
  }
  EXPECT_NEAR(std::sqrt(sum2 / (96 * 64)), 1 / std::sqrt(96.0), 0.01);
  const auto* norm = file->FindTensor("blk.0.attn_norm.weight");
  double mean = 0;
  for (size_t i = 0; i < 64; ++i) {
    float f;
    std::memcpy(&f, norm->data.data() + 4 * i, 4);
    mean += f / 64;
  }
  EXPECT_NEAR(mean, 1.0, 0.1);
}

TEST_F(TestModel, DeterministicInTheSeedTiedAndF32) {
  const fs::path a = Make("a.gguf", kSmall);
  const fs::path b = Make("b.gguf", kSmall);
  Result<MappedFile> ma = MappedFile::Open(a.string());
  Result<MappedFile> mb = MappedFile::Open(b.string());
  ASSERT_TRUE(ma.ok() && mb.ok());
  EXPECT_TRUE(std::ranges::equal(ma->bytes(), mb->bytes()));

  std::vector<std::string> other = kSmall;
  other.back() = "10";
  Result<gguf::File> fa = gguf::File::Open(a.string());
  Result<gguf::File> fc = gguf::File::Open(Make("c.gguf", other).string());
  ASSERT_TRUE(fa.ok() && fc.ok());
  EXPECT_FALSE(std::ranges::equal(fa->FindTensor("blk.0.attn_q.weight")->data,
                                  fc->FindTensor("blk.0.attn_q.weight")->data));

  std::vector<std::string> tied = kSmall;
  tied.insert(tied.end(), {"--tied", "--dtype", "f32"});
  Result<gguf::File> ft = gguf::File::Open(Make("t.gguf", tied).string());
  ASSERT_TRUE(ft.ok());
  EXPECT_EQ(ft->FindTensor("output.weight"), nullptr);
  EXPECT_EQ(ft->FindTensor("token_embd.weight")->type, DType::kF32);
  EXPECT_EQ(*ft->GetU32("general.file_type"), 0u);
}

TEST_F(TestModel, RefusesImpossibleShapes) {
  for (const std::vector<std::string>& flags : std::vector<std::vector<std::string>>{
           {"--heads", "4", "--kv-heads", "3"},
           {"--dim", "60", "--heads", "8"},
           {"--dtype", "iq2_xxs"},                               // no quantizer for it
           {"--dtype", "q4_K", "--dim", "128", "--heads", "2"},  // 128 % 256
           {"--dtype", "q5_k_m"},                                // a mixture, not a type
           {"--dim", "0"}}) {
    std::vector<std::string> args = {CORRAL_TESTMODEL_EXE, "--vocab", VocabPath().string(), "--out",
                                     (dir_ / "bad.gguf").string()};
    args.insert(args.end(), flags.begin(), flags.end());
    const ProcessResult r = RunProcess(args);
    EXPECT_EQ(r.exit_code, 1) << flags[0];
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.err.starts_with("corral-testmodel: invalid argument: ")) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "bad.gguf"));
  }
}

}  // namespace
}  // namespace corral
