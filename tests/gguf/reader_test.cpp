// The reader on well-formed files: every value type, the getters' conversions, tensor placement and views.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "gguf/file.h"
#include "gguf_bytes.h"

namespace corral::gguf {
namespace {

using testing::Bytes;

constexpr uint32_t kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7, kStr = 8,
                   kArr = 9, kU64 = 10, kI64 = 11, kF64 = 12;

// One key of every type, in an order that is not sorted, plus arrays of several kinds.
Bytes EveryTypeFile(uint32_t version) {
  Bytes b;
  b.Header(version, 0, 17);
  b.Key("z.u8", kU8).U8(200);
  b.Key("a.i8", kI8).Put<int8_t>(-5);
  b.Key("m.u16", kU16).Put<uint16_t>(65535);
  b.Key("b.i16", kI16).Put<int16_t>(-300);
  b.Key("y.u32", kU32).U32(4000000000u);
  b.Key("c.i32", kI32).Put<int32_t>(-7);
  b.Key("x.f32", kF32).Put<float>(0.25f);
  b.Key("d.bool", kBool).U8(1);
  b.Key("w.str", kStr).Str("héllo");
  b.Key("e.u64", kU64).U64(1ull << 40);
  b.Key("v.i64", kI64).Put<int64_t>(-(1ll << 40));
  b.Key("f.f64", kF64).Put<double>(1e-300);
  b.Key("arr.str", kArr).U32(kStr).U64(3).Str("a").Str("").Str("ccc");
  b.Key("arr.i32", kArr).U32(kI32).U64(3).Put<int32_t>(1).Put<int32_t>(-2).Put<int32_t>(3);
  b.Key("arr.f32", kArr).U32(kF32).U64(2).Put<float>(1.5f).Put<float>(-2.0f);
  b.Key("arr.nested", kArr).U32(kArr).U64(2);
  b.U32(kU8).U64(2).U8(1).U8(2);
  b.U32(kStr).U64(1).Str("inner");
  b.Key("arr.empty", kArr).U32(kBool).U64(0);
  return b;
}

TEST(GgufReader, ReadsEveryValueTypeInFileOrder) {
  for (uint32_t version : {2u, 3u}) {
    Bytes b = EveryTypeFile(version);
    Result<File> file = File::FromBytes(b.data);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(file->version(), version);
    EXPECT_EQ(file->alignment(), 32u);
    EXPECT_TRUE(file->tensors().empty());
    const std::vector<std::string_view> keys = {
        "z.u8",  "a.i8",  "m.u16", "b.i16",   "y.u32",   "c.i32",   "x.f32",      "d.bool",   "w.str",
        "e.u64", "v.i64", "f.f64", "arr.str", "arr.i32", "arr.f32", "arr.nested", "arr.empty"};
    ASSERT_EQ(file->metadata().size(), keys.size());
    for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(file->metadata()[i].key, keys[i]);
    EXPECT_EQ(file->metadata()[0].value.type(), ValueType::kU8);
    EXPECT_EQ(file->metadata()[13].value.type(), ValueType::kArray);

    EXPECT_EQ(*file->GetU32("z.u8"), 200u);
    EXPECT_EQ(*file->GetI32("a.i8"), -5);
    EXPECT_EQ(*file->GetU32("m.u16"), 65535u);
    EXPECT_EQ(*file->GetI64("b.i16"), -300);
    EXPECT_EQ(*file->GetU32("y.u32"), 4000000000u);
    EXPECT_EQ(*file->GetI32("c.i32"), -7);
    EXPECT_EQ(*file->GetF32("x.f32"), 0.25f);
    EXPECT_EQ(*file->GetF64("x.f32"), 0.25);
    EXPECT_TRUE(*file->GetBool("d.bool"));
    EXPECT_EQ(*file->GetString("w.str"), "héllo");
    EXPECT_EQ(*file->GetU64("e.u64"), 1ull << 40);
    EXPECT_EQ(*file->GetI64("v.i64"), -(1ll << 40));
    EXPECT_EQ(*file->GetF64("f.f64"), 1e-300);
    EXPECT_EQ(*file->GetF32("f.f64"), 0.0f);  // narrowed like a C++ cast

    EXPECT_EQ(*file->GetStringArray("arr.str"), (std::vector<std::string_view>{"a", "", "ccc"}));
    EXPECT_EQ(*file->GetI32Array("arr.i32"), (std::vector<int32_t>{1, -2, 3}));
    EXPECT_EQ(*file->GetF32Array("arr.f32"), (std::vector<float>{1.5f, -2.0f}));
    EXPECT_EQ(*file->GetF32Array("arr.i32"), (std::vector<float>{1.0f, -2.0f, 3.0f}));
    const Array* nested = *file->GetArray("arr.nested");
    ASSERT_EQ(nested->element_type(), ValueType::kArray);
    ASSERT_EQ(nested->size(), 2u);
    const Array* first = nested->at(0).AsArray();
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->element_type(), ValueType::kU8);
    EXPECT_EQ(*first->at(1).AsU32(), 2u);
    EXPECT_EQ(*nested->at(1).AsArray()->at(0).AsString(), "inner");
    const Array* empty = *file->GetArray("arr.empty");
    EXPECT_EQ(empty->element_type(), ValueType::kBool);
    EXPECT_TRUE(empty->empty());
  }
}

TEST(GgufReader, GettersExplainMissingWrongTypeAndOutOfRange) {
  Bytes b = EveryTypeFile(3);
  Result<File> file = File::FromBytes(b.data);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->GetU32("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(file->Find("nope"), nullptr);
  EXPECT_EQ(file->GetU32("w.str").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(file->GetU32("w.str").status().message(), "metadata key 'w.str' is str, expected u32");
  EXPECT_EQ(file->GetU32("a.i8").status().code(), StatusCode::kOutOfRange);  // -5
  EXPECT_EQ(file->GetU32("e.u64").status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(file->GetI32("y.u32").status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(file->GetF32("c.i32").status().code(), StatusCode::kCorrupt);  // no int -> float for scalars
  EXPECT_EQ(file->GetBool("z.u8").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(file->GetString("arr.str").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(file->GetStringArray("arr.i32").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(file->GetI32Array("arr.f32").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(file->GetU32Array("arr.i32").status().code(), StatusCode::kOutOfRange);  // holds -2
  EXPECT_EQ(file->GetF32Array("arr.str").status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(file->GetArray("z.u8").status().code(), StatusCode::kCorrupt);

  EXPECT_EQ(*file->GetU32Or("nope", 7), 7u);
  EXPECT_EQ(*file->GetU32Or("z.u8", 7), 200u);
  EXPECT_FALSE(file->GetU32Or("w.str", 7).ok());
  EXPECT_EQ(*file->GetF32Or("nope", 1.5f), 1.5f);
  EXPECT_TRUE(*file->GetBoolOr("nope", true));
  EXPECT_EQ(*file->GetStringOr("nope", "dflt"), "dflt");
  EXPECT_EQ(*file->GetStringOr("w.str", "dflt"), "héllo");
}

TEST(GgufReader, ValueWideningRules) {
  EXPECT_EQ(*Value::Unsigned(ValueType::kU64, 5).AsI32(), 5);
  EXPECT_FALSE(Value::Unsigned(ValueType::kU64, std::numeric_limits<uint64_t>::max()).AsI64());
  EXPECT_EQ(*Value::Unsigned(ValueType::kU64, std::numeric_limits<uint64_t>::max()).AsU64(),
            std::numeric_limits<uint64_t>::max());
  EXPECT_FALSE(Value::Signed(ValueType::kI64, -1).AsU64());
  EXPECT_FALSE(Value::Signed(ValueType::kI64, int64_t{1} << 31).AsI32());
  EXPECT_EQ(*Value::Signed(ValueType::kI64, -(int64_t{1} << 31)).AsI32(),
            std::numeric_limits<int32_t>::min());
  EXPECT_FALSE(Value::Float(ValueType::kF32, 1.0).AsU32());
  EXPECT_FALSE(Value::Bool(true).AsU32());
  EXPECT_FALSE(Value::String("1").AsU32());
  EXPECT_EQ(Value::String("x").AsArray(), nullptr);
}

TEST(GgufReader, TensorsAreViewsIntoTheBytesAtAlignedOffsets) {
  Bytes b;
  b.Header(3, 3, 1);
  b.Key("general.alignment", kU32).U32(64);
  // Deliberately not in info order: llama.cpp wants them packed in order, the format only wants them
  // aligned and disjoint.
  b.TensorInfo("b", {4, 2}, /*F32*/ 0, 64);
  b.TensorInfo("a", {32}, /*Q8_0*/ 8, 0);
  b.TensorInfo("c", {3}, /*F16*/ 1, 128);
  b.PadTo(64);
  const size_t data_start = b.data.size();
  b.Fill(34, 0xA1).PadTo(64);                                       // a at 0
  for (int i = 0; i < 8; ++i) b.Put<float>(static_cast<float>(i));  // b at 64
  b.PadTo(64);
  b.Put<uint16_t>(0x3C00).Put<uint16_t>(0x4000).Put<uint16_t>(0x4200);  // c at 128: 1, 2, 3 in f16
  Result<File> file = File::FromBytes(b.data);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->alignment(), 64u);
  EXPECT_EQ(file->data_offset(), data_start);
  ASSERT_EQ(file->tensors().size(), 3u);
  EXPECT_EQ(file->tensors()[0].name, "b");
  const TensorInfo* t = file->FindTensor("b");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type, DType::kF32);
  EXPECT_EQ(t->shape, MakeShape({4, 2}));
  EXPECT_EQ(t->shape.ToString(), "[4, 2]");
  EXPECT_EQ(t->shape.elements(), 8);
  EXPECT_EQ(t->bytes, 32u);
  EXPECT_EQ(t->data.data(), b.data.data() + data_start + 64);  // a view, not a copy
  float f7;
  std::memcpy(&f7, t->data.data() + 28, 4);
  EXPECT_EQ(f7, 7.0f);
  const TensorInfo* a = file->FindTensor("a");
  EXPECT_EQ(a->type, DType::kQ8_0);
  EXPECT_EQ(a->bytes, 34u);
  EXPECT_EQ(a->data[33], 0xA1);
  EXPECT_EQ(file->FindTensor("c")->bytes, 6u);
  EXPECT_EQ(file->FindTensor("c")->data.size(), 6u);
  EXPECT_EQ(file->FindTensor("d"), nullptr);
}

TEST(GgufReader, AcceptsTypesCorralCannotComputeWith) {
  Bytes b;
  b.Header(3, 1, 0);
  b.TensorInfo("t", {256}, /*IQ2_XXS*/ 16, 0).PadTo(32).Fill(66);
  Result<File> file = File::FromBytes(b.data);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->tensors()[0].type, DType::kIQ2_XXS);
  EXPECT_EQ(file->tensors()[0].bytes, 66u);
}

TEST(GgufReader, ZeroDimTensorIsAScalarAndLastTensorNeedsNoPadding) {
  Bytes b;
  b.Header(3, 1, 0);
  b.TensorInfo("scalar", {}, /*F32*/ 0, 0).PadTo(32).Put<float>(2.5f);
  Result<File> file = File::FromBytes(b.data);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->tensors()[0].shape.n_dims, 0);
  EXPECT_EQ(file->tensors()[0].shape.elements(), 1);
  EXPECT_EQ(file->tensors()[0].bytes, 4u);
}

TEST(GgufReader, NoTensorsMeansNoPaddingIsRequired) {
  // The vocab GGUFs of llama.cpp end right after their metadata.
  Bytes b;
  b.Header(3, 0, 1).Key("k", kStr).Str("v");
  Result<File> file = File::FromBytes(b.data);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->data_offset(), b.data.size());
}

TEST(GgufReader, FileMovesKeepViewsValid) {
  Bytes b = EveryTypeFile(3);
  Result<File> parsed = File::FromBytes(b.data);
  ASSERT_TRUE(parsed.ok());
  const Array* before = *parsed->GetArray("arr.nested");
  File moved = std::move(parsed).value();
  EXPECT_EQ(*moved.GetArray("arr.nested"), before);
  EXPECT_EQ(*before->at(1).AsArray()->at(0).AsString(), "inner");
}

}  // namespace
}  // namespace corral::gguf
