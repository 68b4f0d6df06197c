// gguf::Writer's filled tensors (bytes made while the file is written, for converters such as
// `corral create --quantize`): the file equals one written from the same bytes held in memory, the fill gets
// exactly the tensor's size, and a failing fill fails the write and leaves no file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "gguf/file.h"
#include "gguf/writer.h"

namespace corral::gguf {
namespace {

std::vector<uint8_t> Pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

TEST(WriterFillTest, SameBytesAsTensorsHeldInMemory) {
  const std::vector<uint8_t> a = Pattern(4 * 3, 1);   // f32 [3]
  const std::vector<uint8_t> b = Pattern(2 * 40, 9);  // f16 [40] (80 bytes: padding follows)
  Writer held;
  Writer filled;
  for (Writer* w : {&held, &filled}) w->SetString("general.architecture", "test");
  ASSERT_TRUE(held.AddTensor("a", DType::kF32, MakeShape({3}), std::span<const uint8_t>(a)).ok());
  ASSERT_TRUE(held.AddTensor("b", DType::kF16, MakeShape({40}), std::span<const uint8_t>(b)).ok());
  std::vector<size_t> sizes;
  const auto fill_with = [&sizes](const std::vector<uint8_t>& src) {
    return [&sizes, &src](std::span<uint8_t> out) {
      sizes.push_back(out.size());
      std::copy(src.begin(), src.end(), out.begin());
      return Status::Ok();
    };
  };
  ASSERT_TRUE(filled.AddTensor("a", DType::kF32, MakeShape({3}), Writer::TensorFill(fill_with(a))).ok());
  ASSERT_TRUE(filled.AddTensor("b", DType::kF16, MakeShape({40}), Writer::TensorFill(fill_with(b))).ok());
  Result<std::vector<uint8_t>> want = held.ToBytes();
  ASSERT_TRUE(want.ok());
  std::vector<uint8_t> got;
  ASSERT_TRUE(filled
                  .WriteTo([&got](std::span<const uint8_t> bytes) {
                    got.insert(got.end(), bytes.begin(), bytes.end());
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(got, *want);
  EXPECT_EQ(sizes, (std::vector<size_t>{12, 80}));
  Result<File> parsed = File::FromBytes(got);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->FindTensor("b")->offset, 32u);
}

TEST(WriterFillTest, AFailingFillFailsTheWrite) {
  Writer w;
  w.SetString("general.architecture", "test");
  ASSERT_TRUE(w.AddTensor("a", DType::kF32, MakeShape({4}), Writer::TensorFill([](std::span<uint8_t>) {
                            return Status::Corrupt("source went away");
                          }))
                  .ok());
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("corral-fill-" + std::to_string(::getpid()) + ".gguf");
  Status s = w.Write(path.string());
  EXPECT_EQ(s.message(), "source went away");
  EXPECT_FALSE(std::filesystem::exists(path));
  // A shape whose rows are not whole blocks is refused when added, as for held tensors.
  EXPECT_FALSE(w.AddTensor("q", DType::kQ4_0, MakeShape({20}),
                           Writer::TensorFill([](std::span<uint8_t>) { return Status::Ok(); }))
                   .ok());
}

}  // namespace
}  // namespace corral::gguf
