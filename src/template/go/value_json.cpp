#include "template/go/value_json.h"

namespace corral::gotmpl {

Value ValueFromJson(const nlohmann::ordered_json& json) {
  using J = nlohmann::ordered_json;
  switch (json.type()) {
    case J::value_t::boolean:
      return Value::Bool(json.get<bool>());
    case J::value_t::number_integer:
    case J::value_t::number_unsigned:
    case J::value_t::number_float:
      return Value::Float(json.get<double>());
    case J::value_t::string:
      return Value::String(json.get<std::string>());
    case J::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(ValueFromJson(item));
      return Value::Slice(std::move(items));
    }
    case J::value_t::object: {
      std::vector<std::pair<std::string, Value>> entries;
      entries.reserve(json.size());
      for (const auto& [key, item] : json.items()) entries.emplace_back(key, ValueFromJson(item));
      return Value::Map(std::move(entries));
    }
    default:
      return Value::Nil();
  }
}

}  // namespace corral::gotmpl
