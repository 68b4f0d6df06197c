// The values a Jinja template computes with, modelled on the Python objects jinja2 passes around: None,
// bool, int, float, str (with markupsafe's Markup as a flag), list and tuple, dict (insertion-ordered),
// generators (what map/select/... return: iterable once), jinja2's Undefined, and objects (macros, bound
// methods, loop, namespace, ...). Lists and dicts are shared and mutable like Python's, so `.append` inside
// a template changes the list every holder sees.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corral::jinja {

class Value;
class Object;

enum class Kind : uint8_t {
  kUndefined,
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kList,
  kDict,
  kIterator,
  kObject
};

struct StringData {
  explicit StringData(std::string t) : text(std::move(t)) {}
  std::string text;
  mutable int64_t code_points = -1;  // cached CodePointCount(text); -1 until asked
};

// Containers tear down their children iteratively: a template can build lists nested a million deep,
// and recursive destruction would overflow the stack.
struct ListData {
  std::vector<Value> items;
  ~ListData();
};

struct DictData {
  DictData() = default;
  DictData(const DictData&) = default;
  DictData& operator=(const DictData&) = default;
  ~DictData();
  std::vector<std::pair<Value, Value>> items;  // Python dicts keep insertion order
  const Value* Find(std::string_view key) const;
  const Value* Find(const Value& key) const;  // Python key equality: 1 == 1.0 == True
  void Set(Value key, Value value);
  bool Erase(const Value& key);
};

// A Python generator: yields its items once. Filters such as map/select return these.
struct IteratorData {
  std::vector<Value> items;
  size_t next = 0;
  std::string type_name;  // "generator", "list_reverseiterator", ... for error messages and repr
  ~IteratorData();
};

struct UndefinedData {
  std::string hint;  // jinja2's undefined message: "'x' is undefined", "'dict object' has no attribute 'y'"
};

class Value {
 public:
  Value() = default;  // Undefined without a hint

  static Value Undefined(std::string hint);
  static Value None();
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Float(double f);
  static Value String(std::string s);
  static Value Markup(std::string s);  // markupsafe.Markup: a str that '+' and '%' HTML-escape against
  static Value List(std::vector<Value> items = {});
  static Value Tuple(std::vector<Value> items = {});
  static Value Dict();
  static Value Iterator(std::vector<Value> items, std::string type_name = "generator");
  static Value FromObject(std::shared_ptr<Object> object);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat || kind_ == Kind::kBool; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_markup() const { return kind_ == Kind::kString && flag_; }
  bool is_list() const { return kind_ == Kind::kList && !flag_; }
  bool is_tuple() const { return kind_ == Kind::kList && flag_; }
  bool is_sequence() const { return kind_ == Kind::kList; }  // list or tuple
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_iterator() const { return kind_ == Kind::kIterator; }
  bool is_object() const { return kind_ == Kind::kObject; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return kind_ == Kind::kBool ? static_cast<int64_t>(b_) : i_; }
  double as_float() const;  // any number
  const std::string& str() const { return static_cast<const StringData*>(ref_.get())->text; }
  const StringData& string_data() const { return *static_cast<const StringData*>(ref_.get()); }
  // Lists, dicts and iterators are shared: mutating through a const Value changes every copy, as in Python.
  ListData& list() const { return *static_cast<ListData*>(ref_.get()); }
  DictData& dict() const { return *static_cast<DictData*>(ref_.get()); }
  IteratorData& iterator() const { return *static_cast<IteratorData*>(ref_.get()); }
  Object& object() const { return *static_cast<Object*>(ref_.get()); }
  std::shared_ptr<Object> object_ptr() const { return std::static_pointer_cast<Object>(ref_); }
  std::string_view undefined_hint() const;
  // Identity, as Python's `is` compares (for the sameas test).
  const void* identity() const { return ref_.get(); }
  // A list, dict, generator or object that no other Value shares (its destruction would recurse).
  bool is_sole_owner_of_children() const {
    return (kind_ == Kind::kList || kind_ == Kind::kDict || kind_ == Kind::kIterator ||
            kind_ == Kind::kObject) &&
           ref_.use_count() == 1;
  }

  // Python truthiness.
  bool Truthy() const;
  // Code points of a string (cached).
  size_t StringLength() const;

 private:
  Kind kind_ = Kind::kUndefined;
  bool flag_ = false;  // markup for strings, tuple for lists
  union {
    bool b_;
    int64_t i_ = 0;
    double f_;
  };
  std::shared_ptr<void> ref_;
};

// Python's == between two values (numbers across int/float/bool, containers element-wise). Containers
// nested deeper than the recursion bound compare by identity.
bool PyEquals(const Value& a, const Value& b, int depth = 0);
constexpr int kMaxValueRecursion = 200;

// Moves the children of `v` that would be destroyed with it onto `out` (see ListData).
void TakeChildren(const Value& v, std::vector<Value>& out);
// Python's type name, for error messages: 'NoneType', 'str', 'list', 'dict', ...
std::string_view PyTypeName(const Value& v);
// jinja2's object_type_repr: "dict object", "None", "str object", ...
std::string ObjectTypeRepr(const Value& v);
// jinja2's hint for a missing attribute: "'dict object' has no attribute 'name'".
std::string NoAttributeHint(const Value& obj, std::string_view name);

}  // namespace corral::jinja
