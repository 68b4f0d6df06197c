#include "gguf/writer.h"

#include <bit>
#include <cstring>

#include "gguf/atomic_file.h"
#include "gguf/file_impl.h"

namespace corral::gguf {
namespace {

constexpr uint32_t kWrittenVersion = 3;

template <typename T>
void Put(std::vector<uint8_t>& out, T v) {
  static_assert(std::endian::native == std::endian::little,
                "GGUF is written with native little-endian stores");
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &v, sizeof(T));
}

void PutString(std::vector<uint8_t>& out, std::string_view s) {
  Put<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

void PutType(std::vector<uint8_t>& out, ValueType type) {
  Put<uint32_t>(out, static_cast<uint32_t>(type));
}

template <typename T>
std::vector<uint8_t> EncodeScalar(ValueType type, T v) {
  std::vector<uint8_t> out;
  PutType(out, type);
  Put<T>(out, v);
  return out;
}

template <typename T>
std::vector<uint8_t> EncodeArray(ValueType element_type, std::span<const T> values) {
  std::vector<uint8_t> out;
  PutType(out, ValueType::kArray);
  PutType(out, element_type);
  Put<uint64_t>(out, values.size());
  for (const T& v : values) {
    if constexpr (std::is_convertible_v<T, std::string_view>) {
      PutString(out, v);
    } else {
      Put<T>(out, v);
    }
  }
  return out;
}

// Appends an array's element type, count and elements (no leading ARRAY type id).
void PutArrayBody(std::vector<uint8_t>& out, const Array& array) {
  PutType(out, array.element_type());
  Put<uint64_t>(out, array.size());
  if (array.element_type() == ValueType::kString) {
    for (std::string_view s : array.strings()) PutString(out, s);
  } else if (array.element_type() == ValueType::kArray) {
    for (size_t i = 0; i < array.size(); ++i) PutArrayBody(out, *array.at(i).AsArray());
  } else {
    out.insert(out.end(), array.packed().begin(), array.packed().end());
  }
}

std::vector<uint8_t> EncodeValue(const Value& v) {
  std::vector<uint8_t> out;
  PutType(out, v.type());
  switch (v.type()) {
    case ValueType::kU8:
      Put<uint8_t>(out, static_cast<uint8_t>(*v.AsU64()));
      break;
    case ValueType::kI8:
      Put<int8_t>(out, static_cast<int8_t>(*v.AsI64()));
      break;
    case ValueType::kU16:
      Put<uint16_t>(out, static_cast<uint16_t>(*v.AsU64()));
      break;
    case ValueType::kI16:
      Put<int16_t>(out, static_cast<int16_t>(*v.AsI64()));
      break;
    case ValueType::kU32:
      Put<uint32_t>(out, static_cast<uint32_t>(*v.AsU64()));
      break;
    case ValueType::kI32:
      Put<int32_t>(out, static_cast<int32_t>(*v.AsI64()));
      break;
    case ValueType::kU64:
      Put<uint64_t>(out, *v.AsU64());
      break;
    case ValueType::kI64:
      Put<int64_t>(out, *v.AsI64());
      break;
    case ValueType::kF32:
      Put<float>(out, *v.AsF32());
      break;
    case ValueType::kF64:
      Put<double>(out, *v.AsF64());
      break;
    case ValueType::kBool:
      Put<uint8_t>(out, *v.AsBool() ? 1 : 0);
      break;
    case ValueType::kString:
      PutString(out, *v.AsString());
      break;
    case ValueType::kArray:
      PutArrayBody(out, *v.AsArray());
      break;
  }
  return out;
}

bool IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes) return false;
  for (char c : key) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

uint64_t PaddedTo(uint64_t n, uint64_t alignment) {
  return (n + alignment - 1) / alignment * alignment;
}

std::string Num(uint64_t v) {
  return std::to_string(v);
}

}  // namespace

void Writer::Set(std::string_view key, std::vector<uint8_t> encoded) {
  const std::string k(key);
  if (const auto it = index_.find(k); it != index_.end()) {
    entries_[it->second].encoded = std::move(encoded);
    return;
  }
  index_.emplace(k, entries_.size());
  entries_.push_back({k, std::move(encoded)});
}

void Writer::Remove(std::string_view key) {
  const auto it = index_.find(std::string(key));
  if (it == index_.end()) return;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(it->second));
  index_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].key, i);
}

