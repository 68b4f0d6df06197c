// jinja2's expression grammar (jinja2/parser.py, parse_expression and below): conditional expressions,
// or/and/not, comparisons, arithmetic, ~, unary operators, primaries, postfix subscripts and calls, filters
// and tests, with jinja2's precedence and tuple rules.
#include "template/builtins.h"
#include "template/parser_impl.h"

namespace corral::jinja::internal {

Result<ExprPtr> Parser::ParseExpression(bool with_condexpr) {
  DepthGuard guard(depth_);
  CORRAL_RETURN_IF_ERROR(CheckDepth());
  if (with_condexpr) return ParseCondExpr();
  return ParseOr();
}

Result<ExprPtr> Parser::ParseCondExpr() {
  int line = Current().line;
  CORRAL_ASSIGN_OR_RETURN(ExprPtr expr1, ParseOr());
  while (IsName("if")) {
    Advance();
    const bool old_soft = soft_;
    soft_ = true;
    CORRAL_ASSIGN_OR_RETURN(ExprPtr test, ParseOr());
    ExprPtr expr3;
    if (SkipIfName("else")) {
      CORRAL_ASSIGN_OR_RETURN(expr3, ParseCondExpr());
    }
    soft_ = old_soft;
    auto node = MakeExpr(ExprKind::kCondExpr, line);
    node->children.push_back(std::move(test));
    node->children.push_back(std::move(expr1));
    node->children.push_back(std::move(expr3));
    expr1 = std::move(node);
    line = Current().line;
  }
  return expr1;
}

Result<ExprPtr> Parser::ParseOr() {
  CORRAL_ASSIGN_OR_RETURN(ExprPtr left, ParseAnd());
  while (IsName("or")) {
    const int line = Advance().line;
    CORRAL_ASSIGN_OR_RETURN(ExprPtr right, ParseAnd());
    left = MakeBinaryLike(ExprKind::kOr, line, std::move(left), std::move(right));
  }
  return left;
}

Result<ExprPtr> Parser::ParseAnd() {
  CORRAL_ASSIGN_OR_RETURN(ExprPtr left, ParseNot());
  while (IsName("and")) {
    const int line = Advance().line;
    CORRAL_ASSIGN_OR_RETURN(ExprPtr right, ParseNot());
    left = MakeBinaryLike(ExprKind::kAnd, line, std::move(left), std::move(right));
  }
  return left;
}

ExprPtr Parser::MakeBinaryLike(ExprKind kind, int line, ExprPtr a, ExprPtr b) {
  auto node = MakeExpr(kind, line);
  node->children.push_back(std::move(a));
  node->children.push_back(std::move(b));
  return node;
}

Result<ExprPtr> Parser::ParseNot() {
  if (IsName("not")) {
    const int line = Advance().line;
    DepthGuard guard(depth_);
    CORRAL_RETURN_IF_ERROR(CheckDepth());
    CORRAL_ASSIGN_OR_RETURN(ExprPtr inner, ParseNot());
    auto node = MakeExpr(ExprKind::kNot, line);
    node->children.push_back(std::move(inner));
    return node;
  }
  return ParseCompare();
}

Result<ExprPtr> Parser::ParseCompare() {
  const int line = Current().line;
  CORRAL_ASSIGN_OR_RETURN(ExprPtr expr, ParseMath1());
  ExprPtr node;
  while (true) {
    CompareOp op;
    const TokenType t = Current().type;
    if (t == TokenType::kEq)
      op = CompareOp::kEq;
    else if (t == TokenType::kNe)
      op = CompareOp::kNe;
    else if (t == TokenType::kLt)
      op = CompareOp::kLt;
    else if (t == TokenType::kLtEq)
      op = CompareOp::kLtEq;
    else if (t == TokenType::kGt)
      op = CompareOp::kGt;
    else if (t == TokenType::kGtEq)
      op = CompareOp::kGtEq;
    else if (IsName("in"))
      op = CompareOp::kIn;
    else if (IsName("not") && Peek().type == TokenType::kName && Peek().text == "in") {
      Advance();
      op = CompareOp::kNotIn;
    } else {
      break;
    }
    Advance();
    CORRAL_ASSIGN_OR_RETURN(ExprPtr operand, ParseMath1());
    if (!node) {
      node = MakeExpr(ExprKind::kCompare, line);
      node->children.push_back(std::move(expr));
    }
    node->compare_ops.push_back(op);
    node->children.push_back(std::move(operand));
  }
  return node ? std::move(node) : std::move(expr);
}

ExprPtr Parser::MakeBinary(BinaryOp op, int line, ExprPtr a, ExprPtr b) {
  auto node = MakeBinaryLike(ExprKind::kBinary, line, std::move(a), std::move(b));
  node->op = op;
  return node;
}

Result<ExprPtr> Parser::ParseMath1() {
  CORRAL_ASSIGN_OR_RETURN(ExprPtr left, ParseConcat());
  while (Is(TokenType::kAdd) || Is(TokenType::kSub)) {
    const BinaryOp op = Is(TokenType::kAdd) ? BinaryOp::kAdd : BinaryOp::kSub;
    const int line = Advance().line;
    CORRAL_ASSIGN_OR_RETURN(ExprPtr right, ParseConcat());
    left = MakeBinary(op, line, std::move(left), std::move(right));
  }
  return left;
}

Result<ExprPtr> Parser::ParseConcat() {
  const int line = Current().line;
  CORRAL_ASSIGN_OR_RETURN(ExprPtr first, ParseMath2());
  if (!Is(TokenType::kTilde)) return first;
  auto node = MakeExpr(ExprKind::kConcat, line);
  node->children.push_back(std::move(first));
  while (SkipIf(TokenType::kTilde)) {
    CORRAL_ASSIGN_OR_RETURN(ExprPtr next, ParseMath2());
    node->children.push_back(std::move(next));
  }
  return node;
}

Result<ExprPtr> Parser::ParseMath2() {
  CORRAL_ASSIGN_OR_RETURN(ExprPtr left, ParsePow());
  while (true) {
    BinaryOp op;
    if (Is(TokenType::kMul))
      op = BinaryOp::kMul;
    else if (Is(TokenType::kDiv))
      op = BinaryOp::kDiv;
    else if (Is(TokenType::kFloorDiv))
      op = BinaryOp::kFloorDiv;
    else if (Is(TokenType::kMod))
      op = BinaryOp::kMod;
    else
      break;
    const int line = Advance().line;
    CORRAL_ASSIGN_OR_RETURN(ExprPtr right, ParsePow());
    left = MakeBinary(op, line, std::move(left), std::move(right));
  }
  return left;
}

Result<ExprPtr> Parser::ParsePow() {
  CORRAL_ASSIGN_OR_RETURN(ExprPtr left, ParseUnary(true));
  while (Is(TokenType::kPow)) {  // jinja2's ** is left-associative: 2**3**2 == 64
    const int line = Advance().line;
    CORRAL_ASSIGN_OR_RETURN(ExprPtr right, ParseUnary(true));
    left = MakeBinary(BinaryOp::kPow, line, std::move(left), std::move(right));
  }
  return left;
}

Result<ExprPtr> Parser::ParseUnary(bool with_filter) {
  DepthGuard guard(depth_);
  CORRAL_RETURN_IF_ERROR(CheckDepth());
  ExprPtr node;
  if (Is(TokenType::kSub) || Is(TokenType::kAdd)) {
    const ExprKind kind = Is(TokenType::kSub) ? ExprKind::kNeg : ExprKind::kPos;
    const int line = Advance().line;
    CORRAL_ASSIGN_OR_RETURN(ExprPtr inner, ParseUnary(false));
    node = MakeExpr(kind, line);
    node->children.push_back(std::move(inner));
  } else {
    CORRAL_ASSIGN_OR_RETURN(node, ParsePrimary(false));
  }
  CORRAL_ASSIGN_OR_RETURN(node, ParsePostfix(std::move(node)));
  if (with_filter) {
    CORRAL_ASSIGN_OR_RETURN(node, ParseFilterExpr(std::move(node)));
  }
  return node;
}

void Parser::NoteNameLoad(int id) {
  const WellKnownNames& w = program_.well_known;
  for (MacroDef* macro : macro_stack_) {
    if (id == w.varargs) macro->catch_varargs = true;
    if (id == w.kwargs) macro->catch_kwargs = true;
    if (id == w.caller) macro->uses_caller = true;
  }
}

Result<ExprPtr> Parser::ParsePrimary(bool with_namespace) {
  const Token& token = Current();
  const int line = token.line;
  switch (token.type) {
    case TokenType::kName: {
      const std::string name = Advance().text;
      if (name == "true" || name == "True" || name == "false" || name == "False") {
        auto node = MakeExpr(ExprKind::kConst, line);
        node->value = Value::Bool(name == "true" || name == "True");
        node->name = name;
        return node;
      }
      if (name == "none" || name == "None") {
        auto node = MakeExpr(ExprKind::kConst, line);
        node->value = Value::None();
        node->name = name;
        return node;
      }
      if (with_namespace && Is(TokenType::kDot)) {
        Advance();
        CORRAL_ASSIGN_OR_RETURN(std::string attr, ExpectName());
        auto node = MakeExpr(ExprKind::kNSRef, line);
        node->name_id = Intern(name);
        node->name = attr;
        return node;
      }
      auto node = MakeExpr(ExprKind::kName, line);
      node->name_id = Intern(name);
      node->name = name;
      NoteNameLoad(node->name_id);
      return node;
    }
    case TokenType::kString: {
      std::string text = Advance().text;
      while (Is(TokenType::kString)) text += Advance().text;  // adjacent literals concatenate
      auto node = MakeExpr(ExprKind::kConst, line);
      node->value = Value::String(std::move(text));
      return node;
    }
    case TokenType::kInteger:
    case TokenType::kFloat: {
      const Token& t = Advance();
      auto node = MakeExpr(ExprKind::kConst, line);
      node->value = t.type == TokenType::kInteger ? Value::Int(t.int_value) : Value::Float(t.float_value);
      return node;
    }
    case TokenType::kLParen: {
      Advance();
      CORRAL_ASSIGN_OR_RETURN(ExprPtr node, ParseTuple(false, true, {}, true));
      CORRAL_RETURN_IF_ERROR(Expect(TokenType::kRParen));
      return node;
    }
    case TokenType::kLBracket:
      return ParseList();
    case TokenType::kLBrace:
      return ParseDict();
    default:
      return Fail("unexpected " + Quote(token), line);
  }
}

// parse_tuple: expressions separated by commas become a tuple; a single one stays itself.
Result<ExprPtr> Parser::ParseTuple(bool simplified, bool with_condexpr,
                                   std::vector<std::string_view> extra_end, bool explicit_parentheses,
                                   bool with_namespace) {
  DepthGuard guard(depth_);
  CORRAL_RETURN_IF_ERROR(CheckDepth());
  int line = Current().line;
  std::vector<ExprPtr> args;
  bool is_tuple = false;
  auto at_end = [&]() {
    if (Is(TokenType::kVariableEnd) || Is(TokenType::kBlockEnd) || Is(TokenType::kRParen)) return true;
    for (std::string_view name : extra_end) {
      if (IsName(name)) return true;
    }
    return false;
  };
  while (true) {
    if (!args.empty()) CORRAL_RETURN_IF_ERROR(Expect(TokenType::kComma));
    if (at_end()) break;
    if (simplified) {
      CORRAL_ASSIGN_OR_RETURN(ExprPtr e, ParsePrimary(with_namespace));
      args.push_back(std::move(e));
    } else {
      CORRAL_ASSIGN_OR_RETURN(ExprPtr e, ParseExpression(with_condexpr));
      args.push_back(std::move(e));
    }
    if (Is(TokenType::kComma)) {
      is_tuple = true;
    } else {
      break;
    }
    line = Current().line;
  }
  if (!is_tuple) {
    if (!args.empty()) return std::move(args[0]);
    if (!explicit_parentheses) return Fail("Expected an expression, got " + Quote(Current()));
  }
  auto node = MakeExpr(ExprKind::kTuple, line);
  node->children = std::move(args);
  return node;
}

Result<ExprPtr> Parser::ParseList() {
  auto node = MakeExpr(ExprKind::kList, Advance().line);
  while (!Is(TokenType::kRBracket)) {
    if (!node->children.empty()) CORRAL_RETURN_IF_ERROR(Expect(TokenType::kComma));
    if (Is(TokenType::kRBracket)) break;
    CORRAL_ASSIGN_OR_RETURN(ExprPtr item, ParseExpression(true));
    node->children.push_back(std::move(item));
  }
  CORRAL_RETURN_IF_ERROR(Expect(TokenType::kRBracket));
  return node;
}

Result<ExprPtr> Parser::ParseDict() {
  auto node = MakeExpr(ExprKind::kDict, Advance().line);
  while (!Is(TokenType::kRBrace)) {
    if (!node->children.empty()) CORRAL_RETURN_IF_ERROR(Expect(TokenType::kComma));
    if (Is(TokenType::kRBrace)) break;
    CORRAL_ASSIGN_OR_RETURN(ExprPtr key, ParseExpression(true));
    CORRAL_RETURN_IF_ERROR(Expect(TokenType::kColon));
    CORRAL_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression(true));
    node->children.push_back(std::move(key));
    node->children.push_back(std::move(value));
  }
  CORRAL_RETURN_IF_ERROR(Expect(TokenType::kRBrace));
  return node;
}

