// The fuzzer's seed corpus (fuzz/corpus/gguf/) is written by this file's generator with corral's Writer; the
// test keeps the committed files equal to what the generator makes, so the seeds stay valid as the format
// code changes. Regenerate with CORRAL_WRITE_FUZZ_CORPUS=1. Also holds regression inputs found by fuzzing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "test_paths.h"

namespace corral::gguf {
namespace {

namespace fs = std::filesystem;

template <typename T>
std::vector<uint8_t> Repeat(size_t n, T value) {
  std::vector<T> v(n, value);
  const auto* p = reinterpret_cast<const uint8_t*>(v.data());
  return {p, p + n * sizeof(T)};
}

std::vector<uint8_t> TinyLlama() {
  Writer w;
  w.SetString("general.architecture", "llama");
  w.SetString("general.name", "fuzz seed");
  w.SetU32("llama.block_count", 1);
  w.SetU32("llama.embedding_length", 32);
  w.SetU32("llama.attention.head_count", 2);
  w.SetF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  w.SetString("tokenizer.ggml.model", "gpt2");
  const std::vector<std::string> tokens = {"<s>", "</s>", "a", "b", "ab", "\xc4\xa0"};
  w.SetStringArray("tokenizer.ggml.tokens", tokens);
  const std::vector<int32_t> types = {3, 3, 1, 1, 1, 1};
  w.SetI32Array("tokenizer.ggml.token_type", types);
  const std::vector<std::string> merges = {"a b"};
  w.SetStringArray("tokenizer.ggml.merges", merges);
  w.SetU32("tokenizer.ggml.bos_token_id", 0);
  w.SetBool("tokenizer.ggml.add_bos_token", true);
  w.SetString("tokenizer.chat_template", "{{ messages }}");
  (void)w.AddTensor("token_embd.weight", DType::kF16, MakeShape({32, 6}), Repeat<uint16_t>(32 * 6, 0x3C00));
  (void)w.AddTensor("blk.0.attn_q.weight", DType::kQ8_0, MakeShape({32, 2}), Repeat<uint8_t>(2 * 34, 0x11));
  (void)w.AddTensor("output_norm.weight", DType::kF32, MakeShape({32}), Repeat<float>(32, 1.0f));
  return *w.ToBytes();
}

std::vector<uint8_t> EveryType() {
  Writer w;
  w.SetU8("t.u8", 1);
  w.SetI8("t.i8", -1);
  w.SetU16("t.u16", 2);
  w.SetI16("t.i16", -2);
  w.SetU32("t.u32", 3);
  w.SetI32("t.i32", -3);
  w.SetF32("t.f32", 0.5f);
  w.SetBool("t.bool", true);
  w.SetString("t.str", "s");
  w.SetU64("t.u64", 4);
  w.SetI64("t.i64", -4);
  w.SetF64("t.f64", 0.25);
  const std::vector<float> floats = {1, 2};
  w.SetF32Array("t.f32s", floats);
  const std::vector<uint32_t> u32s = {1, 2};
  w.SetU32Array("t.u32s", u32s);
  // A nested array and a bool array, copied from a parsed file (the Writer has no direct setter for them).
  static const uint8_t kNested[] = {
      'G', 'G',  'U', 'F', 3, 0, 0, 0, 0, 0, 0,   0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,
      0,   0,    'n', 9,   0, 0, 0, 9, 0, 0, 0,   1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
      0,   0xFF, 1,   0,   0, 0, 0, 0, 0, 0, 'b', 9, 0, 0, 0, 7, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0};
  Result<File> nested = File::FromBytes(kNested);
  for (const KeyValue& kv : nested->metadata()) w.SetValue("t.nested." + std::string(kv.key), kv.value);
  return *w.ToBytes();
}

std::vector<uint8_t> Aligned64() {
  Writer w;
  w.SetU32("general.alignment", 64);
  w.SetString("general.architecture", "qwen3");
  (void)w.AddTensor("a", DType::kQ4_K, MakeShape({256}), Repeat<uint8_t>(144, 0x22));
  (void)w.AddTensor("b", DType::kIQ4_NL, MakeShape({32, 1, 1, 2}), Repeat<uint8_t>(36, 0x33));
  (void)w.AddTensor("c", DType::kBF16, MakeShape({3}), Repeat<uint16_t>(3, 0x3F80));
  return *w.ToBytes();
}

std::vector<uint8_t> Empty() {
  return *Writer().ToBytes();
}

std::map<std::string, std::vector<uint8_t>> Corpus() {
  return {{"tiny_llama.gguf", TinyLlama()},
          {"every_type.gguf", EveryType()},
          {"aligned64.gguf", Aligned64()},
          {"empty.gguf", Empty()}};
}

fs::path CorpusDir() {
  return corral::testing::SourceDir() / "fuzz" / "corpus" / "gguf";
}

std::vector<uint8_t> ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(GgufFuzzCorpus, SeedsAreValidAndUpToDate) {
  const bool write = std::getenv("CORRAL_WRITE_FUZZ_CORPUS") != nullptr;
  size_t total = 0;
  for (const auto& [name, bytes] : Corpus()) {
    SCOPED_TRACE(name);
    Result<File> file = File::FromBytes(bytes);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    if (write) {
      fs::create_directories(CorpusDir());
      std::ofstream(CorpusDir() / name, std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    EXPECT_EQ(ReadAll(CorpusDir() / name), bytes) << "regenerate with CORRAL_WRITE_FUZZ_CORPUS=1";
    total += bytes.size();
  }
  EXPECT_LT(total, 8192u);  // seeds stay small so the fuzzer mutates structure, not bulk data
  const std::vector<uint8_t> every_type = EveryType();
  Result<File> nested = File::FromBytes(every_type);
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ((*nested->GetArray("t.nested.n"))->element_type(), ValueType::kArray);
  EXPECT_EQ(*nested->GetArray("t.nested.b").value()->at(1).AsBool(), false);
}

// Regression inputs found by fuzz/gguf_reader_fuzz.cpp (scripts/fuzz), each with what went wrong.

// Found after ~450k runs: a file without tensors may declare general.alignment = 2^30 (a power of two, so
// valid); the writer used to pad the copy's header to the alignment and allocated 1 GiB (a fuzzer timeout).
TEST(GgufFuzzRegressions, HugeAlignmentWithoutTensorsCopiesSmall) {
  static const uint8_t kInput[] = {
      'G', 'G', 'U', 'F', 3,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   2,   0,   0,   0,   0,
      0,   0,   0,   17,  0,   0,   0,   0,   0,   0,   0,   'g', 'e', 'n', 'e', 'v', 'q', 'l', '.', 'a', 'l',
      'i', 'g', 'n', 'm', 'e', 'n', 't', 4,   0,   0,   0,   64,  0,   0,   0,   17,  0,   0,   0,   0,   0,
      0,   0,   'g', 'e', 'n', 'e', 'r', 'a', 'l', '.', 'a', 'l', 'i', 'g', 'n', 'm', 'e', 'n', 't', 4,   0,
      0,   0,   0,   0,   0,   64,  0,   17,  0,   0,   0,   0,   0,   0,   0,   0,   0,   0};
  Result<File> file = File::FromBytes(kInput);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->alignment(), 1u << 30);
  Writer copy;
  for (const KeyValue& kv : file->metadata()) copy.SetValue(kv.key, kv.value);
  Result<std::vector<uint8_t>> bytes = copy.ToBytes();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_LT(bytes->size(), sizeof(kInput));  // the input's trailing bytes are ignored, nothing is added
  EXPECT_TRUE(File::FromBytes(*bytes).ok());
}

}  // namespace
}  // namespace corral::gguf
