// Quantization against llama.cpp: the planned mixture of every file type gives exactly the tensor-data size
// llama-quantize wrote for the same F16 model, and Q8_0 and Q4_K_M files are byte-identical to
// llama-quantize's (whole-file sha256 recorded too). The goldens (sha256 and size of the data section, the
// bytes after the header) were recorded with ../shared/peer/quantize (llama.cpp's llama_model_quantize, one
// thread) from the model below:
//   corral-testmodel --vocab ggml-vocab-llama-spm.gguf --dim 256 --layers 2 --heads 4 --kv-heads 2 --ffn 512
//                    --ctx 512 --dtype f16 --seed 7
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "../cli/run_process.h"
#include "gguf/file.h"
#include "store/quantize.h"
#include "store/sha256.h"
#include "store/store.h"
#include "tensor/quant/file_type.h"
#include "test_paths.h"

namespace corral::store {
namespace {

namespace fs = std::filesystem;

struct Golden {
  const char* type;
  const char* data_sha256;
  uint64_t data_bytes;
};

// The data sections of llama-quantize's outputs.
constexpr Golden kLlamaQuantize[] = {
    {"Q4_0", "fe11eab17284f602df18160eee737a188757283fc405296cd4949828aef1567e", 11996672},
    {"Q4_1", "70ac39aaed23746a087bf4eb569bfa36afcae6dd4063bdb50f9477851b514558", 12582400},
    {"Q5_0", "b1fa209ad4eedd2740b9abaa842dda93aaa0803e57a106103b86a2053a3bc87b", 13168128},
    {"Q5_1", "999dbd8a382550e5b8711b15839a57b944c41d54278905e6f2d03b8220e57c8e", 13753856},
    {"Q8_0", "fc10c43dac957ab51a309e5320b7e6e51814bd6c865c276546dbefe9c5973009", 18666496},
    {"Q2_K", "6a0be7f6b8ac5689c61d17fa497b3ac7895b9a077f3ec0f69c84ad0eac9434c8", 9846784},
    {"Q3_K_S", "fb56baa77f40374154681469095972b09cb0e6e03a2d6fb0f2ca41c9ba281bcd", 10752000},
    {"Q3_K_M", "3e509b050eba5e3f1180dcff088b44f08de6881f3eebde79ee5f0be01c00d322", 10821120},
    {"Q3_K_L", "538cf1547c88cc1d21da6f78b8eeb4fb255a7d4c5fbba2594a1cc443a9cc4da5", 10870272},
    {"Q4_K_S", "67e65e2b6f6930f0ad64cf4c8b2214ab82543ced231af717ffcdf8de006b8712", 12004864},
    {"Q4_K_M", "28707708dcb987d21250bae4f15fa8a2e4dc66ab3396e4d310143cc855d5818c", 12038912},
    {"Q5_K_S", "4db5e6892cc25ca36b0749440b5064c1b0a8cd69731898a816b6d31c53bad710", 13168128},
    {"Q5_K_M", "0e39edb3732036ef655fa23b2a2d50e442a7b3675542e4c546d719c947656502", 13189888},
    {"Q6_K", "04d09e70cce9b8aa8b9571365137047b52f32f70fef373dd3d11fe197c472721", 14412800},
};

// sha256 of the F16 model file corral-testmodel writes with the arguments above.
constexpr const char* kF16Sha256 = "195be5c0fbe45c8bed08c41a017ba8f3d4e9d2211c76aaf943b429d541c5d03c";

class QuantizeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("corral-quant-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    const testing::ProcessResult r =
        testing::RunProcess({CORRAL_TESTMODEL_EXE,
                             "--vocab",
                             (testing::TestDataDir() / "models" / "ggml-vocab-llama-spm.gguf").string(),
                             "--dim",
                             "256",
                             "--layers",
                             "2",
                             "--heads",
                             "4",
                             "--kv-heads",
                             "2",
                             "--ffn",
                             "512",
                             "--ctx",
                             "512",
                             "--dtype",
                             "f16",
                             "--seed",
                             "7",
                             "--out",
                             F16().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static fs::path F16() { return *dir_ / "f16.gguf"; }
  static fs::path* dir_;
};
fs::path* QuantizeTest::dir_ = nullptr;

// sha256 and size of a GGUF's bytes after its header (the tensor data with its padding).
std::pair<std::string, uint64_t> DataSection(std::span<const uint8_t> file_bytes, uint64_t data_offset) {
  Sha256 h;
  h.Update(file_bytes.subspan(data_offset));
  return {h.HexDigest(), file_bytes.size() - data_offset};
}

TEST_F(QuantizeTest, TheModelIsTheOneTheGoldensCameFrom) {
  Result<std::string> digest = FileDigest(F16().string());
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(*digest, std::string("sha256:") + kF16Sha256);
}

TEST_F(QuantizeTest, MixtureSizesEqualLlamaQuantize) {
  // Planned data size for every file type: each tensor's rows in the type PlanMixture picks, padded to 32.
  Result<gguf::File> f16 = gguf::File::Open(F16().string());
  ASSERT_TRUE(f16.ok());
  std::vector<quant::TensorToQuantize> tensors;
  for (const gguf::TensorInfo& t : f16->tensors()) {
    tensors.push_back({std::string(t.name),
                       std::vector<int64_t>(t.shape.ne.begin(), t.shape.ne.begin() + t.shape.n_dims),
                       t.type});
  }
  for (const Golden& g : kLlamaQuantize) {
    SCOPED_TRACE(g.type);
    Result<std::vector<DType>> types = quant::PlanMixture(*quant::FileTypeFromName(g.type), tensors,
                                                          {.n_layers = 2, .n_heads = 4, .n_kv_heads = 2});
    ASSERT_TRUE(types.ok());
    uint64_t bytes = 0;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const DTypeTraits& traits = Traits((*types)[i]);
      const uint64_t n = static_cast<uint64_t>(f16->tensors()[i].shape.elements());
      bytes += (n / traits.block_size * traits.block_bytes + 31) / 32 * 32;
    }
    // Equal, which is stricter than the 1 % the issue allows.
    EXPECT_EQ(bytes, g.data_bytes);
  }
}

TEST_F(QuantizeTest, Q8_0AndQ4_K_MBytesEqualLlamaQuantize) {
  Result<gguf::File> f16 = gguf::File::Open(F16().string());
  ASSERT_TRUE(f16.ok());
  ThreadPool pool(2);
  for (const Golden& g : kLlamaQuantize) {
    if (std::string_view(g.type) != "Q8_0" && std::string_view(g.type) != "Q4_K_M") continue;
    SCOPED_TRACE(g.type);
    std::vector<uint8_t> out;
    Status s = QuantizeGguf(
        *f16, *quant::FileTypeFromName(g.type),
        [&out](std::span<const uint8_t> bytes) {
          out.insert(out.end(), bytes.begin(), bytes.end());
          return Status::Ok();
        },
        &pool);
    ASSERT_TRUE(s.ok()) << s.ToString();
    Result<gguf::File> q = gguf::File::FromBytes(out);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    EXPECT_EQ(q->GetU32("general.file_type").value(),
              static_cast<uint32_t>(*quant::FileTypeFromName(g.type)));
    EXPECT_EQ(q->GetU32("general.quantization_version").value(), 2u);
    const auto [sha, bytes] = DataSection(out, q->data_offset());
    EXPECT_EQ(bytes, g.data_bytes);
    EXPECT_EQ(sha, g.data_sha256);
    // The whole file too: metadata order, tensor order and padding as llama-quantize writes them.
    Sha256 whole;
    whole.Update(out);
    EXPECT_EQ(whole.HexDigest(), std::string_view(g.type) == "Q8_0"
                                     ? "17f6ad3520978dc3dc7c69f242d4d8bec5e7717fab60d0f2b6aa4ac55444c019"
                                     : "d004fe1a5a84e4720ab72b745d57a9ba48e8277990138ff76f5b92ee6598c219");
  }
}

TEST_F(QuantizeTest, RefusesAnAlreadyQuantizedModel) {
  const fs::path q8 = *dir_ / "q8.gguf";
  const testing::ProcessResult r = testing::RunProcess(
      {CORRAL_TESTMODEL_EXE, "--vocab",
       (testing::TestDataDir() / "models" / "ggml-vocab-llama-spm.gguf").string(), "--dim", "64", "--layers",
       "1", "--heads", "2", "--kv-heads", "1", "--ffn", "128", "--dtype", "q8_0", "--out", q8.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Result<gguf::File> f = gguf::File::Open(q8.string());
  ASSERT_TRUE(f.ok());
  Status s = QuantizeGguf(
      *f, quant::FileType::kQ4_0, [](std::span<const uint8_t>) { return Status::Ok(); }, nullptr);
  EXPECT_EQ(s.message(), "quantization is only supported for F16, BF16 and F32 models");
}

}  // namespace
}  // namespace corral::store