Result<ExprPtr> Parser::ParsePostfix(ExprPtr node) {
  while (true) {
    if (Is(TokenType::kDot) || Is(TokenType::kLBracket)) {
      CORRAL_ASSIGN_OR_RETURN(node, ParseSubscript(std::move(node)));
    } else if (Is(TokenType::kLParen)) {
      CORRAL_ASSIGN_OR_RETURN(node, ParseCall(std::move(node)));
    } else {
      return node;
    }
  }
}

Result<ExprPtr> Parser::ParseFilterExpr(ExprPtr node) {
  while (true) {
    if (Is(TokenType::kPipe)) {
      CORRAL_ASSIGN_OR_RETURN(node, ParseFilter(std::move(node), false));
    } else if (IsName("is")) {
      CORRAL_ASSIGN_OR_RETURN(node, ParseTest(std::move(node)));
    } else if (Is(TokenType::kLParen)) {
      CORRAL_ASSIGN_OR_RETURN(node, ParseCall(std::move(node)));
    } else {
      return node;
    }
  }
}

Result<ExprPtr> Parser::ParseSubscript(ExprPtr node) {
  const Token& token = Advance();
  const int line = token.line;
  if (token.type == TokenType::kDot) {
    const Token& attr = Current();
    if (attr.type == TokenType::kName) {
      auto get = MakeExpr(ExprKind::kGetattr, line);
      get->name = Advance().text;
      get->children.push_back(std::move(node));
      return get;
    }
    if (attr.type != TokenType::kInteger) return Fail("expected name or number", attr.line);
    auto index = MakeExpr(ExprKind::kConst, attr.line);
    index->value = Value::Int(Advance().int_value);
    auto get = MakeExpr(ExprKind::kGetitem, line);
    get->children.push_back(std::move(node));
    get->children.push_back(std::move(index));
    return get;
  }
  std::vector<ExprPtr> args;
  while (!Is(TokenType::kRBracket)) {
    if (!args.empty()) CORRAL_RETURN_IF_ERROR(Expect(TokenType::kComma));
    CORRAL_ASSIGN_OR_RETURN(ExprPtr arg, ParseSubscribed());
    args.push_back(std::move(arg));
  }
  CORRAL_RETURN_IF_ERROR(Expect(TokenType::kRBracket));
  auto get = MakeExpr(ExprKind::kGetitem, line);
  get->children.push_back(std::move(node));
  if (args.size() == 1) {
    get->children.push_back(std::move(args[0]));
  } else {
    auto tuple = MakeExpr(ExprKind::kTuple, line);
    tuple->children = std::move(args);
    get->children.push_back(std::move(tuple));
  }
  return get;
}

