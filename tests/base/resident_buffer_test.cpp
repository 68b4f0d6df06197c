// ResidentBuffer (2 MiB-aligned anonymous memory for copied weights) and ReadFileRange (exact reads that
// name a short file as truncated).
#include "base/resident_buffer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <vector>

namespace corral {
namespace {

TEST(ResidentBuffer, IsAlignedToAHugePageAndWritable) {
  auto buffer = ResidentBuffer::Allocate(3 * 1024 * 1024 + 5);
  ASSERT_TRUE(buffer.ok()) << buffer.status().ToString();
  EXPECT_EQ(buffer->size(), size_t{3 * 1024 * 1024 + 5});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer->data()) % (2 << 20), 0u);
  buffer->data()[0] = 1;
  buffer->data()[buffer->size() - 1] = 2;
  ResidentBuffer moved = std::move(*buffer);
  EXPECT_EQ(buffer->size(), 0u);
  EXPECT_EQ(moved.data()[moved.size() - 1], 2);
}

TEST(ResidentBuffer, ZeroBytesIsEmpty) {
  auto buffer = ResidentBuffer::Allocate(0);
  ASSERT_TRUE(buffer.ok());
  EXPECT_EQ(buffer->size(), 0u);
  EXPECT_TRUE(buffer->bytes().empty());
}

TEST(ResidentBuffer, AnImpossibleSizeIsAnErrorNotACrash) {
  auto buffer = ResidentBuffer::Allocate(size_t{1} << 60);
  ASSERT_FALSE(buffer.ok());
  EXPECT_EQ(buffer.status().code(), StatusCode::kUnavailable);
}

class ReadFileRangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("corral-read-range-" + std::to_string(::getpid()));
    bytes_.resize(10000);
    std::iota(bytes_.begin(), bytes_.end(), uint8_t{0});
    std::ofstream(path_, std::ios::binary).write(reinterpret_cast<const char*>(bytes_.data()), 10000);
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::filesystem::path path_;
  std::vector<uint8_t> bytes_;
};

TEST_F(ReadFileRangeTest, ReadsTheRange) {
  std::vector<uint8_t> out(4000);
  ASSERT_TRUE(ReadFileRange(path_.string(), 6000, out).ok());
  EXPECT_TRUE(std::equal(out.begin(), out.end(), bytes_.begin() + 6000));
}

TEST_F(ReadFileRangeTest, AShortFileIsTruncated) {
  std::vector<uint8_t> out(4001);
  const Status s = ReadFileRange(path_.string(), 6000, out);
  EXPECT_EQ(s.code(), StatusCode::kCorrupt) << s.ToString();
  EXPECT_NE(s.ToString().find("truncated"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find(path_.string()), std::string::npos) << s.ToString();
}

TEST_F(ReadFileRangeTest, AMissingFileIsNotFound) {
  std::vector<uint8_t> out(1);
  EXPECT_EQ(ReadFileRange(path_.string() + ".absent", 0, out).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace corral
