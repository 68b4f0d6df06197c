#include "template/go/parse.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>

#include "template/unicode.h"

namespace corral::gotmpl {
namespace {

struct Token {
  enum class Type {
    kField,
    kDot,
    kVariable,
    kIdentifier,
    kString,
    kNumber,
    kChar,
    kLeftParen,
    kRightParen,
    kPipe,
    kDeclare,
    kAssign,
    kComma,
    kEnd  // the action's closing delimiter
  };
  Type type;
  std::string text;  // identifier / field name (without '.') / variable ($x) / decoded string / number text
  bool space_before = false;
  int line = 0;
};

struct Item {
  bool is_action = false;
  std::string text;
  std::vector<Token> tokens;
  int line = 0;
};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool IsAlnum(char c) {
  return c == '_' || std::isalnum(static_cast<unsigned char>(c)) || (static_cast<unsigned char>(c) >= 0x80);
}

std::string LineError(int line, const std::string& message) {
  return "line " + std::to_string(line) + ": " + message;
}

// Go's strconv.Unquote for "..." and '...' literals (the quotes included in `lit`).
bool UnquoteEscape(std::string_view lit, size_t& pos, std::string& out, char quote) {
  const char c = lit[pos++];
  auto hex = [&](int n, uint32_t& v) {
    v = 0;
    for (int k = 0; k < n; ++k, ++pos) {
      if (pos >= lit.size() || !std::isxdigit(static_cast<unsigned char>(lit[pos]))) return false;
      const char h = lit[pos];
      v = v * 16 + static_cast<uint32_t>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
    }
    return true;
  };
  auto utf8 = [&](uint32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    jinja::AppendUtf8(out, static_cast<char32_t>(cp));
    return true;
  };
  uint32_t v = 0;
  switch (c) {
    case 'a':
      out += '\a';
      return true;
    case 'b':
      out += '\b';
      return true;
    case 'f':
      out += '\f';
      return true;
    case 'n':
      out += '\n';
      return true;
    case 'r':
      out += '\r';
      return true;
    case 't':
      out += '\t';
      return true;
    case 'v':
      out += '\v';
      return true;
    case '\\':
      out += '\\';
      return true;
    case '\'':
    case '"':
      if (c != quote) return false;
      out += c;
      return true;
    case 'x':
      if (!hex(2, v)) return false;
      out += static_cast<char>(v);
      return true;
    case 'u':
      return hex(4, v) && utf8(v);
    case 'U':
      return hex(8, v) && utf8(v);
    default:
      if (c >= '0' && c <= '7') {
        v = static_cast<uint32_t>(c - '0');
        for (int k = 0; k < 2; ++k, ++pos) {
          if (pos >= lit.size() || lit[pos] < '0' || lit[pos] > '7') return false;
          v = v * 8 + static_cast<uint32_t>(lit[pos] - '0');
        }
        if (v > 255) return false;
        out += static_cast<char>(v);
        return true;
      }
      return false;
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view src) : src_(src) {}

  Result<std::vector<Item>> Run() {
    std::vector<Item> items;
    size_t pos = 0;
    bool trim_next_text = false;
    while (pos <= src_.size()) {
      size_t open = src_.find("{{", pos);
      const size_t text_end = open == std::string_view::npos ? src_.size() : open;
      std::string_view text = src_.substr(pos, text_end - pos);
      const int text_line = line_;
      CountLines(text);
      if (trim_next_text) {
        while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
      }
      // "{{- " trims the whitespace before it: the '-' must be followed by a space.
      const bool trim_left = open != std::string_view::npos && open + 3 < src_.size() + 1 &&
                             src_.substr(open + 2, 1) == "-" && open + 3 < src_.size() &&
                             IsSpace(src_[open + 3]);
      if (trim_left) {
        while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
      }
      if (!text.empty()) items.push_back({false, std::string(text), {}, text_line});
      if (open == std::string_view::npos) break;
      pos = open + (trim_left ? 4 : 2);  // "{{- " with its one space
      Item action{true, {}, {}, line_};
      CORRAL_ASSIGN_OR_RETURN(trim_next_text, LexAction(pos, action));
      if (!action.tokens.empty()) items.push_back(std::move(action));
    }
    return items;
  }

 private:
  void CountLines(std::string_view s) {
    for (char c : s) line_ += c == '\n';
  }

  // True when src_[pos..] is " -}}" style right trim (whitespace, '-', "}}").
  bool RightTrimAt(size_t pos) const {
    return pos < src_.size() && IsSpace(src_[pos]) && src_.substr(pos + 1, 3) == "-}}";
  }

  // Lexes one action starting after its "{{" (and trim marker); returns whether it ended with "-}}".
  Result<bool> LexAction(size_t& pos, Item& action) {
    const int start_line = line_;
    // A comment must come right after the delimiter (and its trim marker), and end right before the closing.
    if (src_.substr(pos, 2) == "/*") {
      const size_t close = src_.find("*/", pos + 2);
      if (close == std::string_view::npos)
        return Status::InvalidArgument(LineError(start_line, "unclosed comment"));
      CountLines(src_.substr(pos, close - pos));
      pos = close + 2;
      if (src_.substr(pos, 2) == "}}") {
        pos += 2;
        return false;
      }
      if (RightTrimAt(pos)) {
        CountLines(src_.substr(pos, 1));
        pos += 4;
        return true;
      }
      return Status::InvalidArgument(LineError(line_, "comment ends before closing delimiter"));
    }
    bool space = false;
    while (true) {
      if (pos >= src_.size()) return Status::InvalidArgument(LineError(start_line, "unclosed action"));
      const char c = src_[pos];
      if (RightTrimAt(pos)) {
        CountLines(src_.substr(pos, 1));
        pos += 4;
        action.tokens.push_back({Token::Type::kEnd, "", true, line_});
        return true;
      }
      if (src_.substr(pos, 2) == "}}") {
        pos += 2;
        action.tokens.push_back({Token::Type::kEnd, "", space, line_});
        return false;
      }
      if (IsSpace(c)) {
        CountLines(src_.substr(pos, 1));
        ++pos;
        space = true;
        continue;
      }
      Token tok{Token::Type::kEnd, "", space, line_};
      space = false;
      if (c == '"' || c == '\'') {
        std::string value;
        size_t p = pos + 1;
        while (true) {
          if (p >= src_.size() || src_[p] == '\n') {
            return Status::InvalidArgument(LineError(
                line_, c == '"' ? "unterminated quoted string" : "unterminated character constant"));
          }
          if (src_[p] == c) break;
          if (src_[p] == '\\') {
            ++p;
            if (p >= src_.size() || !UnquoteEscape(src_, p, value, c)) {
              return Status::InvalidArgument(LineError(line_, "invalid syntax in quoted literal"));
            }
          } else {
            value += src_[p++];
          }
        }
        if (c == '\'') {
          // A character constant is the number of its (single) code point.
          size_t q = 0;
          char32_t cp = 0;
          const auto b0 = static_cast<unsigned char>(value.empty() ? 0 : value[0]);
          const size_t n = b0 < 0x80 ? 1 : b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2;
          if (value.empty() || value.size() != n) {
            return Status::InvalidArgument(LineError(
                line_, "malformed character constant: " + std::string(src_.substr(pos, p + 1 - pos))));
          }
          cp = n == 1 ? b0 : b0 & (0x7F >> n);
          for (q = 1; q < n; ++q) cp = (cp << 6) | (static_cast<unsigned char>(value[q]) & 0x3F);
          tok.type = Token::Type::kChar;
          tok.text = std::to_string(cp);
        } else {
          tok.type = Token::Type::kString;
          tok.text = std::move(value);
        }
        pos = p + 1;
      } else if (c == '`') {
        const size_t close = src_.find('`', pos + 1);
        if (close == std::string_view::npos) {
          return Status::InvalidArgument(LineError(line_, "unterminated raw quoted string"));
        }
        tok.type = Token::Type::kString;
        tok.text = std::string(src_.substr(pos + 1, close - pos - 1));
        std::erase(tok.text, '\r');  // Go drops carriage returns from raw strings
        CountLines(src_.substr(pos, close - pos));
        pos = close + 1;
      } else if (c == '$') {
        size_t p = pos + 1;
        while (p < src_.size() && IsAlnum(src_[p])) ++p;
        tok.type = Token::Type::kVariable;
        tok.text = std::string(src_.substr(pos, p - pos));
        pos = p;
      } else if (c == '.' &&
                 !(pos + 1 < src_.size() && std::isdigit(static_cast<unsigned char>(src_[pos + 1])))) {
        size_t p = pos + 1;
        while (p < src_.size() && IsAlnum(src_[p])) ++p;
        tok.type = p == pos + 1 ? Token::Type::kDot : Token::Type::kField;
        tok.text = std::string(src_.substr(pos + 1, p - pos - 1));
        pos = p;
      } else if (c == '+' || c == '-' || c == '.' || std::isdigit(static_cast<unsigned char>(c))) {
        size_t p = pos;
        if (src_[p] == '+' || src_[p] == '-') ++p;
        while (p < src_.size() &&
               (std::isalnum(static_cast<unsigned char>(src_[p])) || src_[p] == '.' || src_[p] == '_' ||
                ((src_[p] == '+' || src_[p] == '-') && std::strchr("eEpP", src_[p - 1]) != nullptr &&
                 !(src_[pos] == '0' && p > pos + 1 && (src_[pos + 1] | 0x20) == 'x' &&
                   (src_[p - 1] | 0x20) == 'e')))) {
          ++p;
        }
        tok.type = Token::Type::kNumber;
        tok.text = std::string(src_.substr(pos, p - pos));
        pos = p;
      } else if (IsAlnum(c)) {
        size_t p = pos;
        while (p < src_.size() && IsAlnum(src_[p])) ++p;
        tok.type = Token::Type::kIdentifier;
        tok.text = std::string(src_.substr(pos, p - pos));
        pos = p;
      } else if (c == '(') {
        tok.type = Token::Type::kLeftParen;
        ++pos;
      } else if (c == ')') {
        tok.type = Token::Type::kRightParen;
        ++pos;
      } else if (c == '|') {
        tok.type = Token::Type::kPipe;
        ++pos;
      } else if (c == ',') {
        tok.type = Token::Type::kComma;
        ++pos;
      } else if (c == ':' && src_.substr(pos, 2) == ":=") {
        tok.type = Token::Type::kDeclare;
        pos += 2;
      } else if (c == '=') {
        tok.type = Token::Type::kAssign;
        ++pos;
      } else {
        return Status::InvalidArgument(
            LineError(line_, std::string("unrecognized character in action: ") + c));
      }
      action.tokens.push_back(std::move(tok));
    }
  }

  std::string_view src_;
  int line_ = 1;
};

// Go number literal → constant: integers (decimal, 0x, 0o, 0b, leading-0 octal, '_' separators) are int,
// anything with a fraction or exponent is float64.
Result<Value> ParseNumber(const std::string& text, int line) {
  std::string s;
  for (char c : text) {
    if (c != '_') s += c;
  }
  bool negative = false;
  std::string_view body = s;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  auto bad = [&] { return Status::InvalidArgument(LineError(line, "bad number syntax: \"" + text + "\"")); };
  if (body.empty()) return bad();
  int base = 10;
  std::string_view digits = body;
  if (body.size() > 1 && body[0] == '0') {
    const char p = static_cast<char>(body[1] | 0x20);
    if (p == 'x')
      base = 16, digits = body.substr(2);
    else if (p == 'o')
      base = 8, digits = body.substr(2);
    else if (p == 'b')
      base = 2, digits = body.substr(2);
    else if (body.find_first_of(".eE") == std::string_view::npos)
      base = 8, digits = body.substr(1);
  }
  const bool is_float = base == 10 && body.find_first_of(".eE") != std::string_view::npos;
  if (is_float) {
    double f = 0;
    auto r = std::from_chars(body.data(), body.data() + body.size(), f);
    if (r.ec != std::errc() || r.ptr != body.data() + body.size()) return bad();
    return Value::Float(negative ? -f : f);
  }
  uint64_t u = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), u, base);
  if (digits.empty() || r.ptr != digits.data() + digits.size()) return bad();
  if (r.ec != std::errc() || u > (negative ? (1ull << 63) : (1ull << 63) - 1)) {
    return Status::InvalidArgument(LineError(line, text + " overflows int"));
  }
  return Value::Int(negative ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u));
}