void Writer::SetU8(std::string_view key, uint8_t v) {
  Set(key, EncodeScalar(ValueType::kU8, v));
}
void Writer::SetI8(std::string_view key, int8_t v) {
  Set(key, EncodeScalar(ValueType::kI8, v));
}
void Writer::SetU16(std::string_view key, uint16_t v) {
  Set(key, EncodeScalar(ValueType::kU16, v));
}
void Writer::SetI16(std::string_view key, int16_t v) {
  Set(key, EncodeScalar(ValueType::kI16, v));
}
void Writer::SetU32(std::string_view key, uint32_t v) {
  Set(key, EncodeScalar(ValueType::kU32, v));
}
void Writer::SetI32(std::string_view key, int32_t v) {
  Set(key, EncodeScalar(ValueType::kI32, v));
}
void Writer::SetU64(std::string_view key, uint64_t v) {
  Set(key, EncodeScalar(ValueType::kU64, v));
}
void Writer::SetI64(std::string_view key, int64_t v) {
  Set(key, EncodeScalar(ValueType::kI64, v));
}
void Writer::SetF32(std::string_view key, float v) {
  Set(key, EncodeScalar(ValueType::kF32, v));
}
void Writer::SetF64(std::string_view key, double v) {
  Set(key, EncodeScalar(ValueType::kF64, v));
}
void Writer::SetBool(std::string_view key, bool v) {
  Set(key, EncodeScalar<uint8_t>(ValueType::kBool, v ? 1 : 0));
}

void Writer::SetString(std::string_view key, std::string_view v) {
  std::vector<uint8_t> out;
  PutType(out, ValueType::kString);
  PutString(out, v);
  Set(key, std::move(out));
}

void Writer::SetStringArray(std::string_view key, std::span<const std::string_view> v) {
  Set(key, EncodeArray(ValueType::kString, v));
}
void Writer::SetStringArray(std::string_view key, std::span<const std::string> v) {
  Set(key, EncodeArray(ValueType::kString, v));
}
void Writer::SetF32Array(std::string_view key, std::span<const float> v) {
  Set(key, EncodeArray(ValueType::kF32, v));
}
void Writer::SetI32Array(std::string_view key, std::span<const int32_t> v) {
  Set(key, EncodeArray(ValueType::kI32, v));
}
void Writer::SetU32Array(std::string_view key, std::span<const uint32_t> v) {
  Set(key, EncodeArray(ValueType::kU32, v));
}
void Writer::SetValue(std::string_view key, const Value& v) {
  Set(key, EncodeValue(v));
}

Status Writer::CheckTensor(std::string_view name, DType type, const Shape& shape, uint64_t data_size,
                           uint64_t* needed) const {
  const std::string what = "tensor " + Quoted(name);
  if (name.empty()) return Status::InvalidArgument("a tensor needs a name");
  if (name.size() > kMaxTensorNameBytes) {
    return Status::InvalidArgument(what + " has a name longer than " + Num(kMaxTensorNameBytes) + " bytes");
  }
  if (tensor_index_.contains(std::string(name))) return Status::InvalidArgument("duplicate " + what);
  const std::optional<DTypeTraits> traits = LookupDType(static_cast<uint32_t>(type));
  if (!traits) return Status::InvalidArgument(what + " has an unknown type");
  if (shape.n_dims < 0 || shape.n_dims > kMaxDims) {
    return Status::InvalidArgument(what + " has " + std::to_string(shape.n_dims) + " dimensions");
  }
  int64_t elements = 1;
  for (int d = 0; d < kMaxDims; ++d) {
    const int64_t ne = shape.ne[d];
    if (d < shape.n_dims ? ne < 1 : ne != 1) {
      return Status::InvalidArgument(what + " has dimension " + std::to_string(d) + " of size " +
                                     std::to_string(ne));
    }
    if (__builtin_mul_overflow(elements, ne, &elements)) {
      return Status::InvalidArgument(what + " has more than 2^63 elements");
    }
  }
  if (shape.ne[0] % traits->block_size != 0) {
    return Status::InvalidArgument(what + " of type " + std::string(traits->name) + " has rows of " +
                                   std::to_string(shape.ne[0]) + " elements, not whole blocks of " +
                                   std::to_string(traits->block_size));
  }
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(elements / traits->block_size), traits->block_bytes,
                             &bytes) ||
      (data_size != kAnySize && bytes != data_size)) {
    return Status::InvalidArgument(what + " with shape " + shape.ToString() + " needs " + Num(bytes) +
                                   " bytes of " + std::string(traits->name) + ", got " + Num(data_size));
  }
  *needed = bytes;
  return Status::Ok();
}

Status Writer::AddTensor(std::string_view name, DType type, const Shape& shape,
                         std::span<const uint8_t> data) {
  uint64_t bytes = 0;
  CORRAL_RETURN_IF_ERROR(CheckTensor(name, type, shape, data.size(), &bytes));
  tensor_index_.emplace(std::string(name), tensors_.size());
  Tensor t;
  t.name = std::string(name);
  t.type = type;
  t.shape = shape;
  t.borrowed = data;
  tensors_.push_back(std::move(t));
  return Status::Ok();
}

Status Writer::AddTensor(std::string_view name, DType type, const Shape& shape, TensorFill fill) {
  uint64_t bytes = 0;
  CORRAL_RETURN_IF_ERROR(CheckTensor(name, type, shape, kAnySize, &bytes));
  tensor_index_.emplace(std::string(name), tensors_.size());
  Tensor t;
  t.name = std::string(name);
  t.type = type;
  t.shape = shape;
  t.fill = std::move(fill);
  t.fill_bytes = bytes;
  tensors_.push_back(std::move(t));
  return Status::Ok();
}

