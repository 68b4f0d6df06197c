// GBNF parsing (the syntax llama.cpp's grammars use, and malformed grammars with their line and column) and
// the matcher: text accepted or refused, and token masks equal to a brute-force check of every token.
#include "sample/grammar/gbnf.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sample/grammar/json_grammar.h"
#include "sample/grammar/matcher.h"

namespace corral::sample::grammar {
namespace {

std::shared_ptr<const Grammar> MustParse(std::string_view text) {
  auto g = ParseGbnf(text);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  return g.ok() ? *g : nullptr;
}

// 0: refused; 1: a valid prefix; 2: a whole sentence (accepting).
int Check(const std::shared_ptr<const Grammar>& g, std::string_view text) {
  static const TokenTrie no_tokens({}, {});
  Matcher m(g, no_tokens);
  if (!m.AcceptText(text)) return 0;
  return m.accepting() ? 2 : 1;
}

TEST(Gbnf, LiteralsClassesAndRepetition) {
  auto g = MustParse(R"(root ::= "ab"{2,3} [^a-c]+ [x-z0-9]? "!"*)");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(Check(g, "ababq"), 2);
  EXPECT_EQ(Check(g, "abababqqq9!!"), 2);
  EXPECT_EQ(Check(g, "ab"), 1);
  EXPECT_EQ(Check(g, "abab"), 1);      // [^a-c]+ needs one character
  EXPECT_EQ(Check(g, "ababa"), 1);     // a third "ab" may be starting
  EXPECT_EQ(Check(g, "ababc"), 0);     // 'c' is in a-c
  EXPECT_EQ(Check(g, "abababab"), 0);  // at most three "ab"
}

TEST(Gbnf, RulesGroupsAlternationCommentsAndLineBreaks) {
  auto g = MustParse(R"(# a comment line
root ::= greeting (" " name)+   # trailing comment
greeting ::= "hi"
  | "hello"
name ::= ( [A-Z] [a-z]* |
           "you" )
)");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(Check(g, "hello Ann you"), 2);
  EXPECT_EQ(Check(g, "hi you"), 2);
  EXPECT_EQ(Check(g, "hi"), 1);
  EXPECT_EQ(Check(g, "hey"), 0);
  EXPECT_EQ(Check(g, "hi ann"), 0);
}

TEST(Gbnf, Utf8AndEscapes) {
  auto g = MustParse(
      "root ::= \"h\u00e9llo\" | [\u03b1-\u03c9]+ | \"\\x41\\u00e9\\n\\t\\\"\\\\\" | [\\u4e00-\\u9fff] | .");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(Check(g, "h\u00e9llo"), 2);
  EXPECT_EQ(Check(g, "h\xC3"), 1);  // half of é
  EXPECT_EQ(Check(g, "\u03b1\u03b2\u03c9"), 2);
  EXPECT_EQ(Check(g, "A\u00e9\n\t\"\\"), 2);
  EXPECT_EQ(Check(g, "\u4e2d"), 2);
  EXPECT_EQ(Check(g, "\xE4\xB8"), 1);    // an unfinished CJK character that may still become one
  EXPECT_EQ(Check(g, "\U0001F600"), 2);  // '.' takes any character
  EXPECT_EQ(Check(g, "\xFF"), 0);        // not UTF-8
  // Overlong forms and surrogates are not characters, even where '.' would take the value they spell.
  EXPECT_EQ(Check(g, "\xC1\xA1"), 0);
  auto ascii = MustParse(R"(root ::= [a-z]+)");
  for (const char* lead : {"\xC2", "\xE0", "\xF0", "\xF4"}) EXPECT_EQ(Check(ascii, lead), 0) << lead;
  EXPECT_EQ(Check(g, "\xE0\x81\xA1"), 0);
  EXPECT_EQ(Check(g, "\xED\xA0\x80"), 0);
  EXPECT_EQ(Check(g, "\xF4\x90\x80\x80"), 0);
}

TEST(Gbnf, NegatedClassRefusesAPartialCharacterThatCanOnlyBeExcluded) {
  // C3 xx is one of U+00C0..U+00FF: all excluded by the first class, some allowed by the second.
  auto all_out = MustParse(R"(root ::= [^\u00c0-\u00ff] "x")");
  auto some_out = MustParse(R"(root ::= [^\u00e0-\u00ff] "x")");
  ASSERT_NE(all_out, nullptr);
  ASSERT_NE(some_out, nullptr);
  EXPECT_EQ(Check(all_out, "\xC3"), 0);
  EXPECT_EQ(Check(some_out, "\xC3"), 1);
  EXPECT_EQ(Check(some_out, "\xC3\xA0"), 0);   // U+00E0
  EXPECT_EQ(Check(some_out, "\xC3\x80x"), 2);  // U+00C0
}

TEST(Gbnf, TheJsonGrammarParsesAndMatches) {
  auto g = MustParse(kJsonObjectGbnf);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(Check(g, R"({"a": [1, -2.5e3, "x\u00e9\n"], "b": {"c": null, "d": true}})"), 2);
  EXPECT_EQ(Check(g, R"({"a": 01})"), 0);
  EXPECT_EQ(Check(g, R"([1])"), 0);  // the top level is an object
  EXPECT_EQ(Check(g, R"({"a": "unterminated)"), 1);
}

struct BadGrammar {
  const char* text;
  const char* message;  // a part of the error
};

TEST(Gbnf, MalformedGrammarsSayWhatAndWhere) {
  const BadGrammar cases[] = {
      {"root ::= \"abc", "line 1, column 10: unterminated string literal"},
      {"root ::= [a-z", "line 1, column 10: unterminated character class"},
      {"root ::= (\"a\" | \"b\"", "line 1, column 10: unclosed '('"},
      {"root ::= \"a\")", "line 1, column 13: unmatched ')'"},
      {"root ::= \"a\"\nitem ::= \"\\q\"", "line 2, column 11: unknown escape '\\q'"},
      {"root ::= item\n", "line 1, column 10: undefined rule 'item'"},
      {"root \"a\"", "line 1, column 6: expected '::='"},
      {"root ::= [z-a]", "line 1, column 12: character range is backwards"},
      {"root ::= \"a\"{3,1}", "maximum is below the minimum"},
      {"root ::= \"a\"{2", "expected '}'"},
      {"item ::= \"a\"", "no 'root' rule"},
      {"root ::= \"a\"\nroot ::= \"b\"",
       "line 2, column 1: rule 'root' is defined twice (first at line 1, column 1)"},
      {"root ::= expr\nexpr ::= expr \"+\" \"1\" | \"1\"", "line 2, column 1: rule 'expr' is left-recursive"},
      {"root ::= \"a\" b ::= \"c\"",
       "line 1, column 14: rule 'b' starts before the previous rule's line ended"},
  };
  for (const BadGrammar& c : cases) {
    auto g = ParseGbnf(c.text);
    ASSERT_FALSE(g.ok()) << c.text;
    EXPECT_NE(g.status().message().find(c.message), std::string::npos)
        << c.text << "\n  got: " << g.status().message();
  }
}

// Token masks from the trie walk equal a brute-force check of every token (a fresh matcher fed the text so
// far, then the token), over a random vocabulary full of JSON punctuation and split UTF-8, along random
// walks through the JSON grammar.
TEST(GrammarMatcher, MaskEqualsBruteForce) {
  auto g = MustParse(kJsonObjectGbnf);
  ASSERT_NE(g, nullptr);
  std::mt19937 rng(5);
  const std::vector<std::string> alphabet = {"{", "}",  "\"",   ":",    ",",  "[",  "]",   "1",
                                             "0", "-",  ".",    "e",    "a",  " ",  "\\",  "n",
                                             "u", "\n", "\xC3", "\xA9", "tr", "ue", "null"};
  std::vector<std::string> pieces = {""};  // id 0: a control token (empty text)
  for (int i = 0; i < 500; ++i) {
    std::string p;
    const int len = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < len; ++k) p += alphabet[rng() % alphabet.size()];
    pieces.push_back(p);
  }
  pieces.push_back("{");  // a duplicate text under another id
  const auto eog = static_cast<int32_t>(pieces.size());
  pieces.push_back("");
  const TokenTrie vocab(pieces, {eog});
  for (int walk = 0; walk < 4; ++walk) {
    Matcher m(g, vocab);
    std::string text;
    TokenMask mask;
    for (int step = 0; step < 20; ++step) {
      m.FillMask(mask);
      std::vector<int32_t> allowed;
      for (int32_t id = 0; id < vocab.n_vocab(); ++id) {
        bool ok;
        if (id == eog) {
          Matcher fresh(g, vocab);
          ok = fresh.AcceptText(text) && fresh.accepting();
        } else {
          Matcher fresh(g, vocab);
          ok = !pieces[static_cast<size_t>(id)].empty() &&
               fresh.AcceptText(text + pieces[static_cast<size_t>(id)]);
        }
        ASSERT_EQ(mask.allowed(id), ok)
            << "after '" << text << "' token '" << pieces[static_cast<size_t>(id)] << "'";
        if (ok && id != eog) allowed.push_back(id);
      }
      if (allowed.empty()) break;
      const int32_t pick = allowed[rng() % allowed.size()];
      ASSERT_TRUE(m.Accept(pick));
      text += pieces[static_cast<size_t>(pick)];
    }
  }
}

TEST(GrammarMatcher, CompleteWhenNothingMayFollowAndEogOnlyWhenAccepting) {
  auto g = MustParse(R"(root ::= "a"+ "b")");
  ASSERT_NE(g, nullptr);
  const TokenTrie vocab({"a", "b", "ab", "ba", "", "c"}, {4});
  Matcher m(g, vocab);
  TokenMask mask;
  m.FillMask(mask);
  EXPECT_TRUE(mask.allowed(0));
  EXPECT_TRUE(mask.allowed(2));
  EXPECT_FALSE(mask.allowed(1));
  EXPECT_FALSE(mask.allowed(4));
  EXPECT_FALSE(m.Accept(1));
  ASSERT_TRUE(m.Accept(0));
  EXPECT_FALSE(m.accepting());
  ASSERT_TRUE(m.Accept(1));
  EXPECT_TRUE(m.complete());
  m.FillMask(mask);
  EXPECT_TRUE(mask.allowed(4));
  EXPECT_FALSE(mask.allowed(0));
  EXPECT_FALSE(mask.allowed(5));
}

}  // namespace
}  // namespace corral::sample::grammar