class Parser {
 public:
  Parser(std::vector<Item> items, const std::function<bool(std::string_view)>& is_function)
      : items_(std::move(items)), is_function_(is_function) {}

  Result<Program> Run() {
    Program program;
    while (index_ < items_.size()) {
      const Item& item = items_[index_];
      if (item.is_action && item.tokens[0].type == Token::Type::kIdentifier &&
          item.tokens[0].text == "define") {
        CORRAL_RETURN_IF_ERROR(ParseDefine(program));
        continue;
      }
      CORRAL_ASSIGN_OR_RETURN(Terminator t, ParseList(program.root, program));
      if (t.keyword != "eof")
        return Status::InvalidArgument(LineError(t.line, "unexpected {{" + t.keyword + "}}"));
    }
    for (auto& [name, list] : pending_) {
      if (!program.defined.contains(name) || program.defined[name]->empty()) program.defined[name] = list;
    }
    return program;
  }

 private:
  struct Terminator {
    std::string keyword;  // "end", "else", "eof"
    int line = 0;
    size_t else_token = 0;  // tokens consumed of the else action (to see "else if")
  };

  // Parses nodes into `list` until {{end}}, {{else ...}} or the end of input.
  Result<Terminator> ParseList(NodeList& list, Program& program) {
    while (index_ < items_.size()) {
      Item& item = items_[index_++];
      if (!item.is_action) {
        list.push_back({Node::Type::kText, item.line, std::move(item.text), nullptr, nullptr, nullptr});
        continue;
      }
      tokens_ = &item.tokens;
      pos_ = 0;
      const Token& first = Peek();
      const std::string kw = first.type == Token::Type::kIdentifier ? first.text : "";
      if (kw == "end" || kw == "else") {
        Next();
        if (kw == "end") CORRAL_RETURN_IF_ERROR(ExpectEnd("end"));
        return Terminator{kw, first.line, pos_};
      }
      if (kw == "define")
        return Status::InvalidArgument(LineError(first.line, "unexpected <define> in command"));
      if (kw == "if" || kw == "range" || kw == "with") {
        Next();
        CORRAL_ASSIGN_OR_RETURN(Node node, ParseControl(kw, first.line, program));
        list.push_back(std::move(node));
      } else if (kw == "break" || kw == "continue") {
        Next();
        if (range_depth_ == 0) {
          return Status::InvalidArgument(LineError(first.line, "{{" + kw + "}} outside {{range}}"));
        }
        CORRAL_RETURN_IF_ERROR(ExpectEnd(kw));
        list.push_back({kw == "break" ? Node::Type::kBreak : Node::Type::kContinue, first.line, "", nullptr,
                        nullptr, nullptr});
      } else if (kw == "template" || kw == "block") {
        Next();
        CORRAL_ASSIGN_OR_RETURN(Node node, ParseTemplate(kw, first.line, program));
        list.push_back(std::move(node));
      } else {
        CORRAL_ASSIGN_OR_RETURN(auto pipe, ParsePipeline("command", Token::Type::kEnd));
        list.push_back({Node::Type::kAction, first.line, "", std::move(pipe), nullptr, nullptr});
      }
    }
    return Terminator{"eof", items_.empty() ? 1 : items_.back().line, 0};
  }

