// The JSON-schema compiler: each supported keyword accepts the texts the schema allows and refuses others
// (through the grammar matcher), integer ranges are exact over every integer near them, and unsupported
// keywords are errors that name the keyword and where it is.
#include "sample/grammar/json_schema.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

#include "sample/grammar/gbnf.h"
#include "sample/grammar/matcher.h"

namespace corral::sample::grammar {
namespace {

std::shared_ptr<const Grammar> Compile(std::string_view schema) {
  Result<std::string> gbnf = JsonSchemaToGbnf(schema);
  EXPECT_TRUE(gbnf.ok()) << gbnf.status().ToString();
  if (!gbnf.ok()) return nullptr;
  auto g = ParseGbnf(*gbnf);
  EXPECT_TRUE(g.ok()) << g.status().ToString() << "\n" << *gbnf;
  return g.ok() ? *g : nullptr;
}

bool Accepts(const std::shared_ptr<const Grammar>& g, std::string_view text) {
  static const TokenTrie no_tokens({}, {});
  Matcher m(g, no_tokens);
  return m.AcceptText(text) && m.accepting();
}

TEST(JsonSchema, ObjectsWithRequiredAndOptionalPropertiesInOrder) {
  auto g = Compile(R"({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"},
                       "c": {"type": "boolean"}}, "required": ["b"]})");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(Accepts(g, R"({"b": "x"})"));
  EXPECT_TRUE(Accepts(g, R"({"a": 1, "b": "x", "c": true})"));
  EXPECT_TRUE(Accepts(g, R"({"b":"x","c":false})"));
  EXPECT_FALSE(Accepts(g, R"({"a": 1})"));            // b is required
  EXPECT_FALSE(Accepts(g, R"({"b": "x", "d": 1})"));  // no other properties
  EXPECT_FALSE(Accepts(g, R"({"a": "1", "b": "x"})"));
  EXPECT_FALSE(Accepts(g, R"({, "b": "x"})"));
}

TEST(JsonSchema, AllOptionalAndEmptyObjects) {
  auto g = Compile(R"({"properties": {"a": {"type": "null"}, "b": {"const": [1, "two"]}}})");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(Accepts(g, "{}"));
  EXPECT_TRUE(Accepts(g, R"({"b": [1,"two"]})"));
  EXPECT_TRUE(Accepts(g, R"({"a": null, "b": [1,"two"]})"));
  EXPECT_FALSE(Accepts(g, R"({"b": [1, "two"]})"));  // const is the exact serialization
}

TEST(JsonSchema, EnumConstAnyOfAndTypeLists) {
  auto g = Compile(
      R"({"anyOf": [{"enum": ["red", 2, null]}, {"type": ["boolean", "array"], "items": {"const": "x"}}]})");
  ASSERT_NE(g, nullptr);
  for (const char* ok : {R"("red")", "2", "null", "true", "[]", R"(["x", "x"])"})
    EXPECT_TRUE(Accepts(g, ok)) << ok;
  for (const char* bad : {R"("blue")", "3", R"(["y"])"}) EXPECT_FALSE(Accepts(g, bad)) << bad;
}

TEST(JsonSchema, ArraysWithMinAndMaxItems) {
  auto g = Compile(R"({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 3})");
  ASSERT_NE(g, nullptr);
  EXPECT_FALSE(Accepts(g, "[1]"));
  EXPECT_TRUE(Accepts(g, "[1, 2]"));
  EXPECT_TRUE(Accepts(g, "[1,2,3]"));
  EXPECT_FALSE(Accepts(g, "[1, 2, 3, 4]"));
  auto empty = Compile(R"({"type": "array", "maxItems": 0})");
  EXPECT_TRUE(Accepts(empty, "[]"));
  EXPECT_FALSE(Accepts(empty, "[1]"));
}

TEST(JsonSchema, StringLengthsAndPatterns) {
  auto g = Compile(R"({"type": "string", "minLength": 2, "maxLength": 3})");
  ASSERT_NE(g, nullptr);
  EXPECT_FALSE(Accepts(g, R"("a")"));
  EXPECT_TRUE(Accepts(g, R"("ab")"));
  EXPECT_TRUE(Accepts(g, R"("a\u00e9c")"));  // an escape is one character
  EXPECT_TRUE(Accepts(g, "\"a\xC3\xA9\""));
  EXPECT_FALSE(Accepts(g, R"("abcd")"));
  auto p = Compile(R"({"type": "string", "pattern": "^[A-Z]{2}-\\d{3}(x|yz)?$"})");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(Accepts(p, R"("AB-123")"));
  EXPECT_TRUE(Accepts(p, R"("AB-123yz")"));
  EXPECT_FALSE(Accepts(p, R"("AB-12")"));
  EXPECT_FALSE(Accepts(p, R"("ab-123")"));
  auto quote = Compile(R"({"type": "string", "pattern": "^a\"b\\\\c$"})");
  ASSERT_NE(quote, nullptr);
  EXPECT_TRUE(Accepts(quote, R"("a\"b\\c")"));
  auto loose = Compile(R"({"type": "string", "pattern": "ab"})");  // unanchored: anything around it
  EXPECT_TRUE(Accepts(loose, R"("xxabyy")"));
  EXPECT_FALSE(Accepts(loose, R"("xxayy")"));
}