Result<ExprPtr> Parser::ParseSubscribed() {
  const int line = Current().line;
  std::vector<ExprPtr> parts;
  if (Is(TokenType::kColon)) {
    Advance();
    parts.push_back(nullptr);
  } else {
    CORRAL_ASSIGN_OR_RETURN(ExprPtr node, ParseExpression(true));
    if (!Is(TokenType::kColon)) return node;
    Advance();
    parts.push_back(std::move(node));
  }
  if (Is(TokenType::kColon)) {
    parts.push_back(nullptr);
  } else if (!Is(TokenType::kRBracket) && !Is(TokenType::kComma)) {
    CORRAL_ASSIGN_OR_RETURN(ExprPtr stop, ParseExpression(true));
    parts.push_back(std::move(stop));
  } else {
    parts.push_back(nullptr);
  }
  if (Is(TokenType::kColon)) {
    Advance();
    if (!Is(TokenType::kRBracket) && !Is(TokenType::kComma)) {
      CORRAL_ASSIGN_OR_RETURN(ExprPtr step, ParseExpression(true));
      parts.push_back(std::move(step));
    } else {
      parts.push_back(nullptr);
    }
  } else {
    parts.push_back(nullptr);
  }
  auto slice = MakeExpr(ExprKind::kSlice, line);
  slice->children = std::move(parts);
  return slice;
}

