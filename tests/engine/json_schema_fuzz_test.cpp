// Hundreds of random JSON schemas: each is compiled to a grammar, a random-weight model generates under it
// with temperature 1, and every output must parse and validate against its schema according to Python's
// jsonschema (an independent validator). The generator of schemas is seeded, so failures reproduce.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cli/run_process.h"
#include "engine/generator.h"
#include "engine/tiny_model.h"
#include "sample/grammar/gbnf.h"
#include "sample/grammar/json_schema.h"

namespace corral::engine {
namespace {

using json = nlohmann::ordered_json;

// Random schemas over the supported keywords. Strings are bounded (maxLength or a bounded pattern) and
// arrays small, so a random model finishes each output in a few dozen tokens.
class SchemaGenerator {
 public:
  explicit SchemaGenerator(uint32_t seed) : rng_(seed) {}

  json Schema() {
    defs_ = json::object();
    json root = Node(0);
    if (Pick(4) == 0) {
      // A definition used through $ref, sometimes twice.
      defs_["item"] = Node(1);
      json wrapper = {{"type", "object"},
                      {"properties", {{"first", {{"$ref", "#/$defs/item"}}}, {"more", Ref()}}},
                      {"required", {"first"}}};
      root = wrapper;
    }
    if (!defs_.empty()) root["$defs"] = defs_;
    return root;
  }

 private:
  uint32_t Pick(uint32_t n) { return rng_() % n; }

  json Ref() { return {{"type", "array"}, {"items", {{"$ref", "#/$defs/item"}}}, {"maxItems", 2}}; }

  json Leaf() {
    switch (Pick(9)) {
      case 0:
        return {{"type", "boolean"}};
      case 1:
        return {{"type", "null"}};
      case 2: {
        json s = {{"type", "integer"}};
        if (Pick(2)) s["minimum"] = static_cast<int>(Pick(200)) - 100;
        if (Pick(2)) s[Pick(2) ? "maximum" : "exclusiveMaximum"] = static_cast<int>(Pick(5000)) + 101;
        return s;
      }
      case 3: {
        json s = {{"type", "number"}};
        if (Pick(2)) {
          s["minimum"] = -static_cast<int>(Pick(50));
          s["maximum"] = static_cast<int>(Pick(50));
        }
        return s;
      }
      case 4: {
        json s = {{"type", "string"}, {"maxLength", 1 + Pick(8)}};
        if (Pick(2)) s["minLength"] = Pick(s["maxLength"].get<uint32_t>() + 1);
        return s;
      }
      case 5: {
        static const char* patterns[] = {
            "^[A-Z]{2}-\\d{2,3}$", "^(yes|no|maybe)$", "^\\w{1,5}@[a-z]{1,4}\\.com$",
            "^[^\\s]{1,4}$",       "^é[ö-ü]?\\.\\*$",  "^\\(\\d{3}\\) \\d{4}$"};
        return {{"type", "string"}, {"pattern", patterns[Pick(6)]}};
      }
      case 6: {
        static const json values[] = {"red", "gr\"een", "bl\\ue", "日本", 1,
                                      -25,   3.5,       nullptr,  true,   json::array({1, "x"})};
        json e = json::array();
        const uint32_t n = 1 + Pick(4);
        for (uint32_t i = 0; i < n; ++i) {
          const json& v = values[Pick(10)];
          if (std::find(e.begin(), e.end(), v) == e.end()) e.push_back(v);
        }
        return {{"enum", e}};
      }
      case 7:
        return {{"const", Pick(2) ? json("fixed \u00e9") : json({{"k", {1, 2}}})}};
      default:
        return {{"type", {"integer", "null"}}, {"maximum", 9}};
    }
  }

