// gguf::Writer: builds a GGUF v3 file — metadata in insertion order, then tensor infos, then the tensor data
// packed in info order, each tensor padded to the alignment, exactly as llama.cpp's reader requires. A file
// without tensors ends right after its metadata (as gguf-py writes llama.cpp's vocab files).
//
//   gguf::Writer w;
//   w.SetString("general.architecture", "llama");
//   w.SetU32("llama.block_count", 2);
//   w.SetStringArray("tokenizer.ggml.tokens", tokens);
//   CORRAL_RETURN_IF_ERROR(w.AddTensor("output_norm.weight", DType::kF32, gguf::MakeShape({dim}),
//                                      AsBytes(std::span<const float>(norm))));  // borrowed: keep alive
//   CORRAL_RETURN_IF_ERROR(w.Write("model.gguf"));  // atomic: the file appears complete or not at all
//
// The alignment is taken from a u32 "general.alignment" entry when one is set (as llama.cpp does), else 32.
// Copying a whole file: SetValue(kv.key, kv.value) for each metadata entry, AddTensor with t.data.
// Thread safety: none; a Writer is built and written by one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "gguf/file.h"
#include "gguf/value.h"

namespace corral::gguf {

// The bytes of a span of trivially copyable values, for AddTensor.
template <typename T>
std::span<const uint8_t> AsBytes(std::span<const T> values) {
  return {reinterpret_cast<const uint8_t*>(values.data()), values.size_bytes()};
}

class Writer {
 public:
  // Metadata setters. Setting a key that is already set replaces its value and keeps its position. Keys are
  // checked by Write (non-empty printable ASCII, at most 65535 bytes).
  void SetU8(std::string_view key, uint8_t v);
  void SetI8(std::string_view key, int8_t v);
  void SetU16(std::string_view key, uint16_t v);
  void SetI16(std::string_view key, int16_t v);
  void SetU32(std::string_view key, uint32_t v);
  void SetI32(std::string_view key, int32_t v);
  void SetU64(std::string_view key, uint64_t v);
  void SetI64(std::string_view key, int64_t v);
  void SetF32(std::string_view key, float v);
  void SetF64(std::string_view key, double v);
  void SetBool(std::string_view key, bool v);
  void SetString(std::string_view key, std::string_view v);
  void SetStringArray(std::string_view key, std::span<const std::string_view> v);
  void SetStringArray(std::string_view key, std::span<const std::string> v);
  void SetF32Array(std::string_view key, std::span<const float> v);
  void SetI32Array(std::string_view key, std::span<const int32_t> v);
  void SetU32Array(std::string_view key, std::span<const uint32_t> v);
  // Any value read from a File, nested arrays included.
  void SetValue(std::string_view key, const Value& v);
  bool Has(std::string_view key) const { return index_.contains(std::string(key)); }
  // Removes a key if present (later keys keep their order).
  void Remove(std::string_view key);

  // Adds a tensor after the ones already added. InvalidArgument for an empty, too long (>= 64 bytes) or
  // duplicate name, more than 4 dims, a dim < 1, rows that are not whole blocks, or data of the wrong size.
  // The span form borrows: REQUIRES data stays valid until Write returns.
  Status AddTensor(std::string_view name, DType type, const Shape& shape, std::span<const uint8_t> data);
  Status AddTensor(std::string_view name, DType type, const Shape& shape, std::vector<uint8_t> data);
  // A tensor whose bytes are made while the file is written: `fill` gets a buffer of exactly the tensor's
  // size and must fill all of it. Only one filled tensor is in memory at a time, so a converter (e.g. a
  // quantizer) writes a model of any size in bounded memory. An error from fill fails the write.
  using TensorFill = std::function<Status(std::span<uint8_t> out)>;
  Status AddTensor(std::string_view name, DType type, const Shape& shape, TensorFill fill);

  // Writes the file atomically: to "<path>.tmp.<pid>" in the same directory, fsync, rename over path. On any
  // failure (including a short write or a full disk) the temporary file is removed, path is left as it was,
  // and an IoError (InvalidArgument for bad metadata) is returned.
  Status Write(const std::string& path) const;
  // The same bytes in memory (tests, fuzz corpora).
  Result<std::vector<uint8_t>> ToBytes() const;
  // The same bytes handed to `append` piece by piece, in file order (e.g. to write and hash at once).
  using AppendFn = std::function<Status(std::span<const uint8_t>)>;
  Status WriteTo(const AppendFn& append) const;

 private:
  struct Entry {
    std::string key;
    std::vector<uint8_t> encoded;  // u32 value type, then the value
  };
  struct Tensor {
    std::string name;
    DType type = DType::kF32;
    Shape shape;
    std::span<const uint8_t> borrowed;
    std::vector<uint8_t> owned;
    bool is_owned = false;
    TensorFill fill;
    uint64_t fill_bytes = 0;
    std::span<const uint8_t> bytes() const { return is_owned ? std::span<const uint8_t>(owned) : borrowed; }
    uint64_t size() const { return fill ? fill_bytes : bytes().size(); }
  };
  static constexpr uint64_t kAnySize = ~uint64_t{0};

  void Set(std::string_view key, std::vector<uint8_t> encoded);
  Status CheckTensor(std::string_view name, DType type, const Shape& shape, uint64_t data_size,
                     uint64_t* needed) const;
  Status CheckedHeader(std::vector<uint8_t>* header, uint32_t* alignment) const;
  Status WriteTo(std::span<const uint8_t> header, uint32_t alignment, const AppendFn& append) const;

  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<Tensor> tensors_;
  std::unordered_map<std::string, size_t> tensor_index_;
};

}  // namespace corral::gguf
