// GGUF metadata values as read from a file: scalars by value, strings and arrays as views into the file's
// bytes. A Value or Array is only valid while the gguf::File (and, for File::FromBytes, the caller's bytes)
// that produced it is alive. Immutable after parsing, so any number of threads may read them at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

namespace corral::gguf {

// The value type ids GGUF stores (u32 before every value; the element type of an array).
enum class ValueType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

// "u8", "i32", "f32", "bool", "str", "arr", ...
std::string_view ValueTypeName(ValueType type);
std::optional<ValueType> ValueTypeFromId(uint32_t id);
// Bytes of one element of a fixed-size type; 0 for kString and kArray.
size_t FixedSize(ValueType type);
bool IsInteger(ValueType type);
bool IsFloat(ValueType type);

class Array;

// One metadata value. Integer getters widen or narrow between all integer types and return nullopt when the
// stored number does not fit (so a u8 head count and a u64 one both read as u32); float getters accept f32
// and f64; no getter converts between integers, floats, bools and strings.
class Value {
 public:
  Value() = default;
  static Value Unsigned(ValueType type, uint64_t v) { return Value(type, v); }
  static Value Signed(ValueType type, int64_t v) { return Value(type, v); }
  static Value Float(ValueType type, double v) { return Value(type, v); }
  static Value Bool(bool v) { return Value(ValueType::kBool, v); }
  static Value String(std::string_view v) { return Value(ValueType::kString, v); }
  static Value OfArray(const Array* array) { return Value(ValueType::kArray, array); }

  ValueType type() const { return type_; }

  std::optional<uint64_t> AsU64() const;
  std::optional<int64_t> AsI64() const;
  std::optional<uint32_t> AsU32() const;
  std::optional<int32_t> AsI32() const;
  std::optional<double> AsF64() const;
  std::optional<float> AsF32() const;
  std::optional<bool> AsBool() const;
  std::optional<std::string_view> AsString() const;
  const Array* AsArray() const;  // nullptr unless type() == kArray

 private:
  using Payload =
      std::variant<std::monostate, uint64_t, int64_t, double, bool, std::string_view, const Array*>;
  template <typename T>
  Value(ValueType type, T v) : type_(type), payload_(v) {}

  ValueType type_ = ValueType::kU8;
  Payload payload_;
};

// An array value: elements of one type. Fixed-size elements stay packed little-endian in the file's bytes
// and are decoded on access; strings are views; nested arrays are parsed eagerly (GGUF allows them, though
// llama.cpp itself rejects them).
class Array {
 public:
  static Array Fixed(ValueType element_type, size_t size, std::span<const uint8_t> packed);
  static Array Strings(std::vector<std::string_view> strings);
  static Array Nested(std::vector<Array> arrays);

  ValueType element_type() const { return element_type_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // REQUIRES: i < size().
  Value at(size_t i) const;

  // The raw little-endian elements of a fixed-size array (empty for strings and arrays).
  std::span<const uint8_t> packed() const { return packed_; }
  // The elements of a string array (empty otherwise).
  std::span<const std::string_view> strings() const { return strings_; }

  // The whole array converted element by element with Value's rules; nullopt when the element type does not
  // convert or one element does not fit. ToF32 also accepts integer arrays: llama.cpp reads
  // tokenizer.ggml.scores stored as i32 as floats.
  std::optional<std::vector<float>> ToF32() const;
  std::optional<std::vector<int32_t>> ToI32() const;
  std::optional<std::vector<uint32_t>> ToU32() const;
  std::optional<std::vector<int64_t>> ToI64() const;

 private:
  ValueType element_type_ = ValueType::kU8;
  size_t size_ = 0;
  std::span<const uint8_t> packed_;
  std::vector<std::string_view> strings_;
  std::vector<Array> arrays_;
};

// A metadata entry, in file order.
struct KeyValue {
  std::string_view key;
  Value value;
};

}  // namespace corral::gguf
