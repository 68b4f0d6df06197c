#include "template/go/ollama_values.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "template/go/value_json.h"

namespace corral::gotmpl {
namespace {

using Json = nlohmann::ordered_json;

std::shared_ptr<const StructType> MakeType(std::string name, std::vector<StructField> fields,
                                           Stringer stringer = Stringer::kNone, bool tool_property = false) {
  auto t = std::make_shared<StructType>();
  t->name = std::move(name);
  t->fields = std::move(fields);
  t->stringer = stringer;
  t->is_tool_property = tool_property;
  return t;
}

// Untagged Go fields marshal under their own names.
StructField Plain(std::string name) {
  return {name, name, false};
}

struct Types {
  std::shared_ptr<const StructType> message =
      MakeType("templateMessage", {Plain("Role"), Plain("Content"), Plain("Thinking"), Plain("Images"),
                                   Plain("ToolCalls"), Plain("ToolName"), Plain("ToolCallID")});
  std::shared_ptr<const StructType> tool_call =
      MakeType("templateToolCall", {Plain("ID"), Plain("Function")});
  std::shared_ptr<const StructType> tool_call_function =
      MakeType("templateToolCallFunction", {Plain("Index"), Plain("Name"), Plain("Arguments")});
  std::shared_ptr<const StructType> tool = MakeType(
      "templateTool", {{"Type", "type", false}, {"Items", "items", true}, {"Function", "function", false}},
      Stringer::kJson);
  std::shared_ptr<const StructType> tool_function = MakeType(
      "templateToolFunction",
      {{"Name", "name", false}, {"Description", "description", false}, {"Parameters", "parameters", false}});
  std::shared_ptr<const StructType> parameters =
      MakeType("templateToolFunctionParameters", {{"Type", "type", false},
                                                  {"Defs", "$defs", true},
                                                  {"Items", "items", true},
                                                  {"Required", "required", true},
                                                  {"Properties", "properties", false}});
  std::shared_ptr<const StructType> property = MakeType("ToolProperty",
                                                        {{"AnyOf", "anyOf", true},
                                                         {"Type", "type", true},
                                                         {"Items", "items", true},
                                                         {"Description", "description", true},
                                                         {"Enum", "enum", true},
                                                         {"Properties", "properties", true},
                                                         {"Required", "required", true}},
                                                        Stringer::kNone, /*tool_property=*/true);
};

const Types& TypesOnce() {
  static const Types types;  // immutable after construction: type descriptions shared by all values
  return types;
}

Value StringOr(const Json& j, const char* key) {
  auto it = j.find(key);
  return Value::String(it != j.end() && it->is_string() ? it->get<std::string>() : "");
}

// Decodes like encoding/json into a typed field: a missing or null key leaves the zero value.
Value AnyOr(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() ? ValueFromJson(*it) : Value::Nil();
}

Value StringList(const Json& j, const char* key, Stringer stringer = Stringer::kNone) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return Value::NilSlice(stringer);
  std::vector<Value> items;
  for (const Json& s : *it) items.push_back(Value::String(s.is_string() ? s.get<std::string>() : ""));
  return Value::Slice(std::move(items), stringer);
}

Value Property(const Json& j, int depth);

Value Properties(const Json& j, Stringer stringer, int depth) {
  if (!j.is_object()) return Value::NilMap(stringer);
  std::vector<std::pair<std::string, Value>> entries;
  for (const auto& [name, prop] : j.items()) entries.emplace_back(name, Property(prop, depth + 1));
  return Value::Map(std::move(entries), stringer);
}

Value Property(const Json& j, int depth) {
  const Types& t = TypesOnce();
  if (!j.is_object() || depth > 64) {
    return Value::Struct(t.property,
                         {Value::NilSlice(), Value::NilSlice(Stringer::kJoinedPropertyType), Value::Nil(),
                          Value::String(""), Value::NilSlice(), Value::NilMap(), Value::NilSlice()});
  }
  Value any_of = Value::NilSlice();
  if (auto it = j.find("anyOf"); it != j.end() && it->is_array()) {
    std::vector<Value> items;
    for (const Json& alt : *it) items.push_back(Property(alt, depth + 1));
    any_of = Value::Slice(std::move(items));
  }
  // api.PropertyType accepts one type name or a list of them.
  Value type = Value::NilSlice(Stringer::kJoinedPropertyType);
  if (auto it = j.find("type"); it != j.end()) {
    if (it->is_string()) {
      type = Value::Slice({Value::String(it->get<std::string>())}, Stringer::kJoinedPropertyType);
    } else {
      type = StringList(j, "type", Stringer::kJoinedPropertyType);
    }
  }
  Value enum_values = Value::NilSlice();
  if (auto it = j.find("enum"); it != j.end() && it->is_array()) enum_values = ValueFromJson(*it);
  Value nested = Value::NilMap();
  if (auto it = j.find("properties"); it != j.end() && it->is_object()) {
    nested = Properties(*it, Stringer::kNone, depth);
  }
  return Value::Struct(t.property, {any_of, type, AnyOr(j, "items"), StringOr(j, "description"), enum_values,
                                    nested, StringList(j, "required")});
}

Value Arguments(const std::string& json_text) {
  const Json j = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Value::NilMap(Stringer::kJsonNilAsObject);
  Value v = ValueFromJson(j);
  v.stringer = Stringer::kJsonNilAsObject;
  return v;
}

}  // namespace