// parse_call_args: positional, name=value, *args, **kwargs.
Status Parser::ParseCallArgs(Expr& node) {
  const int line = Current().line;
  CORRAL_RETURN_IF_ERROR(Expect(TokenType::kLParen));
  bool require_comma = false;
  while (!Is(TokenType::kRParen)) {
    if (require_comma) {
      CORRAL_RETURN_IF_ERROR(Expect(TokenType::kComma));
      if (Is(TokenType::kRParen)) break;
    }
    const auto invalid = [&]() { return Fail("invalid syntax for function call expression", line); };
    if (Is(TokenType::kMul)) {
      if (node.dyn_args || node.dyn_kwargs) return invalid();
      Advance();
      CORRAL_ASSIGN_OR_RETURN(node.dyn_args, ParseExpression(true));
    } else if (Is(TokenType::kPow)) {
      if (node.dyn_kwargs) return invalid();
      Advance();
      CORRAL_ASSIGN_OR_RETURN(node.dyn_kwargs, ParseExpression(true));
    } else if (Is(TokenType::kName) && Peek().type == TokenType::kAssign) {
      if (node.dyn_kwargs) return invalid();
      std::string key = Advance().text;
      Advance();
      CORRAL_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression(true));
      node.keywords.emplace_back(std::move(key), std::move(value));
    } else {
      if (node.dyn_args || node.dyn_kwargs || !node.keywords.empty()) return invalid();
      CORRAL_ASSIGN_OR_RETURN(ExprPtr arg, ParseExpression(true));
      node.children.push_back(std::move(arg));
    }
    require_comma = true;
  }
  return Expect(TokenType::kRParen);
}

