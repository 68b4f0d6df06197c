// jinja2's filters on sequences, mappings and generators (jinja2/filters.py). Where jinja2 returns a
// generator (map, select, reject, selectattr, rejectattr, unique, items, batch, slice, reverse), so does
// corral: such a value is always true, has no length, and is used up by its first iteration.
#include <algorithm>

#include "template/builtins.h"
#include "template/filter_impl.h"
#include "template/interpreter.h"
#include "template/operators.h"
#include "template/python_format.h"
#include "template/unicode.h"

namespace corral::jinja {
namespace {

Status NoExtraArgs(std::string_view filter, const CallArgs& args) {
  if (args.positional.empty() && args.keywords.empty()) return Status::Ok();
  return Status::InvalidArgument(std::string(filter) + "() takes 1 positional argument but more were given");
}

// jinja2's _prepare_attribute_parts: "a.0.b" → ["a", 0, "b"].
std::vector<Value> AttributeParts(const Value& attribute) {
  std::vector<Value> parts;
  if (attribute.is_none()) return parts;
  if (!attribute.is_string()) {
    parts.push_back(attribute);
    return parts;
  }
  const std::string& s = attribute.str();
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    const std::string part = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool digits =
        !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits && part.size() < 18) {
      parts.push_back(Value::Int(std::stoll(part)));
    } else {
      parts.push_back(Value::String(part));
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

Value IgnoreCase(const Value& v) {
  return v.is_string() ? Value::String(PyLower(v.str())) : v;
}

// make_attrgetter: item[part][part]..., with `default` replacing an Undefined step and an optional
// lower-casing of the result.
struct AttrGetter {
  std::vector<Value> parts;
  const Value* default_value = nullptr;
  bool ignore_case = false;

  Result<Value> operator()(Renderer& renderer, Value item) const {
    for (const Value& part : parts) {
      CORRAL_ASSIGN_OR_RETURN(item, renderer.GetItem(item, part));
      if (default_value != nullptr && !default_value->is_none() && item.is_undefined()) item = *default_value;
    }
    return ignore_case ? IgnoreCase(item) : item;
  }
};

// make_multi_attrgetter: "a,b" sorts by a list of attributes.
Result<Value> MultiKey(Renderer& renderer, const Value& item, const Value& attribute, bool ignore_case) {
  std::vector<Value> specs;
  if (attribute.is_string()) {
    const std::string& s = attribute.str();
    size_t start = 0;
    while (true) {
      const size_t comma = s.find(',', start);
      specs.push_back(
          Value::String(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    specs.push_back(attribute);
  }
  std::vector<Value> keys;
  for (const Value& spec : specs) {
    AttrGetter getter{AttributeParts(spec), nullptr, ignore_case};
    CORRAL_ASSIGN_OR_RETURN(Value key, getter(renderer, item));
    keys.push_back(std::move(key));
  }
  return Value::List(std::move(keys));
}

// Stable sort by precomputed keys with Python's ordering; `reverse` keeps equal items in input order.
Status SortByKeys(std::vector<std::pair<Value, Value>>& keyed, bool reverse) {
  Status error = Status::Ok();
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    if (!error.ok()) return false;
    Result<int> c = reverse ? PyCompare(y.first, x.first) : PyCompare(x.first, y.first);
    if (!c.ok()) {
      error = c.status();
      return false;
    }
    return *c < 0;
  });
  return error;
}

Result<Value> SelectOrReject(Renderer& renderer, const Value& input, CallArgs& args, bool select,
                             bool lookup_attr) {
  if (!input.Truthy()) return Value::Iterator({});
  size_t off = 0;
  AttrGetter getter;
  if (lookup_attr) {
    if (args.positional.empty()) return Status::InvalidArgument("Missing parameter for attribute name");
    getter.parts = AttributeParts(args.positional[0]);
    off = 1;
  }
  const bool has_test = args.positional.size() > off;
  std::string test_name;
  CallArgs test_args;
  if (has_test) {
    test_name = PyStr(args.positional[off]);
    test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(off + 1),
                                args.positional.end());
    test_args.keywords = args.keywords;
  }
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(input));
  std::vector<Value> kept;
  for (Value& item : items) {
    CORRAL_RETURN_IF_ERROR(renderer.Tick());
    Value probe = item;
    if (lookup_attr) {
      CORRAL_ASSIGN_OR_RETURN(probe, getter(renderer, item));
    }
    bool pass = false;
    if (has_test) {
      CallArgs call = test_args;
      CORRAL_ASSIGN_OR_RETURN(pass, renderer.CallTestByName(test_name, probe, call));
    } else {
      pass = probe.Truthy();
    }
    if (pass == select) kept.push_back(std::move(item));
  }
  return Value::Iterator(std::move(kept));
}

Result<Value> MinOrMax(Renderer& renderer, const Value& input, CallArgs& args, bool want_max) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a,
                          BindArgs(want_max ? "do_max" : "do_min", args,
                                   {{"case_sensitive", Value::Bool(false)}, {"attribute", Value::None()}}));
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(input));
  if (items.empty()) return Value::Undefined("No aggregated item, sequence was empty.");
  const AttrGetter getter{AttributeParts(a[1]), nullptr, !a[0].Truthy()};
  size_t best = 0;
  CORRAL_ASSIGN_OR_RETURN(Value best_key, getter(renderer, items[0]));
  for (size_t i = 1; i < items.size(); ++i) {
    CORRAL_ASSIGN_OR_RETURN(Value key, getter(renderer, items[i]));
    CORRAL_ASSIGN_OR_RETURN(int c, PyCompare(key, best_key));
    if (want_max ? c > 0 : c < 0) {  // Python keeps the first of equal extremes
      best = i;
      best_key = std::move(key);
    }
  }
  return items[best];
}

}  // namespace