  json Node(int depth) {
    const uint32_t kind = depth >= 2 ? 0 : Pick(6);
    switch (kind) {
      case 1: {
        static const char* names[] = {"id", "name", "x_1", "ünï", "q\"t", "sp ace", "tags", "v"};
        json props = json::object();
        json required = json::array();
        const uint32_t n = 1 + Pick(3);
        for (uint32_t i = 0; i < n; ++i) {
          const std::string name = names[Pick(8)];
          if (props.contains(name)) continue;
          props[name] = Node(depth + 1);
          if (Pick(2)) required.push_back(name);
        }
        json s = {{"type", "object"}, {"properties", props}};
        if (!required.empty()) s["required"] = required;
        if (Pick(2)) s["additionalProperties"] = false;
        return s;
      }
      case 2: {
        json s = {{"type", "array"}, {"items", Node(depth + 1)}};
        const uint32_t max = Pick(4);
        s["maxItems"] = max;
        if (Pick(2)) s["minItems"] = Pick(max + 1);
        return s;
      }
      case 3: {
        // Branches of different types, so that oneOf's "exactly one" holds for whatever is generated.
        json branches = json::array({{{"type", "string"}, {"maxLength", 3}},
                                     {{"type", "integer"}},
                                     {{"type", "object"}, {"properties", {{"a", {{"type", "boolean"}}}}}}});
        branches.erase(branches.begin() + Pick(3));
        return {{Pick(2) ? "anyOf" : "oneOf", branches}};
      }
      default:
        return Leaf();
    }
  }

  std::mt19937 rng_;
  json defs_;
};

TEST(JsonSchemaFuzz, EveryOutputValidatesWithPythonJsonschema) {
  const testing::TinyModel* tiny = testing::GetTinyModel();
  ASSERT_NE(tiny, nullptr);
  const sample::grammar::TokenTrie vocab = MakeTokenTrie(*tiny->tokenizer);
  auto context = tiny->NewContext(512);
  const std::vector<int32_t> prompt = tiny->tokenizer->Encode("Answer in JSON:");
  const std::filesystem::path cases_path = std::filesystem::temp_directory_path() /
                                           ("corral-schema-fuzz-" + std::to_string(::getpid()) + ".jsonl");
  std::ofstream cases(cases_path);
  SchemaGenerator generator(2024);
  constexpr int kSchemas = 200;
  int total_tokens = 0;
  for (int i = 0; i < kSchemas; ++i) {
    const json schema = generator.Schema();
    Result<std::string> gbnf = sample::grammar::JsonSchemaToGbnf(schema.dump());
    ASSERT_TRUE(gbnf.ok()) << schema.dump() << "\n" << gbnf.status().ToString();
    auto grammar = sample::grammar::ParseGbnf(*gbnf);
    ASSERT_TRUE(grammar.ok()) << schema.dump() << "\n" << grammar.status().ToString() << "\n" << *gbnf;
    sample::grammar::Matcher matcher(*grammar, vocab);
    sample::SamplerOptions options;
    options.temperature = 1.0f;
    options.seed = i;
    sample::Sampler sampler(options, tiny->tokenizer->n_vocab());
    std::string text;
    Result<GenerateResult> r = Generate(*context, *tiny->tokenizer, sampler, prompt,
                                        {.num_predict = 400, .grammar = &matcher}, [&](std::string_view t) {
                                          text += t;
                                          return true;
                                        });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    // The grammar ends every output well inside the budget: "length" would mean a cut-off document.
    ASSERT_EQ(r->done_reason, "stop") << schema.dump() << "\n" << text;
    total_tokens += r->eval_count;
    if (i < 6) std::printf("%s\n  -> %s\n", schema.dump().c_str(), text.c_str());
    cases << json({{"schema", schema}, {"output", text}}).dump() << "\n";
  }
  cases.close();
  const corral::testing::ProcessResult check = corral::testing::RunProcess(
      {"python3", (corral::testing::SourceDir() / "tests" / "sample" / "validate_json_schema.py").string(),
       cases_path.string()});
  std::filesystem::remove(cases_path);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find(std::to_string(kSchemas) + " outputs, 0 invalid"), std::string::npos) << check.out;
  std::printf("%d schemas, %d tokens generated\n", kSchemas, total_tokens);
}

}  // namespace
}  // namespace corral::engine
