// The manifest, config, params and messages blobs byte for byte as Ollama (Go's encoding/json) writes them.
// The expected strings were printed by testdata/go_json_golden.go (Go structs with Ollama's field tags), with
// one change: the go1.19 on this machine escapes \b and \f as \u0008 and \u000c, while Go 1.22 and later
// (Ollama builds with 1.26) write \b and \f.
#include <gtest/gtest.h>

#include <string>

#include "store/go_json.h"
#include "store/manifest.h"
#include "store/model_config.h"
#include "store/params.h"

namespace corral::store {
namespace {

std::string D(char c) {
  return "sha256:" + std::string(64, c);
}

TEST(GoJsonTest, ManifestBytes) {
  Manifest m;
  m.config = {std::string(kConfigMediaType), D('a'), 485, "", ""};
  m.layers = {{std::string(kModelMediaType), D('b'), 4661211424, "model.gguf", ""},
              {std::string(kTemplateMediaType), D('c'), 1429, "", ""},
              {std::string(kParamsMediaType), D('d'), 110, "", ""}};
  EXPECT_EQ(
      EncodeManifest(m),
      "{\"schemaVersion\":2,\"mediaType\":\"application/"
      "vnd.docker.distribution.manifest.v2+json\",\"config\":{"
      "\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"sha256:"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"size\":485},\"layers\":[{"
      "\"mediaType\":"
      "\"application/vnd.ollama.image.model\",\"digest\":\"sha256:"
      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"size\":4661211424,\"from\":"
      "\"model."
      "gguf\"},{\"mediaType\":\"application/vnd.ollama.image.template\",\"digest\":\"sha256:"
      "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\",\"size\":1429},{\"mediaType\":"
      "\"application/vnd.ollama.image.params\",\"digest\":\"sha256:"
      "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\",\"size\":110}]}\n");
  Result<Manifest> back = DecodeManifest(EncodeManifest(m));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(EncodeManifest(*back), EncodeManifest(m));
  EXPECT_EQ(back->TotalSize(), 485 + 4661211424 + 1429 + 110);
}

TEST(GoJsonTest, ConfigBytes) {
  ModelConfig c;
  c.model_family = "llama";
  c.model_families = {"llama"};
  c.model_type = "8.0B";
  c.file_type = "Q4_K_M";
  c.requires_version = "0.14.0";
  EXPECT_EQ(
      EncodeConfig(c),
      "{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\"],\"model_type\":"
      "\"8."
      "0B\",\"file_type\":\"Q4_K_M\",\"requires\":\"0.14.0\",\"architecture\":\"amd64\",\"os\":\"linux\"}\n");
}

TEST(GoJsonTest, ParamsBytes) {
  Params p;
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{{"temperature", "0.7"},
                                                                             {"top_p", "0.123456789"},
                                                                             {"top_k", "40"},
                                                                             {"num_ctx", "8192"},
                                                                             {"stop", "<|eot_id|>"},
                                                                             {"stop", "a&b"},
                                                                             {"use_mmap", "true"},
                                                                             {"min_p", "0.0000001"},
                                                                             {"repeat_penalty", "1"}}) {
    ASSERT_TRUE(AddParam(p, k, v).ok()) << k;
  }
  const std::string expected =
      "{\"min_p\":1e-7,\"num_ctx\":8192,\"repeat_penalty\":1,\"stop\":[\"\\u003c|eot_id|\\u003e\","
      "\"a\\u0026b\"],"
      "\"temperature\":0.7,\"top_k\":40,\"top_p\":0.12345679,\"use_mmap\":true}\n";
  EXPECT_EQ(EncodeParams(p), expected);
  // A params blob read back encodes to the same bytes (create FROM an existing model keeps its digest).
  Result<Params> back = DecodeParams(expected);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(EncodeParams(*back), expected);
}

TEST(GoJsonTest, StringEscapes) {
  std::string out;
  AppendGoJsonString(out, "hi <there> & \u2028 \x01 \"q\" \\ \t\n\b\f");
  EXPECT_EQ(out, "\"hi \\u003cthere\\u003e \\u0026 \\u2028 \\u0001 \\\"q\\\" \\\\ \\t\\n\\b\\f\"");
  out.clear();
  AppendGoJsonString(out, "ok \xff end \xe2\x82");
  EXPECT_EQ(out, "\"ok \\ufffd end \\ufffd\\ufffd\"");
}

TEST(GoJsonTest, Float64Forms) {
  EXPECT_EQ(GoJsonFloat64(40), "40");
  EXPECT_EQ(GoJsonFloat64(0.7), "0.7");
  EXPECT_EQ(GoJsonFloat64(1e-7), "1e-7");
  EXPECT_EQ(GoJsonFloat64(1e21), "1e+21");
  EXPECT_EQ(GoJsonFloat64(-2.5), "-2.5");
}

TEST(ParamsTest, RefusesUnknownAndBadValues) {
  Params p;
  EXPECT_EQ(AddParam(p, "nonsense", "1").message(), "unknown parameter 'nonsense'");
  EXPECT_FALSE(AddParam(p, "top_k", "4.5").ok());
  EXPECT_FALSE(AddParam(p, "temperature", "warm").ok());
  EXPECT_FALSE(AddParam(p, "use_mmap", "yes").ok());
  bool ignored = false;
  EXPECT_TRUE(AddParam(p, "mirostat", "2", &ignored).ok());
  EXPECT_TRUE(ignored);
  EXPECT_TRUE(p.empty());
}

}  // namespace
}  // namespace corral::store