Status Writer::AddTensor(std::string_view name, DType type, const Shape& shape, std::vector<uint8_t> data) {
  CORRAL_RETURN_IF_ERROR(AddTensor(name, type, shape, std::span<const uint8_t>(data)));
  Tensor& t = tensors_.back();
  t.owned = std::move(data);
  t.is_owned = true;
  t.borrowed = {};
  return Status::Ok();
}

Status Writer::CheckedHeader(std::vector<uint8_t>* header, uint32_t* alignment) const {
  *alignment = kDefaultAlignment;
  for (const Entry& e : entries_) {
    if (!IsValidKey(e.key)) {
      return Status::InvalidArgument("metadata key " + Quoted(e.key) +
                                     " is not 1 to 65535 bytes of printable ASCII without spaces");
    }
  }
  if (const auto it = index_.find("general.alignment"); it != index_.end()) {
    // llama.cpp reads the alignment only as a u32 that is a power of two.
    const std::vector<uint8_t>& enc = entries_[it->second].encoded;
    uint32_t type = 0;
    uint32_t value = 0;
    std::memcpy(&type, enc.data(), sizeof(type));
    if (type == static_cast<uint32_t>(ValueType::kU32)) std::memcpy(&value, enc.data() + 4, sizeof(value));
    if (type != static_cast<uint32_t>(ValueType::kU32) || !std::has_single_bit(value)) {
      return Status::InvalidArgument("general.alignment must be a u32 power of two");
    }
    *alignment = value;
  }
  header->clear();
  Put<uint32_t>(*header, 0x46554747);  // "GGUF" read as a little-endian u32
  Put<uint32_t>(*header, kWrittenVersion);
  Put<uint64_t>(*header, tensors_.size());
  Put<uint64_t>(*header, entries_.size());
  for (const Entry& e : entries_) {
    PutString(*header, e.key);
    header->insert(header->end(), e.encoded.begin(), e.encoded.end());
  }
  // llama.cpp requires each tensor to start where the previous one's padded data ends (gguf.cpp: "tensor
  // '%s' has offset %zu, expected %zu").
  uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    PutString(*header, t.name);
    Put<uint32_t>(*header, static_cast<uint32_t>(t.shape.n_dims));
    for (int d = 0; d < t.shape.n_dims; ++d) Put<int64_t>(*header, t.shape.ne[d]);
    Put<uint32_t>(*header, static_cast<uint32_t>(t.type));
    Put<uint64_t>(*header, offset);
    offset += PaddedTo(t.size(), *alignment);
  }
  // The data section starts aligned. Without tensors there is none and nothing follows the metadata: that is
  // how gguf-py writes llama.cpp's vocab files, llama.cpp's reader expects no padding then, and it keeps a
  // file that only declares a huge alignment (up to 2^31) from growing by that much when copied.
  if (!tensors_.empty()) header->resize(PaddedTo(header->size(), *alignment), 0);
  return Status::Ok();
}

Status Writer::WriteTo(std::span<const uint8_t> header, uint32_t alignment, const AppendFn& append) const {
  CORRAL_RETURN_IF_ERROR(append(header));
  const std::vector<uint8_t> zeros(alignment, 0);
  for (const Tensor& t : tensors_) {
    std::span<const uint8_t> bytes = t.bytes();
    // A filled tensor lives only while it is written: one tensor's bytes in memory at a time.
    std::vector<uint8_t> filled;
    if (t.fill) {
      filled.resize(t.fill_bytes);
      CORRAL_RETURN_IF_ERROR(t.fill(std::span<uint8_t>(filled)));
      bytes = filled;
    }
    CORRAL_RETURN_IF_ERROR(append(bytes));
    const size_t pad = PaddedTo(bytes.size(), alignment) - bytes.size();
    CORRAL_RETURN_IF_ERROR(append(std::span<const uint8_t>(zeros).first(pad)));
  }
  return Status::Ok();
}

Status Writer::WriteTo(const AppendFn& append) const {
  std::vector<uint8_t> header;
  uint32_t alignment = 0;
  CORRAL_RETURN_IF_ERROR(CheckedHeader(&header, &alignment));
  return WriteTo(header, alignment, append);
}

Result<std::vector<uint8_t>> Writer::ToBytes() const {
  std::vector<uint8_t> header;
  uint32_t alignment = 0;
  CORRAL_RETURN_IF_ERROR(CheckedHeader(&header, &alignment));
  std::vector<uint8_t> out;
  CORRAL_RETURN_IF_ERROR(WriteTo(header, alignment, [&out](std::span<const uint8_t> bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
    return Status::Ok();
  }));
  return out;
}

Status Writer::Write(const std::string& path) const {
  // Check the metadata before touching the file system.
  std::vector<uint8_t> header;
  uint32_t alignment = 0;
  CORRAL_RETURN_IF_ERROR(CheckedHeader(&header, &alignment));
  CORRAL_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(path));
  CORRAL_RETURN_IF_ERROR(
      WriteTo(header, alignment, [&file](std::span<const uint8_t> bytes) { return file.Append(bytes); }));
  return file.Commit();
}

}  // namespace corral::gguf