Result<ExprPtr> Parser::ParseCall(ExprPtr callee) {
  auto node = MakeExpr(ExprKind::kCall, Current().line);
  node->children.push_back(std::move(callee));
  CORRAL_RETURN_IF_ERROR(ParseCallArgs(*node));
  return node;
}

// parse_filter: `| name(args)` chains; with start_inline the first name has no pipe ({% filter %}).
Result<ExprPtr> Parser::ParseFilter(ExprPtr node, bool start_inline) {
  while (Is(TokenType::kPipe) || start_inline) {
    if (!start_inline) Advance();
    const int line = Current().line;
    CORRAL_ASSIGN_OR_RETURN(std::string name, ExpectName());
    while (Is(TokenType::kDot)) {
      Advance();
      CORRAL_ASSIGN_OR_RETURN(std::string part, ExpectName());
      name += "." + part;
    }
    auto filter = MakeExpr(ExprKind::kFilter, line);
    filter->children.push_back(std::move(node));
    filter->name = name;
    if (Is(TokenType::kLParen)) CORRAL_RETURN_IF_ERROR(ParseCallArgs(*filter));
    filter->filter = LookupFilter(name);
    if (filter->filter == nullptr && !soft_) return Fail("No filter named '" + name + "'.", line);
    node = std::move(filter);
    start_inline = false;
  }
  return node;
}

Result<ExprPtr> Parser::ParseTest(ExprPtr node) {
  const int line = Advance().line;
  const bool negated = SkipIfName("not");
  CORRAL_ASSIGN_OR_RETURN(std::string name, ExpectName());
  while (Is(TokenType::kDot)) {
    Advance();
    CORRAL_ASSIGN_OR_RETURN(std::string part, ExpectName());
    name += "." + part;
  }
  auto test = MakeExpr(ExprKind::kTest, line);
  test->children.push_back(std::move(node));
  test->name = name;
  if (Is(TokenType::kLParen)) {
    CORRAL_RETURN_IF_ERROR(ParseCallArgs(*test));
  } else {
    const TokenType t = Current().type;
    const bool starts_arg = t == TokenType::kName || t == TokenType::kString || t == TokenType::kInteger ||
                            t == TokenType::kFloat || t == TokenType::kLParen || t == TokenType::kLBracket ||
                            t == TokenType::kLBrace;
    if (starts_arg && !IsName("else") && !IsName("or") && !IsName("and")) {
      if (IsName("is")) return Fail("You cannot chain multiple tests with is");
      CORRAL_ASSIGN_OR_RETURN(ExprPtr arg, ParsePrimary(false));
      CORRAL_ASSIGN_OR_RETURN(arg, ParsePostfix(std::move(arg)));
      test->children.push_back(std::move(arg));
    }
  }
  test->test = LookupTest(name);
  if (test->test == nullptr && !soft_) return Fail("No test named '" + name + "'.", line);
  if (!negated) return test;
  auto not_node = MakeExpr(ExprKind::kNot, line);
  not_node->children.push_back(std::move(test));
  return not_node;
}

}  // namespace corral::jinja::internal
