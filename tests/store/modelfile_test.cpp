// The Modelfile parser: every directive, quoting, comments, case, and errors that name the line.
#include <gtest/gtest.h>

#include "store/modelfile.h"

namespace corral::store {
namespace {

TEST(ModelfileTest, ParsesEveryDirective) {
  const char* text = R"(# a comment
FROM ./model.gguf
from llama3:8b
PARAMETER temperature 0.7
parameter stop "<|eot_id|>"
PARAMETER num_ctx 4096
TEMPLATE """{{ if .System }}<|system|>
{{ .System }}{{ end }}<|user|>
{{ .Prompt }}"""
SYSTEM You are "helpful".
ADAPTER ./lora.gguf
LICENSE """MIT
Copyright"""
MESSAGE user Is the sky blue?
MESSAGE assistant "Yes, it is."
REQUIRES 0.14.0
)";
  Result<Modelfile> f = ParseModelfile(text);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const std::vector<std::pair<std::string, std::string>> want = {
      {"model", "./model.gguf"},
      {"model", "llama3:8b"},
      {"temperature", "0.7"},
      {"stop", "<|eot_id|>"},
      {"num_ctx", "4096"},
      {"template", "{{ if .System }}<|system|>\n{{ .System }}{{ end }}<|user|>\n{{ .Prompt }}"},
      {"system", "You are \"helpful\"."},
      {"adapter", "./lora.gguf"},
      {"license", "MIT\nCopyright"},
      {"message", "user: Is the sky blue?"},
      {"message", "assistant: Yes, it is."},
      {"requires", "0.14.0"},
  };
  ASSERT_EQ(f->commands.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(f->commands[i].name, want[i].first) << i;
    EXPECT_EQ(f->commands[i].args, want[i].second) << i;
  }
  EXPECT_EQ(f->commands[0].line, 2);
  EXPECT_EQ(f->commands[5].line, 7);
  EXPECT_EQ(f->commands[6].line, 10);
}

TEST(ModelfileTest, ErrorsNameTheLine) {
  const auto error = [](const char* text) {
    Result<Modelfile> f = ParseModelfile(text);
    return f.ok() ? std::string("ok") : f.status().message();
  };
  EXPECT_EQ(error("FROM x\n\nBOGUS thing\n").substr(0, 7), "line 3:");
  EXPECT_NE(error("FROM x\nBOGUS thing\n").find("unknown command 'BOGUS'"), std::string::npos);
  EXPECT_EQ(error("FROM x\nMESSAGE robot hi\n"),
            "line 2: message role must be one of \"system\", \"user\", or \"assistant\"");
  EXPECT_EQ(error("FROM x\nSYSTEM ok\nTEMPLATE \"\"\"never\nclosed\n"),
            "line 3: unterminated quoted value (a \"\"\" or \" is not closed)");
  EXPECT_EQ(error("PARAMETER temperature 1\n"), "no FROM line");
  EXPECT_EQ(error("FROM x\nREQUIRES banana\n"), "line 2: requires must be a valid semver (e.g. 0.14.0)");
  EXPECT_EQ(error("FROM x\nPARAMETER\n").substr(0, 7), "line 2:");
  EXPECT_EQ(error("FROM x\nFROM\n").substr(0, 7), "line 2:");
}

TEST(ModelfileTest, FormatsAsOllamaAndParsesBack) {
  const std::vector<ModelfileCommand> commands = {
      {"model", "/models/blobs/sha256-abc", 0},
      {"template", "{{ .System }}\n\"{{ .Prompt }}\"", 0},
      {"system", "two\nlines", 0},
      {"system", " padded ", 0},
      {"stop", "<|im_end|>", 0},
      {"message", "user: hello", 0},
      {"license", "plain", 0},
  };
  const std::vector<std::string> lines = {
      "FROM /models/blobs/sha256-abc",
      "TEMPLATE \"\"\"{{ .System }}\n\"{{ .Prompt }}\"\"\"\"",
      "SYSTEM \"two\nlines\"",
      "SYSTEM \" padded \"",
      "PARAMETER stop <|im_end|>",
      "MESSAGE user hello",
      "LICENSE plain",
  };
  std::string text;
  for (size_t i = 0; i < commands.size(); ++i) {
    EXPECT_EQ(FormatModelfileCommand(commands[i]), lines[i]);
    text += lines[i] + "\n";
  }
  Result<Modelfile> back = ParseModelfile(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->commands.size(), commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    EXPECT_EQ(back->commands[i].args, commands[i].args) << i;
  }
}

TEST(ModelfileTest, ByteOrderMarkAndCrlf) {
  Result<Modelfile> f = ParseModelfile(
      "\xEF\xBB\xBF"
      "FROM m\r\nSYSTEM hi\r\n");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->commands.size(), 2u);
  EXPECT_EQ(f->commands[1].args, "hi");
}

}  // namespace
}  // namespace corral::store