  Result<Node> ParseControl(const std::string& kw, int line, Program& program) {
    const size_t vars_mark = vars_.size();
    CORRAL_ASSIGN_OR_RETURN(auto pipe, ParsePipeline(kw, Token::Type::kEnd));
    Node node{kw == "if"      ? Node::Type::kIf
              : kw == "range" ? Node::Type::kRange
                              : Node::Type::kWith,
              line,
              "",
              std::move(pipe),
              std::make_shared<NodeList>(),
              nullptr};
    if (kw == "range") ++range_depth_;
    CORRAL_ASSIGN_OR_RETURN(Terminator t, ParseList(*node.list, program));
    if (kw == "range") --range_depth_;
    if (t.keyword == "eof") return Status::InvalidArgument(LineError(t.line, "unexpected EOF"));
    if (t.keyword == "else") {
      node.else_list = std::make_shared<NodeList>();
      // "{{else if x}}" is an if nested in the else branch that shares the outer {{end}}.
      if (kw == "if" && Peek().type == Token::Type::kIdentifier && Peek().text == "if") {
        const int else_line = Peek().line;
        Next();
        CORRAL_ASSIGN_OR_RETURN(Node nested, ParseControl("if", else_line, program));
        node.else_list->push_back(std::move(nested));
      } else {
        CORRAL_RETURN_IF_ERROR(ExpectEnd("else"));
        CORRAL_ASSIGN_OR_RETURN(Terminator t2, ParseList(*node.else_list, program));
        if (t2.keyword != "end") {
          return Status::InvalidArgument(
              LineError(t2.line, t2.keyword == "eof" ? "unexpected EOF" : "expected end; found {{else}}"));
        }
      }
    }
    vars_.resize(vars_mark);
    return node;
  }

