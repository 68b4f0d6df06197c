#include "template/parser.h"

#include <unordered_map>

#include "template/builtins.h"
#include "template/lexer.h"

namespace corral::jinja {
namespace {

// Nesting bound: deeper templates are rejected instead of exhausting the native stack.
constexpr int kMaxNesting = 200;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {
    program_.well_known.loop = Intern("loop");
    program_.well_known.varargs = Intern("varargs");
    program_.well_known.kwargs = Intern("kwargs");
    program_.well_known.caller = Intern("caller");
  }

  Result<Program> Run() {
    CORRAL_ASSIGN_OR_RETURN(program_.body, Subparse({}));
    if (Current().type != TokenType::kEof) return Fail("unexpected " + Quote(Current()));
    return std::move(program_);
  }

 private:
  // ---- token stream ----
  const Token& Current() const { return tokens_[pos_]; }
  const Token& Peek() const { return tokens_[std::min(pos_ + 1, tokens_.size() - 1)]; }
  const Token& Advance() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool Is(TokenType type) const { return Current().type == type; }
  bool IsName(std::string_view name) const { return Is(TokenType::kName) && Current().text == name; }
  bool SkipIf(TokenType type) {
    if (!Is(type)) return false;
    Advance();
    return true;
  }
  bool SkipIfName(std::string_view name) {
    if (!IsName(name)) return false;
    Advance();
    return true;
  }
  static std::string Quote(const Token& t) { return "'" + DescribeToken(t) + "'"; }

  Status Fail(std::string message, int line = -1) const {
    return Status::InvalidArgument(
        std::string("line ").append(std::to_string(line < 0 ? Current().line : line)) + ": " + message);
  }

  Status Expect(TokenType type) {
    if (Is(type)) {
      Advance();
      return Status::Ok();
    }
    if (Is(TokenType::kEof)) {
      return Fail(std::string("unexpected end of template, expected '").append(DescribeTokenType(type)) +
                  "'.");
    }
    return Fail(std::string("expected token '").append(DescribeTokenType(type)) + "', got " +
                Quote(Current()));
  }

