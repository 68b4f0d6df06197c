// Capabilities as Ollama derives them from the GGUF: "embedding" for a file with `<arch>.pooling_type`
// (Ollama's rule) and for an encoder architecture without a language-model head even when the key is missing
// (corral cannot generate with one), "completion" otherwise.
#include "store/model_info.h"

#include <gtest/gtest.h>

#include "gguf/writer.h"

namespace corral::store {
namespace {

std::vector<std::string> CapabilitiesOf(const std::string& arch, bool pooling_key) {
  gguf::Writer writer;
  writer.SetString("general.architecture", arch);
  if (pooling_key) writer.SetU32(arch + ".pooling_type", 1);
  Result<std::vector<uint8_t>> bytes = writer.ToBytes();
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  Result<gguf::File> file = gguf::File::FromBytes(*bytes);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  return Capabilities(ModelInfo{}, *file, arch);
}

TEST(ModelInfoCapabilities, EmbeddingModelsSayEmbeddingNotCompletion) {
  EXPECT_EQ(CapabilitiesOf("bert", true), std::vector<std::string>{"embedding"});
  EXPECT_EQ(CapabilitiesOf("bert", false), std::vector<std::string>{"embedding"});
  EXPECT_EQ(CapabilitiesOf("nomic-bert", false), std::vector<std::string>{"embedding"});
  EXPECT_EQ(CapabilitiesOf("qwen3", true), std::vector<std::string>{"embedding"});  // an embedding Qwen3
  EXPECT_EQ(CapabilitiesOf("llama", false), std::vector<std::string>{"completion"});
}

}  // namespace
}  // namespace corral::store
