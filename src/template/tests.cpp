// jinja2's tests (`x is defined`, `x is mapping`, ...), with the answers jinja2/tests.py gives for each
// Python type, including the odd ones (an Undefined is iterable, a sequence and callable; a bool is a
// number).
#include <algorithm>

#include "template/builtins.h"
#include "template/interpreter.h"
#include "template/operators.h"
#include "template/python_format.h"
#include "template/unicode.h"

namespace corral::jinja {
namespace {

Result<Value> OneArg(std::string_view test, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs(test, args, {{"other", std::nullopt}}));
  return a[0];
}

Status NoArgs(std::string_view test, const CallArgs& args) {
  if (args.positional.empty() && args.keywords.empty()) return Status::Ok();
  return Status::InvalidArgument(std::string("test_").append(test) +
                                 "() takes 1 positional argument but more were given");
}

#define SIMPLE_TEST(fn_name, test_name, expr)                                    \
  Result<bool> fn_name(Renderer& /*renderer*/, const Value& v, CallArgs& args) { \
    CORRAL_RETURN_IF_ERROR(NoArgs(test_name, args));                             \
    return (expr);                                                               \
  }

SIMPLE_TEST(TestDefined, "defined", !v.is_undefined())
SIMPLE_TEST(TestUndefined, "undefined", v.is_undefined())
SIMPLE_TEST(TestNone, "none", v.is_none())
SIMPLE_TEST(TestBoolean, "boolean", v.is_bool())
SIMPLE_TEST(TestFalse, "false", v.is_bool() && !v.as_bool())
SIMPLE_TEST(TestTrue, "true", v.is_bool() && v.as_bool())
SIMPLE_TEST(TestInteger, "integer", v.is_int())
SIMPLE_TEST(TestFloat, "float", v.is_float())
SIMPLE_TEST(TestNumber, "number", v.is_number())
SIMPLE_TEST(TestString, "string", v.is_string())
SIMPLE_TEST(TestMapping, "mapping", v.is_dict())
SIMPLE_TEST(TestEscaped, "escaped", v.is_markup())
// iter() works on str, list, tuple, dict, generators, Undefined (empty) and the loop object.
SIMPLE_TEST(TestIterable, "iterable",
            v.is_string() || v.is_sequence() || v.is_dict() || v.is_iterator() || v.is_undefined() ||
                (v.is_object() && v.object().TypeName() == "LoopContext"))
// len() and __getitem__: Undefined defines both (to raise), dicts have both.
SIMPLE_TEST(TestSequence, "sequence", v.is_string() || v.is_sequence() || v.is_dict() || v.is_undefined())
SIMPLE_TEST(TestCallable, "callable", v.is_undefined() || (v.is_object() && v.object().IsCallable()))

Result<bool> TestLower(Renderer& /*renderer*/, const Value& v, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoArgs("lower", args));
  const std::string s = PyStr(v);
  bool cased = false;
  for (size_t pos = 0; pos < s.size();) {
    const char32_t cp = NextCodePoint(s, pos);
    if (IsUpper(cp)) return false;
    cased |= IsLower(cp);
  }
  return cased;
}

Result<bool> TestUpper(Renderer& /*renderer*/, const Value& v, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoArgs("upper", args));
  const std::string s = PyStr(v);
  bool cased = false;
  for (size_t pos = 0; pos < s.size();) {
    const char32_t cp = NextCodePoint(s, pos);
    if (IsLower(cp)) return false;
    cased |= IsUpper(cp);
  }
  return cased;
}

Result<bool> ModEquals(const Value& v, const Value& divisor, int64_t expected) {
  CORRAL_ASSIGN_OR_RETURN(Value r, BinaryOperation(BinaryOp::kMod, v, divisor, 1 << 20));
  return PyEquals(r, Value::Int(expected));
}

Result<bool> TestOdd(Renderer& /*renderer*/, const Value& v, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoArgs("odd", args));
  return ModEquals(v, Value::Int(2), 1);
}