  Result<std::string> ExpectName(std::string_view what = {}) {
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

  int Intern(const std::string& name) {
    auto [it, inserted] = ids_.emplace(name, static_cast<int>(program_.names.size()));
    if (inserted) program_.names.push_back(name);
    return it->second;
  }

  ExprPtr MakeExpr(ExprKind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
  }

  // RAII guard for recursion depth.
  struct DepthGuard {
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    int& depth;
  };
  Status CheckDepth() const {
    if (depth_ > kMaxNesting) return Fail("template nested too deeply");
    return Status::Ok();
  }

  // ---- statements ----

  // Parses statements until a block tag whose name is in end_tags (left as the current token).
  Result<Body> Subparse(std::vector<std::string_view> end_tags) {
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

  Status FailEof(const std::vector<std::string_view>& end_tags) const {
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
  Result<Body> ParseStatements(std::vector<std::string_view> end_tags, bool drop_needle) {
    SkipIf(TokenType::kColon);
    CORRAL_RETURN_IF_ERROR(Expect(TokenType::kBlockEnd));
    CORRAL_ASSIGN_OR_RETURN(Body body, Subparse(end_tags));
    if (Is(TokenType::kEof)) return FailEof(end_tags);
    if (drop_needle) Advance();
    return body;
  }

  Result<StmtPtr> ParseStatement(const std::vector<std::string_view>& enclosing_end_tags) {
    if (!Is(TokenType::kName)) return Fail("tag name expected");
    const std::string tag = Current().text;
    const int line = Current().line;
    tag_stack_.push_back(tag);
    Result<StmtPtr> result = ParseTag(tag, line, enclosing_end_tags);
    tag_stack_.pop_back();
    return result;
  }

  Result<StmtPtr> ParseTag(const std::string& tag, int line, const std::vector<std::string_view>& enclosing) {
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
      message +=
          " The innermost block that needs to be closed is '" + tag_stack_[tag_stack_.size() - 2] + "'.";
    }
    return Fail(message, line);
  }

  Result<StmtPtr> ParseIf() {
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

  Result<StmtPtr> ParseFor() {
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

  Result<StmtPtr> ParseSet() {
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
  Status ParseSignature(MacroDef& macro) {
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
  Result<Body> ParseMacroBody(MacroDef* macro, std::vector<std::string_view> end_tags) {
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

  Result<StmtPtr> ParseMacro() {
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

  Result<StmtPtr> ParseCallBlock() {
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

  Result<StmtPtr> ParseGeneration() {
    // Hugging Face's AssistantTracker turns {% generation %} into a call block whose caller renders the body.
    auto stmt = std::make_unique<Stmt>();
    stmt->kind = StmtKind::kScope;
    stmt->line = Advance().line;
    CORRAL_ASSIGN_OR_RETURN(Body body, ParseMacroBody(nullptr, {"endgeneration"}));
    stmt->bodies.push_back(std::move(body));
    return stmt;
  }

  Result<StmtPtr> ParseFilterBlock() {
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

  Result<StmtPtr> ParseWith() {
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

  Result<StmtPtr> ParsePrint() {
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
  Result<ExprPtr> ParseAssignTarget(bool with_tuple, bool name_only, std::vector<std::string_view> extra_end,
                                    bool with_namespace) {
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
      return Fail(std::string("can't assign to ")
                      .append(target->kind == ExprKind::kConst ? "'const'" : "'expression'"),
                  target->line);
    }
    return target;
  }

  static bool CanAssign(const Expr& e) {
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

  // ---- expressions ----

  Result<ExprPtr> ParseExpression(bool with_condexpr) {
    DepthGuard guard(depth_);
    CORRAL_RETURN_IF_ERROR(CheckDepth());
    if (with_condexpr) return ParseCondExpr();
    return ParseOr();
  }

  Result<ExprPtr> ParseCondExpr() {
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

  Result<ExprPtr> ParseOr() {
    CORRAL_ASSIGN_OR_RETURN(ExprPtr left, ParseAnd());
    while (IsName("or")) {
      const int line = Advance().line;
      CORRAL_ASSIGN_OR_RETURN(ExprPtr right, ParseAnd());
      left = MakeBinaryLike(ExprKind::kOr, line, std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> ParseAnd() {
    CORRAL_ASSIGN_OR_RETURN(ExprPtr left, ParseNot());
    while (IsName("and")) {
      const int line = Advance().line;
      CORRAL_ASSIGN_OR_RETURN(ExprPtr right, ParseNot());
      left = MakeBinaryLike(ExprKind::kAnd, line, std::move(left), std::move(right));
    }
    return left;
  }

  ExprPtr MakeBinaryLike(ExprKind kind, int line, ExprPtr a, ExprPtr b) {
    auto node = MakeExpr(kind, line);
    node->children.push_back(std::move(a));
    node->children.push_back(std::move(b));
    return node;
  }

  Result<ExprPtr> ParseNot() {
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

  Result<ExprPtr> ParseCompare() {
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

  ExprPtr MakeBinary(BinaryOp op, int line, ExprPtr a, ExprPtr b) {
    auto node = MakeBinaryLike(ExprKind::kBinary, line, std::move(a), std::move(b));
    node->op = op;
    return node;
  }

  Result<ExprPtr> ParseMath1() {
    CORRAL_ASSIGN_OR_RETURN(ExprPtr left, ParseConcat());
    while (Is(TokenType::kAdd) || Is(TokenType::kSub)) {
      const BinaryOp op = Is(TokenType::kAdd) ? BinaryOp::kAdd : BinaryOp::kSub;
      const int line = Advance().line;
      CORRAL_ASSIGN_OR_RETURN(ExprPtr right, ParseConcat());
      left = MakeBinary(op, line, std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> ParseConcat() {
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

  Result<ExprPtr> ParseMath2() {
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

  Result<ExprPtr> ParsePow() {
    CORRAL_ASSIGN_OR_RETURN(ExprPtr left, ParseUnary(true));
    while (Is(TokenType::kPow)) {  // jinja2's ** is left-associative: 2**3**2 == 64
      const int line = Advance().line;
      CORRAL_ASSIGN_OR_RETURN(ExprPtr right, ParseUnary(true));
      left = MakeBinary(BinaryOp::kPow, line, std::move(left), std::move(right));
    }
    return left;
  }

  Result<ExprPtr> ParseUnary(bool with_filter) {
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

  void NoteNameLoad(int id) {
    const WellKnownNames& w = program_.well_known;
    for (MacroDef* macro : macro_stack_) {
      if (id == w.varargs) macro->catch_varargs = true;
      if (id == w.kwargs) macro->catch_kwargs = true;
      if (id == w.caller) macro->uses_caller = true;
    }
  }

  Result<ExprPtr> ParsePrimary(bool with_namespace) {
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
  Result<ExprPtr> ParseTuple(bool simplified, bool with_condexpr, std::vector<std::string_view> extra_end,
                             bool explicit_parentheses, bool with_namespace = false) {
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

  Result<ExprPtr> ParseList() {
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

  Result<ExprPtr> ParseDict() {
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

  Result<ExprPtr> ParsePostfix(ExprPtr node) {
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

  Result<ExprPtr> ParseFilterExpr(ExprPtr node) {
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

  Result<ExprPtr> ParseSubscript(ExprPtr node) {
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

  Result<ExprPtr> ParseSubscribed() {
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
  Status ParseCallArgs(Expr& node) {
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

  Result<ExprPtr> ParseCall(ExprPtr callee) {
    auto node = MakeExpr(ExprKind::kCall, Current().line);
    node->children.push_back(std::move(callee));
    CORRAL_RETURN_IF_ERROR(ParseCallArgs(*node));
    return node;
  }

  // parse_filter: `| name(args)` chains; with start_inline the first name has no pipe ({% filter %}).
  Result<ExprPtr> ParseFilter(ExprPtr node, bool start_inline) {
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

  Result<ExprPtr> ParseTest(ExprPtr node) {
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
                              t == TokenType::kFloat || t == TokenType::kLParen ||
                              t == TokenType::kLBracket || t == TokenType::kLBrace;
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

}  // namespace

Result<Program> ParseProgram(std::string_view source) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(source));
  Parser parser(std::move(tokens));
  return parser.Run();
}

}  // namespace corral::jinja
