#include "gguf/value.h"

#include <cmath>
#include <limits>

#include "gguf/byte_cursor.h"

namespace corral::gguf {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kU8:
      return "u8";
    case ValueType::kI8:
      return "i8";
    case ValueType::kU16:
      return "u16";
    case ValueType::kI16:
      return "i16";
    case ValueType::kU32:
      return "u32";
    case ValueType::kI32:
      return "i32";
    case ValueType::kF32:
      return "f32";
    case ValueType::kBool:
      return "bool";
    case ValueType::kString:
      return "str";
    case ValueType::kArray:
      return "arr";
    case ValueType::kU64:
      return "u64";
    case ValueType::kI64:
      return "i64";
    case ValueType::kF64:
      return "f64";
  }
  return "?";
}

std::optional<ValueType> ValueTypeFromId(uint32_t id) {
  if (id > static_cast<uint32_t>(ValueType::kF64)) return std::nullopt;
  return static_cast<ValueType>(id);
}

size_t FixedSize(ValueType type) {
  switch (type) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kBool:
      return 1;
    case ValueType::kU16:
    case ValueType::kI16:
      return 2;
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kF32:
      return 4;
    case ValueType::kU64:
    case ValueType::kI64:
    case ValueType::kF64:
      return 8;
    case ValueType::kString:
    case ValueType::kArray:
      return 0;
  }
  return 0;
}

bool IsInteger(ValueType type) {
  switch (type) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kU16:
    case ValueType::kI16:
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kU64:
    case ValueType::kI64:
      return true;
    default:
      return false;
  }
}

bool IsFloat(ValueType type) {
  return type == ValueType::kF32 || type == ValueType::kF64;
}

namespace {

template <typename To>
std::optional<To> FitUnsigned(uint64_t v) {
  if (v > static_cast<uint64_t>(std::numeric_limits<To>::max())) return std::nullopt;
  return static_cast<To>(v);
}

template <typename To>
std::optional<To> FitSigned(int64_t v) {
  if constexpr (std::is_unsigned_v<To>) {
    if (v < 0) return std::nullopt;
    return FitUnsigned<To>(static_cast<uint64_t>(v));
  } else {
    if (v < std::numeric_limits<To>::min() || v > std::numeric_limits<To>::max()) return std::nullopt;
    return static_cast<To>(v);
  }
}

template <typename To>
std::optional<To> FitInteger(const Value& v) {
  if (v.type() == ValueType::kU8 || v.type() == ValueType::kU16 || v.type() == ValueType::kU32 ||
      v.type() == ValueType::kU64) {
    const uint64_t u = *v.AsU64();
    if constexpr (std::is_unsigned_v<To>) {
      return FitUnsigned<To>(u);
    } else {
      if (u > static_cast<uint64_t>(std::numeric_limits<To>::max())) return std::nullopt;
      return static_cast<To>(u);
    }
  }
  if (IsInteger(v.type())) return FitSigned<To>(*v.AsI64());
  return std::nullopt;
}

// Decodes element i of a packed little-endian array.
Value DecodeFixed(ValueType type, std::span<const uint8_t> packed, size_t i) {
  const uint8_t* p = packed.data() + i * FixedSize(type);
  switch (type) {
    case ValueType::kU8:
      return Value::Unsigned(type, LoadLE<uint8_t>(p));
    case ValueType::kI8:
      return Value::Signed(type, LoadLE<int8_t>(p));
    case ValueType::kU16:
      return Value::Unsigned(type, LoadLE<uint16_t>(p));
    case ValueType::kI16:
      return Value::Signed(type, LoadLE<int16_t>(p));
    case ValueType::kU32:
      return Value::Unsigned(type, LoadLE<uint32_t>(p));
    case ValueType::kI32:
      return Value::Signed(type, LoadLE<int32_t>(p));
    case ValueType::kU64:
      return Value::Unsigned(type, LoadLE<uint64_t>(p));
    case ValueType::kI64:
      return Value::Signed(type, LoadLE<int64_t>(p));
    case ValueType::kF32:
      return Value::Float(type, LoadLE<float>(p));
    case ValueType::kF64:
      return Value::Float(type, LoadLE<double>(p));
    case ValueType::kBool:
      return Value::Bool(*p != 0);
    case ValueType::kString:
    case ValueType::kArray:
      break;
  }
  return {};
}

template <typename T, typename Convert>
std::optional<std::vector<T>> ConvertAll(const Array& array, Convert convert) {
  std::vector<T> out;
  out.reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    std::optional<T> v = convert(array.at(i));
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

}  // namespace

std::optional<uint64_t> Value::AsU64() const {
  if (const auto* u = std::get_if<uint64_t>(&payload_)) return *u;
  if (const auto* i = std::get_if<int64_t>(&payload_)) {
    if (*i < 0) return std::nullopt;
    return static_cast<uint64_t>(*i);
  }
  return std::nullopt;
}

std::optional<int64_t> Value::AsI64() const {
  if (const auto* i = std::get_if<int64_t>(&payload_)) return *i;
  if (const auto* u = std::get_if<uint64_t>(&payload_)) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(*u);
  }
  return std::nullopt;
}