  Result<Node> ParseTemplate(const std::string& kw, int line, Program& program) {
    const Token& name = Next();
    if (name.type != Token::Type::kString) {
      return Status::InvalidArgument(LineError(line, "unexpected token in " + kw + " clause"));
    }
    Node node{Node::Type::kTemplate, line, name.text, nullptr, nullptr, nullptr};
    if (Peek().type != Token::Type::kEnd) {
      CORRAL_ASSIGN_OR_RETURN(node.pipeline, ParsePipeline(kw + " clause", Token::Type::kEnd));
    } else if (kw == "block") {
      return Status::InvalidArgument(LineError(line, "missing value for block clause"));
    } else {
      Next();
    }
    if (kw == "block") {
      // {{block "x" pipe}}body{{end}} defines x and runs it in place.
      auto body = std::make_shared<NodeList>();
      const auto saved_vars = vars_;
      vars_ = {"$"};
      const int saved_depth = range_depth_;
      range_depth_ = 0;
      CORRAL_ASSIGN_OR_RETURN(Terminator t, ParseList(*body, program));
      vars_ = saved_vars;
      range_depth_ = saved_depth;
      if (t.keyword != "end") return Status::InvalidArgument(LineError(t.line, "unexpected EOF in block"));
      CORRAL_RETURN_IF_ERROR(AddDefinition(program, name.text, body, line));
    }
    return node;
  }