TEST(JsonSchema, RefsToDefsIncludingRecursion) {
  auto g = Compile(R"({"$defs": {"node": {"type": "object", "properties": {"v": {"type": "integer"},
      "next": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]}}, "required": ["v", "next"]}},
      "$ref": "#/$defs/node"})");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(Accepts(g, R"({"v": 1, "next": {"v": 2, "next": null}})"));
  EXPECT_FALSE(Accepts(g, R"({"v": 1, "next": {"v": 2}})"));
}

// Every integer in [lo - 40, hi + 40] is accepted exactly when it lies in the bounds.
TEST(JsonSchema, IntegerBoundsAreExact) {
  std::mt19937 rng(3);
  for (int round = 0; round < 24; ++round) {
    const int64_t scale = round % 3 == 0 ? 30 : round % 3 == 1 ? 3000 : 300000;
    int64_t lo = static_cast<int64_t>(rng() % (2 * scale)) - scale;
    int64_t hi = lo + static_cast<int64_t>(rng() % scale);
    const bool exclusive = round % 4 == 1;
    const bool open_low = round % 5 == 2, open_high = round % 5 == 3;
    std::string schema = R"({"type": "integer")";
    if (!open_low)
      schema +=
          std::string(exclusive ? R"(, "exclusiveMinimum": )" : R"(, "minimum": )") + std::to_string(lo);
    if (!open_high)
      schema +=
          std::string(exclusive ? R"(, "exclusiveMaximum": )" : R"(, "maximum": )") + std::to_string(hi);
    schema += "}";
    auto g = Compile(schema);
    ASSERT_NE(g, nullptr) << schema;
    for (int64_t x = lo - 40; x <= hi + 40; x += std::max<int64_t>(1, (hi - lo) / 150)) {
      const bool in =
          (open_low || (exclusive ? x > lo : x >= lo)) && (open_high || (exclusive ? x < hi : x <= hi));
      ASSERT_EQ(Accepts(g, std::to_string(x)), in) << schema << " x=" << x;
    }
    EXPECT_FALSE(Accepts(g, "01"));
    EXPECT_FALSE(Accepts(g, "-0"));
  }
}

TEST(JsonSchema, NumberBounds) {
  auto g = Compile(R"({"type": "number", "minimum": -2, "maximum": 3})");
  ASSERT_NE(g, nullptr);
  for (const char* ok : {"-2", "-1.5", "0", "2.999", "3", "3.0", "-0.5", "-2.00"})
    EXPECT_TRUE(Accepts(g, ok)) << ok;
  for (const char* bad : {"-2.5", "3.5", "4", "-3", "3.01"}) EXPECT_FALSE(Accepts(g, bad)) << bad;
}

TEST(JsonSchema, UnsupportedKeywordsAreNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"type": "array", "uniqueItems": true})", "unsupported keyword 'uniqueItems' at /"},
      {R"({"properties": {"a": {"type": "string", "format": "email"}}})", "'format' at /properties/a"},
      {R"({"allOf": [{"type": "string"}]})", "'allOf'"},
      {R"({"type": "object", "properties": {}, "additionalProperties": {"type": "string"}})",
       "'additionalProperties'"},
      {R"({"type": "number", "minimum": 0.5})", "'minimum'"},
      {R"j({"type": "string", "pattern": "(a)\\1"})j", "'pattern'"},
      {R"j({"type": "string", "pattern": "^(?=a)"})j", "lookaround"},
      {R"({"$ref": "#/$defs/missing"})", "names no definition"},
      {R"({"$ref": "http://example.com/s.json"})", "'$ref'"},
      {R"({"type": "strin"})", "unknown type 'strin'"},
      {R"({"type": "integer", "minimum": 5, "maximum": 1})", "no integer lies within the bounds"},
      {R"({"type": )", "not valid JSON"},
  };
  for (const auto& [schema, message] : cases) {
    Result<std::string> gbnf = JsonSchemaToGbnf(schema);
    ASSERT_FALSE(gbnf.ok()) << schema;
    EXPECT_EQ(gbnf.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(gbnf.status().message().find(message), std::string::npos)
        << schema << "\n  got: " << gbnf.status().message();
  }
}

}  // namespace
}  // namespace corral::sample::grammar
