#include "sample/grammar/gbnf.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace corral::sample::grammar {
namespace {

constexpr uint32_t kMaxCodePoint = 0x10FFFF;
constexpr int kUnbounded = -1;
// {m,n} with huge bounds would build that many rules; llama.cpp's parser has no limit, but nothing useful
// needs more.
constexpr int kMaxRepetition = 10000;

// A parsed item before repetitions are rewritten: a character set, a rule reference, or a group.
struct Item {
  enum class Kind { kChars, kRef, kGroup } kind = Kind::kChars;
  Element chars;
  std::string ref;
  size_t ref_offset = 0;
  std::vector<std::vector<Item>> group;
  int min = 1;
  int max = 1;  // kUnbounded for * and +
};
using Sequence = std::vector<Item>;
using Alternatives = std::vector<Sequence>;

void Normalize(Element& e) {
  std::sort(e.ranges.begin(), e.ranges.end());
  std::vector<std::pair<uint32_t, uint32_t>> merged;
  for (const auto& r : e.ranges) {
    if (!merged.empty() && r.first <= merged.back().second + 1)
      merged.back().second = std::max(merged.back().second, r.second);
    else
      merged.push_back(r);
  }
  e.ranges = std::move(merged);
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<std::shared_ptr<const Grammar>> Parse(std::string_view root_name) {
    while (true) {
      SkipSpace(/*newlines=*/true);
      if (AtEnd()) break;
      const size_t rule_offset = pos_;
      std::string name = ParseName();
      if (name.empty()) return Error(pos_, "expected a rule name");
      SkipSpace(false);
      if (text_.substr(pos_, 3) != "::=") return Error(pos_, "expected '::=' after rule name '" + name + "'");
      pos_ += 3;
      SkipSpace(true);
      std::optional<Alternatives> alts = ParseAlternatives(/*nested=*/false);
      if (!alts) return status_;
      SkipSpace(false);
      if (!AtEnd() && Peek() != '\n' && Peek() != '\r')
        return Error(pos_, std::string("unexpected '") + Peek() + "' in rule '" + name + "'");
      if (defined_.count(name) != 0)
        return Error(rule_offset,
                     "rule '" + name + "' is defined twice (first at " + Where(defined_offset_[name]) + ")");
      defined_offset_[name] = rule_offset;
      defined_[name] = std::move(*alts);
      order_.push_back(name);
    }
    for (const auto& [name, offset] : refs_) {
      if (defined_.count(name) == 0) return Error(offset, "undefined rule '" + name + "'");
    }
    if (defined_.count(std::string(root_name)) == 0)
      return Status::InvalidArgument("grammar: no '" + std::string(root_name) + "' rule (the start rule)");
    return Lower(std::string(root_name));
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  static bool IsNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  }

  std::string Where(size_t offset) const {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<uint8_t>(text_[i]) & 0xC0) != 0x80) {
        ++column;
      }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
  }
  Status Error(size_t offset, const std::string& what) {
    Fail(offset, what);
    return status_;
  }
  void Fail(size_t offset, const std::string& what) {
    status_ = Status::InvalidArgument("grammar: " + Where(offset) + ": " + what);
  }

  void SkipSpace(bool newlines) {
    while (!AtEnd()) {
      const char c = Peek();
      if (c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r'))) {
        ++pos_;
      } else if (c == '#') {
        while (!AtEnd() && Peek() != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  std::string ParseName() {
    const size_t start = pos_;
    while (!AtEnd() && IsNameChar(Peek())) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  // One UTF-8 character of the grammar text.
  std::optional<uint32_t> DecodeUtf8() {
    const auto b0 = static_cast<uint8_t>(Peek());
    int extra = 0;
    uint32_t cp = 0;
    if (b0 < 0x80) {
      cp = b0;
    } else if ((b0 & 0xE0) == 0xC0) {
      extra = 1, cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      extra = 2, cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      extra = 3, cp = b0 & 0x07;
    } else {
      Fail(pos_, "invalid UTF-8 byte");
      return std::nullopt;
    }
    for (int i = 1; i <= extra; ++i) {
      const auto b = static_cast<uint8_t>(Peek(static_cast<size_t>(i)));
      if ((b & 0xC0) != 0x80) {
        Fail(pos_, "invalid UTF-8 sequence");
        return std::nullopt;
      }
      cp = (cp << 6) | (b & 0x3F);
    }
    pos_ += static_cast<size_t>(extra) + 1;
    return cp;
  }

  std::optional<uint32_t> ParseHex(int digits) {
    uint32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      const char c = Peek();
      uint32_t d;
      if (c >= '0' && c <= '9') {
        d = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        Fail(pos_, "expected " + std::to_string(digits) + " hex digits");
        return std::nullopt;
      }
      value = value * 16 + d;
      ++pos_;
    }
    if (value > kMaxCodePoint) {
      Fail(pos_, "code point beyond U+10FFFF");
      return std::nullopt;
    }
    return value;
  }

  // A character in a literal or class: an escape or one UTF-8 character.
  std::optional<uint32_t> ParseChar() {
    if (AtEnd()) {
      Fail(pos_, "unexpected end of grammar");
      return std::nullopt;
    }
    if (Peek() != '\\') return DecodeUtf8();
    const size_t at = pos_;
    ++pos_;
    const char c = Peek();
    ++pos_;
    switch (c) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case '\\':
      case '"':
      case '[':
      case ']':
      case '-':
      case '/':
      case '\'':
      case '^':
        return c;
      case 'x':
        return ParseHex(2);
      case 'u':
        return ParseHex(4);
      case 'U':
        return ParseHex(8);
      default:
        Fail(at, std::string("unknown escape '\\") + c + "'");
        return std::nullopt;
    }
  }

  std::optional<Item> ParseLiteralChars(Sequence& out) {
    const size_t start = pos_;
    ++pos_;  // "
    while (true) {
      if (AtEnd() || Peek() == '\n') {
        Fail(start, "unterminated string literal");
        return std::nullopt;
      }
      if (Peek() == '"') break;
      std::optional<uint32_t> cp = ParseChar();
      if (!cp) return std::nullopt;
      Item item;
      item.chars.kind = Element::Kind::kChars;
      item.chars.ranges = {{*cp, *cp}};
      out.push_back(std::move(item));
    }
    ++pos_;
    return Item{};
  }

  std::optional<Item> ParseClass() {
    const size_t start = pos_;
    ++pos_;  // [
    Item item;
    item.chars.kind = Element::Kind::kChars;
    if (Peek() == '^') {
      item.chars.negated = true;
      ++pos_;
    }
    while (true) {
      if (AtEnd() || Peek() == '\n') {
        Fail(start, "unterminated character class (missing ']')");
        return std::nullopt;
      }
      if (Peek() == ']') break;
      std::optional<uint32_t> lo = ParseChar();
      if (!lo) return std::nullopt;
      uint32_t hi = *lo;
      if (Peek() == '-' && Peek(1) != ']' && Peek(1) != '\0') {
        const size_t dash = pos_;
        ++pos_;
        std::optional<uint32_t> end = ParseChar();
        if (!end) return std::nullopt;
        if (*end < *lo) {
          Fail(dash, "character range is backwards");
          return std::nullopt;
        }
        hi = *end;
      }
      item.chars.ranges.push_back({*lo, hi});
    }
    ++pos_;
    Normalize(item.chars);
    return item;
  }

  std::optional<int> ParseInt() {
    const size_t start = pos_;
    long value = 0;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') {
      value = value * 10 + (Peek() - '0');
      if (value > kMaxRepetition) {
        Fail(start, "repetition count above " + std::to_string(kMaxRepetition));
        return std::nullopt;
      }
      ++pos_;
    }
    if (pos_ == start) {
      Fail(pos_, "expected a number");
      return std::nullopt;
    }
    return static_cast<int>(value);
  }

  // * + ? {m} {m,} {m,n} after an item.
  bool ParseRepetition(Item& item) {
    const char c = Peek();
    if (c == '*' || c == '+' || c == '?') {
      ++pos_;
      item.min = c == '+' ? 1 : 0;
      item.max = c == '?' ? 1 : kUnbounded;
      return true;
    }
    const size_t start = pos_;
    ++pos_;  // {
    SkipSpace(false);
    std::optional<int> m = ParseInt();
    if (!m) return false;
    SkipSpace(false);
    int n = *m;
    if (Peek() == ',') {
      ++pos_;
      SkipSpace(false);
      n = kUnbounded;
      if (Peek() != '}') {
        std::optional<int> parsed = ParseInt();
        if (!parsed) return false;
        n = *parsed;
        SkipSpace(false);
      }
    }
    if (Peek() != '}') {
      Fail(pos_, "expected '}' to close the repetition");
      return false;
    }
    ++pos_;
    if (n != kUnbounded && n < *m) {
      Fail(start, "repetition {" + std::to_string(*m) + "," + std::to_string(n) +
                      "}: the maximum is below the minimum");
      return false;
    }
    item.min = *m;
    item.max = n;
    return true;
  }

  std::optional<Sequence> ParseSequence(bool nested) {
    Sequence seq;
    while (true) {
      SkipSpace(nested);
      if (AtEnd()) break;
      const char c = Peek();
      const size_t item_start = seq.size();
      if (c == '"') {
        if (!ParseLiteralChars(seq)) return std::nullopt;
        // A repetition after a literal applies to the whole literal: make it a group.
        SkipSpace(false);
        if (Peek() == '*' || Peek() == '+' || Peek() == '?' || Peek() == '{') {
          Item group;
          group.kind = Item::Kind::kGroup;
          group.group.push_back(Sequence(std::make_move_iterator(seq.begin() + static_cast<long>(item_start)),
                                         std::make_move_iterator(seq.end())));
          seq.resize(item_start);
          if (!ParseRepetition(group)) return std::nullopt;
          seq.push_back(std::move(group));
        }
        continue;
      }
      Item item;
      if (c == '[') {
        std::optional<Item> parsed = ParseClass();
        if (!parsed) return std::nullopt;
        item = std::move(*parsed);
      } else if (c == '.') {
        ++pos_;
        item.chars.kind = Element::Kind::kChars;
        item.chars.ranges = {{0, kMaxCodePoint}};
      } else if (c == '(') {
        const size_t open = pos_;
        ++pos_;
        SkipSpace(true);
        std::optional<Alternatives> alts = ParseAlternatives(/*nested=*/true);
        if (!alts) return std::nullopt;
        SkipSpace(true);
        if (Peek() != ')') {
          Fail(open, "unclosed '(' (expected ')')");
          return std::nullopt;
        }
        ++pos_;
        item.kind = Item::Kind::kGroup;
        item.group = std::move(*alts);
      } else if (IsNameChar(c)) {
        item.kind = Item::Kind::kRef;
        item.ref_offset = pos_;
        item.ref = ParseName();
        // A name followed by ::= starts the next rule: the previous one lacked a line break.
        const size_t after = pos_;
        SkipSpace(false);
        if (text_.substr(pos_, 3) == "::=") {
          Fail(item.ref_offset, "rule '" + item.ref + "' starts before the previous rule's line ended");
          return std::nullopt;
        }
        pos_ = after;
        refs_.emplace_back(item.ref, item.ref_offset);
      } else {
        break;
      }
      SkipSpace(false);
      if (Peek() == '*' || Peek() == '+' || Peek() == '?' || Peek() == '{') {
        if (!ParseRepetition(item)) return std::nullopt;
      }
      seq.push_back(std::move(item));
    }
    return seq;
  }

  std::optional<Alternatives> ParseAlternatives(bool nested) {
    Alternatives alts;
    while (true) {
      std::optional<Sequence> seq = ParseSequence(nested);
      if (!seq) return std::nullopt;
      alts.push_back(std::move(*seq));
      const size_t save = pos_;
      SkipSpace(true);  // a '|' may start the next line of a top-level rule
      if (Peek() == '|') {
        ++pos_;
        SkipSpace(true);
        continue;
      }
      pos_ = save;
      if (nested || AtEnd() || Peek() == '\n' || Peek() == '\r' || Peek() == '#' || Peek() == ' ' ||
          Peek() == '\t')
        break;
      if (Peek() == ')') {
        Fail(pos_, "unmatched ')'");
        return std::nullopt;
      }
      Fail(pos_, std::string("unexpected '") + Peek() + "'");
      return std::nullopt;
    }
    return alts;
  }

  // --- rewriting into Grammar rules ---

  int32_t NewRule(const std::string& name) {
    rules_.emplace_back();
    names_.push_back(name);
    return static_cast<int32_t>(rules_.size() - 1);
  }

  Element RefTo(int32_t rule) {
    Element e;
    e.kind = Element::Kind::kRule;
    e.rule = rule;
    return e;
  }

  // The element that matches one occurrence of item (ignoring its repetition).
  Element Single(const Item& item, const std::string& owner) {
    switch (item.kind) {
      case Item::Kind::kChars:
        return item.chars;
      case Item::Kind::kRef:
        return RefTo(rule_index_.at(item.ref));
      case Item::Kind::kGroup: {
        const int32_t rule = NewRule(owner + "-" + std::to_string(rules_.size()));
        LowerAlternatives(rule, item.group, owner);
        return RefTo(rule);
      }
    }
    return {};
  }

  void LowerSequence(const Sequence& seq, std::vector<Element>& out, const std::string& owner) {
    for (const Item& item : seq) {
      if (item.min == 1 && item.max == 1) {
        out.push_back(Single(item, owner));
        continue;
      }
      const Element one = Single(item, owner);
      for (int i = 0; i < item.min; ++i) out.push_back(one);
      if (item.max == kUnbounded) {
        // star ::= one star | ε (right recursion: the matcher expands it lazily)
        const int32_t star = NewRule(owner + "-star-" + std::to_string(rules_.size()));
        rules_[static_cast<size_t>(star)] = {{one, RefTo(star)}, {}};
        out.push_back(RefTo(star));
      } else if (item.max > item.min) {
        // opt_k ::= one opt_{k-1} | ε, so that {m,n} keeps a bounded stack.
        int32_t inner = -1;
        for (int k = 1; k <= item.max - item.min; ++k) {
          const int32_t opt = NewRule(owner + "-opt-" + std::to_string(rules_.size()));
          std::vector<Element> body = {one};
          if (inner >= 0) body.push_back(RefTo(inner));
          rules_[static_cast<size_t>(opt)] = {body, {}};
          inner = opt;
        }
        out.push_back(RefTo(inner));
      }
    }
  }

  void LowerAlternatives(int32_t rule, const Alternatives& alts, const std::string& owner) {
    std::vector<std::vector<Element>> lowered;
    for (const Sequence& seq : alts) {
      std::vector<Element> body;
      LowerSequence(seq, body, owner);
      lowered.push_back(std::move(body));
    }
    rules_[static_cast<size_t>(rule)] = std::move(lowered);
  }

  Result<std::shared_ptr<const Grammar>> Lower(const std::string& root_name) {
    for (const std::string& name : order_) rule_index_[name] = NewRule(name);
    for (const std::string& name : order_) LowerAlternatives(rule_index_[name], defined_[name], name);
    CORRAL_RETURN_IF_ERROR(CheckLeftRecursion());
    auto grammar = std::make_shared<Grammar>();
    grammar->rule_names = names_;
    grammar->root = rule_index_[root_name];
    for (const auto& rule : rules_) {
      std::vector<int32_t> starts;
      for (const auto& alt : rule) {
        starts.push_back(static_cast<int32_t>(grammar->elements.size()));
        grammar->elements.insert(grammar->elements.end(), alt.begin(), alt.end());
        grammar->elements.push_back(Element{});
      }
      grammar->alternatives.push_back(std::move(starts));
    }
    return std::shared_ptr<const Grammar>(std::move(grammar));
  }

  // A rule that can reach itself without consuming a character would make the matcher's expansion loop.
  Status CheckLeftRecursion() {
    const size_t n = rules_.size();
    std::vector<bool> nullable(n, false);
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t r = 0; r < n; ++r) {
        if (nullable[r]) continue;
        for (const auto& alt : rules_[r]) {
          const bool all = std::all_of(alt.begin(), alt.end(), [&](const Element& e) {
            return e.kind == Element::Kind::kRule && nullable[static_cast<size_t>(e.rule)];
          });
          if (all) {
            nullable[r] = true;
            changed = true;
            break;
          }
        }
      }
    }
    std::vector<std::vector<int32_t>> leftmost(n);
    for (size_t r = 0; r < n; ++r) {
      for (const auto& alt : rules_[r]) {
        for (const Element& e : alt) {
          if (e.kind != Element::Kind::kRule) break;
          leftmost[r].push_back(e.rule);
          if (!nullable[static_cast<size_t>(e.rule)]) break;
        }
      }
    }
    std::vector<int> color(n, 0);  // 0 unvisited, 1 on the path, 2 done
    std::function<int32_t(int32_t)> visit = [&](int32_t r) -> int32_t {
      color[static_cast<size_t>(r)] = 1;
      for (int32_t next : leftmost[static_cast<size_t>(r)]) {
        if (color[static_cast<size_t>(next)] == 1) return next;
        if (color[static_cast<size_t>(next)] == 0) {
          const int32_t found = visit(next);
          if (found >= 0) return found;
        }
      }
      color[static_cast<size_t>(r)] = 2;
      return -1;
    };
    for (size_t r = 0; r < n; ++r) {
      if (color[r] != 0) continue;
      const int32_t cycle = visit(static_cast<int32_t>(r));
      if (cycle >= 0) {
        std::string name = names_[static_cast<size_t>(cycle)];
        const size_t dash = name.find('-');
        const std::string user_rule = defined_offset_.count(name) ? name : name.substr(0, dash);
        const auto it = defined_offset_.find(user_rule);
        return Status::InvalidArgument(
            "grammar: " + (it != defined_offset_.end() ? Where(it->second) + ": " : std::string()) +
            "rule '" + user_rule + "' is left-recursive (it can reach itself before matching a character)");
      }
    }
    return Status::Ok();
  }

  std::string_view text_;
  size_t pos_ = 0;
  Status status_ = Status::Ok();
  std::map<std::string, Alternatives> defined_;
  std::map<std::string, size_t> defined_offset_;
  std::vector<std::string> order_;
  std::vector<std::pair<std::string, size_t>> refs_;
  std::map<std::string, int32_t> rule_index_;
  std::vector<std::vector<std::vector<Element>>> rules_;
  std::vector<std::string> names_;
};

}  // namespace

Result<std::shared_ptr<const Grammar>> ParseGbnf(std::string_view text, std::string_view root) {
  Parser parser(text);
  return parser.Parse(root);
}

}  // namespace corral::sample::grammar
