// The reader on hostile files: each broken rule gives a Status that names the problem (never a crash, an
// out-of-bounds read — the suite runs under ASan — or a huge allocation).
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "gguf/file.h"
#include "gguf_bytes.h"

namespace corral::gguf {
namespace {

using testing::Bytes;

constexpr uint32_t kU8 = 0, kU32 = 4, kI32 = 5, kBool = 7, kStr = 8, kArr = 9, kU64 = 10;
constexpr uint32_t kTypeF32 = 0, kTypeQ4_0 = 2, kTypeF64 = 28;
constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();

// Expects parsing to fail with `code` and a message containing `needle`.
void ExpectError(const Bytes& b, StatusCode code, const std::string& needle) {
  Result<File> file = File::FromBytes(b.data);
  ASSERT_FALSE(file.ok()) << "parsed although it should fail with: " << needle;
  EXPECT_EQ(file.status().code(), code) << file.status().ToString();
  EXPECT_NE(file.status().message().find(needle), std::string::npos)
      << "message: " << file.status().message() << "\nexpected to contain: " << needle;
}

// A file with one metadata entry and `tensors` described by the caller, followed by enough data.
Bytes OneTensor(std::vector<uint64_t> dims, uint32_t type, uint64_t offset, size_t data_bytes) {
  Bytes b;
  b.Header(3, 1, 0).TensorInfo("t", std::move(dims), type, offset).PadTo(32).Fill(data_bytes);
  return b;
}

// A valid file that touches every part of the format: arrays, strings, a nested array and two tensors.
Bytes RichFile() {
  Bytes b;
  b.Header(3, 2, 5);
  b.Key("general.architecture", kStr).Str("llama");
  b.Key("general.alignment", kU32).U32(32);
  b.Key("tokenizer.ggml.tokens", kArr).U32(kStr).U64(3).Str("<s>").Str("a").Str("bc");
  b.Key("x.nested", kArr).U32(kArr).U64(1).U32(kI32).U64(2).Put<int32_t>(-1).Put<int32_t>(2);
  b.Key("x.flag", kBool).U8(1);
  b.TensorInfo("w", {2, 2}, kTypeF32, 0);
  b.TensorInfo("q", {32}, kTypeQ4_0, 32);
  b.PadTo(32).Fill(16, 0x11).PadTo(32).Fill(18, 0x22);  // no padding after the last tensor
  return b;
}

TEST(GgufHostile, RichFileIsValid) {
  Bytes b = RichFile();
  ASSERT_TRUE(File::FromBytes(b.data).ok()) << File::FromBytes(b.data).status().ToString();
}

TEST(GgufHostile, TruncatedAtEveryByte) {
  const Bytes full = RichFile();
  for (size_t n = 0; n < full.data.size(); ++n) {
    // A fresh allocation of exactly n bytes, so ASan catches any read past the end.
    std::vector<uint8_t> prefix(full.data.begin(), full.data.begin() + static_cast<std::ptrdiff_t>(n));
    Result<File> file = File::FromBytes(prefix);
    ASSERT_FALSE(file.ok()) << "a " << n << "-byte prefix parsed";
    EXPECT_EQ(file.status().code(), StatusCode::kCorrupt) << n << ": " << file.status().ToString();
  }
  Bytes b;
  b.Header(3, 0, 1).Key("k", kStr).Str("abc");
  b.data.pop_back();
  ExpectError(b, StatusCode::kCorrupt,
              "truncated at byte 37 of 47 while reading the string value of key 'k'");
}

TEST(GgufHostile, BadMagicAndVersions) {
  Bytes b;
  b.data = {'G', 'G', 'M', 'L', 3, 0, 0, 0};
  ExpectError(b, StatusCode::kCorrupt, "not a GGUF file: magic 'GGML', expected 'GGUF'");
  b.data = {0x7f, 'E', 'L', 'F'};
  ExpectError(b, StatusCode::kCorrupt, "magic '\\x7fELF'");
  ExpectError(Bytes().Header(1, 0, 0), StatusCode::kUnsupported, "version 1 is not supported");
  ExpectError(Bytes().Header(4, 0, 0), StatusCode::kUnsupported, "version 4 is newer");
  ExpectError(Bytes().Header(0, 0, 0), StatusCode::kCorrupt, "version 0");
  ExpectError(Bytes().Header(0x03000000, 0, 0), StatusCode::kUnsupported, "big-endian");
}

TEST(GgufHostile, AbsurdCountsAreBoundedByTheBytesLeft) {
  ExpectError(Bytes().Header(3, 0, kMaxU64), StatusCode::kCorrupt,
              "header claims 18446744073709551615 metadata");
  ExpectError(Bytes().Header(3, kMaxU64, 0), StatusCode::kCorrupt, "18446744073709551615 tensors");
  ExpectError(Bytes().Header(3, 1u << 30, 1u << 30).Fill(100), StatusCode::kCorrupt, "only 100 bytes follow");
}

TEST(GgufHostile, AbsurdStringAndArrayLengths) {
  Bytes key;
  key.Header(3, 0, 1).U64(kMaxU64).Fill(8);
  ExpectError(key, StatusCode::kCorrupt,
              "truncated at byte 24 of 40 while reading the key of metadata entry 0");
  Bytes value;
  value.Header(3, 0, 1).Key("k", kStr).U64(kMaxU64 - 3).Fill(20);
  ExpectError(value, StatusCode::kCorrupt, "while reading the string value of key 'k'");
  for (uint32_t element : {kU8, kU32, kU64, kStr, kArr, kBool}) {
    Bytes array;
    array.Header(3, 0, 1).Key("k", kArr).U32(element).U64(kMaxU64 / 2).Fill(64);
    ExpectError(array, StatusCode::kCorrupt, "claims an array of 9223372036854775807");
  }
  // A string inside an array that runs past the end.
  Bytes inner;
  inner.Header(3, 0, 1).Key("k", kArr).U32(kStr).U64(2).Str("ok").U64(1000).Fill(10);
  ExpectError(inner, StatusCode::kCorrupt, "while reading string 1 of the array in key 'k'");
}

TEST(GgufHostile, NestedArrayDepthBomb) {
  auto nested = [](int depth) {
    Bytes b;
    b.Header(3, 0, 1).Key("deep", kArr);
    for (int i = 1; i < depth; ++i) b.U32(kArr).U64(1);
    b.U32(kU8).U64(1).U8(7);
    return b;
  };
  EXPECT_TRUE(File::FromBytes(nested(kMaxArrayDepth).data).ok());
  ExpectError(nested(kMaxArrayDepth + 1), StatusCode::kOutOfRange, "key 'deep' nests arrays deeper than 8");
  ExpectError(nested(100000), StatusCode::kOutOfRange, "deeper than 8");
}

TEST(GgufHostile, InvalidBoolBytes) {
  Bytes scalar;
  scalar.Header(3, 0, 1).Key("b", kBool).U8(2);
  ExpectError(scalar, StatusCode::kCorrupt, "key 'b' holds the bool byte 2, which is neither 0 nor 1");
  Bytes array;
  array.Header(3, 0, 1).Key("b", kArr).U32(kBool).U64(3).U8(0).U8(1).U8(255);
  ExpectError(array, StatusCode::kCorrupt, "bool byte 255");
}

TEST(GgufHostile, UnknownValueTypes) {
  Bytes scalar;
  scalar.Header(3, 0, 1).Key("k", 13).U64(0);
  ExpectError(scalar, StatusCode::kCorrupt, "key 'k' has unknown value type 13");
  Bytes array;
  array.Header(3, 0, 1).Key("k", kArr).U32(0xFFFFFFFF).U64(0);
  ExpectError(array, StatusCode::kCorrupt, "key 'k' is an array of unknown value type 4294967295");
}

TEST(GgufHostile, InvalidKeys) {
  Bytes empty;
  empty.Header(3, 0, 1).Key("", kU8).U8(0).Fill(8);
  ExpectError(empty, StatusCode::kCorrupt, "metadata entry 0 has an empty key");
  Bytes space;
  space.Header(3, 0, 1).Key("general name", kU8).U8(0);
  ExpectError(space, StatusCode::kCorrupt, "key 'general name' contains a byte that is not printable ASCII");
  Bytes control;
  control.Header(3, 0, 1).Key(std::string("a\nb\xff", 4), kU8).U8(0);
  ExpectError(control, StatusCode::kCorrupt, "key 'a\\x0ab\\xff'");
  Bytes long_key;
  long_key.Header(3, 0, 1).Key(std::string(kMaxKeyBytes + 1, 'k'), kU8).U8(0);
  ExpectError(long_key, StatusCode::kOutOfRange, "is 65536 bytes long; keys are at most 65535");
  Bytes dup;
  dup.Header(3, 0, 3).Key("a", kU8).U8(0).Key("b", kU8).U8(0).Key("a", kStr).Str("x");
  ExpectError(dup, StatusCode::kCorrupt, "duplicate metadata key 'a' (entries 0 and 2)");
}

TEST(GgufHostile, Alignment) {
  Bytes wrong_type;
  wrong_type.Header(3, 0, 1).Key("general.alignment", kI32).Put<int32_t>(32);
  ExpectError(wrong_type, StatusCode::kCorrupt, "general.alignment is i32, must be u32");
  for (uint32_t bad : {0u, 48u, 0x80000001u}) {
    Bytes b;
    b.Header(3, 0, 1).Key("general.alignment", kU32).U32(bad);
    ExpectError(b, StatusCode::kCorrupt,
                "general.alignment " + std::to_string(bad) + " is not a power of two");
  }
}

TEST(GgufHostile, TensorTypes) {
  ExpectError(OneTensor({32}, 4, 0, 64), StatusCode::kUnsupported,
              "tensor 't' has ggml type 4 (Q4_2), which ggml has removed");
  ExpectError(OneTensor({32}, 33, 0, 64), StatusCode::kUnsupported, "(Q4_0_8_8)");
  ExpectError(OneTensor({32}, 77, 0, 64), StatusCode::kUnsupported, "tensor 't' has unknown ggml type id 77");
}

TEST(GgufHostile, TensorShapes) {
  ExpectError(OneTensor({1, 1, 1, 1, 1}, kTypeF32, 0, 4), StatusCode::kCorrupt,
              "tensor 't' has 5 dimensions; ggml allows at most 4");
  ExpectError(OneTensor({4, kMaxU64}, kTypeF32, 0, 64), StatusCode::kCorrupt,
              "tensor 't' has dimension 1 of size -1");
  ExpectError(OneTensor({4, 0}, kTypeF32, 0, 64), StatusCode::kCorrupt, "dimension 1 of size 0");
  ExpectError(OneTensor({1u << 31, 1u << 31, 1u << 2}, kTypeF32, 0, 64), StatusCode::kOutOfRange,
              "tensor 't' with shape [2147483648, 2147483648, 4] has more than 2^63 elements");
  ExpectError(OneTensor({16}, kTypeQ4_0, 0, 64), StatusCode::kCorrupt,
              "tensor 't' of type q4_0 has rows of 16 elements, not a multiple of the block size 32");
  ExpectError(OneTensor({1ull << 62}, kTypeF64, 0, 64), StatusCode::kOutOfRange, "has more than 2^64 bytes");
}

TEST(GgufHostile, TensorNames) {
  Bytes dup;
  dup.Header(3, 2, 0).TensorInfo("x", {8}, kTypeF32, 0).TensorInfo("x", {8}, kTypeF32, 32).PadTo(32).Fill(64);
  ExpectError(dup, StatusCode::kCorrupt, "duplicate tensor 'x' (tensors 0 and 1)");
  Bytes empty;
  empty.Header(3, 1, 0).TensorInfo("", {8}, kTypeF32, 0).PadTo(32).Fill(32);
  ExpectError(empty, StatusCode::kCorrupt, "tensor 0 has an empty name");
  // ggml's name buffer holds 63 bytes and a NUL; llama.cpp refuses a 64-byte name, so do we.
  Bytes ok63;
  ok63.Header(3, 1, 0).TensorInfo(std::string(63, 'n'), {8}, kTypeF32, 0).PadTo(32).Fill(32);
  EXPECT_TRUE(File::FromBytes(ok63.data).ok());
  Bytes long64;
  long64.Header(3, 1, 0).TensorInfo(std::string(64, 'n'), {8}, kTypeF32, 0).PadTo(32).Fill(32);
  ExpectError(long64, StatusCode::kCorrupt, "is 64 bytes long; ggml allows at most 63");
}

TEST(GgufHostile, TensorPlacement) {
  ExpectError(OneTensor({8}, kTypeF32, 16, 64), StatusCode::kCorrupt,
              "tensor 't' has offset 16, not a multiple of the alignment 32");
  // Header (24) + info (1+8+4+8+4+8 = 33) = 57, padded to 64; 32 bytes of data at offset 32 end at 128.
  ExpectError(OneTensor({8}, kTypeF32, 32, 40), StatusCode::kCorrupt,
              "tensor 't' ends at byte 128, past the end of the file (104 bytes)");
  ExpectError(OneTensor({8}, kTypeF32, kMaxU64 - 31, 40), StatusCode::kCorrupt, "ends beyond 2^64");
  Bytes overlap;
  overlap.Header(3, 2, 0)
      .TensorInfo("a", {16}, kTypeF32, 0)
      .TensorInfo("b", {8}, kTypeF32, 32)
      .PadTo(32)
      .Fill(96);
  ExpectError(overlap, StatusCode::kCorrupt, "tensors 'a' (bytes 0..64 of the data section) and 'b'");
  Bytes same;
  same.Header(3, 2, 0).TensorInfo("a", {8}, kTypeF32, 0).TensorInfo("b", {8}, kTypeF32, 0).PadTo(32).Fill(64);
  ExpectError(same, StatusCode::kCorrupt, "overlap");
  // The data section itself cannot start inside the padding past the end.
  Bytes no_data;
  no_data.Header(3, 1, 0).TensorInfo("t", {8}, kTypeF32, 0);
  ExpectError(no_data, StatusCode::kCorrupt, "the data section would start at byte 64, past the end");
}

TEST(GgufHostile, OutOfOrderButDisjointTensorsAreAccepted) {
  Bytes b;
  b.Header(3, 2, 0)
      .TensorInfo("late", {8}, kTypeF32, 64)
      .TensorInfo("early", {8}, kTypeF32, 0)
      .PadTo(32)
      .Fill(96);
  Result<File> file = File::FromBytes(b.data);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->FindTensor("late")->offset, 64u);
}

}  // namespace
}  // namespace corral::gguf