  Status ParseDefine(Program& program) {
    Item& item = items_[index_++];
    tokens_ = &item.tokens;
    pos_ = 1;
    const Token& name = Next();
    if (name.type != Token::Type::kString) {
      return Status::InvalidArgument(LineError(item.line, "unexpected token in define clause"));
    }
    const std::string def_name = name.text;
    CORRAL_RETURN_IF_ERROR(ExpectEnd("define clause"));
    auto body = std::make_shared<NodeList>();
    vars_ = {"$"};
    CORRAL_ASSIGN_OR_RETURN(Terminator t, ParseList(*body, program));
    if (t.keyword != "end") return Status::InvalidArgument(LineError(t.line, "unexpected EOF in define"));
    return AddDefinition(program, def_name, body, item.line);
  }

  // Go keeps the first non-empty definition of a name and rejects a second non-empty one.
  Status AddDefinition(Program& program, const std::string& name, std::shared_ptr<NodeList> body, int line) {
    auto it = program.defined.find(name);
    if (it == program.defined.end() || IsEmptyList(*it->second)) {
      program.defined[name] = std::move(body);
      return Status::Ok();
    }
    if (!IsEmptyList(*body)) {
      return Status::InvalidArgument(
          LineError(line, "template: multiple definition of template \"" + name + "\""));
    }
    return Status::Ok();
  }

