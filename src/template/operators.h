// Python's operators on template values: arithmetic with int/float promotion and int overflow checks,
// str/list concatenation and repetition, Markup's escaping '+', %-formatting, ordering, `in`, and the
// UndefinedError that any of them raises on an Undefined operand.
#pragma once

#include <cstddef>

#include "base/status.h"
#include "template/ast.h"
#include "template/value.h"

namespace corral::jinja {

class Renderer;

// jinja2's UndefinedError for an operation on an Undefined value.
Status UndefinedError(const Value& undefined);

Result<Value> BinaryOperation(BinaryOp op, const Value& a, const Value& b, size_t max_bytes);
Result<Value> UnaryMinus(const Value& v);
Result<Value> UnaryPlus(const Value& v);
// Python's three-way ordering for <, <=, >, >= and sorting; TypeError for types that do not compare.
Result<int> PyCompare(const Value& a, const Value& b);
// Python's `item in container`.
Result<bool> PyContains(Renderer& renderer, const Value& container, const Value& item);
// Lists, dicts and generators cannot be dict keys or set members (TypeError: unhashable type).
Status CheckHashable(const Value& v);

}  // namespace corral::jinja
