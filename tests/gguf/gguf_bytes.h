// Test helper: writes GGUF bytes field by field, so tests can build files the Writer would refuse to make
// (bad magic, absurd counts, misplaced tensors, ...).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace corral::gguf::testing {

class Bytes {
 public:
  template <typename T>
  Bytes& Put(T v) {
    const size_t at = data.size();
    data.resize(at + sizeof(T));
    std::memcpy(data.data() + at, &v, sizeof(T));
    return *this;
  }
  Bytes& U8(uint8_t v) { return Put(v); }
  Bytes& U32(uint32_t v) { return Put(v); }
  Bytes& U64(uint64_t v) { return Put(v); }
  Bytes& Str(std::string_view s) {
    U64(s.size());
    data.insert(data.end(), s.begin(), s.end());
    return *this;
  }
  // "GGUF", version, tensor count, metadata count.
  Bytes& Header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    data.insert(data.end(), {'G', 'G', 'U', 'F'});
    return U32(version).U64(n_tensors).U64(n_kv);
  }
  // A key and its value type id; the value follows.
  Bytes& Key(std::string_view key, uint32_t type) { return Str(key).U32(type); }
  // A tensor info with dims in ggml order.
  Bytes& TensorInfo(std::string_view name, std::vector<uint64_t> dims, uint32_t type, uint64_t offset) {
    Str(name).U32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) U64(d);
    return U32(type).U64(offset);
  }
  Bytes& PadTo(size_t alignment) {
    data.resize((data.size() + alignment - 1) / alignment * alignment, 0);
    return *this;
  }
  Bytes& Fill(size_t n, uint8_t byte = 0) {
    data.resize(data.size() + n, byte);
    return *this;
  }

  std::vector<uint8_t> data;
};

}  // namespace corral::gguf::testing
