// Config and weight binding: what a model file must hold, and the errors that name what is wrong.
#include <gtest/gtest.h>

#include "model/model.h"
#include "tiny_model.h"

namespace corral::model {
namespace {

using testing::TinyModelBytes;
using testing::TinySpec;

Result<std::unique_ptr<Model>> LoadBytes(const std::vector<uint8_t>& bytes) {
  CORRAL_ASSIGN_OR_RETURN(gguf::File file, gguf::File::FromBytes(bytes));
  return Model::FromFile(std::move(file));
}

TEST(ModelConfig, ReadsEveryKeyOfEachArchitecture) {
  for (const char* arch : {"llama", "mistral", "qwen2", "qwen3", "gemma3", "phi3"}) {
    SCOPED_TRACE(arch);
    TinySpec spec;
    spec.arch = arch;
    spec.sliding_window = std::string(arch) == "gemma3" ? 8 : 0;
    spec.n_layer = std::string(arch) == "gemma3" ? 7 : 2;
    const auto bytes = TinyModelBytes(spec);
    auto model = LoadBytes(bytes);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    const Config& c = (*model)->config();
    EXPECT_EQ(c.n_embd, 64);
    EXPECT_EQ(c.n_head_kv, 2);
    EXPECT_EQ(c.head_dim_k, 16);
    EXPECT_EQ(c.n_vocab, 96);
    EXPECT_FLOAT_EQ(c.attention_scale, 0.25f);
    const bool neox = std::string(arch) != "llama" && std::string(arch) != "mistral";
    EXPECT_EQ(c.rope_mode == ops::RopeMode::kNeox, neox);
    if (std::string(arch) == "gemma3") {
      EXPECT_FLOAT_EQ(c.embedding_scale, 8.f);
      // Layers 0-4 slide, 5 is global, 6 slides again (pattern 6).
      EXPECT_EQ(c.layer_is_swa, (std::vector<bool>{true, true, true, true, true, false, true}));
      EXPECT_FLOAT_EQ(c.rope_freq_base_swa, 1000.f);
    }
    EXPECT_GT((*model)->weight_bytes(), size_t{64 * 96 * 4});
  }
}

TEST(ModelConfig, TiedOutputUsesTheEmbeddings) {
  TinySpec spec;
  spec.tied = true;
  const auto bytes = TinyModelBytes(spec);
  auto model = LoadBytes(bytes);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->weights().output.data, (*model)->weights().token_embd.data);
}

TEST(ModelConfig, MissingKeysAreNamed) {
  for (const char* key :
       {"llama.block_count", "llama.embedding_length", "llama.attention.head_count",
        "llama.feed_forward_length", "llama.attention.layer_norm_rms_epsilon", "general.architecture"}) {
    SCOPED_TRACE(key);
    const auto bytes = TinyModelBytes({}, [&](gguf::Writer& w) { w.Remove(key); });
    auto model = LoadBytes(bytes);
    ASSERT_FALSE(model.ok());
    EXPECT_NE(model.status().message().find(key), std::string::npos) << model.status().ToString();
  }
}

TEST(ModelConfig, InvalidValuesAreRefused) {
  auto bytes = TinyModelBytes({}, [](gguf::Writer& w) { w.SetU32("llama.attention.head_count_kv", 3); });
  auto model = LoadBytes(bytes);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("does not divide"), std::string::npos) << model.status().ToString();

  bytes = TinyModelBytes({}, [](gguf::Writer& w) { w.SetString("general.architecture", "mamba"); });
  model = LoadBytes(bytes);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kUnsupported);

  bytes = TinyModelBytes({}, [](gguf::Writer& w) { w.SetString("llama.rope.scaling.type", "yarn"); });
  model = LoadBytes(bytes);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("yarn"), std::string::npos);

  bytes = TinyModelBytes({}, [](gguf::Writer& w) { w.SetU32("llama.block_count", 0); });
  model = LoadBytes(bytes);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("llama.block_count"), std::string::npos);
}

TEST(ModelWeights, MissingOrMisshapenTensorsAreNamed) {
  TinySpec spec;
  spec.tensor_edit = [](const std::string& name, std::vector<int64_t>&) {
    return name != "blk.1.ffn_up.weight";
  };
  auto bytes = TinyModelBytes(spec);
  auto model = LoadBytes(bytes);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("blk.1.ffn_up.weight"), std::string::npos)
      << model.status().ToString();

  spec.tensor_edit = [](const std::string& name, std::vector<int64_t>& dims) {
    if (name == "blk.0.attn_k.weight") dims[1] = 64;  // n_head_kv · head_dim is 32
    return true;
  };
  bytes = TinyModelBytes(spec);
  model = LoadBytes(bytes);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("blk.0.attn_k.weight"), std::string::npos)
      << model.status().ToString();
  EXPECT_NE(model.status().message().find("[64, 32]"), std::string::npos) << model.status().ToString();

  spec.arch = "qwen2";
  spec.tensor_edit = [](const std::string& name, std::vector<int64_t>&) {
    return name != "blk.0.attn_v.bias";
  };
  bytes = TinyModelBytes(spec);
  model = LoadBytes(bytes);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("blk.0.attn_v.bias"), std::string::npos);
}

}  // namespace
}  // namespace corral::model
