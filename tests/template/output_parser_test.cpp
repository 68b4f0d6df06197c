// chat::OutputParser: model output → content, thinking and tool calls, for each family's syntax. Every
// case is also fed split at every byte boundary, byte by byte, and in random token-sized pieces, and must
// give the same result as when fed whole.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "template/chat_template.h"
#include "template/output_parser.h"
#include "template/reference_support.h"
#include "test_paths.h"

namespace corral::chat {
namespace {

struct Parsed {
  std::string content;
  std::string thinking;
  std::vector<std::string> calls;  // "name(args_json)#index[id]"
  bool operator==(const Parsed&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Parsed& p) {
  os << "content=[" << p.content << "] thinking=[" << p.thinking << "] calls=";
  for (const auto& c : p.calls) os << "{" << c << "}";
  return os;
}

Parsed Collect(OutputDelta d) {
  Parsed p{std::move(d.content), std::move(d.thinking), {}};
  for (const ToolCall& c : d.tool_calls) {
    p.calls.push_back(c.name + "(" + c.arguments_json + ")#" + std::to_string(c.index) +
                      (c.id.empty() ? "" : "[" + c.id + "]"));
  }
  return p;
}

Parsed ParsePieces(const OutputFormat& format, const std::vector<std::string_view>& pieces) {
  OutputParser parser(format);
  OutputDelta all;
  for (std::string_view piece : pieces) all.Append(parser.Feed(piece));
  all.Append(parser.Finish());
  return Collect(std::move(all));
}

// The whole output in one piece, and every other way of cutting it.
Parsed ParseEveryWay(const OutputFormat& format, std::string_view text) {
  const Parsed whole = ParsePieces(format, {text});
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    EXPECT_EQ(ParsePieces(format, {text.substr(0, cut), text.substr(cut)}), whole) << "split at byte " << cut;
  }
  std::vector<std::string_view> bytes;
  for (size_t k = 0; k < text.size(); ++k) bytes.push_back(text.substr(k, 1));
  EXPECT_EQ(ParsePieces(format, bytes), whole) << "byte by byte";
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string_view> pieces;
    for (size_t pos = 0; pos < text.size();) {
      const size_t n = std::min<size_t>(1 + rng() % 6, text.size() - pos);  // token-sized pieces
      pieces.push_back(text.substr(pos, n));
      pos += n;
    }
    EXPECT_EQ(ParsePieces(format, pieces), whole) << "random pieces, round " << round;
  }
  return whole;
}

OutputFormat Format(ToolCallSyntax tools, std::string open = "", std::string close = "",
                    bool in_thinking = false) {
  return {tools, std::move(open), std::move(close), in_thinking};
}

TEST(OutputParser, PlainTextPassesThrough) {
  const Parsed p = ParseEveryWay(Format(ToolCallSyntax::kNone), "Hello <b>world</b> {not a call}");
  EXPECT_EQ(p, (Parsed{"Hello <b>world</b> {not a call}", "", {}}));
}

TEST(OutputParser, HermesToolCalls) {
  const OutputFormat f = Format(ToolCallSyntax::kHermes, "<think>", "</think>");
  EXPECT_EQ(
      ParseEveryWay(f,
                    "<think>\nThe user wants weather.\n</think>\n\nLet me check.\n<tool_call>\n"
                    "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"n\": [1, \"}\"]}}\n"
                    "</tool_call>\n<tool_call>\n{\"name\": \"search\", \"arguments\": \"{\\\"q\\\": 1}\"}\n"
                    "</tool_call>"),
      (Parsed{"Let me check.\n\n",
              "The user wants weather.\n",
              {"get_weather({\"city\":\"Paris\",\"n\":[1,\"}\"]})#0", "search({\"q\":1})#1"}}));
}

TEST(OutputParser, QwenCoderXmlCalls) {
  EXPECT_EQ(ParseEveryWay(Format(ToolCallSyntax::kHermes),
                          "<tool_call>\n<function=get_weather>\n<parameter=city>\nNew York\n</parameter>\n"
                          "<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>"),
            (Parsed{"", "", {"get_weather({\"city\":\"New York\",\"days\":3})#0"}}));
}

TEST(OutputParser, MistralArrayAndArgsSyntax) {
  EXPECT_EQ(ParseEveryWay(Format(ToolCallSyntax::kMistral),
                          "[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {\"x\": 1}, \"id\": \"abc123def\"}, "
                          "{\"name\": \"b\", \"arguments\": {}}]"),
            (Parsed{"", "", {"a({\"x\":1})#0[abc123def]", "b({})#1"}}));
  EXPECT_EQ(ParseEveryWay(Format(ToolCallSyntax::kMistral, "[THINK]", "[/THINK]"),
                          "[THINK]hmm[/THINK]Sure.[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Lyon\"}"
                          "[TOOL_CALLS]f[CALL_ID]id7[ARGS]{}"),
            (Parsed{"Sure.", "hmm", {"get_weather({\"city\":\"Lyon\"})#0", "f({})#1[id7]"}}));
}

TEST(OutputParser, DeepSeekR1AndV31) {
  const std::string b = "<\xEF\xBD\x9Ctool\xE2\x96\x81";
  const std::string calls_begin = b +
                                  "calls\xE2\x96\x81"
                                  "begin\xEF\xBD\x9C>";
  const std::string calls_end = b +
                                "calls\xE2\x96\x81"
                                "end\xEF\xBD\x9C>";
  const std::string call_begin = b +
                                 "call\xE2\x96\x81"
                                 "begin\xEF\xBD\x9C>";
  const std::string call_end = b +
                               "call\xE2\x96\x81"
                               "end\xEF\xBD\x9C>";
  const std::string sep = b + "sep\xEF\xBD\x9C>";
  // The R1 prompt ends with "<think>\n": output starts inside the reasoning.
  const OutputFormat r1 = Format(ToolCallSyntax::kDeepSeek, "<think>", "</think>", /*in_thinking=*/true);
  EXPECT_EQ(ParseEveryWay(r1, "Need the tool.\n</think>\n\n" + calls_begin + call_begin + "function" + sep +
                                  "get_weather\n```json\n{\"city\": \"Oslo\"}\n```" + call_end + calls_end),
            (Parsed{"", "Need the tool.\n", {"get_weather({\"city\":\"Oslo\"})#0"}}));
  EXPECT_EQ(ParseEveryWay(Format(ToolCallSyntax::kDeepSeek), "Ok." + calls_begin + call_begin + "f" + sep +
                                                                 "{\"a\": 1}" + call_end + call_begin + "g" +
                                                                 sep + "{}" + call_end + calls_end + " done"),
            (Parsed{"Ok. done", "", {"f({\"a\":1})#0", "g({})#1"}}));
}

TEST(OutputParser, LlamaJsonAndPythonTag) {
  const OutputFormat f = Format(ToolCallSyntax::kLlamaJson);
  EXPECT_EQ(ParseEveryWay(f,
                          "  {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}; "
                          "{\"name\": \"t\", \"parameters\": {}}"),
            (Parsed{"", "", {"get_weather({\"city\":\"Rome\"})#0", "t({})#1"}}));
  EXPECT_EQ(
      ParseEveryWay(f, "<|python_tag|>{\"name\": \"brave_search\", \"parameters\": {\"query\": \"x\"}}"),
      (Parsed{"", "", {"brave_search({\"query\":\"x\"})#0"}}));
  // The whitespace a model writes after its call is not content.
  EXPECT_EQ(ParseEveryWay(f, " {\"name\": \"t\", \"parameters\": {}} \n "), (Parsed{"", "", {"t({})#0"}}));
  // JSON that is not a call, and a brace later in the text, are content.
  EXPECT_EQ(ParseEveryWay(f, "{\"answer\": 42}"), (Parsed{"{\"answer\": 42}", "", {}}));
  EXPECT_EQ(ParseEveryWay(f, "Use {\"name\": \"x\", \"parameters\": {}} like this"),
            (Parsed{"Use {\"name\": \"x\", \"parameters\": {}} like this", "", {}}));
}

TEST(OutputParser, FunctionTagAndCommandR7B) {
  EXPECT_EQ(ParseEveryWay(Format(ToolCallSyntax::kFunctionTag),
                          "<function=get_weather>{\"city\": \"Kyiv\"}</function> and more"),
            (Parsed{" and more", "", {"get_weather({\"city\":\"Kyiv\"})#0"}}));
  EXPECT_EQ(ParseEveryWay(Format(ToolCallSyntax::kCommandR7B, "<|START_THINKING|>", "<|END_THINKING|>"),
                          "<|START_THINKING|>plan<|END_THINKING|><|START_ACTION|>[{\"tool_call_id\": \"0\", "
                          "\"tool_name\": \"search\", \"parameters\": {\"q\": \"x\"}}]<|END_ACTION|>"),
            (Parsed{"", "plan", {"search({\"q\":\"x\"})#0[0]"}}));
}

TEST(OutputParser, MalformedCallsComeBackAsContent) {
  const OutputFormat hermes = Format(ToolCallSyntax::kHermes);
  EXPECT_EQ(ParseEveryWay(hermes, "a<tool_call>{\"name\": \"f\", \"arguments\": {bad json}</tool_call>b"),
            (Parsed{"a<tool_call>{\"name\": \"f\", \"arguments\": {bad json}</tool_call>b", "", {}}));
  EXPECT_EQ(ParseEveryWay(hermes, "x<tool_call>{\"arguments\": {}}</tool_call>"),
            (Parsed{"x<tool_call>{\"arguments\": {}}</tool_call>", "", {}}));
  // Cut off mid-call: the text is kept.
  EXPECT_EQ(ParseEveryWay(hermes, "x<tool_call>{\"name\": \"f\", \"argu"),
            (Parsed{"x<tool_call>{\"name\": \"f\", \"argu", "", {}}));
  // A model that stops without the closing tag still made its call.
  EXPECT_EQ(ParseEveryWay(hermes, "<tool_call>{\"name\": \"f\", \"arguments\": {}}"),
            (Parsed{"", "", {"f({})#0"}}));
  const OutputFormat mistral = Format(ToolCallSyntax::kMistral);
  EXPECT_EQ(ParseEveryWay(mistral, "[TOOL_CALLS][{\"name\": 1}] rest"),
            (Parsed{"[TOOL_CALLS][{\"name\": 1}] rest", "", {}}));
  EXPECT_EQ(ParseEveryWay(mistral, "[TOOL_CALLS]not a name[ARGS]{}"),
            (Parsed{"[TOOL_CALLS]not a name[ARGS]{}", "", {}}));
  EXPECT_EQ(ParseEveryWay(Format(ToolCallSyntax::kLlamaJson), "{\"name\": \"f\", \"parameters\": 3}"),
            (Parsed{"{\"name\": \"f\", \"parameters\": 3}", "", {}}));
}

TEST(OutputParser, ThinkingMarkersSplitAnywhere) {
  const OutputFormat f = Format(ToolCallSyntax::kNone, "<think>", "</think>");
  EXPECT_EQ(ParseEveryWay(f, "\n<think>\n a < b </thin k</think>\n\nanswer </think> <think>"),
            (Parsed{"answer </think> <think>", "a < b </thin k", {}}));
  // No opening marker: no reasoning.
  EXPECT_EQ(ParseEveryWay(f, "<thing>text"), (Parsed{"<thing>text", "", {}}));
  // Never closed: all of it is reasoning.
  EXPECT_EQ(ParseEveryWay(f, "<think>still going"), (Parsed{"", "still going", {}}));
}

TEST(OutputParser, DeltasStreamAsSoonAsTheyAreKnown) {
  OutputParser parser(Format(ToolCallSyntax::kHermes, "<think>", "</think>"));
  EXPECT_EQ(parser.Feed("<think>ab").thinking, "ab");
  EXPECT_EQ(parser.Feed("c</th").thinking, "c");  // "</th" may be the closing marker
  OutputDelta d = parser.Feed("ink>Hi <tool");
  EXPECT_EQ(d.content, "Hi ");  // "<tool" is held back
  d = parser.Feed("_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>");
  ASSERT_EQ(d.tool_calls.size(), 1u);
  EXPECT_EQ(d.tool_calls[0].name, "f");
  EXPECT_TRUE(parser.Finish().empty());
}

std::string ReadTemplate(const std::string& name) {
  return jinja::testing::ReadFile(corral::testing::TestDataDir() / "templates" / name);
}

TEST(OutputFormat, DetectedFromRealTemplates) {
  if (!std::filesystem::exists(corral::testing::TestDataDir() / "templates"))
    GTEST_SKIP() << "run scripts/testdata";
  struct Want {
    const char* file;
    ToolCallSyntax tools;
    const char* think_open;
  };
  for (const Want& w : std::vector<Want>{
           {"Qwen-Qwen2.5-7B-Instruct.jinja", ToolCallSyntax::kHermes, ""},
           {"Qwen-Qwen3-0.6B.jinja", ToolCallSyntax::kHermes, "<think>"},
           {"Qwen3-Coder.jinja", ToolCallSyntax::kHermes, ""},
           {"NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja", ToolCallSyntax::kHermes, ""},
           {"mistralai-Mistral-Nemo-Instruct-2407.jinja", ToolCallSyntax::kMistral, ""},
           {"mistralai-Ministral-3-14B-Reasoning-2512.jinja", ToolCallSyntax::kMistral, "[THINK]"},
           {"deepseek-ai-DeepSeek-V3.1.jinja", ToolCallSyntax::kDeepSeek, "<think>"},
           {"llama-cpp-deepseek-r1.jinja", ToolCallSyntax::kDeepSeek, "<think>"},
           {"meta-llama-Llama-3.1-8B-Instruct.jinja", ToolCallSyntax::kLlamaJson, ""},
           {"meta-llama-Llama-3.2-3B-Instruct.jinja", ToolCallSyntax::kLlamaJson, ""},
           {"meetkai-functionary-medium-v3.1.jinja", ToolCallSyntax::kFunctionTag, ""},
           {"CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja", ToolCallSyntax::kCommandR7B,
            "<|START_THINKING|>"},
       }) {
    SCOPED_TRACE(w.file);
    const OutputFormat f = DetectOutputFormat(ReadTemplate(w.file));
    EXPECT_EQ(f.tools, w.tools);
    EXPECT_EQ(f.think_open, w.think_open);
  }
}

// This DeepSeek R1 template opens <think> in the generation prompt when thinking is on (and closes it at
// once when off), so the output starts inside the reasoning.
TEST(OutputFormat, PromptThatOpensThinkingStartsInside) {
  if (!std::filesystem::exists(corral::testing::TestDataDir() / "templates"))
    GTEST_SKIP() << "run scripts/testdata";
  const std::string source = ReadTemplate("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja");
  Result<ChatTemplate> tpl = ChatTemplate::FromJinja(source, "<s>", "</s>");
  ASSERT_TRUE(tpl.ok()) << tpl.status().message();
  Request request;
  request.messages.push_back(Message::Of("user", "2+2?"));
  request.think = Think::Bool(false);
  Result<std::string> closed = tpl->Render(request);
  ASSERT_TRUE(closed.ok()) << closed.status().message();
  EXPECT_FALSE(DetectOutputFormat(source, *closed).starts_in_thinking) << *closed;
  request.think = Think::Bool(true);
  Result<std::string> prompt = tpl->Render(request);
  ASSERT_TRUE(prompt.ok()) << prompt.status().message();
  const OutputFormat f = DetectOutputFormat(source, *prompt);
  EXPECT_TRUE(f.starts_in_thinking) << *prompt;
  EXPECT_EQ(ParseEveryWay(f, "Simple.</think>\n\n4"), (Parsed{"4", "Simple.", {}}));
  EXPECT_FALSE(DetectOutputFormat(source, "<｜User｜>2+2?<｜Assistant｜>").starts_in_thinking);
}

}  // namespace
}  // namespace corral::chat