Value OllamaMessages(const std::vector<chat::Message>& messages) {
  const Types& t = TypesOnce();
  if (messages.empty()) return Value::NilSlice();
  std::vector<Value> out;
  out.reserve(messages.size());
  for (const chat::Message& m : messages) {
    Value images = Value::NilSlice();
    if (!m.images.empty()) {
      std::vector<Value> items;
      for (const std::string& image : m.images) items.push_back(Value::String(image));
      images = Value::Slice(std::move(items));
    }
    Value calls = Value::NilSlice();
    if (!m.tool_calls.empty()) {
      std::vector<Value> items;
      for (const chat::ToolCall& c : m.tool_calls) {
        Value function = Value::Struct(
            t.tool_call_function, {Value::Int(c.index), Value::String(c.name), Arguments(c.arguments_json)});
        items.push_back(Value::Struct(t.tool_call, {Value::String(c.id), function}));
      }
      calls = Value::Slice(std::move(items));
    }
    Value message =
        Value::Struct(t.message, {Value::String(m.role), Value::String(m.Text()), Value::String(m.thinking),
                                  images, calls, Value::String(m.tool_name), Value::String(m.tool_call_id)});
    message.is_pointer = true;  // Ollama passes []*templateMessage
    out.push_back(std::move(message));
  }
  return Value::Slice(std::move(out));
}

Value OllamaTools(const std::vector<chat::Tool>& tools) {
  const Types& t = TypesOnce();
  if (tools.empty()) return Value::NilSlice(Stringer::kJson);
  std::vector<Value> out;
  for (const chat::Tool& tool : tools) {
    const Json p = Json::parse(tool.parameters_json, nullptr, /*allow_exceptions=*/false);
    const Json params = p.is_object() ? p : Json::object();
    Value properties = Properties(params.contains("properties") ? params["properties"] : Json(),
                                  Stringer::kJsonNilAsObject, 0);
    Value parameters =
        Value::Struct(t.parameters, {StringOr(params, "type"), AnyOr(params, "$defs"), AnyOr(params, "items"),
                                     StringList(params, "required"), properties});
    Value function = Value::Struct(t.tool_function,
                                   {Value::String(tool.name), Value::String(tool.description), parameters});
    out.push_back(Value::Struct(t.tool, {Value::String(tool.type), Value::Nil(), function}));
  }
  return Value::Slice(std::move(out), Stringer::kJson);
}

}  // namespace corral::gotmpl
