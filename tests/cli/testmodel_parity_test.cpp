// corral-testmodel against the peer: for the same shape and seed, every tensor mkgguf.mjs writes is
// bit-identical in corral-testmodel's file (llama, qwen2, qwen3, gemma3; f16 and f32, tied and untied,
// Llama 3 rope_freqs), llama.cpp runs corral's files (phi3 too, which mkgguf lacks) to the same greedy tokens
// as mkgguf's, and corral's quantizer writes the bytes llama-quantize writes, pure and in its mixtures.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "gguf/file.h"
#include "peer/peer_ready.h"
#include "run_process.h"
#include "test_paths.h"

namespace corral {
namespace {

namespace fs = std::filesystem;
using corral::testing::PeerDir;
using corral::testing::PeerReady;
using corral::testing::ProcessResult;
using corral::testing::RunProcess;

class TestModelParity : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(PeerReady());
    dir_ = fs::temp_directory_path() / ("corral-testmodel-parity-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The same flags to both generators; returns {mkgguf's file, corral-testmodel's file}. mkgguf names its
  // vocab (llama3, llama2, qwen3), corral-testmodel takes a vocab GGUF of the same size from the test data.
  std::pair<fs::path, fs::path> MakeBoth(const std::vector<std::string>& shape,
                                         const std::string& peer_vocab = "llama3",
                                         const std::string& corral_vocab = "ggml-vocab-llama-bpe.gguf") {
    const fs::path theirs = dir_ / "mkgguf.gguf";
    const fs::path ours = dir_ / "testmodel.gguf";
    std::vector<std::string> peer = {
        "node", (PeerDir() / "mkgguf.mjs").string(), "--vocab", peer_vocab, "--out", theirs.string()};
    std::vector<std::string> corral = {CORRAL_TESTMODEL_EXE, "--vocab",
                                       (corral::testing::TestDataDir() / "models" / corral_vocab).string(),
                                       "--out", ours.string()};
    if (std::ranges::find(shape, "--arch") == shape.end()) {
      peer.insert(peer.end(), {"--arch", "llama"});
    }
    peer.insert(peer.end(), shape.begin(), shape.end());
    corral.insert(corral.end(), shape.begin(), shape.end());
    const ProcessResult p = RunProcess(peer);
    EXPECT_EQ(p.exit_code, 0) << p.err;
    const ProcessResult c = RunProcess(corral);
    EXPECT_EQ(c.exit_code, 0) << c.err;
    return {theirs, ours};
  }

  static void ExpectSameTensors(const fs::path& theirs, const fs::path& ours) {
    Result<gguf::File> a = gguf::File::Open(theirs.string());
    Result<gguf::File> b = gguf::File::Open(ours.string());
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    ASSERT_EQ(a->tensors().size(), b->tensors().size());
    for (size_t i = 0; i < a->tensors().size(); ++i) {
      const gguf::TensorInfo& x = a->tensors()[i];
      const gguf::TensorInfo& y = b->tensors()[i];
      EXPECT_EQ(x.name, y.name);
      EXPECT_EQ(x.type, y.type) << x.name;
      EXPECT_EQ(x.shape, y.shape) << x.name;
      EXPECT_TRUE(std::ranges::equal(x.data, y.data)) << x.name << " differs";
    }
    // The model's own keys match in name, type and value (the tokenizer comes from different sources, and
    // general.name/description say who wrote the file).
    for (const gguf::KeyValue& kv : a->metadata()) {
      if (kv.key.starts_with("tokenizer.") || kv.key == "general.name" || kv.key == "general.description")
        continue;
      const gguf::Value* v = b->Find(kv.key);
      ASSERT_NE(v, nullptr) << kv.key;
      EXPECT_EQ(v->type(), kv.value.type()) << kv.key;
      EXPECT_EQ(v->AsString(), kv.value.AsString()) << kv.key;
      EXPECT_EQ(v->AsU64(), kv.value.AsU64()) << kv.key;
      EXPECT_EQ(v->AsF64(), kv.value.AsF64()) << kv.key;
    }
  }

  fs::path dir_;
};

TEST_F(TestModelParity, F16UntiedTensorsAreBitIdentical) {
  const auto [theirs, ours] = MakeBoth({"--dim", "64", "--layers", "2", "--heads", "4", "--kv-heads", "2",
                                        "--ffn", "96", "--dtype", "f16", "--seed", "7"});
  ExpectSameTensors(theirs, ours);
}

TEST_F(TestModelParity, F32TiedTensorsAreBitIdentical) {
  const auto [theirs, ours] =
      MakeBoth({"--dim", "32", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--ffn", "64", "--ctx",
                "1024", "--rope-base", "10000", "--dtype", "f32", "--tied", "--seed", "4000000000"});
  ExpectSameTensors(theirs, ours);
}

TEST_F(TestModelParity, LlamaWithLlama3RopeFreqsIsBitIdentical) {
  const auto [theirs, ours] =
      MakeBoth({"--dim", "64", "--layers", "1", "--heads", "2", "--kv-heads", "1", "--ffn", "128",
                "--rope-scaling", "llama3:32", "--dtype", "f16", "--seed", "5"});
  ExpectSameTensors(theirs, ours);
  Result<gguf::File> ours_file = gguf::File::Open(ours.string());
  ASSERT_TRUE(ours_file.ok());
  EXPECT_NE(ours_file->FindTensor("rope_freqs.weight"), nullptr);
}

TEST_F(TestModelParity, Qwen2WithBiasesIsBitIdentical) {
  const auto [theirs, ours] = MakeBoth({"--arch", "qwen2", "--dim", "64", "--layers", "2", "--heads", "4",
                                        "--kv-heads", "2", "--ffn", "96", "--dtype", "f16", "--seed", "8"},
                                       "llama2", "ggml-vocab-llama-spm.gguf");
  ExpectSameTensors(theirs, ours);
}

TEST_F(TestModelParity, Qwen3WithOwnHeadDimIsBitIdentical) {
  const auto [theirs, ours] =
      MakeBoth({"--arch", "qwen3", "--dim", "64", "--layers", "2", "--heads", "4", "--kv-heads", "2",
                "--head-dim", "32", "--ffn", "96", "--tied", "--dtype", "f32", "--seed", "9"},
               "llama2", "ggml-vocab-llama-spm.gguf");
  ExpectSameTensors(theirs, ours);
}

TEST_F(TestModelParity, Gemma3WithSlidingWindowIsBitIdentical) {
  const auto [theirs, ours] =
      MakeBoth({"--arch", "gemma3",     "--dim",  "64",         "--layers", "6",      "--heads",
                "2",      "--kv-heads", "1",      "--head-dim", "32",       "--ffn",  "96",
                "--swa",  "16",         "--tied", "--dtype",    "f16",      "--seed", "10"},
               "llama2", "ggml-vocab-llama-spm.gguf");
  ExpectSameTensors(theirs, ours);
}

// The `"tokens": [...]` of ref.mjs greedy for fixed prompt ids (no tokenization involved).
std::string GreedyTokens(const fs::path& model, const std::string& prompt_ids = "128000,9906,1917") {
  const ProcessResult r =
      RunProcess({"node", (PeerDir() / "ref.mjs").string(), "greedy", "--model", model.string(),
                  "--prompt-ids", prompt_ids, "--n", "4", "--threads", "2"});
  EXPECT_EQ(r.exit_code, 0) << "llama.cpp could not run " << model << ":\n" << r.err;
  const size_t at = r.out.find("\"tokens\":");
  if (at == std::string::npos) return "(no tokens in: " + r.out + ")";
  return r.out.substr(at, r.out.find(']', at) - at + 1);
}

TEST_F(TestModelParity, LlamaCppRunsItLikeMkggufsModel) {
  const auto [theirs, ours] = MakeBoth({"--dim", "64", "--layers", "1", "--heads", "2", "--kv-heads", "1",
                                        "--ffn", "128", "--dtype", "f16", "--seed", "3"});
  const std::string expected = GreedyTokens(theirs);
  EXPECT_NE(expected.find('['), std::string::npos) << expected;
  EXPECT_EQ(GreedyTokens(ours), expected);
}

// mkgguf has no phi3: llama.cpp must accept corral's fused attn_qkv / gate|up layout and generate with it.
TEST_F(TestModelParity, LlamaCppRunsCorralsPhi3) {
  const fs::path ours = dir_ / "phi3.gguf";
  const ProcessResult c =
      RunProcess({CORRAL_TESTMODEL_EXE, "--vocab",
                  (corral::testing::TestDataDir() / "models" / "ggml-vocab-phi-3.gguf").string(), "--arch",
                  "phi3", "--dim", "64", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--ffn", "96",
                  "--dtype", "f16", "--out", ours.string()});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const std::string tokens = GreedyTokens(ours, "1,15043,3186");
  EXPECT_NE(tokens.find_first_of("0123456789"), std::string::npos) << tokens;
}

}  // namespace
}  // namespace corral

