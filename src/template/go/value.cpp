#include "template/go/value.h"

#include <algorithm>

namespace corral::gotmpl {

Value Value::Nil() {
  Value v;
  v.kind = Kind::kNil;
  return v;
}

Value Value::Bool(bool b) {
  Value v;
  v.kind = Kind::kBool;
  v.b = b;
  return v;
}

Value Value::Int(int64_t i) {
  Value v;
  v.kind = Kind::kInt;
  v.i = i;
  return v;
}

Value Value::Float(double f) {
  Value v;
  v.kind = Kind::kFloat;
  v.f = f;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind = Kind::kString;
  v.s = std::make_shared<const std::string>(std::move(s));
  return v;
}

Value Value::Slice(std::vector<Value> items, Stringer stringer) {
  Value v;
  v.kind = Kind::kSlice;
  v.stringer = stringer;
  v.items = std::make_shared<const std::vector<Value>>(std::move(items));
  return v;
}

Value Value::NilSlice(Stringer stringer) {
  Value v = Slice({}, stringer);
  v.is_nil_container = true;
  return v;
}

Value Value::Map(std::vector<std::pair<std::string, Value>> entries, Stringer stringer) {
  // A stable sort keeps duplicates in input order; the last of each run is the one json.Unmarshal keeps.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<std::string, Value>> unique;
  unique.reserve(entries.size());
  for (auto& entry : entries) {
    if (!unique.empty() && unique.back().first == entry.first) {
      unique.back().second = std::move(entry.second);
    } else {
      unique.push_back(std::move(entry));
    }
  }
  Value v;
  v.kind = Kind::kMap;
  v.stringer = stringer;
  v.entries = std::make_shared<const std::vector<std::pair<std::string, Value>>>(std::move(unique));
  return v;
}

Value Value::NilMap(Stringer stringer) {
  Value v = Map({}, stringer);
  v.is_nil_container = true;
  return v;
}

Value Value::Struct(std::shared_ptr<const StructType> type, std::vector<Value> fields) {
  Value v;
  v.kind = Kind::kStruct;
  v.stringer = type->stringer;
  v.type = std::move(type);
  v.items = std::make_shared<const std::vector<Value>>(std::move(fields));
  return v;
}

size_t Value::size() const {
  if (kind == Kind::kSlice) return items->size();
  if (kind == Kind::kMap) return entries->size();
  return 0;
}

const Value* Value::MapFind(std::string_view key) const {
  auto it = std::lower_bound(entries->begin(), entries->end(), key,
                             [](const auto& entry, std::string_view k) { return entry.first < k; });
  return it != entries->end() && it->first == key ? &it->second : nullptr;
}

const Value* Value::StructField(std::string_view name) const {
  for (size_t i = 0; i < type->fields.size(); ++i) {
    if (type->fields[i].name == name) return &(*items)[i];
  }
  return nullptr;
}

std::string GoTypeName(const Value& v) {
  switch (v.kind) {
    case Kind::kInvalid:
    case Kind::kNil:
      return "<nil>";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kSlice:
      return "[]interface {}";
    case Kind::kMap:
      return "map[string]interface {}";
    case Kind::kStruct:
      return (v.is_pointer ? "*template." : "template.") + v.type->name;
  }
  return "?";
}

}  // namespace corral::gotmpl
