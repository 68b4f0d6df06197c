// Generate on a tiny random-weight model: seeded reproducibility, num_predict and the context limit with
// their done_reason, stop strings across tokens, end-of-generation tokens, logprobs and a grammar.
#include "engine/generator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/tiny_model.h"
#include "sample/grammar/gbnf.h"
#include "sample/logprobs.h"

namespace corral::engine {
namespace {

struct Output {
  GenerateResult result;
  std::string text;
};

sample::SamplerOptions Seeded(float temperature = 0.8f) {
  sample::SamplerOptions o;
  o.temperature = temperature;
  o.seed = 1234;
  return o;
}

// Bans the end-of-generation tokens so that a run lasts its whole num_predict.
sample::SamplerOptions NoEnd(const tokenizer::Tokenizer& tok, sample::SamplerOptions o) {
  for (int32_t id : tok.EndOfGenerationIds()) o.logit_bias.push_back({id, -INFINITY});
  return o;
}

Output RunTiny(const sample::SamplerOptions& sampler_options, const GenerateOptions& options,
               int n_ctx = 256) {
  const testing::TinyModel* tiny = testing::GetTinyModel();
  Output out;
  if (tiny == nullptr) return out;
  auto context = tiny->NewContext(n_ctx);
  sample::Sampler sampler(sampler_options, tiny->tokenizer->n_vocab());
  const std::vector<int32_t> prompt = tiny->tokenizer->Encode("Once upon a time");
  Result<GenerateResult> r =
      Generate(*context, *tiny->tokenizer, sampler, prompt, options, [&](std::string_view text) {
        out.text += text;
        return true;
      });
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok()) out.result = std::move(*r);
  return out;
}

TEST(Generate, SameSeedSameOutput) {
  const testing::TinyModel* tiny = testing::GetTinyModel();
  ASSERT_NE(tiny, nullptr);
  const Output a = RunTiny(Seeded(), {.num_predict = 16});
  const Output b = RunTiny(Seeded(), {.num_predict = 16});
  EXPECT_EQ(a.result.tokens, b.result.tokens);
  EXPECT_EQ(a.text, b.text);
  sample::SamplerOptions other = Seeded();
  other.seed = 99;
  EXPECT_NE(RunTiny(other, {.num_predict = 16}).result.tokens, a.result.tokens);
}

TEST(Generate, NumPredictEndsWithLength) {
  const testing::TinyModel* tiny = testing::GetTinyModel();
  ASSERT_NE(tiny, nullptr);
  const Output out = RunTiny(NoEnd(*tiny->tokenizer, Seeded()), {.num_predict = 5});
  EXPECT_EQ(out.result.done_reason, "length");
  EXPECT_EQ(out.result.eval_count, 5);
  EXPECT_EQ(out.result.tokens.size(), 5u);
}

// -1 and -2 run until the context is full: prompt + generated = n_ctx, reported as "length" (Ollama's
// llama-server stop_type "limit").
TEST(Generate, UnlimitedRunsUntilTheContextIsFull) {
  const testing::TinyModel* tiny = testing::GetTinyModel();
  ASSERT_NE(tiny, nullptr);
  const auto n_prompt = static_cast<int32_t>(tiny->tokenizer->Encode("Once upon a time").size());
  for (int32_t num_predict : {-1, -2}) {
    const Output out = RunTiny(NoEnd(*tiny->tokenizer, Seeded()), {.num_predict = num_predict}, 24);
    EXPECT_EQ(out.result.done_reason, "length");
    EXPECT_EQ(n_prompt + out.result.eval_count, 24 + 1) << "num_predict " << num_predict;
  }
}

TEST(Generate, EndOfGenerationTokenStops) {
  const testing::TinyModel* tiny = testing::GetTinyModel();
  ASSERT_NE(tiny, nullptr);
  sample::SamplerOptions o = Seeded();
  o.logit_bias = {{tiny->tokenizer->eos(), 1000.f}};
  const Output out = RunTiny(o, {.num_predict = 10});
  EXPECT_EQ(out.result.done_reason, "stop");
  EXPECT_TRUE(out.result.tokens.empty());
  EXPECT_EQ(out.result.eval_count, 1);
}

TEST(Generate, StopStringAcrossTokensIsNotEmitted) {
  const testing::TinyModel* tiny = testing::GetTinyModel();
  ASSERT_NE(tiny, nullptr);
  const sample::SamplerOptions o = NoEnd(*tiny->tokenizer, Seeded(0));
  const Output full = RunTiny(o, {.num_predict = 12});
  ASSERT_EQ(full.result.tokens.size(), 12u);
  // A stop string made of the end of token 4's text and the start of token 5's.
  std::string before;
  for (size_t i = 0; i < 4; ++i) before += tiny->tokenizer->Piece(full.result.tokens[i]);
  const std::string next = std::string(tiny->tokenizer->Piece(full.result.tokens[4]));
  ASSERT_FALSE(next.empty());
  const std::string stop =
      before.substr(before.size() - std::min<size_t>(2, before.size())) + next.substr(0, 1);
  const size_t at = full.text.find(stop);
  ASSERT_NE(at, std::string::npos);
  const Output stopped = RunTiny(o, {.num_predict = 12, .stop = {"never-there", stop}});
  EXPECT_EQ(stopped.result.done_reason, "stop");
  EXPECT_EQ(stopped.text, full.text.substr(0, at));
  EXPECT_LT(stopped.result.tokens.size(), 12u);
}

TEST(Generate, LogprobsAreTheLogSoftmaxOfTheLogits) {
  const testing::TinyModel* tiny = testing::GetTinyModel();
  ASSERT_NE(tiny, nullptr);
  // Greedy: the chosen token is the most likely one, so it heads its own top list.
  const Output out =
      RunTiny(NoEnd(*tiny->tokenizer, Seeded(0)), {.num_predict = 6, .logprobs = true, .top_logprobs = 3});
  ASSERT_EQ(out.result.logprobs.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    const TokenLogprob& lp = out.result.logprobs[i];
    EXPECT_EQ(lp.id, out.result.tokens[i]);
    EXPECT_EQ(lp.token, tiny->tokenizer->Piece(lp.id));
    ASSERT_EQ(lp.top_logprobs.size(), 3u);
    EXPECT_EQ(lp.top_logprobs[0].id, lp.id);
    EXPECT_FLOAT_EQ(lp.top_logprobs[0].logprob, lp.logprob);
    EXPECT_LE(lp.logprob, 0);
    EXPECT_GE(lp.top_logprobs[1].logprob, lp.top_logprobs[2].logprob);
    EXPECT_LE(lp.top_logprobs[1].logprob, lp.logprob);
  }
}

TEST(Generate, GrammarConstrainsAndEndsTheOutput) {
  const testing::TinyModel* tiny = testing::GetTinyModel();
  ASSERT_NE(tiny, nullptr);
  auto grammar = sample::grammar::ParseGbnf(R"(root ::= ("yes" | "no") (", " [0-9]{1,3})?)");
  ASSERT_TRUE(grammar.ok()) << grammar.status().ToString();
  const sample::grammar::TokenTrie vocab = MakeTokenTrie(*tiny->tokenizer);
  for (int64_t seed = 1; seed <= 5; ++seed) {
    sample::grammar::Matcher matcher(*grammar, vocab);
    sample::SamplerOptions o = Seeded(1.0f);
    o.seed = seed;
    const Output out = RunTiny(o, {.num_predict = 50, .grammar = &matcher});
    EXPECT_EQ(out.result.done_reason, "stop") << out.text;
    const bool head = out.text.starts_with("yes") || out.text.starts_with("no");
    EXPECT_TRUE(head) << out.text;
    const std::string tail = out.text.substr(out.text.starts_with("yes") ? 3 : 2);
    if (!tail.empty()) {
      EXPECT_TRUE(tail.starts_with(", ")) << out.text;
      EXPECT_GE(tail.size(), 3u);
      EXPECT_LE(tail.size(), 5u);
      EXPECT_EQ(tail.find_first_not_of("0123456789", 2), std::string::npos) << out.text;
    }
  }
}

}  // namespace
}  // namespace corral::engine