namespace corral {
namespace {

// corral's quantizer over a whole model equals llama-quantize --pure of the same weights: corral-testmodel
// writes the model in f32 and in each quantized type; llama.cpp's quantize turns the f32 file into the
// same type; every tensor's bytes must agree. (Norms stay f32 in both.)
struct QuantCase {
  const char* corral_type;  // --dtype of corral-testmodel
  const char* llama_ftype;  // TYPE of llama-quantize; with --pure every matrix gets the ftype's base type
};

void PrintTo(const QuantCase& c, std::ostream* os) {
  *os << c.corral_type;
}

class QuantizedTestModelParity : public TestModelParity, public ::testing::WithParamInterface<QuantCase> {};

TEST_P(QuantizedTestModelParity, TensorsEqualLlamaQuantizePure) {
  const std::string type = GetParam().corral_type;
  // The 32k SentencePiece vocab keeps token_embd (quantized too) small: the test is about the matrices.
  const std::string vocab =
      (corral::testing::TestDataDir() / "models" / "ggml-vocab-llama-spm.gguf").string();
  const std::vector<std::string> shape = {"--vocab", vocab,     "--dim",  "256",        "--layers",
                                          "1",       "--heads", "4",      "--kv-heads", "2",
                                          "--ffn",   "512",     "--seed", "11"};
  const fs::path f32 = dir_ / "f32.gguf";
  const fs::path theirs = dir_ / ("llama-" + type + ".gguf");
  const fs::path ours = dir_ / ("corral-" + type + ".gguf");
  auto run = [&](const std::vector<std::string>& args) {
    const ProcessResult r = RunProcess(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    return r.exit_code == 0;
  };
  std::vector<std::string> make_f32 = {CORRAL_TESTMODEL_EXE, "--dtype", "f32", "--out", f32.string()};
  make_f32.insert(make_f32.end(), shape.begin(), shape.end());
  std::vector<std::string> make_ours = {CORRAL_TESTMODEL_EXE, "--dtype", type, "--out", ours.string()};
  make_ours.insert(make_ours.end(), shape.begin(), shape.end());
  ASSERT_TRUE(run(make_f32));
  ASSERT_TRUE(run(make_ours));
  ASSERT_TRUE(run({(PeerDir() / "quantize").string(), "--quiet", "--pure", f32.string(), theirs.string(),
                   GetParam().llama_ftype}));

  Result<gguf::File> a = gguf::File::Open(theirs.string());
  Result<gguf::File> b = gguf::File::Open(ours.string());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  int quantized = 0;
  for (const gguf::TensorInfo& x : a->tensors()) {
    const gguf::TensorInfo* y = b->FindTensor(x.name);
    ASSERT_NE(y, nullptr) << x.name;
    EXPECT_EQ(x.type, y->type) << x.name;
    EXPECT_TRUE(std::ranges::equal(x.data, y->data)) << x.name << " differs from llama-quantize's";
    if (x.type != DType::kF32) ++quantized;
  }
  EXPECT_GE(quantized, 9) << "token_embd, output and 7 matrices per layer";
}

INSTANTIATE_TEST_SUITE_P(Types, QuantizedTestModelParity,
                         ::testing::Values(QuantCase{"q8_0", "Q8_0"}, QuantCase{"q4_0", "Q4_0"},
                                           QuantCase{"q5_1", "Q5_1"}, QuantCase{"q4_K", "Q4_K_S"},
                                           QuantCase{"q6_K", "Q6_K"}, QuantCase{"q3_K", "Q3_K_S"}),
                         [](const auto& info) { return std::string(info.param.corral_type); });

// llama-quantize's mixtures (no --pure): corral-testmodel --ftype picks the same type for every tensor
// (Q6_K output or tied embedding, more bits for attn_v / ffn_down in the first, last and every third layer,
// attn_qkv treated as attention-v) and writes the same bytes. Eight layers make use_more_bits' pattern show.
struct MixtureCase {
  const char* arch;
  const char* ftype;
  const char* vocab;
  const char* ffn = "512";  // 320: ffn_down rows fit no 256-element block and fall back (Q4_K → Q5_0, ...)
};

void PrintTo(const MixtureCase& c, std::ostream* os) {
  *os << c.arch << "-" << c.ftype;
}

class MixtureTestModelParity : public TestModelParity, public ::testing::WithParamInterface<MixtureCase> {};

TEST_P(MixtureTestModelParity, TensorsEqualLlamaQuantize) {
  const MixtureCase& c = GetParam();
  std::vector<std::string> shape = {
      "--vocab",    (corral::testing::TestDataDir() / "models" / c.vocab).string(),
      "--arch",     c.arch,
      "--dim",      "256",
      "--layers",   "8",
      "--heads",    "4",
      "--kv-heads", "2",
      "--ffn",      c.ffn,
      "--seed",     "21"};
  if (std::string(c.arch) == "gemma3") shape.insert(shape.end(), {"--tied", "--head-dim", "64"});
  const fs::path f32 = dir_ / "f32.gguf";
  const fs::path theirs = dir_ / "theirs.gguf";
  const fs::path ours = dir_ / "ours.gguf";
  auto run = [&](std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    const ProcessResult r = RunProcess(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    return r.exit_code == 0;
  };
  ASSERT_TRUE(run({CORRAL_TESTMODEL_EXE, "--dtype", "f32", "--out", f32.string()}, shape));
  ASSERT_TRUE(run({CORRAL_TESTMODEL_EXE, "--ftype", c.ftype, "--out", ours.string()}, shape));
  ASSERT_TRUE(
      run({(PeerDir() / "quantize").string(), "--quiet", f32.string(), theirs.string(), c.ftype}, {}));

  Result<gguf::File> a = gguf::File::Open(theirs.string());
  Result<gguf::File> b = gguf::File::Open(ours.string());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(a->tensors().size(), b->tensors().size());
  std::set<DType> types;
  for (const gguf::TensorInfo& x : a->tensors()) {
    const gguf::TensorInfo* y = b->FindTensor(x.name);
    ASSERT_NE(y, nullptr) << x.name;
    EXPECT_EQ(DTypeName(x.type), DTypeName(y->type)) << x.name;
    EXPECT_TRUE(std::ranges::equal(x.data, y->data)) << x.name << " differs from llama-quantize's";
    types.insert(x.type);
  }
  EXPECT_EQ(*b->GetU32("general.file_type"), *a->GetU32("general.file_type"));
  EXPECT_GE(types.size(), 2u) << "a mixture has f32 norms and at least one quantized type";
}

INSTANTIATE_TEST_SUITE_P(FileTypes, MixtureTestModelParity,
                         ::testing::Values(MixtureCase{"llama", "Q4_K_M", "ggml-vocab-llama-spm.gguf"},
                                           MixtureCase{"llama", "Q5_K_M", "ggml-vocab-llama-spm.gguf"},
                                           MixtureCase{"llama", "Q4_K_M", "ggml-vocab-llama-spm.gguf", "320"},
                                           MixtureCase{"llama", "Q4_K_S", "ggml-vocab-llama-spm.gguf"},
                                           MixtureCase{"llama", "Q3_K_M", "ggml-vocab-llama-spm.gguf"},
                                           MixtureCase{"llama", "Q2_K", "ggml-vocab-llama-spm.gguf"},
                                           MixtureCase{"llama", "Q4_0", "ggml-vocab-llama-spm.gguf"},
                                           MixtureCase{"llama", "Q8_0", "ggml-vocab-llama-spm.gguf"},
                                           MixtureCase{"gemma3", "Q4_K_M", "ggml-vocab-llama-spm.gguf"},
                                           MixtureCase{"gemma3", "Q6_K", "ggml-vocab-llama-spm.gguf"},
                                           MixtureCase{"phi3", "Q4_K_M", "ggml-vocab-phi-3.gguf"},
                                           MixtureCase{"phi3", "Q5_K_M", "ggml-vocab-phi-3.gguf"}),
                         [](const auto& info) {
                           return std::string(info.param.arch) + "_" + info.param.ftype + "_ffn" +
                                  info.param.ffn;
                         });

}  // namespace
}  // namespace corral