Result<Value> FilterLength(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("len", args));
  switch (input.kind()) {
    case Kind::kUndefined:
      return Value::Int(0);
    case Kind::kString:
      return Value::Int(static_cast<int64_t>(input.StringLength()));
    case Kind::kList:
      return Value::Int(static_cast<int64_t>(input.list().items.size()));
    case Kind::kDict:
      return Value::Int(static_cast<int64_t>(input.dict().items.size()));
    case Kind::kObject:
      if (input.object().TypeName() == "LoopContext") {
        return input.object().GetAttr(input, "length");
      }
      [[fallthrough]];
    default:
      return Status::InvalidArgument(std::string("object of type '").append(PyTypeName(input)) +
                                     "' has no len()");
  }
}

Result<Value> FilterFirst(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_first", args));
  if (input.is_iterator()) {
    IteratorData& it = input.iterator();
    if (it.next < it.items.size()) return it.items[it.next++];
  } else if (input.is_sequence()) {
    if (!input.list().items.empty()) return input.list().items.front();
  } else {
    CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(input));
    if (!items.empty()) return items.front();
  }
  return Value::Undefined("No first item, sequence was empty.");
}

Result<Value> FilterLast(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_last", args));
  if (input.is_iterator()) {
    return Status::InvalidArgument("'" + input.iterator().type_name + "' object is not reversible");
  }
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(input));
  if (items.empty()) return Value::Undefined("No last item, sequence was empty.");
  return items.back();
}

Result<Value> FilterList(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_list", args));
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(input));
  return Value::List(std::move(items));
}

Result<Value> FilterJoin(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(
      std::vector<Value> a,
      BindArgs("do_join", args, {{"d", Value::String("")}, {"attribute", Value::None()}}));
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(input));
  const AttrGetter getter{AttributeParts(a[1])};
  const std::string sep = PyStr(a[0]);
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    if (a[1].is_none()) {
      AppendStr(out, items[i]);
    } else {
      CORRAL_ASSIGN_OR_RETURN(Value v, getter(renderer, items[i]));
      AppendStr(out, v);
    }
    CORRAL_RETURN_IF_ERROR(renderer.CheckSize(out.size()));
  }
  return Value::String(std::move(out));
}

Result<Value> FilterMap(Renderer& renderer, const Value& input, CallArgs& args) {
  if (!input.Truthy()) return Value::Iterator({});
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(input));
  std::vector<Value> out;
  out.reserve(items.size());
  Value attribute;
  if (args.positional.empty() && args.TakeKeyword("attribute", &attribute)) {
    Value default_value = Value::None();
    args.TakeKeyword("default", &default_value);
    if (!args.keywords.empty()) {
      return Status::InvalidArgument("Unexpected keyword argument '" + args.keywords.front().first + "'");
    }
    const AttrGetter getter{AttributeParts(attribute), &default_value};
    for (const Value& item : items) {
      CORRAL_ASSIGN_OR_RETURN(Value v, getter(renderer, item));
      out.push_back(std::move(v));
    }
    return Value::Iterator(std::move(out));
  }
  if (args.positional.empty()) return Status::InvalidArgument("map requires a filter argument");
  const std::string name = PyStr(args.positional[0]);
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keywords = args.keywords;
  for (const Value& item : items) {
    CORRAL_RETURN_IF_ERROR(renderer.Tick());
    CallArgs call = rest;
    CORRAL_ASSIGN_OR_RETURN(Value v, renderer.CallFilterByName(name, item, call));
    out.push_back(std::move(v));
  }
  return Value::Iterator(std::move(out));
}

