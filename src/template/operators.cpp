#include "template/operators.h"

#include <cmath>

#include "template/interpreter.h"
#include "template/python_format.h"
#include "template/string_format.h"

namespace corral::jinja {

Status UndefinedError(const Value& undefined) {
  std::string_view hint = undefined.undefined_hint();
  return Status::InvalidArgument(hint.empty() ? std::string("value is undefined") : std::string(hint));
}

namespace {

std::string TypeQuoted(const Value& v) {
  return std::string("'").append(PyTypeName(v)) + "'";
}

Status UnsupportedOperands(std::string_view op, const Value& a, const Value& b) {
  return Status::InvalidArgument(std::string("unsupported operand type(s) for ").append(op) + ": " +
                                 TypeQuoted(a) + " and " + TypeQuoted(b));
}

Status IntOverflow() {
  return Status::OutOfRange("integer overflow (template integers are 64-bit; Python's are unbounded)");
}

std::string_view OpText(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kFloorDiv:
      return "//";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "** or pow()";
  }
  return "?";
}

Result<Value> Add(const Value& a, const Value& b, size_t max_bytes) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return Value::Float(a.as_float() + b.as_float());
    int64_t r;
    if (__builtin_add_overflow(a.as_int(), b.as_int(), &r)) return IntOverflow();
    return Value::Int(r);
  }
  if (a.is_string() && b.is_string()) {
    if (a.str().size() + b.str().size() > max_bytes)
      return Status::OutOfRange("string exceeds the output limit");
    // markupsafe: Markup + str escapes the str side, and so does str + Markup.
    if (a.is_markup() || b.is_markup()) {
      std::string left = a.is_markup() ? a.str() : HtmlEscape(a.str());
      left += b.is_markup() ? b.str() : HtmlEscape(b.str());
      return Value::Markup(std::move(left));
    }
    std::string s;
    s.reserve(a.str().size() + b.str().size());
    s += a.str();
    s += b.str();
    return Value::String(std::move(s));
  }
  if (a.is_sequence() && b.is_sequence() && a.is_tuple() == b.is_tuple()) {
    std::vector<Value> items = a.list().items;
    items.insert(items.end(), b.list().items.begin(), b.list().items.end());
    return a.is_tuple() ? Value::Tuple(std::move(items)) : Value::List(std::move(items));
  }
  if (a.is_string() && !a.is_markup()) {
    return Status::InvalidArgument(std::string("can only concatenate str (not \"").append(PyTypeName(b)) +
                                   "\") to str");
  }
  if (a.is_sequence()) {
    const std::string_view name = PyTypeName(a);
    return Status::InvalidArgument(std::string("can only concatenate ").append(name) + " (not \"" +
                                   std::string(PyTypeName(b)) + "\") to " + std::string(name));
  }
  return UnsupportedOperands("+", a, b);
}

Result<Value> Repeat(const Value& seq, int64_t count, size_t max_bytes) {
  if (count < 0) count = 0;
  if (seq.is_string()) {
    const size_t unit = seq.str().size();
    if (unit != 0 && static_cast<uint64_t>(count) > max_bytes / unit) {
      return Status::OutOfRange("string exceeds the output limit");
    }
    std::string s;
    s.reserve(unit * static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) s += seq.str();
    return seq.is_markup() ? Value::Markup(std::move(s)) : Value::String(std::move(s));
  }
  const auto& items = seq.list().items;
  if (!items.empty() && static_cast<uint64_t>(count) > (max_bytes / 8) / items.size()) {
    return Status::OutOfRange("list exceeds the size limit");
  }
  std::vector<Value> out;
  out.reserve(items.size() * static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) out.insert(out.end(), items.begin(), items.end());
  return seq.is_tuple() ? Value::Tuple(std::move(out)) : Value::List(std::move(out));
}

Result<Value> Multiply(const Value& a, const Value& b, size_t max_bytes) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return Value::Float(a.as_float() * b.as_float());
    int64_t r;
    if (__builtin_mul_overflow(a.as_int(), b.as_int(), &r)) return IntOverflow();
    return Value::Int(r);
  }
  const bool a_seq = a.is_string() || a.is_sequence();
  const bool b_seq = b.is_string() || b.is_sequence();
  if (a_seq && (b.is_int() || b.is_bool())) return Repeat(a, b.as_int(), max_bytes);
  if (b_seq && (a.is_int() || a.is_bool())) return Repeat(b, a.as_int(), max_bytes);
  if (a_seq || b_seq) {
    const Value& other = a_seq ? b : a;
    return Status::InvalidArgument("can't multiply sequence by non-int of type " + TypeQuoted(other));
  }
  return UnsupportedOperands("*", a, b);
}

