// The writer: every value type, insertion order, tensor packing and alignment as llama.cpp expects, exact
// copies of existing files, and atomic writes that leave nothing behind when they fail.
#include "gguf/writer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>

#include "gguf/file.h"
#include "gguf_bytes.h"

namespace corral::gguf {
namespace {

namespace fs = std::filesystem;

Result<File> Reparse(const Writer& w, std::vector<uint8_t>* storage) {
  Result<std::vector<uint8_t>> bytes = w.ToBytes();
  if (!bytes.ok()) return bytes.status();
  *storage = std::move(bytes).value();
  return File::FromBytes(*storage);
}

std::vector<uint8_t> ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh, empty directory for one test.
fs::path TempDir() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::temp_directory_path() /
                 ("corral-gguf-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<std::string> DirEntries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(GgufWriter, EveryValueTypeRoundTripsInInsertionOrder) {
  Writer w;
  w.SetString("general.architecture", "llama");
  w.SetU8("t.u8", 255);
  w.SetI8("t.i8", -128);
  w.SetU16("t.u16", 65535);
  w.SetI16("t.i16", -32768);
  w.SetU32("t.u32", 4294967295u);
  w.SetI32("t.i32", -2147483647 - 1);
  w.SetU64("t.u64", 18446744073709551615ull);
  w.SetI64("t.i64", -9223372036854775807ll - 1);
  w.SetF32("t.f32", -0.1f);
  w.SetF64("t.f64", 1e308);
  w.SetBool("t.bool", false);
  const std::vector<std::string> tokens = {"<s>", "</s>", "héllo", ""};
  w.SetStringArray("t.strs", tokens);
  const std::vector<std::string_view> views = {"a b", "c"};
  w.SetStringArray("t.views", views);
  const std::vector<float> scores = {0.5f, -1e9f};
  w.SetF32Array("t.f32s", scores);
  const std::vector<int32_t> types = {1, 3, -6};
  w.SetI32Array("t.i32s", types);
  const std::vector<uint32_t> counts = {7, 8};
  w.SetU32Array("t.u32s", counts);
  w.SetU32("t.u8", 9);  // replaces the u8 in place, with another type
  w.SetString("t.gone", "x");
  w.Remove("t.gone");
  EXPECT_TRUE(w.Has("t.u8"));
  EXPECT_FALSE(w.Has("t.gone"));

  std::vector<uint8_t> bytes;
  Result<File> file = Reparse(w, &bytes);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->version(), 3u);
  const std::vector<std::string_view> keys = {"general.architecture",
                                              "t.u8",
                                              "t.i8",
                                              "t.u16",
                                              "t.i16",
                                              "t.u32",
                                              "t.i32",
                                              "t.u64",
                                              "t.i64",
                                              "t.f32",
                                              "t.f64",
                                              "t.bool",
                                              "t.strs",
                                              "t.views",
                                              "t.f32s",
                                              "t.i32s",
                                              "t.u32s"};
  ASSERT_EQ(file->metadata().size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(file->metadata()[i].key, keys[i]);
  EXPECT_EQ(file->Find("t.u8")->type(), ValueType::kU32);
  EXPECT_EQ(*file->GetU32("t.u8"), 9u);
  EXPECT_EQ(*file->GetI32("t.i8"), -128);
  EXPECT_EQ(*file->GetU32("t.u16"), 65535u);
  EXPECT_EQ(*file->GetI32("t.i16"), -32768);
  EXPECT_EQ(*file->GetU32("t.u32"), 4294967295u);
  EXPECT_EQ(*file->GetI32("t.i32"), -2147483647 - 1);
  EXPECT_EQ(*file->GetU64("t.u64"), 18446744073709551615ull);
  EXPECT_EQ(*file->GetI64("t.i64"), -9223372036854775807ll - 1);
  EXPECT_EQ(*file->GetF32("t.f32"), -0.1f);
  EXPECT_EQ(*file->GetF64("t.f64"), 1e308);
  EXPECT_FALSE(*file->GetBool("t.bool"));
  EXPECT_EQ(*file->GetStringArray("t.strs"), (std::vector<std::string_view>{"<s>", "</s>", "héllo", ""}));
  EXPECT_EQ(*file->GetStringArray("t.views"), views);
  EXPECT_EQ(*file->GetF32Array("t.f32s"), scores);
  EXPECT_EQ(*file->GetI32Array("t.i32s"), types);
  EXPECT_EQ(*file->GetU32Array("t.u32s"), counts);
  // Without tensors nothing follows the metadata: the last bytes are the last array's last element.
  uint32_t last = 0;
  std::memcpy(&last, bytes.data() + bytes.size() - 4, 4);
  EXPECT_EQ(last, 8u);
}

TEST(GgufWriter, TensorsArePackedInInfoOrderAtTheAlignment) {
  for (uint32_t alignment : {32u, 64u, 4096u}) {
    Writer w;
    if (alignment != 32) w.SetU32("general.alignment", alignment);
    std::vector<float> a(5 * 3);
    std::iota(a.begin(), a.end(), 1.0f);
    std::vector<uint8_t> q(2 * 34, 0x5A);  // two Q8_0 blocks
    std::vector<uint16_t> h = {0x3C00};
    ASSERT_TRUE(w.AddTensor("a", DType::kF32, MakeShape({5, 3}), AsBytes(std::span<const float>(a))).ok());
    ASSERT_TRUE(w.AddTensor("q", DType::kQ8_0, MakeShape({64}), std::vector<uint8_t>(q)).ok());
    ASSERT_TRUE(
        w.AddTensor("h", DType::kF16, MakeShape({1, 1, 1, 1}), AsBytes(std::span<const uint16_t>(h))).ok());

    std::vector<uint8_t> bytes;
    Result<File> file = Reparse(w, &bytes);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(file->alignment(), alignment);
    EXPECT_EQ(file->data_offset() % alignment, 0u);
    ASSERT_EQ(file->tensors().size(), 3u);
    // llama.cpp: offset(i) = offset(i-1) + pad(bytes(i-1), alignment).
    uint64_t expected = 0;
    for (const TensorInfo& t : file->tensors()) {
      EXPECT_EQ(t.offset, expected) << t.name;
      expected += (t.bytes + alignment - 1) / alignment * alignment;
    }
    EXPECT_EQ(bytes.size(), file->data_offset() + expected);  // the last tensor is padded too
    EXPECT_EQ(file->FindTensor("a")->shape, MakeShape({5, 3}));
    EXPECT_TRUE(
        std::equal(a.begin(), a.end(), reinterpret_cast<const float*>(file->FindTensor("a")->data.data())));
    EXPECT_TRUE(std::ranges::equal(file->FindTensor("q")->data, q));
    EXPECT_EQ(file->FindTensor("h")->shape.n_dims, 4);
  }
}

TEST(GgufWriter, RefusesBadTensors) {
  Writer w;
  std::vector<uint8_t> data(64);
  auto add = [&](std::string_view name, DType type, Shape shape, size_t bytes) {
    return w.AddTensor(name, type, shape, std::span<const uint8_t>(data).first(bytes));
  };
  ASSERT_TRUE(add("ok", DType::kF32, MakeShape({16}), 64).ok());
  EXPECT_EQ(add("ok", DType::kF32, MakeShape({16}), 64).message(), "duplicate tensor 'ok'");
  EXPECT_EQ(add("", DType::kF32, MakeShape({16}), 64).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(add(std::string(64, 'x'), DType::kF32, MakeShape({16}), 64).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(add(std::string(63, 'x'), DType::kF32, MakeShape({16}), 64).ok());
  EXPECT_EQ(add("zero", DType::kF32, MakeShape({0}), 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(add("neg", DType::kF32, MakeShape({-4}), 0).code(), StatusCode::kInvalidArgument);
  Shape five = MakeShape({1, 1, 1, 1});
  five.n_dims = 5;
  EXPECT_EQ(add("five", DType::kF32, five, 4).code(), StatusCode::kInvalidArgument);
  Shape stray = MakeShape({4});
  stray.ne[2] = 2;  // a size in a dimension past n_dims
  EXPECT_EQ(add("stray", DType::kF32, stray, 32).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(add("q", DType::kQ4_0, MakeShape({16}), 9).message(),
            "tensor 'q' of type q4_0 has rows of 16 elements, not whole blocks of 32");
  EXPECT_EQ(add("short", DType::kF32, MakeShape({16}), 60).message(),
            "tensor 'short' with shape [16] needs 64 bytes of f32, got 60");
  EXPECT_EQ(add("huge", DType::kF64, MakeShape({int64_t{1} << 62}), 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(add("type", static_cast<DType>(4), MakeShape({16}), 64).code(), StatusCode::kInvalidArgument);
}

TEST(GgufWriter, RefusesBadMetadataAtWrite) {
  for (std::string_view key :
       {std::string_view(""), std::string_view("has space"), std::string_view("tab\t")}) {
    Writer w;
    w.SetU32(key, 1);
    EXPECT_EQ(w.ToBytes().status().code(), StatusCode::kInvalidArgument) << key;
  }
  Writer long_key;
  long_key.SetU32(std::string(kMaxKeyBytes + 1, 'k'), 1);
  EXPECT_EQ(long_key.ToBytes().status().code(), StatusCode::kInvalidArgument);
  Writer bad_alignment;
  bad_alignment.SetU32("general.alignment", 48);
  EXPECT_EQ(bad_alignment.ToBytes().status().message(), "general.alignment must be a u32 power of two");
  Writer wrong_type;
  wrong_type.SetU64("general.alignment", 64);
  EXPECT_EQ(wrong_type.ToBytes().status().code(), StatusCode::kInvalidArgument);
}

// A file laid out exactly as llama.cpp writes one, with values of every kind including a nested array.
std::vector<uint8_t> LlamaLayoutFile() {
  testing::Bytes b;
  b.Header(3, 2, 6);
  b.Key("general.architecture", 8).Str("llama");
  b.Key("general.alignment", 4).U32(64);
  b.Key("n.bool", 7).U8(1);
  b.Key("n.f64", 12).Put<double>(-2.5);
  b.Key("n.nested", 9).U32(9).U64(2).U32(8).U64(1).Str("x").U32(1).U64(2).Put<int8_t>(-1).Put<int8_t>(1);
  b.Key("n.bools", 9).U32(7).U64(3).U8(1).U8(0).U8(1);
  b.TensorInfo("w", {3, 2}, 0, 0).TensorInfo("v", {32}, 8, 64).PadTo(64);
  for (int i = 0; i < 6; ++i) b.Put<float>(static_cast<float>(i) * 0.5f);
  b.PadTo(64).Fill(34, 0x77).PadTo(64);
  return b.data;
}

TEST(GgufWriter, CopiesAFileByteForByte) {
  const std::vector<uint8_t> original = LlamaLayoutFile();
  Result<File> in = File::FromBytes(original);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  Writer w;
  for (const KeyValue& kv : in->metadata()) w.SetValue(kv.key, kv.value);
  for (const TensorInfo& t : in->tensors()) ASSERT_TRUE(w.AddTensor(t.name, t.type, t.shape, t.data).ok());
  Result<std::vector<uint8_t>> out = w.ToBytes();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, original);
}

TEST(GgufWriter, WritesAtomically) {
  const fs::path dir = TempDir();
  Writer w;
  w.SetString("general.name", "atomic");
  std::vector<float> x(100, 1.0f);
  ASSERT_TRUE(w.AddTensor("x", DType::kF32, MakeShape({100}), AsBytes(std::span<const float>(x))).ok());
  const fs::path path = dir / "model.gguf";
  ASSERT_TRUE(w.Write(path.string()).ok());
  EXPECT_EQ(DirEntries(dir), std::vector<std::string>{"model.gguf"});  // no temporary file left
  EXPECT_EQ(ReadAll(path), *w.ToBytes());
  // Overwriting an existing file replaces it whole.
  w.SetString("general.name", "second");
  ASSERT_TRUE(w.Write(path.string()).ok());
  EXPECT_EQ(ReadAll(path), *w.ToBytes());
  EXPECT_EQ(DirEntries(dir), std::vector<std::string>{"model.gguf"});
  fs::remove_all(dir);
}

TEST(GgufWriter, FailedWritesLeaveNothingBehind) {
  const fs::path dir = TempDir();
  Writer w;
  std::vector<uint8_t> big(1 << 20, 0xAB);
  ASSERT_TRUE(w.AddTensor("big", DType::kI8, MakeShape({1 << 20}), big).ok());

  // A directory that does not exist (or went away).
  Status missing = w.Write((dir / "gone" / "m.gguf").string());
  EXPECT_EQ(missing.code(), StatusCode::kIoError);
  EXPECT_NE(missing.message().find("No such file or directory"), std::string::npos) << missing.message();

  // The final rename fails (a directory is in the way) after every byte was written.
  fs::create_directory(dir / "taken.gguf");
  fs::create_directory(dir / "taken.gguf" / "child");
  Status rename = w.Write((dir / "taken.gguf").string());
  EXPECT_EQ(rename.code(), StatusCode::kIoError) << rename.ToString();
  EXPECT_EQ(DirEntries(dir), std::vector<std::string>{"taken.gguf"});

  // The device fills up mid-write: RLIMIT_FSIZE makes write() fail with EFBIG, as a full disk fails with
  // ENOSPC. An older complete file at the path must survive untouched.
  const fs::path path = dir / "m.gguf";
  { std::ofstream(path) << "previous contents"; }
  struct rlimit old_limit {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct rlimit small = old_limit;
  small.rlim_cur = 256 * 1024;
  auto* old_handler = ::signal(SIGXFSZ, SIG_IGN);  // else the kernel kills us instead of failing write()
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status full = w.Write(path.string());
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(full.code(), StatusCode::kIoError);
  EXPECT_NE(full.message().find("write: File too large"), std::string::npos) << full.message();
  EXPECT_EQ(DirEntries(dir), (std::vector<std::string>{"m.gguf", "taken.gguf"}));
  std::vector<uint8_t> kept = ReadAll(path);
  EXPECT_EQ(std::string(kept.begin(), kept.end()), "previous contents");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace corral::gguf