Result<Value> FilterSelect(Renderer& renderer, const Value& input, CallArgs& args) {
  return SelectOrReject(renderer, input, args, true, false);
}
Result<Value> FilterReject(Renderer& renderer, const Value& input, CallArgs& args) {
  return SelectOrReject(renderer, input, args, false, false);
}
Result<Value> FilterSelectattr(Renderer& renderer, const Value& input, CallArgs& args) {
  return SelectOrReject(renderer, input, args, true, true);
}
Result<Value> FilterRejectattr(Renderer& renderer, const Value& input, CallArgs& args) {
  return SelectOrReject(renderer, input, args, false, true);
}

Result<Value> FilterUnique(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(
      std::vector<Value> a,
      BindArgs("do_unique", args, {{"case_sensitive", Value::Bool(false)}, {"attribute", Value::None()}}));
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(input));
  const AttrGetter getter{AttributeParts(a[1]), nullptr, !a[0].Truthy()};
  std::vector<Value> seen, out;
  for (Value& item : items) {
    CORRAL_RETURN_IF_ERROR(renderer.Tick());
    CORRAL_ASSIGN_OR_RETURN(Value key, getter(renderer, item));
    CORRAL_RETURN_IF_ERROR(CheckHashable(key));
    if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return PyEquals(s, key); })) continue;
    seen.push_back(std::move(key));
    out.push_back(std::move(item));
  }
  return Value::Iterator(std::move(out));
}

Result<Value> FilterSort(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs("do_sort", args,
                                                         {{"reverse", Value::Bool(false)},
                                                          {"case_sensitive", Value::Bool(false)},
                                                          {"attribute", Value::None()}}));
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(input));
  std::vector<std::pair<Value, Value>> keyed;
  keyed.reserve(items.size());
  for (Value& item : items) {
    CORRAL_ASSIGN_OR_RETURN(Value key, MultiKey(renderer, item, a[2], !a[1].Truthy()));
    keyed.emplace_back(std::move(key), std::move(item));
  }
  CORRAL_RETURN_IF_ERROR(SortByKeys(keyed, a[0].Truthy()));
  std::vector<Value> out;
  out.reserve(keyed.size());
  for (auto& [key, item] : keyed) out.push_back(std::move(item));
  return Value::List(std::move(out));
}

Result<Value> FilterDictsort(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs("do_dictsort", args,
                                                         {{"case_sensitive", Value::Bool(false)},
                                                          {"by", Value::String("key")},
                                                          {"reverse", Value::Bool(false)}}));
  const std::string by = PyStr(a[1]);
  if (by != "key" && by != "value")
    return Status::InvalidArgument("You can only sort by either \"key\" or \"value\"");
  if (!input.is_dict()) {
    return Status::InvalidArgument(std::string("'").append(PyTypeName(input)) +
                                   "' object has no attribute 'items'");
  }
  std::vector<std::pair<Value, Value>> keyed;
  for (const auto& [k, v] : input.dict().items) {
    const Value& key = by == "key" ? k : v;
    keyed.emplace_back(a[0].Truthy() ? key : IgnoreCase(key), Value::Tuple({k, v}));
  }
  CORRAL_RETURN_IF_ERROR(SortByKeys(keyed, a[2].Truthy()));
  std::vector<Value> out;
  for (auto& [key, item] : keyed) out.push_back(std::move(item));
  return Value::List(std::move(out));
}

Result<Value> FilterItems(Renderer& /*renderer*/, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_items", args));
  if (input.is_undefined()) return Value::Iterator({});
  if (!input.is_dict()) return Status::InvalidArgument("Can only get item pairs from a mapping.");
  std::vector<Value> out;
  for (const auto& [k, v] : input.dict().items) out.push_back(Value::Tuple({k, v}));
  return Value::Iterator(std::move(out));
}

Result<Value> FilterReverse(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoExtraArgs("do_reverse", args));
  if (input.is_string()) {
    std::vector<char32_t> cps = ToCodePoints(input.str());
    std::reverse(cps.begin(), cps.end());
    return input.is_markup() ? Value::Markup(FromCodePoints(cps)) : Value::String(FromCodePoints(cps));
  }
  const bool generator = input.is_iterator();
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(input));
  std::reverse(items.begin(), items.end());
  if (generator) return Value::List(std::move(items));  // reversed() fails, jinja2 falls back to a list
  std::string type =
      input.is_list() ? "list_reverseiterator" : (input.is_dict() ? "dict_reversekeyiterator" : "reversed");
  return Value::Iterator(std::move(items), std::move(type));
}