// Python's float floor division and modulo (the result of % takes the divisor's sign).
double PyFloatMod(double a, double b) {
  double mod = std::fmod(a, b);
  if (mod != 0.0) {
    if ((b < 0) != (mod < 0)) mod += b;
  } else {
    mod = std::copysign(0.0, b);
  }
  return mod;
}

double PyFloatFloorDiv(double a, double b) {
  const double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0.0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div == 0.0) return std::copysign(0.0, a / b);
  double floordiv = std::floor(div);
  if (div - floordiv > 0.5) floordiv += 1.0;
  return floordiv;
}

Result<Value> Divide(BinaryOp op, const Value& a, const Value& b) {
  if (!a.is_number() || !b.is_number()) return UnsupportedOperands(OpText(op), a, b);
  const bool floats = a.is_float() || b.is_float();
  if (op == BinaryOp::kDiv) {
    if (b.as_float() == 0.0)
      return Status::InvalidArgument(floats ? "float division by zero" : "division by zero");
    return Value::Float(a.as_float() / b.as_float());
  }
  if (floats) {
    if (b.as_float() == 0.0) {
      return Status::InvalidArgument(op == BinaryOp::kMod ? "float modulo" : "float floor division by zero");
    }
    return Value::Float(op == BinaryOp::kMod ? PyFloatMod(a.as_float(), b.as_float())
                                             : PyFloatFloorDiv(a.as_float(), b.as_float()));
  }
  const int64_t x = a.as_int(), y = b.as_int();
  if (y == 0) {
    return Status::InvalidArgument(op == BinaryOp::kMod ? "integer modulo by zero"
                                                        : "integer division or modulo by zero");
  }
  if (x == INT64_MIN && y == -1) {
    if (op == BinaryOp::kMod) return Value::Int(0);
    return IntOverflow();
  }
  int64_t q = x / y, r = x % y;
  if (r != 0 && ((r < 0) != (y < 0))) {
    q -= 1;
    r += y;
  }
  return Value::Int(op == BinaryOp::kMod ? r : q);
}

Result<Value> Power(const Value& a, const Value& b) {
  if (!a.is_number() || !b.is_number()) return UnsupportedOperands("** or pow()", a, b);
  if (!a.is_float() && !b.is_float()) {
    int64_t base = a.as_int(), exp = b.as_int();
    if (exp < 0) {
      if (base == 0) return Status::InvalidArgument("0.0 cannot be raised to a negative power");
      return Value::Float(std::pow(static_cast<double>(base), static_cast<double>(exp)));
    }
    int64_t result = 1;
    while (exp > 0) {
      if (exp & 1) {
        if (__builtin_mul_overflow(result, base, &result)) return IntOverflow();
      }
      exp >>= 1;
      if (exp > 0 && __builtin_mul_overflow(base, base, &base)) return IntOverflow();
    }
    return Value::Int(result);
  }
  const double x = a.as_float(), y = b.as_float();
  if (x == 0.0 && y < 0) return Status::InvalidArgument("0.0 cannot be raised to a negative power");
  if (x < 0 && y != std::floor(y)) {
    return Status::Unsupported("a negative number raised to a fractional power is complex in Python");
  }
  return Value::Float(std::pow(x, y));
}

}  // namespace

Result<Value> BinaryOperation(BinaryOp op, const Value& a, const Value& b, size_t max_bytes) {
  if (a.is_undefined()) return UndefinedError(a);
  if (b.is_undefined()) return UndefinedError(b);
  switch (op) {
    case BinaryOp::kAdd:
      return Add(a, b, max_bytes);
    case BinaryOp::kSub:
      if (!a.is_number() || !b.is_number()) return UnsupportedOperands("-", a, b);
      if (a.is_float() || b.is_float()) return Value::Float(a.as_float() - b.as_float());
      {
        int64_t r;
        if (__builtin_sub_overflow(a.as_int(), b.as_int(), &r)) return IntOverflow();
        return Value::Int(r);
      }
    case BinaryOp::kMul:
      return Multiply(a, b, max_bytes);
    case BinaryOp::kMod:
      if (a.is_string()) {
        CORRAL_ASSIGN_OR_RETURN(std::string s, PercentFormat(a.str(), b));
        if (s.size() > max_bytes) return Status::OutOfRange("string exceeds the output limit");
        return a.is_markup() ? Value::Markup(std::move(s)) : Value::String(std::move(s));
      }
      return Divide(op, a, b);
    case BinaryOp::kDiv:
    case BinaryOp::kFloorDiv:
      return Divide(op, a, b);
    case BinaryOp::kPow:
      return Power(a, b);
  }
  return Status::Internal("unknown operator");
}

