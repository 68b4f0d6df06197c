#include "gguf/file.h"

#include <string>

#include "gguf/file_impl.h"

namespace corral::gguf {
namespace {

Status WrongType(std::string_view key, const Value& v, std::string_view wanted) {
  return Status::Corrupt("metadata key " + Quoted(key) + " is " + std::string(ValueTypeName(v.type())) +
                         ", expected " + std::string(wanted));
}

// Converts an integer value or explains why not: wrong type (Corrupt) or does not fit (OutOfRange).
template <typename T>
Result<T> IntegerOf(std::string_view key, const Value& v, std::optional<T> converted,
                    std::string_view wanted) {
  if (!IsInteger(v.type())) return WrongType(key, v, wanted);
  if (!converted) {
    const std::string shown = v.AsI64() ? std::to_string(*v.AsI64()) : std::to_string(*v.AsU64());
    return Status::OutOfRange("metadata key " + Quoted(key) + " = " + shown + " does not fit in " +
                              std::string(wanted));
  }
  return *converted;
}

}  // namespace

std::string Shape::ToString() const {
  std::string out = "[";
  for (int d = 0; d < n_dims; ++d) {
    if (d > 0) out += ", ";
    out += std::to_string(ne[d]);
  }
  out += "]";
  return out;
}

Shape MakeShape(std::initializer_list<int64_t> dims) {
  Shape shape;
  for (int64_t d : dims) {
    if (shape.n_dims == kMaxDims) break;
    shape.ne[shape.n_dims++] = d;
  }
  return shape;
}

File::File(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
File::File(File&&) noexcept = default;
File& File::operator=(File&&) noexcept = default;
File::~File() = default;

Result<File> File::Open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  CORRAL_ASSIGN_OR_RETURN(impl->map, MappedFile::Open(path));  // its errors already name the path
  impl->bytes = impl->map.bytes();
  Result<File> file = Parse(std::move(impl));
  if (!file.ok()) return file.status().WithContext(path);
  return file;
}

Result<File> File::FromBytes(std::span<const uint8_t> bytes) {
  auto impl = std::make_unique<Impl>();
  impl->bytes = bytes;
  return Parse(std::move(impl));
}

uint32_t File::version() const {
  return impl_->version;
}
uint32_t File::alignment() const {
  return impl_->alignment;
}
uint64_t File::data_offset() const {
  return impl_->data_offset;
}
uint64_t File::file_size() const {
  return impl_->bytes.size();
}
std::span<const KeyValue> File::metadata() const {
  return impl_->metadata;
}
std::span<const TensorInfo> File::tensors() const {
  return impl_->tensors;
}

const Value* File::Find(std::string_view key) const {
  const auto it = impl_->key_index.find(key);
  return it == impl_->key_index.end() ? nullptr : &impl_->metadata[it->second].value;
}

const TensorInfo* File::FindTensor(std::string_view name) const {
  const auto it = impl_->tensor_index.find(name);
  return it == impl_->tensor_index.end() ? nullptr : &impl_->tensors[it->second];
}

namespace {

Result<const Value*> Require(const File& file, std::string_view key) {
  const Value* v = file.Find(key);
  if (v == nullptr) return Status::NotFound("metadata key " + Quoted(key) + " is not present");
  return v;
}

}  // namespace

Result<uint32_t> File::GetU32(std::string_view key) const {
  CORRAL_ASSIGN_OR_RETURN(const Value* v, Require(*this, key));
  return IntegerOf(key, *v, v->AsU32(), "u32");
}

Result<int32_t> File::GetI32(std::string_view key) const {
  CORRAL_ASSIGN_OR_RETURN(const Value* v, Require(*this, key));
  return IntegerOf(key, *v, v->AsI32(), "i32");
}

Result<uint64_t> File::GetU64(std::string_view key) const {
  CORRAL_ASSIGN_OR_RETURN(const Value* v, Require(*this, key));
  return IntegerOf(key, *v, v->AsU64(), "u64");
}

Result<int64_t> File::GetI64(std::string_view key) const {
  CORRAL_ASSIGN_OR_RETURN(const Value* v, Require(*this, key));
  return IntegerOf(key, *v, v->AsI64(), "i64");
}

Result<float> File::GetF32(std::string_view key) const {
  CORRAL_ASSIGN_OR_RETURN(const Value* v, Require(*this, key));
  if (const auto f = v->AsF32()) return *f;
  return WrongType(key, *v, "f32");
}

Result<double> File::GetF64(std::string_view key) const {
  CORRAL_ASSIGN_OR_RETURN(const Value* v, Require(*this, key));
  if (const auto f = v->AsF64()) return *f;
  return WrongType(key, *v, "f64");
}

Result<bool> File::GetBool(std::string_view key) const {
  CORRAL_ASSIGN_OR_RETURN(const Value* v, Require(*this, key));
  if (const auto b = v->AsBool()) return *b;
  return WrongType(key, *v, "bool");
}

Result<std::string_view> File::GetString(std::string_view key) const {
  CORRAL_ASSIGN_OR_RETURN(const Value* v, Require(*this, key));
  if (const auto s = v->AsString()) return *s;
  return WrongType(key, *v, "str");
}

Result<uint32_t> File::GetU32Or(std::string_view key, uint32_t fallback) const {
  return Find(key) == nullptr ? Result<uint32_t>(fallback) : GetU32(key);
}

Result<float> File::GetF32Or(std::string_view key, float fallback) const {
  return Find(key) == nullptr ? Result<float>(fallback) : GetF32(key);
}

Result<bool> File::GetBoolOr(std::string_view key, bool fallback) const {
  return Find(key) == nullptr ? Result<bool>(fallback) : GetBool(key);
}

Result<std::string_view> File::GetStringOr(std::string_view key, std::string_view fallback) const {
  return Find(key) == nullptr ? Result<std::string_view>(fallback) : GetString(key);
}

Result<const Array*> File::GetArray(std::string_view key) const {
  CORRAL_ASSIGN_OR_RETURN(const Value* v, Require(*this, key));
  if (const Array* a = v->AsArray()) return a;
  return WrongType(key, *v, "an array");
}

namespace {

std::string ArrayTypeName(const Array& a) {
  return "an array of " + std::string(ValueTypeName(a.element_type()));
}

template <typename T>
Result<std::vector<T>> ConvertedArray(std::string_view key, const Array& a,
                                      std::optional<std::vector<T>> converted, bool type_ok,
                                      std::string_view wanted) {
  if (!type_ok) {
    return Status::Corrupt("metadata key " + Quoted(key) + " is " + ArrayTypeName(a) + ", expected " +
                           std::string(wanted));
  }
  if (!converted) {
    return Status::OutOfRange("metadata key " + Quoted(key) + " holds an element that does not fit in " +
                              std::string(wanted));
  }
  return std::move(*converted);
}

}  // namespace

Result<std::vector<std::string_view>> File::GetStringArray(std::string_view key) const {
  CORRAL_ASSIGN_OR_RETURN(const Array* a, GetArray(key));
  if (a->element_type() != ValueType::kString) {
    return Status::Corrupt("metadata key " + Quoted(key) + " is " + ArrayTypeName(*a) +
                           ", expected an array of str");
  }
  return std::vector<std::string_view>(a->strings().begin(), a->strings().end());
}

Result<std::vector<float>> File::GetF32Array(std::string_view key) const {
  CORRAL_ASSIGN_OR_RETURN(const Array* a, GetArray(key));
  const bool ok = IsInteger(a->element_type()) || IsFloat(a->element_type());
  return ConvertedArray(key, *a, a->ToF32(), ok, "an array of f32");
}

Result<std::vector<int32_t>> File::GetI32Array(std::string_view key) const {
  CORRAL_ASSIGN_OR_RETURN(const Array* a, GetArray(key));
  return ConvertedArray(key, *a, a->ToI32(), IsInteger(a->element_type()), "an array of i32");
}

Result<std::vector<uint32_t>> File::GetU32Array(std::string_view key) const {
  CORRAL_ASSIGN_OR_RETURN(const Array* a, GetArray(key));
  return ConvertedArray(key, *a, a->ToU32(), IsInteger(a->element_type()), "an array of u32");
}

}  // namespace corral::gguf
