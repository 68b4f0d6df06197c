// Model names: Ollama's defaults, its character rules, and refusal of names that would leave the store.
#include <gtest/gtest.h>

#include "store/name.h"

namespace corral::store {
namespace {

TEST(ModelNameTest, FillsOllamaDefaults) {
  Result<ModelName> n = ParseModelName("llama3");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->Full(), "registry.ollama.ai/library/llama3:latest");
  EXPECT_EQ(n->RelativePath(), "registry.ollama.ai/library/llama3/latest");
  EXPECT_EQ(n->Display(), "llama3:latest");
}

TEST(ModelNameTest, ParsesEveryPart) {
  Result<ModelName> n = ParseModelName("example.com:5000/me/my-model.v2:q4_K_M");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->host, "example.com:5000");
  EXPECT_EQ(n->ns, "me");
  EXPECT_EQ(n->model, "my-model.v2");
  EXPECT_EQ(n->tag, "q4_K_M");
  EXPECT_EQ(n->Display(), "example.com:5000/me/my-model.v2:q4_K_M");
  Result<ModelName> ns_only = ParseModelName("me/mine:v1");
  ASSERT_TRUE(ns_only.ok());
  EXPECT_EQ(ns_only->Display(), "me/mine:v1");
  EXPECT_EQ(ns_only->host, "registry.ollama.ai");
  Result<ModelName> scheme = ParseModelName("https://example.com/me/m");
  ASSERT_TRUE(scheme.ok());
  EXPECT_EQ(scheme->host, "example.com");
}

TEST(ModelNameTest, RefusesNamesThatEscapeTheStore) {
  for (const char* bad :
       {"..",   "../x",   "a/../../b", "/etc/passwd", "a/b/c/d", "x:..",  ".hidden", "me/.x",
        "a b",  "a\\b",   "",          ":tag",        "m:",      "ns./m", "m:t/x",   "ftp://h/n/m",
        "a//b", "m:ta:g", "x\n",       "\xc3\xa9"}) {
    Result<ModelName> n = ParseModelName(bad);
    EXPECT_FALSE(n.ok()) << "accepted '" << bad << "' as " << (n.ok() ? n->Full() : "");
    if (!n.ok()) {
      EXPECT_NE(n.status().message().find("invalid model name"), std::string::npos);
    }
  }
}

TEST(ModelNameTest, PartLengthLimits) {
  EXPECT_TRUE(ParseModelName(std::string(80, 'm')).ok());
  EXPECT_FALSE(ParseModelName(std::string(81, 'm')).ok());
  EXPECT_TRUE(ParseModelName("m:" + std::string(80, 't')).ok());
  EXPECT_FALSE(ParseModelName("m:" + std::string(81, 't')).ok());
}

TEST(ModelNameTest, FromManifestPath) {
  Result<ModelName> n = ModelNameFromRelativePath("registry.ollama.ai/library/qwen3/4b");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->Display(), "qwen3:4b");
  EXPECT_FALSE(ModelNameFromRelativePath("registry.ollama.ai/library/qwen3").ok());
  EXPECT_FALSE(ModelNameFromRelativePath("h/n/m/.tmp-1").ok());
}

TEST(ModelNameTest, ComparesCaseInsensitively) {
  EXPECT_TRUE(ParseModelName("Llama3:Latest")->SameAs(*ParseModelName("llama3")));
  EXPECT_FALSE(ParseModelName("llama3:8b")->SameAs(*ParseModelName("llama3")));
}

}  // namespace
}  // namespace corral::store
