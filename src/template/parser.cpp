// jinja2's parser (jinja2/parser.py): the token stream helpers, statements, and the entry point. Expressions
// are in parser_expressions.cpp.
#include "template/parser.h"

#include "template/builtins.h"
#include "template/lexer.h"
#include "template/parser_impl.h"
#include "template/scope_analysis.h"

namespace corral::jinja {
namespace internal {

Parser::Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {
  program_.well_known.loop = Intern("loop");
  program_.well_known.varargs = Intern("varargs");
  program_.well_known.kwargs = Intern("kwargs");
  program_.well_known.caller = Intern("caller");
}

Result<Program> Parser::Run() {
  CORRAL_ASSIGN_OR_RETURN(program_.body, Subparse({}));
  if (Current().type != TokenType::kEof) return Fail("unexpected " + Quote(Current()));
  return std::move(program_);
}

const Token& Parser::Advance() {
  const Token& t = tokens_[pos_];
  if (pos_ + 1 < tokens_.size()) ++pos_;
  return t;
}

bool Parser::SkipIf(TokenType type) {
  if (!Is(type)) return false;
  Advance();
  return true;
}

bool Parser::SkipIfName(std::string_view name) {
  if (!IsName(name)) return false;
  Advance();
  return true;
}

Status Parser::Fail(std::string message, int line) const {
  return Status::InvalidArgument(
      std::string("line ").append(std::to_string(line < 0 ? Current().line : line)) + ": " + message);
}

Status Parser::Expect(TokenType type) {
  if (Is(type)) {
    Advance();
    return Status::Ok();
  }
  if (Is(TokenType::kEof)) {
    return Fail(std::string("unexpected end of template, expected '").append(DescribeTokenType(type)) + "'.");
  }
  return Fail(std::string("expected token '").append(DescribeTokenType(type)) + "', got " + Quote(Current()));
}

Result<std::string> Parser::ExpectName(std::string_view what) {
  if (!Is(TokenType::kName)) {
    if (!what.empty())
      return Fail(std::string("expected token '").append(what) + "', got " + Quote(Current()));
    if (Is(TokenType::kEof)) return Fail("unexpected end of template, expected 'name'.");
    return Fail("expected token 'name', got " + Quote(Current()));
  }
  if (!what.empty() && Current().text != what) {
    return Fail(std::string("expected token '").append(what) + "', got " + Quote(Current()));
  }
  return Advance().text;
}

int Parser::Intern(const std::string& name) {
  auto [it, inserted] = ids_.emplace(name, static_cast<int>(program_.names.size()));
  if (inserted) program_.names.push_back(name);
  return it->second;
}

ExprPtr Parser::MakeExpr(ExprKind kind, int line) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->line = line;
  return e;
}

Status Parser::CheckDepth() const {
  if (depth_ > kMaxNesting) return Fail("template nested too deeply");
  return Status::Ok();
}

// Parses statements until a block tag whose name is in end_tags (left as the current token).
Result<Body> Parser::Subparse(std::vector<std::string_view> end_tags) {
  DepthGuard guard(depth_);
  CORRAL_RETURN_IF_ERROR(CheckDepth());
  Body body;
  StmtPtr output;
  auto flush = [&]() {
    if (output) body.push_back(std::move(output));
  };
  while (!Is(TokenType::kEof)) {
    const Token& token = Current();
    if (token.type == TokenType::kData) {
      if (!output) {
        output = std::make_unique<Stmt>();
        output->kind = StmtKind::kOutput;
        output->line = token.line;
      }
      output->pieces.push_back(OutputPiece{token.text, nullptr});
      Advance();
    } else if (token.type == TokenType::kVariableBegin) {
      Advance();
      if (!output) {
        output = std::make_unique<Stmt>();
        output->kind = StmtKind::kOutput;
        output->line = token.line;
      }
      CORRAL_ASSIGN_OR_RETURN(ExprPtr e, ParseTuple(false, true, {}, false));
      output->pieces.push_back(OutputPiece{{}, std::move(e)});
      CORRAL_RETURN_IF_ERROR(Expect(TokenType::kVariableEnd));
    } else if (token.type == TokenType::kBlockBegin) {
      flush();
      Advance();
      if (Is(TokenType::kName)) {
        for (std::string_view end : end_tags) {
          if (Current().text == end) return body;
        }
      }
      CORRAL_ASSIGN_OR_RETURN(StmtPtr stmt, ParseStatement(end_tags));
      if (stmt) body.push_back(std::move(stmt));
      CORRAL_RETURN_IF_ERROR(Expect(TokenType::kBlockEnd));
    } else {
      return Fail("unexpected " + Quote(token));
    }
  }
  flush();
  if (!end_tags.empty()) return FailEof(end_tags);
  return body;
}

Status Parser::FailEof(const std::vector<std::string_view>& end_tags) const {
  std::string message = "Unexpected end of template. Jinja was looking for the following tags: ";
  for (size_t i = 0; i < end_tags.size(); ++i) {
    if (i > 0) message += " or ";
    message += std::string("'").append(end_tags[i]) + "'";
  }
  message += ".";
  if (!tag_stack_.empty())
    message += " The innermost block that needs to be closed is '" + tag_stack_.back() + "'.";
  return Fail(message);
}

// parse_statements: optional colon, block end, body up to one of end_tags.
Result<Body> Parser::ParseStatements(std::vector<std::string_view> end_tags, bool drop_needle) {
  SkipIf(TokenType::kColon);
  CORRAL_RETURN_IF_ERROR(Expect(TokenType::kBlockEnd));
  CORRAL_ASSIGN_OR_RETURN(Body body, Subparse(end_tags));
  if (Is(TokenType::kEof)) return FailEof(end_tags);
  if (drop_needle) Advance();
  return body;
}

Result<StmtPtr> Parser::ParseStatement(const std::vector<std::string_view>& enclosing_end_tags) {
  if (!Is(TokenType::kName)) return Fail("tag name expected");
  const std::string tag = Current().text;
  const int line = Current().line;
  tag_stack_.push_back(tag);
  Result<StmtPtr> result = ParseTag(tag, line, enclosing_end_tags);
  tag_stack_.pop_back();
  return result;
}

Result<StmtPtr> Parser::ParseTag(const std::string& tag, int line,
                                 const std::vector<std::string_view>& enclosing) {
  if (tag == "if") return ParseIf();
  if (tag == "for") return ParseFor();
  if (tag == "set") return ParseSet();
  if (tag == "macro") return ParseMacro();
  if (tag == "call") return ParseCallBlock();
  if (tag == "filter") return ParseFilterBlock();
  if (tag == "with") return ParseWith();
  if (tag == "print") return ParsePrint();
  if (tag == "generation") return ParseGeneration();
  if (tag == "break" || tag == "continue") {
    Advance();
    if (loop_depth_ == 0) return Fail("'" + tag + "' outside loop", line);
    auto stmt = std::make_unique<Stmt>();
    stmt->kind = tag == "break" ? StmtKind::kBreak : StmtKind::kContinue;
    stmt->line = line;
    return stmt;
  }
  if (tag == "block" || tag == "extends" || tag == "include" || tag == "import" || tag == "from" ||
      tag == "autoescape") {
    return Fail("the '" + tag + "' tag is not supported in chat templates", line);
  }
  std::string message = "Encountered unknown tag '" + tag + "'.";
  if (!enclosing.empty()) {
    message += " Jinja was looking for the following tags: ";
    for (size_t i = 0; i < enclosing.size(); ++i) {
      if (i > 0) message += " or ";
      message += std::string("'").append(enclosing[i]) + "'";
    }
    message += ".";
  }
  if (tag_stack_.size() > 1) {
    message += " The innermost block that needs to be closed is '" + tag_stack_[tag_stack_.size() - 2] + "'.";
  }
  return Fail(message, line);
}

Result<StmtPtr> Parser::ParseIf() {
  auto stmt = std::make_unique<Stmt>();
  stmt->kind = StmtKind::kIf;
  stmt->line = Advance().line;
  const bool old_soft = soft_;
  soft_ = true;  // jinja2 compiles if-bodies in a "soft" frame: unknown filters fail only when reached
  while (true) {
    CORRAL_ASSIGN_OR_RETURN(ExprPtr test, ParseTuple(false, false, {}, false));
    stmt->exprs.push_back(std::move(test));
    CORRAL_ASSIGN_OR_RETURN(Body body, ParseStatements({"elif", "else", "endif"}, false));
    stmt->bodies.push_back(std::move(body));
    const std::string next = Advance().text;
    if (next == "elif") continue;
    if (next == "else") {
      CORRAL_ASSIGN_OR_RETURN(stmt->else_body, ParseStatements({"endif"}, true));
    }
    break;
  }
  soft_ = old_soft;
  return stmt;
}

Result<StmtPtr> Parser::ParseFor() {
  auto stmt = std::make_unique<Stmt>();
  stmt->kind = StmtKind::kFor;
  stmt->line = Advance().line;
  CORRAL_ASSIGN_OR_RETURN(stmt->target, ParseAssignTarget(true, false, {"in"}, false));
  CORRAL_RETURN_IF_ERROR(ExpectName("in").status());
  CORRAL_ASSIGN_OR_RETURN(stmt->value, ParseTuple(false, false, {"recursive"}, false));
  const bool old_soft = soft_;
  soft_ = false;
  if (SkipIfName("if")) {
    CORRAL_ASSIGN_OR_RETURN(stmt->filter, ParseExpression(true));
  }
  stmt->recursive = SkipIfName("recursive");
  ++loop_depth_;
  Result<Body> body = ParseStatements({"endfor", "else"}, false);
  --loop_depth_;
  if (!body.ok()) return body.status();
  stmt->bodies.push_back(std::move(body).value());
  if (Advance().text == "else") {
    CORRAL_ASSIGN_OR_RETURN(stmt->else_body, ParseStatements({"endfor"}, true));
  }
  soft_ = old_soft;
  return stmt;
}

Result<StmtPtr> Parser::ParseSet() {
  auto stmt = std::make_unique<Stmt>();
  stmt->line = Advance().line;
  CORRAL_ASSIGN_OR_RETURN(stmt->target, ParseAssignTarget(true, false, {}, true));
  if (SkipIf(TokenType::kAssign)) {
    stmt->kind = StmtKind::kSet;
    CORRAL_ASSIGN_OR_RETURN(stmt->value, ParseTuple(false, true, {}, false));
    return stmt;
  }
  stmt->kind = StmtKind::kSetBlock;
  const bool old_soft = soft_;
  soft_ = false;
  CORRAL_ASSIGN_OR_RETURN(stmt->filter, ParseFilter(nullptr, false));
  CORRAL_ASSIGN_OR_RETURN(Body body, ParseStatements({"endset"}, true));
  stmt->bodies.push_back(std::move(body));
  soft_ = old_soft;
  return stmt;
}

// parse_signature: (a, b=default, ...)
Status Parser::ParseSignature(MacroDef& macro) {
  CORRAL_RETURN_IF_ERROR(Expect(TokenType::kLParen));
  while (!Is(TokenType::kRParen)) {
    if (!macro.param_ids.empty()) CORRAL_RETURN_IF_ERROR(Expect(TokenType::kComma));
    CORRAL_ASSIGN_OR_RETURN(std::string name, ExpectName());
    if (SkipIf(TokenType::kAssign)) {
      CORRAL_ASSIGN_OR_RETURN(ExprPtr def, ParseExpression(true));
      macro.defaults.push_back(std::move(def));
    } else if (!macro.defaults.empty()) {
      return Fail("non-default argument follows default argument");
    }
    macro.param_ids.push_back(Intern(name));
    macro.param_names.push_back(name);
  }
  return Expect(TokenType::kRParen);
}

// Parses a macro-like body (macro, call block, generation): its own frame, no enclosing loop.
Result<Body> Parser::ParseMacroBody(MacroDef* macro, std::vector<std::string_view> end_tags) {
  const bool old_soft = soft_;
  const int old_loop_depth = loop_depth_;
  soft_ = false;
  loop_depth_ = 0;
  if (macro != nullptr) macro_stack_.push_back(macro);
  Result<Body> body = ParseStatements(std::move(end_tags), true);
  if (macro != nullptr) macro_stack_.pop_back();
  soft_ = old_soft;
  loop_depth_ = old_loop_depth;
  return body;
}

Result<StmtPtr> Parser::ParseMacro() {
  auto stmt = std::make_unique<Stmt>();
  stmt->kind = StmtKind::kMacro;
  stmt->line = Advance().line;
  stmt->macro = std::make_unique<MacroDef>();
  MacroDef& macro = *stmt->macro;
  macro.line = stmt->line;
  CORRAL_ASSIGN_OR_RETURN(macro.name, ExpectName());
  macro.name_id = Intern(macro.name);
  const bool old_soft = soft_;
  soft_ = false;
  CORRAL_RETURN_IF_ERROR(ParseSignature(macro));
  soft_ = old_soft;
  CORRAL_ASSIGN_OR_RETURN(macro.body, ParseMacroBody(&macro, {"endmacro"}));
  return stmt;
}

Result<StmtPtr> Parser::ParseCallBlock() {
  auto stmt = std::make_unique<Stmt>();
  stmt->kind = StmtKind::kCallBlock;
  stmt->line = Advance().line;
  stmt->macro = std::make_unique<MacroDef>();
  stmt->macro->name = "caller";
  stmt->macro->line = stmt->line;
  if (Is(TokenType::kLParen)) CORRAL_RETURN_IF_ERROR(ParseSignature(*stmt->macro));
  CORRAL_ASSIGN_OR_RETURN(stmt->value, ParseExpression(true));
  if (stmt->value->kind != ExprKind::kCall) return Fail("expected call", stmt->line);
  CORRAL_ASSIGN_OR_RETURN(stmt->macro->body, ParseMacroBody(stmt->macro.get(), {"endcall"}));
  return stmt;
}

Result<StmtPtr> Parser::ParseGeneration() {
  // Hugging Face's AssistantTracker turns {% generation %} into a call block whose caller renders the body.
  auto stmt = std::make_unique<Stmt>();
  stmt->kind = StmtKind::kScope;
  stmt->line = Advance().line;
  CORRAL_ASSIGN_OR_RETURN(Body body, ParseMacroBody(nullptr, {"endgeneration"}));
  stmt->bodies.push_back(std::move(body));
  return stmt;
}

Result<StmtPtr> Parser::ParseFilterBlock() {
  auto stmt = std::make_unique<Stmt>();
  stmt->kind = StmtKind::kFilterBlock;
  stmt->line = Advance().line;
  const bool old_soft = soft_;
  soft_ = false;
  CORRAL_ASSIGN_OR_RETURN(stmt->filter, ParseFilter(nullptr, true));
  CORRAL_ASSIGN_OR_RETURN(Body body, ParseStatements({"endfilter"}, true));
  stmt->bodies.push_back(std::move(body));
  soft_ = old_soft;
  return stmt;
}

Result<StmtPtr> Parser::ParseWith() {
  auto stmt = std::make_unique<Stmt>();
  stmt->kind = StmtKind::kWith;
  stmt->line = Advance().line;
  while (!Is(TokenType::kBlockEnd)) {
    if (!stmt->with_targets.empty()) CORRAL_RETURN_IF_ERROR(Expect(TokenType::kComma));
    CORRAL_ASSIGN_OR_RETURN(ExprPtr target, ParseAssignTarget(true, false, {}, false));
    CORRAL_RETURN_IF_ERROR(Expect(TokenType::kAssign));
    CORRAL_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression(true));
    stmt->with_targets.push_back(std::move(target));
    stmt->with_values.push_back(std::move(value));
  }
  const bool old_soft = soft_;
  soft_ = false;
  CORRAL_ASSIGN_OR_RETURN(Body body, ParseStatements({"endwith"}, true));
  soft_ = old_soft;
  stmt->bodies.push_back(std::move(body));
  return stmt;
}

