// The values a Go text/template sees, modelled on what reflect shows it of Ollama's data: Go's basic kinds
// (bool, int, float64, string), slices, string-keyed maps (always visited in sorted key order, as Go's
// range, fmt and encoding/json do), structs with named fields, a nil interface (a JSON null, or a missing
// map key under missingkey=zero) and the invalid "no value". Values are immutable and cheap to copy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corral::gotmpl {

enum class Kind : uint8_t { kInvalid, kNil, kBool, kInt, kFloat, kString, kSlice, kMap, kStruct };

// A Go type's String() method, which fmt calls when it prints the value with %v or %s.
enum class Stringer : uint8_t {
  kNone,
  kJson,               // String() returns json.Marshal of the value (Ollama's Tools, Tool, ...)
  kJsonNilAsObject,    // as kJson, but a nil map prints "{}" (Ollama's templateArgs/templateProperties)
  kJoinedPropertyType  // api.PropertyType: one name as itself, several as fmt's "[a b]"
};

struct Value;

struct StructField {
  std::string name;       // the Go field name templates use: .Role
  std::string json_name;  // encoding/json key
  bool omit_empty = false;
};

struct StructType {
  std::string name;  // Go type name for messages: "templateMessage"
  std::vector<StructField> fields;
  Stringer stringer = Stringer::kNone;
  bool is_tool_property = false;  // what Ollama's toTypeScriptType accepts
};

struct Value {
  Kind kind = Kind::kInvalid;
  Stringer stringer = Stringer::kNone;
  bool is_nil_container = false;  // a nil slice or map: empty, but json.Marshal writes null
  bool is_pointer = false;        // a pointer to a struct (Ollama's *templateMessage), for type names
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::shared_ptr<const std::string> s;
  // Slice elements, or struct field values in StructType::fields order.
  std::shared_ptr<const std::vector<Value>> items;
  // Map entries sorted by key (Go maps have no order; everything that visits them sorts).
  std::shared_ptr<const std::vector<std::pair<std::string, Value>>> entries;
  std::shared_ptr<const StructType> type;

  static Value Invalid() { return {}; }
  static Value Nil();
  static Value Bool(bool v);
  static Value Int(int64_t v);
  static Value Float(double v);
  static Value String(std::string v);
  static Value Slice(std::vector<Value> v, Stringer stringer = Stringer::kNone);
  static Value NilSlice(Stringer stringer = Stringer::kNone);
  // Keys need not be sorted or unique (a later duplicate wins, as json.Unmarshal does).
  static Value Map(std::vector<std::pair<std::string, Value>> v, Stringer stringer = Stringer::kNone);
  static Value NilMap(Stringer stringer = Stringer::kNone);
  static Value Struct(std::shared_ptr<const StructType> type, std::vector<Value> fields);

  bool valid() const { return kind != Kind::kInvalid; }
  const std::string& str() const { return *s; }
  size_t size() const;  // slice or map length
  const Value* MapFind(std::string_view key) const;
  const Value* StructField(std::string_view name) const;
};

// Go's name for the value's type, as fmt and error messages spell it ("float64", "[]interface {}").
std::string GoTypeName(const Value& v);

}  // namespace corral::gotmpl
