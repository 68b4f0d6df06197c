#include "template/value_json.h"

#include <limits>

namespace corral::jinja {

Value ValueFromJson(const nlohmann::ordered_json& json) {
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null:
      return Value::None();
    case nlohmann::ordered_json::value_t::boolean:
      return Value::Bool(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value::Int(json.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const uint64_t u = json.get<uint64_t>();
      // Python ints are unbounded; beyond int64 corral keeps the nearest float.
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return Value::Float(static_cast<double>(u));
      return Value::Int(static_cast<int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return Value::Float(json.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value::String(json.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(ValueFromJson(item));
      return Value::List(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Value dict = Value::Dict();
      auto& items = dict.dict().items;
      items.reserve(json.size());
      for (const auto& [key, item] : json.items())
        items.emplace_back(Value::String(key), ValueFromJson(item));
      return dict;
    }
    default:
      return Value::None();
  }
}

}  // namespace corral::jinja