  static bool IsEmptyList(const NodeList& list) {
    for (const Node& n : list) {
      if (n.type != Node::Type::kText) return false;
      for (char c : n.text) {
        if (!IsSpace(c)) return false;
      }
    }
    return true;
  }

  Status ExpectEnd(const std::string& context) {
    const Token& t = Next();
    if (t.type != Token::Type::kEnd) {
      return Status::InvalidArgument(LineError(t.line, "unexpected " + Describe(t) + " in " + context));
    }
    return Status::Ok();
  }

  static std::string Describe(const Token& t) {
    switch (t.type) {
      case Token::Type::kEnd:
        return "<}}>";
      case Token::Type::kRightParen:
        return "<)>";
      case Token::Type::kString:
        return "quoted string";
      default:
        return "<" + t.text + ">";
    }
  }

  const Token& Peek() const { return (*tokens_)[std::min(pos_, tokens_->size() - 1)]; }
  const Token& Next() { return (*tokens_)[std::min(pos_++, tokens_->size() - 1)]; }

  Result<std::shared_ptr<Pipeline>> ParsePipeline(const std::string& context, Token::Type end) {
    auto pipe = std::make_shared<Pipeline>();
    pipe->line = Peek().line;
    // Declarations: "$x :=", "$x =", and in range "$i, $e :=".
    if (Peek().type == Token::Type::kVariable) {
      const size_t mark = pos_;
      std::vector<std::string> names{Next().text};
      if (context == "range" && Peek().type == Token::Type::kComma) {
        Next();
        if (Peek().type == Token::Type::kVariable) names.push_back(Next().text);
      }
      if (Peek().type == Token::Type::kDeclare || Peek().type == Token::Type::kAssign) {
        pipe->is_assign = Next().type == Token::Type::kAssign;
        if (names.size() == 2 && context != "range") {
          return Status::InvalidArgument(LineError(pipe->line, "too many declarations in " + context));
        }
        for (const std::string& n : names) {
          if (pipe->is_assign) {
            if (std::find(vars_.begin(), vars_.end(), n) == vars_.end()) {
              return Status::InvalidArgument(LineError(pipe->line, "undefined variable \"" + n + "\""));
            }
          } else {
            vars_.push_back(n);
          }
        }
        pipe->decl = std::move(names);
      } else if (names.size() == 2) {
        return Status::InvalidArgument(LineError(pipe->line, "range can only initialize variables"));
      } else {
        pos_ = mark;
      }
    }
    while (true) {
      const Token& t = Peek();
      if (t.type == end) {
        Next();
        break;
      }
      if (t.type == Token::Type::kEnd || t.type == Token::Type::kRightParen) {
        return Status::InvalidArgument(LineError(t.line, "unexpected " + Describe(t) + " in " + context));
      }
      CORRAL_ASSIGN_OR_RETURN(Command cmd, ParseCommand(end));
      pipe->commands.push_back(std::move(cmd));
      if (Peek().type == Token::Type::kPipe) {
        Next();
        if (Peek().type == end) return Status::InvalidArgument(LineError(t.line, "missing command after |"));
      }
    }
    if (pipe->commands.empty())
      return Status::InvalidArgument(LineError(pipe->line, "missing value for " + context));
    for (size_t k = 1; k < pipe->commands.size(); ++k) {
      const Operand& first = pipe->commands[k].args[0];
      if (first.type == Operand::Type::kConstant || first.type == Operand::Type::kNil ||
          (first.type == Operand::Type::kDot && first.chain.empty())) {
        return Status::InvalidArgument(
            LineError(pipe->line, "non executable command in pipeline stage " + std::to_string(k + 1)));
      }
    }
    return pipe;
  }