Result<StmtPtr> Parser::ParsePrint() {
  auto stmt = std::make_unique<Stmt>();
  stmt->kind = StmtKind::kOutput;
  stmt->line = Advance().line;
  while (!Is(TokenType::kBlockEnd)) {
    if (!stmt->pieces.empty()) CORRAL_RETURN_IF_ERROR(Expect(TokenType::kComma));
    CORRAL_ASSIGN_OR_RETURN(ExprPtr e, ParseExpression(true));
    stmt->pieces.push_back(OutputPiece{{}, std::move(e)});
  }
  return stmt;
}

// parse_assign_target: a name, a tuple of names, or (for set) ns.attr.
Result<ExprPtr> Parser::ParseAssignTarget(bool with_tuple, bool name_only,
                                          std::vector<std::string_view> extra_end, bool with_namespace) {
  ExprPtr target;
  if (name_only) {
    const int line = Current().line;
    CORRAL_ASSIGN_OR_RETURN(std::string name, ExpectName());
    target = MakeExpr(ExprKind::kName, line);
    target->name_id = Intern(name);
    target->name = name;
  } else if (with_tuple) {
    CORRAL_ASSIGN_OR_RETURN(target, ParseTuple(true, true, std::move(extra_end), false, with_namespace));
  } else {
    CORRAL_ASSIGN_OR_RETURN(target, ParsePrimary(with_namespace));
  }
  if (!CanAssign(*target)) {
    return Fail(
        std::string("can't assign to ").append(target->kind == ExprKind::kConst ? "'const'" : "'expression'"),
        target->line);
  }
  return target;
}

bool Parser::CanAssign(const Expr& e) {
  if (e.kind == ExprKind::kName) return e.name != "true" && e.name != "false" && e.name != "none";
  if (e.kind == ExprKind::kNSRef) return true;
  if (e.kind == ExprKind::kTuple) {
    for (const auto& child : e.children) {
      if (!CanAssign(*child)) return false;
    }
    return true;
  }
  return false;
}

}  // namespace internal

Result<Program> ParseProgram(std::string_view source) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(source));
  internal::Parser parser(std::move(tokens));
  CORRAL_ASSIGN_OR_RETURN(Program program, parser.Run());
  AnalyzeScopes(program);
  return program;
}

}  // namespace corral::jinja