std::optional<uint32_t> Value::AsU32() const {
  return FitInteger<uint32_t>(*this);
}
std::optional<int32_t> Value::AsI32() const {
  return FitInteger<int32_t>(*this);
}

std::optional<double> Value::AsF64() const {
  if (const auto* d = std::get_if<double>(&payload_)) return *d;
  return std::nullopt;
}

std::optional<float> Value::AsF32() const {
  if (const auto* d = std::get_if<double>(&payload_)) return static_cast<float>(*d);
  return std::nullopt;
}

std::optional<bool> Value::AsBool() const {
  if (const auto* b = std::get_if<bool>(&payload_)) return *b;
  return std::nullopt;
}

std::optional<std::string_view> Value::AsString() const {
  if (const auto* s = std::get_if<std::string_view>(&payload_)) return *s;
  return std::nullopt;
}

const Array* Value::AsArray() const {
  if (const auto* a = std::get_if<const Array*>(&payload_)) return *a;
  return nullptr;
}

Array Array::Fixed(ValueType element_type, size_t size, std::span<const uint8_t> packed) {
  Array a;
  a.element_type_ = element_type;
  a.size_ = size;
  a.packed_ = packed;
  return a;
}

Array Array::Strings(std::vector<std::string_view> strings) {
  Array a;
  a.element_type_ = ValueType::kString;
  a.size_ = strings.size();
  a.strings_ = std::move(strings);
  return a;
}

Array Array::Nested(std::vector<Array> arrays) {
  Array a;
  a.element_type_ = ValueType::kArray;
  a.size_ = arrays.size();
  a.arrays_ = std::move(arrays);
  return a;
}

Value Array::at(size_t i) const {
  switch (element_type_) {
    case ValueType::kString:
      return Value::String(strings_[i]);
    case ValueType::kArray:
      return Value::OfArray(&arrays_[i]);
    default:
      return DecodeFixed(element_type_, packed_, i);
  }
}

std::optional<std::vector<float>> Array::ToF32() const {
  if (!IsInteger(element_type_) && !IsFloat(element_type_)) return std::nullopt;
  if (IsInteger(element_type_)) {
    return ConvertAll<float>(*this, [](const Value& v) -> std::optional<float> {
      if (auto i = v.AsI64()) return static_cast<float>(*i);
      return static_cast<float>(*v.AsU64());
    });
  }
  return ConvertAll<float>(*this, [](const Value& v) { return v.AsF32(); });
}

std::optional<std::vector<int32_t>> Array::ToI32() const {
  if (!IsInteger(element_type_)) return std::nullopt;
  return ConvertAll<int32_t>(*this, [](const Value& v) { return v.AsI32(); });
}

std::optional<std::vector<uint32_t>> Array::ToU32() const {
  if (!IsInteger(element_type_)) return std::nullopt;
  return ConvertAll<uint32_t>(*this, [](const Value& v) { return v.AsU32(); });
}

std::optional<std::vector<int64_t>> Array::ToI64() const {
  if (!IsInteger(element_type_)) return std::nullopt;
  return ConvertAll<int64_t>(*this, [](const Value& v) { return v.AsI64(); });
}

}  // namespace corral::gguf
