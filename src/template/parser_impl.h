// The jinja2 grammar parser's class, shared by parser.cpp (token stream and statements) and
// parser_expressions.cpp (expressions). Internal to src/template.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "template/ast.h"
#include "template/lexer.h"

namespace corral::jinja::internal {

// Nesting bound: deeper templates are rejected instead of exhausting the native stack.
constexpr int kMaxNesting = 200;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens);

  Result<Program> Run();

 private:
  const Token& Current() const { return tokens_[pos_]; }
  const Token& Peek() const { return tokens_[std::min(pos_ + 1, tokens_.size() - 1)]; }
  const Token& Advance();
  bool Is(TokenType type) const { return Current().type == type; }
  bool IsName(std::string_view name) const { return Is(TokenType::kName) && Current().text == name; }
  bool SkipIf(TokenType type);
  bool SkipIfName(std::string_view name);
  static std::string Quote(const Token& t) { return std::string("'").append(DescribeToken(t)).append("'"); }

  Status Fail(std::string message, int line = -1) const;

  Status Expect(TokenType type);

  Result<std::string> ExpectName(std::string_view what = {});

  int Intern(const std::string& name);

  ExprPtr MakeExpr(ExprKind kind, int line);

  // RAII guard for recursion depth.
  struct DepthGuard {
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    int& depth;
  };
  Status CheckDepth() const;

  // Parses statements until a block tag whose name is in end_tags (left as the current token).
  Result<Body> Subparse(std::vector<std::string_view> end_tags);

  Status FailEof(const std::vector<std::string_view>& end_tags) const;

  // parse_statements: optional colon, block end, body up to one of end_tags.
  Result<Body> ParseStatements(std::vector<std::string_view> end_tags, bool drop_needle);

  Result<StmtPtr> ParseStatement(const std::vector<std::string_view>& enclosing_end_tags);

  Result<StmtPtr> ParseTag(const std::string& tag, int line, const std::vector<std::string_view>& enclosing);

  Result<StmtPtr> ParseIf();

  Result<StmtPtr> ParseFor();

  Result<StmtPtr> ParseSet();

  // parse_signature: (a, b=default, ...)
  Status ParseSignature(MacroDef& macro);

  // Parses a macro-like body (macro, call block, generation): its own frame, no enclosing loop.
  Result<Body> ParseMacroBody(MacroDef* macro, std::vector<std::string_view> end_tags);

  Result<StmtPtr> ParseMacro();

  Result<StmtPtr> ParseCallBlock();

  Result<StmtPtr> ParseGeneration();

  Result<StmtPtr> ParseFilterBlock();

  Result<StmtPtr> ParseWith();

  Result<StmtPtr> ParsePrint();

  // parse_assign_target: a name, a tuple of names, or (for set) ns.attr.
  Result<ExprPtr> ParseAssignTarget(bool with_tuple, bool name_only, std::vector<std::string_view> extra_end,
                                    bool with_namespace);

  static bool CanAssign(const Expr& e);

  Result<ExprPtr> ParseExpression(bool with_condexpr);

  Result<ExprPtr> ParseCondExpr();

  Result<ExprPtr> ParseOr();

  Result<ExprPtr> ParseAnd();

  ExprPtr MakeBinaryLike(ExprKind kind, int line, ExprPtr a, ExprPtr b);

  Result<ExprPtr> ParseNot();

  Result<ExprPtr> ParseCompare();

  ExprPtr MakeBinary(BinaryOp op, int line, ExprPtr a, ExprPtr b);

  Result<ExprPtr> ParseMath1();

  Result<ExprPtr> ParseConcat();

  Result<ExprPtr> ParseMath2();

  Result<ExprPtr> ParsePow();

  Result<ExprPtr> ParseUnary(bool with_filter);

  void NoteNameLoad(int id);

  Result<ExprPtr> ParsePrimary(bool with_namespace);

  // parse_tuple: expressions separated by commas become a tuple; a single one stays itself.
  Result<ExprPtr> ParseTuple(bool simplified, bool with_condexpr, std::vector<std::string_view> extra_end,
                             bool explicit_parentheses, bool with_namespace = false);

  Result<ExprPtr> ParseList();

  Result<ExprPtr> ParseDict();

  Result<ExprPtr> ParsePostfix(ExprPtr node);

  Result<ExprPtr> ParseFilterExpr(ExprPtr node);

  Result<ExprPtr> ParseSubscript(ExprPtr node);

  Result<ExprPtr> ParseSubscribed();

  // parse_call_args: positional, name=value, *args, **kwargs.
  Status ParseCallArgs(Expr& node);

  Result<ExprPtr> ParseCall(ExprPtr callee);

  // parse_filter: `| name(args)` chains; with start_inline the first name has no pipe ({% filter %}).
  Result<ExprPtr> ParseFilter(ExprPtr node, bool start_inline);

  Result<ExprPtr> ParseTest(ExprPtr node);

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  Program program_;
  std::unordered_map<std::string, int> ids_;
  std::vector<std::string> tag_stack_;
  std::vector<MacroDef*> macro_stack_;
  bool soft_ = false;
  int loop_depth_ = 0;
  int depth_ = 0;
};

}  // namespace corral::jinja::internal
