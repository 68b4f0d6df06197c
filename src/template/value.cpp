#include "template/value.h"

#include "template/object.h"
#include "template/unicode.h"

namespace corral::jinja {

Value Value::Undefined(std::string hint) {
  Value v;
  if (!hint.empty()) v.ref_ = std::make_shared<UndefinedData>(UndefinedData{std::move(hint)});
  return v;
}

Value Value::None() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}

Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}

Value Value::Float(double f) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.f_ = f;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.ref_ = std::make_shared<StringData>(std::move(s));
  return v;
}

Value Value::Markup(std::string s) {
  Value v = String(std::move(s));
  v.flag_ = true;
  return v;
}

Value Value::List(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::kList;
  v.ref_ = std::make_shared<ListData>(ListData{std::move(items)});
  return v;
}

Value Value::Tuple(std::vector<Value> items) {
  Value v = List(std::move(items));
  v.flag_ = true;
  return v;
}

Value Value::Dict() {
  Value v;
  v.kind_ = Kind::kDict;
  v.ref_ = std::make_shared<DictData>();
  return v;
}

Value Value::Iterator(std::vector<Value> items, std::string type_name) {
  Value v;
  v.kind_ = Kind::kIterator;
  v.ref_ = std::make_shared<IteratorData>(IteratorData{std::move(items), 0, std::move(type_name)});
  return v;
}

Value Value::FromObject(std::shared_ptr<Object> object) {
  Value v;
  v.kind_ = Kind::kObject;
  v.ref_ = std::move(object);
  return v;
}

double Value::as_float() const {
  switch (kind_) {
    case Kind::kFloat:
      return f_;
    case Kind::kInt:
      return static_cast<double>(i_);
    case Kind::kBool:
      return b_ ? 1.0 : 0.0;
    default:
      return 0.0;
  }
}

std::string_view Value::undefined_hint() const {
  if (kind_ != Kind::kUndefined || !ref_) return {};
  return static_cast<const UndefinedData*>(ref_.get())->hint;
}

bool Value::Truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return b_;
    case Kind::kInt:
      return i_ != 0;
    case Kind::kFloat:
      return f_ != 0.0;
    case Kind::kString:
      return !str().empty();
    case Kind::kList:
      return !list().items.empty();
    case Kind::kDict:
      return !dict().items.empty();
    case Kind::kIterator:  // a generator object is always true, even when it will yield nothing
    case Kind::kObject:
      return true;
  }
  return false;
}

size_t Value::StringLength() const {
  const StringData& data = string_data();
  if (data.code_points < 0) data.code_points = static_cast<int64_t>(CodePointCount(data.text));
  return static_cast<size_t>(data.code_points);
}

const Value* DictData::Find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k.is_string() && k.str() == key) return &v;
  }
  return nullptr;
}

const Value* DictData::Find(const Value& key) const {
  if (key.is_string()) return Find(std::string_view(key.str()));
  for (const auto& [k, v] : items) {
    if (PyEquals(k, key)) return &v;
  }
  return nullptr;
}

void DictData::Set(Value key, Value value) {
  for (auto& [k, v] : items) {
    if (PyEquals(k, key)) {
      v = std::move(value);  // Python keeps the original key object and position
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

bool DictData::Erase(const Value& key) {
  for (auto it = items.begin(); it != items.end(); ++it) {
    if (PyEquals(it->first, key)) {
      items.erase(it);
      return true;
    }
  }
  return false;
}

namespace {

// Destroys `stack` and everything only it owns without recursing: children of a container about to die
// are moved onto the stack first.
void DrainIteratively(std::vector<Value>& stack) {
  while (!stack.empty()) {
    Value v = std::move(stack.back());
    stack.pop_back();
    if (v.is_sole_owner_of_children()) TakeChildren(v, stack);
  }
}

void PushOwned(Value& v, std::vector<Value>& out) {
  if (v.is_sole_owner_of_children()) out.push_back(std::move(v));
}

}  // namespace

void TakeChildren(const Value& v, std::vector<Value>& out) {
  switch (v.kind()) {
    case Kind::kList:
      for (Value& item : v.list().items) PushOwned(item, out);
      v.list().items.clear();
      break;
    case Kind::kDict:
      for (auto& [k, item] : v.dict().items) {
        PushOwned(k, out);
        PushOwned(item, out);
      }
      v.dict().items.clear();
      break;
    case Kind::kIterator:
      for (Value& item : v.iterator().items) PushOwned(item, out);
      v.iterator().items.clear();
      break;
    case Kind::kObject:
      v.object().TakeChildren(out);
      break;
    default:
      break;
  }
}

ListData::~ListData() {
  std::vector<Value> stack;
  for (Value& item : items) PushOwned(item, stack);
  DrainIteratively(stack);
}

DictData::~DictData() {
  std::vector<Value> stack;
  for (auto& [k, item] : items) {
    PushOwned(k, stack);
    PushOwned(item, stack);
  }
  DrainIteratively(stack);
}

IteratorData::~IteratorData() {
  std::vector<Value> stack;
  for (Value& item : items) PushOwned(item, stack);
  DrainIteratively(stack);
}

bool PyEquals(const Value& a, const Value& b, int depth) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kString:
      return a.str() == b.str();
    case Kind::kList: {
      if (a.is_tuple() != b.is_tuple()) return false;
      const auto& x = a.list().items;
      const auto& y = b.list().items;
      if (x.size() != y.size()) return false;
      if (depth > kMaxValueRecursion) return a.identity() == b.identity();
      for (size_t i = 0; i < x.size(); ++i) {
        if (!PyEquals(x[i], y[i], depth + 1)) return false;
      }
      return true;
    }
    case Kind::kDict: {
      const auto& x = a.dict().items;
      if (x.size() != b.dict().items.size()) return false;
      if (depth > kMaxValueRecursion) return a.identity() == b.identity();
      for (const auto& [k, v] : x) {
        const Value* other = b.dict().Find(k);
        if (other == nullptr || !PyEquals(v, *other, depth + 1)) return false;
      }
      return true;
    }
    default:
      return a.identity() == b.identity();
  }
}

std::string_view PyTypeName(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "NoneType";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return v.is_markup() ? "Markup" : "str";
    case Kind::kList:
      return v.is_tuple() ? "tuple" : "list";
    case Kind::kDict:
      return "dict";
    case Kind::kIterator:
      return v.iterator().type_name;
    case Kind::kObject:
      return v.object().TypeName();
  }
  return "object";
}

std::string ObjectTypeRepr(const Value& v) {
  if (v.is_none()) return "None";
  if (v.is_markup()) return "markupsafe.Markup object";
  if (v.is_object()) {
    std::string_view name = v.object().TypeName();
    if (name == "Namespace") return "jinja2.utils.Namespace object";
    if (name == "LoopContext") return "jinja2.runtime.LoopContext object";
    if (name == "Macro") return "jinja2.runtime.Macro object";
    return std::string(name) + " object";
  }
  return std::string(PyTypeName(v)) + " object";
}

}  // namespace corral::jinja

namespace corral::jinja {

std::string NoAttributeHint(const Value& obj, std::string_view name) {
  std::string hint = "'";
  hint.append(ObjectTypeRepr(obj)).append("' has no attribute '").append(name).append("'");
  return hint;
}

}  // namespace corral::jinja