Result<bool> TestEven(Renderer& /*renderer*/, const Value& v, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoArgs("even", args));
  return ModEquals(v, Value::Int(2), 0);
}

Result<bool> TestDivisibleBy(Renderer& /*renderer*/, const Value& v, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Value> a, BindArgs("divisibleby", args, {{"num", std::nullopt}}));
  return ModEquals(v, a[0], 0);
}

Result<bool> TestSameAs(Renderer& /*renderer*/, const Value& v, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(Value other, OneArg("sameas", args));
  // Python's `is`: None/True/False are singletons and CPython caches small ints; containers compare by
  // object identity.
  if (v.kind() != other.kind()) return false;
  switch (v.kind()) {
    case Kind::kNone:
      return true;
    case Kind::kBool:
      return v.as_bool() == other.as_bool();
    case Kind::kInt:
      return v.as_int() == other.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
    case Kind::kFloat:
      return false;
    default:
      return v.identity() == other.identity();
  }
}

Result<bool> TestIn(Renderer& renderer, const Value& v, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(Value seq, OneArg("in", args));
  return PyContains(renderer, seq, v);
}

Result<bool> TestFilterExists(Renderer& /*renderer*/, const Value& v, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoArgs("filter", args));
  return v.is_string() && LookupFilter(v.str()) != nullptr;
}

Result<bool> TestTestExists(Renderer& /*renderer*/, const Value& v, CallArgs& args) {
  CORRAL_RETURN_IF_ERROR(NoArgs("test", args));
  return v.is_string() && LookupTest(v.str()) != nullptr;
}

Result<bool> TestEq(Renderer& /*renderer*/, const Value& v, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(Value other, OneArg("eq", args));
  return PyEquals(v, other);
}

Result<bool> TestNe(Renderer& /*renderer*/, const Value& v, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(Value other, OneArg("ne", args));
  return !PyEquals(v, other);
}

template <int kLow, int kHigh>  // passes when kLow <= compare(v, other) <= kHigh
Result<bool> TestOrder(Renderer& /*renderer*/, const Value& v, CallArgs& args) {
  CORRAL_ASSIGN_OR_RETURN(Value other, OneArg("compare", args));
  CORRAL_ASSIGN_OR_RETURN(int c, PyCompare(v, other));
  return c >= kLow && c <= kHigh;
}

struct TestEntry {
  std::string_view name;
  TestFn fn;
};

constexpr TestEntry kTests[] = {
    {"odd", TestOdd},
    {"even", TestEven},
    {"divisibleby", TestDivisibleBy},
    {"defined", TestDefined},
    {"undefined", TestUndefined},
    {"filter", TestFilterExists},
    {"test", TestTestExists},
    {"none", TestNone},
    {"boolean", TestBoolean},
    {"false", TestFalse},
    {"true", TestTrue},
    {"integer", TestInteger},
    {"float", TestFloat},
    {"lower", TestLower},
    {"upper", TestUpper},
    {"string", TestString},
    {"mapping", TestMapping},
    {"number", TestNumber},
    {"sequence", TestSequence},
    {"iterable", TestIterable},
    {"callable", TestCallable},
    {"sameas", TestSameAs},
    {"escaped", TestEscaped},
    {"in", TestIn},
    {"==", TestEq},
    {"eq", TestEq},
    {"equalto", TestEq},
    {"!=", TestNe},
    {"ne", TestNe},
    {">", TestOrder<1, 1>},
    {"gt", TestOrder<1, 1>},
    {"greaterthan", TestOrder<1, 1>},
    {">=", TestOrder<0, 1>},
    {"ge", TestOrder<0, 1>},
    {"<", TestOrder<-1, -1>},
    {"lt", TestOrder<-1, -1>},
    {"lessthan", TestOrder<-1, -1>},
    {"<=", TestOrder<-1, 0>},
    {"le", TestOrder<-1, 0>},
};

}  // namespace

TestFn LookupTest(std::string_view name) {
  for (const TestEntry& e : kTests) {
    if (e.name == name) return e.fn;
  }
  return nullptr;
}

}  // namespace corral::jinja