Result<Value> UnaryMinus(const Value& v) {
  if (v.is_undefined()) return UndefinedError(v);
  if (v.is_float()) return Value::Float(-v.as_float());
  if (v.is_number()) {
    if (v.as_int() == INT64_MIN) return IntOverflow();
    return Value::Int(-v.as_int());
  }
  return Status::InvalidArgument("bad operand type for unary -: " + TypeQuoted(v));
}

Result<Value> UnaryPlus(const Value& v) {
  if (v.is_undefined()) return UndefinedError(v);
  if (v.is_float()) return v;
  if (v.is_number()) return Value::Int(v.as_int());
  return Status::InvalidArgument("bad operand type for unary +: " + TypeQuoted(v));
}

namespace {

Result<int> CompareImpl(const Value& a, const Value& b, int depth);

}  // namespace

Result<int> PyCompare(const Value& a, const Value& b) {
  return CompareImpl(a, b, 0);
}

namespace {

Result<int> CompareImpl(const Value& a, const Value& b, int depth) {
  if (a.is_undefined()) return UndefinedError(a);
  if (b.is_undefined()) return UndefinedError(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) {
      const double x = a.as_float(), y = b.as_float();
      return x < y ? -1 : (x > y ? 1 : 0);  // NaN compares as equal-ish: neither < nor >
    }
    return a.as_int() < b.as_int() ? -1 : (a.as_int() > b.as_int() ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.str().compare(b.str());  // UTF-8 byte order is code point order
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_sequence() && b.is_sequence() && a.is_tuple() == b.is_tuple()) {
    const auto& x = a.list().items;
    const auto& y = b.list().items;
    if (depth > kMaxValueRecursion)
      return Status::OutOfRange("maximum recursion depth exceeded in comparison");
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (PyEquals(x[i], y[i])) continue;
      return CompareImpl(x[i], y[i], depth + 1);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  return Status::InvalidArgument("'<' not supported between instances of " + TypeQuoted(a) + " and " +
                                 TypeQuoted(b));
}

}  // namespace

Status CheckHashable(const Value& v) {
  if (v.is_list() || v.is_dict() || (v.is_object() && v.object().TypeName() == "Namespace")) {
    return Status::InvalidArgument("unhashable type: " + TypeQuoted(v));
  }
  if (v.is_tuple()) {
    // Tuples nest only as deep as a template builds them; past the bound, treat them as hashable.
    std::vector<const Value*> stack = {&v};
    for (size_t visited = 0; !stack.empty() && visited < 100000; ++visited) {
      const Value* t = stack.back();
      stack.pop_back();
      for (const Value& item : t->list().items) {
        if (item.is_list() || item.is_dict())
          return Status::InvalidArgument("unhashable type: " + TypeQuoted(item));
        if (item.is_tuple()) stack.push_back(&item);
      }
    }
  }
  return Status::Ok();
}

Result<bool> PyContains(Renderer& renderer, const Value& container, const Value& item) {
  switch (container.kind()) {
    case Kind::kString:
      if (!item.is_string()) {
        return Status::InvalidArgument(
            std::string("'in <string>' requires string as left operand, not ").append(PyTypeName(item)));
      }
      return container.str().find(item.str()) != std::string::npos;
    case Kind::kList:
      for (const Value& v : container.list().items) {
        if (PyEquals(v, item)) return true;
      }
      return false;
    case Kind::kDict:
      CORRAL_RETURN_IF_ERROR(CheckHashable(item));
      return container.dict().Find(item) != nullptr;
    case Kind::kUndefined:
      return false;  // Undefined iterates as empty
    case Kind::kIterator: {
      IteratorData& it = container.iterator();
      while (it.next < it.items.size()) {
        CORRAL_RETURN_IF_ERROR(renderer.Tick());
        if (PyEquals(it.items[it.next++], item)) return true;
      }
      return false;
    }
    default:
      return Status::InvalidArgument("argument of type " + TypeQuoted(container) + " is not iterable");
  }
}

}  // namespace corral::jinja
