// gguf::File: a parsed GGUF v2/v3 file. The header, metadata and tensor table are validated once when the
// file is opened (every size and offset is bounds-checked; hostile files give a Status, never a crash or a
// huge allocation); tensor data stays in the memory map and is never copied.
//
//   CORRAL_ASSIGN_OR_RETURN(gguf::File file, gguf::File::Open("model.gguf"));
//   CORRAL_ASSIGN_OR_RETURN(std::string_view arch, file.GetString("general.architecture"));
//   CORRAL_ASSIGN_OR_RETURN(uint32_t n_layers, file.GetU32(std::string(arch) + ".block_count"));
//   CORRAL_ASSIGN_OR_RETURN(float eps, file.GetF32Or("llama.attention.layer_norm_rms_epsilon", 1e-5f));
//   for (const gguf::KeyValue& kv : file.metadata()) { ... }             // file order
//   const gguf::TensorInfo* q = file.FindTensor("blk.0.attn_q.weight");  // q->data: bytes in the map
//
// Lifetime: every string_view, span, Value and TensorInfo handed out points into the File (and into the
// mapped file, or for FromBytes into the caller's bytes) and is valid until the File is destroyed; moving
// the File keeps them valid. Thread safety: a File is immutable after Open/FromBytes; any number of threads
// may call its const methods concurrently.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "gguf/value.h"

namespace corral::gguf {

// ggml allows at most 4 dimensions (GGML_MAX_DIMS) and names shorter than 64 bytes (GGML_MAX_NAME, which
// includes the terminating NUL): llama.cpp refuses anything else, and so do we.
inline constexpr int kMaxDims = 4;
inline constexpr size_t kMaxTensorNameBytes = 63;
inline constexpr uint32_t kDefaultAlignment = 32;
// GGUF keys are at most 65535 bytes (the spec); nested arrays deeper than this are refused.
inline constexpr size_t kMaxKeyBytes = 65535;
inline constexpr int kMaxArrayDepth = 8;

// A tensor's shape in ggml order: ne[0] is the contiguous dimension; unused dimensions are 1.
struct Shape {
  int n_dims = 0;
  std::array<int64_t, kMaxDims> ne = {1, 1, 1, 1};

  int64_t elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  std::string ToString() const;  // "[4096, 32000]"
  bool operator==(const Shape&) const = default;
};

// Builds a Shape from dims in ggml order; REQUIRES dims.size() <= kMaxDims.
Shape MakeShape(std::initializer_list<int64_t> dims);

struct TensorInfo {
  std::string_view name;
  DType type = DType::kF32;
  Shape shape;
  uint64_t offset = 0;            // from the start of the data section; a multiple of the alignment
  uint64_t bytes = 0;             // elements / block_size * block_bytes
  std::span<const uint8_t> data;  // the tensor's bytes inside the file (size() == bytes)
};

class File {
 public:
  // Maps the file and parses it. Errors name the file: "model.gguf: tensor 'x' ...".
  static Result<File> Open(const std::string& path);
  // Parses bytes already in memory (tests, fuzzing). REQUIRES: bytes outlive the File.
  static Result<File> FromBytes(std::span<const uint8_t> bytes);

  File(File&&) noexcept;
  File& operator=(File&&) noexcept;
  ~File();

  uint32_t version() const;
  uint32_t alignment() const;
  uint64_t data_offset() const;  // where the (aligned) data section starts in the file
  uint64_t file_size() const;

  // All metadata in file order.
  std::span<const KeyValue> metadata() const;
  // nullptr when the key is absent.
  const Value* Find(std::string_view key) const;

  // Typed getters: NotFound when the key is absent; Corrupt when it has an unsuitable type; OutOfRange when
  // an integer does not fit. Integers convert between all integer types; floats accept f32 and f64.
  Result<uint32_t> GetU32(std::string_view key) const;
  Result<int32_t> GetI32(std::string_view key) const;
  Result<uint64_t> GetU64(std::string_view key) const;
  Result<int64_t> GetI64(std::string_view key) const;
  Result<float> GetF32(std::string_view key) const;
  Result<double> GetF64(std::string_view key) const;
  Result<bool> GetBool(std::string_view key) const;
  Result<std::string_view> GetString(std::string_view key) const;
  // As above, but an absent key yields `fallback` (a present key of the wrong type is still an error).
  Result<uint32_t> GetU32Or(std::string_view key, uint32_t fallback) const;
  Result<float> GetF32Or(std::string_view key, float fallback) const;
  Result<bool> GetBoolOr(std::string_view key, bool fallback) const;
  Result<std::string_view> GetStringOr(std::string_view key, std::string_view fallback) const;

  // Arrays. GetArray: any element type. The typed ones convert every element (see Array::ToF32 etc.).
  Result<const Array*> GetArray(std::string_view key) const;
  Result<std::vector<std::string_view>> GetStringArray(std::string_view key) const;
  Result<std::vector<float>> GetF32Array(std::string_view key) const;
  Result<std::vector<int32_t>> GetI32Array(std::string_view key) const;
  Result<std::vector<uint32_t>> GetU32Array(std::string_view key) const;

  // Tensors in file (tensor-info) order.
  std::span<const TensorInfo> tensors() const;
  const TensorInfo* FindTensor(std::string_view name) const;  // nullptr when absent

 private:
  struct Impl;
  friend class Parser;  // parser.cpp fills an Impl
  explicit File(std::unique_ptr<Impl> impl);
  static Result<File> Parse(std::unique_ptr<Impl> impl);

  // Behind a pointer so that moving a File never moves what the views point at.
  std::unique_ptr<Impl> impl_;
};

}  // namespace corral::gguf