Result<Value> FilterSum(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a,
                          BindArgs("do_sum", args, {{"attribute", Value::None()}, {"start", Value::Int(0)}}));
  if (a[1].is_string()) return Status::InvalidArgument("sum() can't sum strings [use ''.join(seq) instead]");
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(input));
  const AttrGetter getter{AttributeParts(a[0])};
  Value total = a[1];
  for (const Value& item : items) {
    CORRAL_ASSIGN_OR_RETURN(Value v, getter(renderer, item));
    CORRAL_ASSIGN_OR_RETURN(total,
                            BinaryOperation(BinaryOp::kAdd, total, v, renderer.options().max_output_bytes));
  }
  return total;
}

Result<Value> FilterMin(Renderer& renderer, const Value& input, CallArgs& args) {
  return MinOrMax(renderer, input, args, false);
}
Result<Value> FilterMax(Renderer& renderer, const Value& input, CallArgs& args) {
  return MinOrMax(renderer, input, args, true);
}

Result<Value> FilterBatch(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(
      std::vector<Value> a,
      BindArgs("do_batch", args, {{"linecount", std::nullopt}, {"fill_with", Value::None()}}));
  if (!a[0].is_int() && !a[0].is_bool()) return Status::InvalidArgument("batch size must be an integer");
  const int64_t count = a[0].as_int();
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(input));
  std::vector<Value> batches, current;
  for (Value& item : items) {
    CORRAL_RETURN_IF_ERROR(renderer.Tick());
    if (static_cast<int64_t>(current.size()) == count) {
      batches.push_back(Value::List(std::move(current)));
      current.clear();
    }
    current.push_back(std::move(item));
  }
  if (!current.empty()) {
    if (!a[1].is_none()) {
      while (static_cast<int64_t>(current.size()) < count) current.push_back(a[1]);
    }
    batches.push_back(Value::List(std::move(current)));
  }
  return Value::Iterator(std::move(batches));
}

Result<Value> FilterSlice(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(
      std::vector<Value> a,
      BindArgs("do_slice", args, {{"slices", std::nullopt}, {"fill_with", Value::None()}}));
  if (!a[0].is_int() || a[0].as_int() <= 0 || a[0].as_int() > 100000) {
    return Status::InvalidArgument("slices must be a positive integer");
  }
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> seq, renderer.Iterate(input));
  const int64_t slices = a[0].as_int();
  const int64_t length = static_cast<int64_t>(seq.size());
  const int64_t per = length / slices, extra = length % slices;
  int64_t offset = 0;
  std::vector<Value> out;
  for (int64_t n = 0; n < slices; ++n) {
    const int64_t start = offset + n * per;
    if (n < extra) ++offset;
    const int64_t end = offset + (n + 1) * per;
    std::vector<Value> part(seq.begin() + start, seq.begin() + end);
    if (!a[1].is_none() && n >= extra) part.push_back(a[1]);
    out.push_back(Value::List(std::move(part)));
  }
  return Value::Iterator(std::move(out));
}

Result<Value> FilterGroupby(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs("do_groupby", args,
                                                         {{"attribute", std::nullopt},
                                                          {"default", Value::None()},
                                                          {"case_sensitive", Value::Bool(false)}}));
  const bool case_sensitive = a[2].Truthy();
  const AttrGetter key_getter{AttributeParts(a[0]), &a[1], !case_sensitive};
  const AttrGetter output_getter{AttributeParts(a[0]), &a[1], false};
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> items, renderer.Iterate(input));
  std::vector<std::pair<Value, Value>> keyed;
  for (Value& item : items) {
    CORRAL_ASSIGN_OR_RETURN(Value key, key_getter(renderer, item));
    keyed.emplace_back(std::move(key), std::move(item));
  }
  CORRAL_RETURN_IF_ERROR(SortByKeys(keyed, false));
  std::vector<Value> groups;
  for (size_t i = 0; i < keyed.size();) {
    size_t j = i;
    std::vector<Value> members;
    while (j < keyed.size() && PyEquals(keyed[j].first, keyed[i].first)) members.push_back(keyed[j++].second);
    Value grouper = keyed[i].first;
    if (!case_sensitive) {
      CORRAL_ASSIGN_OR_RETURN(grouper, output_getter(renderer, members.front()));
    }
    groups.push_back(Value::Tuple({std::move(grouper), Value::List(std::move(members))}));
    i = j;
  }
  return Value::List(std::move(groups));
}

Result<Value> FilterAttr(Renderer& renderer, const Value& input, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs("do_attr", args, {{"name", std::nullopt}}));
  if (!a[0].is_string()) return Status::InvalidArgument("attribute name must be string");
  const std::string& name = a[0].str();
  // attr() looks at Python attributes only: a dict's keys are not attributes, its methods are.
  if (input.is_dict() && !HasBuiltinMethod(input, name)) {
    return Value::Undefined("'dict object' has no attribute '" + name + "'");
  }
  return renderer.GetAttr(input, name);
}

}  // namespace corral::jinja
