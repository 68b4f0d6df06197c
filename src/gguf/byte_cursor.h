// Bounds-checked little-endian reads over a byte span. Every read either succeeds completely or returns
// false and leaves the position unchanged, so a parser can report where a truncated file ended. GGUF is
// little-endian (big-endian files are refused by the version check), so loads are plain memcpy on this
// little-endian host.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

namespace corral::gguf {

static_assert(std::endian::native == std::endian::little, "GGUF is read with native little-endian loads");

// REQUIRES: p points at sizeof(T) readable bytes (no alignment needed).
template <typename T>
T LoadLE(const uint8_t* p) {
  static_assert(std::is_trivially_copyable_v<T>);
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

class ByteCursor {
 public:
  explicit ByteCursor(std::span<const uint8_t> bytes, size_t position = 0)
      : bytes_(bytes), position_(position <= bytes.size() ? position : bytes.size()) {}

  size_t position() const { return position_; }
  size_t remaining() const { return bytes_.size() - position_; }
  size_t size() const { return bytes_.size(); }

  template <typename T>
  bool Read(T* out) {
    if (remaining() < sizeof(T)) return false;
    *out = LoadLE<T>(bytes_.data() + position_);
    position_ += sizeof(T);
    return true;
  }

  // The next n bytes as a view; false if fewer remain.
  bool Take(uint64_t n, std::span<const uint8_t>* out) {
    if (n > remaining()) return false;
    *out = bytes_.subspan(position_, static_cast<size_t>(n));
    position_ += static_cast<size_t>(n);
    return true;
  }

  // A GGUF string: u64 byte length, then the bytes (no terminator). On failure nothing is consumed.
  bool ReadString(std::string_view* out) {
    uint64_t n = 0;
    if (remaining() < sizeof(n)) return false;
    n = LoadLE<uint64_t>(bytes_.data() + position_);
    if (n > remaining() - sizeof(n)) return false;
    position_ += sizeof(n);
    *out = std::string_view(reinterpret_cast<const char*>(bytes_.data() + position_), static_cast<size_t>(n));
    position_ += static_cast<size_t>(n);
    return true;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t position_ = 0;
};

}  // namespace corral::gguf