  Result<Command> ParseCommand(Token::Type end) {
    Command cmd;
    cmd.line = Peek().line;
    while (true) {
      CORRAL_ASSIGN_OR_RETURN(Operand op, ParseOperand());
      cmd.args.push_back(std::move(op));
      const Token& t = Peek();
      if (t.type == end || t.type == Token::Type::kPipe || t.type == Token::Type::kEnd ||
          t.type == Token::Type::kRightParen) {
        break;
      }
      if (!t.space_before)
        return Status::InvalidArgument(LineError(t.line, "unexpected " + Describe(t) + " in operand"));
    }
    return cmd;
  }

  Result<Operand> ParseOperand() {
    const Token t = Next();
    Operand op;
    switch (t.type) {
      case Token::Type::kIdentifier:
        if (t.text == "true" || t.text == "false") {
          op.type = Operand::Type::kConstant;
          op.constant = Value::Bool(t.text == "true");
        } else if (t.text == "nil") {
          op.type = Operand::Type::kNil;
        } else {
          if (!is_function_(t.text)) {
            return Status::InvalidArgument(LineError(t.line, "function \"" + t.text + "\" not defined"));
          }
          op.type = Operand::Type::kFunction;
          op.name = t.text;
        }
        break;
      case Token::Type::kDot:
        op.type = Operand::Type::kDot;
        break;
      case Token::Type::kField:
        op.type = Operand::Type::kField;
        op.chain.push_back(t.text);
        break;
      case Token::Type::kVariable:
        if (std::find(vars_.begin(), vars_.end(), t.text) == vars_.end()) {
          return Status::InvalidArgument(LineError(t.line, "undefined variable \"" + t.text + "\""));
        }
        op.type = Operand::Type::kVariable;
        op.name = t.text;
        break;
      case Token::Type::kString:
        op.type = Operand::Type::kConstant;
        op.constant = Value::String(t.text);
        break;
      case Token::Type::kNumber: {
        op.type = Operand::Type::kConstant;
        CORRAL_ASSIGN_OR_RETURN(op.constant, ParseNumber(t.text, t.line));
        break;
      }
      case Token::Type::kChar:
        op.type = Operand::Type::kConstant;
        op.constant = Value::Int(std::stoll(t.text));
        break;
      case Token::Type::kLeftParen: {
        op.type = Operand::Type::kPipeline;
        CORRAL_ASSIGN_OR_RETURN(op.pipeline,
                                ParsePipeline("parenthesized pipeline", Token::Type::kRightParen));
        break;
      }
      default:
        return Status::InvalidArgument(LineError(t.line, "unexpected " + Describe(t) + " in operand"));
    }
    // Fields written right after an operand (no space) chain onto it: $x.A.B, (pipe).A
    while (Peek().type == Token::Type::kField && !Peek().space_before) {
      if (op.type == Operand::Type::kConstant || op.type == Operand::Type::kNil) {
        return Status::InvalidArgument(LineError(t.line, "unexpected . after term"));
      }
      if (op.type == Operand::Type::kFunction) {
        // Go parses "f.X" as a chain on the call result: (f).X
        auto pipe = std::make_shared<Pipeline>();
        pipe->line = t.line;
        pipe->commands.push_back({{op}, t.line});
        op = Operand{};
        op.type = Operand::Type::kPipeline;
        op.pipeline = pipe;
      }
      op.chain.push_back(Next().text);
    }
    return op;
  }

  std::vector<Item> items_;
  const std::function<bool(std::string_view)>& is_function_;
  size_t index_ = 0;
  std::vector<Token>* tokens_ = nullptr;
  size_t pos_ = 0;
  std::vector<std::string> vars_{"$"};
  int range_depth_ = 0;
  std::map<std::string, std::shared_ptr<NodeList>> pending_;
};

}  // namespace

Result<Program> ParseProgram(std::string_view source,
                             const std::function<bool(std::string_view)>& is_function) {
  CORRAL_ASSIGN_OR_RETURN(std::vector<Item> items, Lexer(source).Run());
  return Parser(std::move(items), is_function).Run();
}

}  // namespace corral::gotmpl
