// The sampler stages on small hand-checked distributions, reproducibility under a seed, and a statistical
// check that draws follow the softmax of the logits.
#include "sample/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

namespace corral::sample {
namespace {

SamplerOptions Plain() {
  SamplerOptions o;
  o.temperature = 1;
  o.top_k = 0;
  o.top_p = 1;
  o.min_p = 0;
  o.repeat_penalty = 1;
  o.seed = 42;
  return o;
}

std::map<int32_t, int> Histogram(Sampler& sampler, const std::vector<float>& logits, int draws) {
  std::map<int32_t, int> seen;
  for (int i = 0; i < draws; ++i) ++seen[sampler.Sample(logits)];
  return seen;
}

TEST(Sampler, TemperatureZeroIsArgmaxWithTheLowestIdOnTies) {
  SamplerOptions o = Plain();
  o.temperature = 0;
  Sampler s(o, 5);
  EXPECT_EQ(s.Sample(std::vector<float>{1, 3, 2, 3, -1}), 1);
  EXPECT_EQ(s.Sample(std::vector<float>{-5, -4, -3, -2, -1}), 4);
}

TEST(Sampler, TopKOneIsGreedyAtAnyTemperature) {
  SamplerOptions o = Plain();
  o.top_k = 1;
  o.temperature = 5;
  Sampler s(o, 4);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(s.Sample(std::vector<float>{0.1f, 0.3f, 0.2f, 0.29f}), 1);
}

TEST(Sampler, SameSeedSameDraws) {
  const std::vector<float> logits = {0.5f, 0.4f, 0.3f, 0.2f, 0.1f, 0.0f};
  Sampler a(Plain(), 6);
  Sampler b(Plain(), 6);
  std::vector<int32_t> da, db;
  for (int i = 0; i < 200; ++i) {
    da.push_back(a.Sample(logits));
    db.push_back(b.Sample(logits));
  }
  EXPECT_EQ(da, db);
  SamplerOptions other = Plain();
  other.seed = 43;
  Sampler c(other, 6);
  std::vector<int32_t> dc;
  for (int i = 0; i < 200; ++i) dc.push_back(c.Sample(logits));
  EXPECT_NE(da, dc);
}

// Softmax of {ln 1, ln 2, ln 3, ln 4} is {0.1, 0.2, 0.3, 0.4}: 40,000 draws must land within a chi-square
// bound (3 degrees of freedom, p = 0.001 → 16.27).
TEST(Sampler, DrawsFollowTheSoftmax) {
  const std::vector<float> logits = {std::log(1.f), std::log(2.f), std::log(3.f), std::log(4.f)};
  Sampler s(Plain(), 4);
  const int n = 40000;
  std::map<int32_t, int> seen = Histogram(s, logits, n);
  double chi2 = 0;
  for (int id = 0; id < 4; ++id) {
    const double expected = n * (id + 1) / 10.0;
    chi2 += (seen[id] - expected) * (seen[id] - expected) / expected;
  }
  EXPECT_LT(chi2, 16.27) << seen[0] << " " << seen[1] << " " << seen[2] << " " << seen[3];
}

// Temperature 2 flattens {0, ln 4} (probabilities 0.2 / 0.8) to {0, ln 2}: 1/3 and 2/3.
TEST(Sampler, TemperatureDividesLogits) {
  SamplerOptions o = Plain();
  o.temperature = 2;
  Sampler s(o, 2);
  const int n = 30000;
  std::map<int32_t, int> seen = Histogram(s, {0.f, std::log(4.f)}, n);
  EXPECT_NEAR(seen[1] / static_cast<double>(n), 2.0 / 3.0, 0.015);
}

// Probabilities {0.4, 0.3, 0.2, 0.1}: top_p 0.6 keeps the first two (0.4 + 0.3 ≥ 0.6), renormalised.
TEST(Sampler, TopPKeepsTheSmallestPrefixReachingP) {
  SamplerOptions o = Plain();
  o.top_p = 0.6f;
  Sampler s(o, 4);
  const std::vector<float> logits = {std::log(4.f), std::log(3.f), std::log(2.f), std::log(1.f)};
  std::map<int32_t, int> seen = Histogram(s, logits, 20000);
  EXPECT_EQ(seen.count(2), 0u);
  EXPECT_EQ(seen.count(3), 0u);
  EXPECT_NEAR(seen[0] / 20000.0, 4.0 / 7.0, 0.02);
}

// min_p 0.5 keeps tokens at least half as likely as the best: 0.4 and 0.3 and 0.2 (0.2 ≥ 0.2), not 0.1.
TEST(Sampler, MinPDropsUnlikelyTokens) {
  SamplerOptions o = Plain();
  o.min_p = 0.5f;
  Sampler s(o, 4);
  const std::vector<float> logits = {std::log(4.f), std::log(3.f), std::log(2.f), std::log(1.f)};
  std::map<int32_t, int> seen = Histogram(s, logits, 20000);
  EXPECT_EQ(seen.count(3), 0u);
  EXPECT_GT(seen[2], 0);
}

TEST(Sampler, RepeatPenaltyShrinksPositiveAndGrowsNegativeLogits) {
  SamplerOptions o = Plain();
  o.temperature = 0;
  o.repeat_penalty = 2;
  Sampler s(o, 3);
  // Token 0 leads (4 vs 3) until it is seen: 4 / 2 = 2 < 3.
  EXPECT_EQ(s.Sample(std::vector<float>{4, 3, -1}), 0);
  s.Accept(0);
  EXPECT_EQ(s.Sample(std::vector<float>{4, 3, -1}), 1);
  // Negative logits are multiplied: -1 · 2 = -2 < -1.5.
  s.Reset();
  s.Accept(2);
  EXPECT_EQ(s.Sample(std::vector<float>{-3, -1.5f, -1}), 1);
}

TEST(Sampler, PenaltyWindowForgetsOldTokens) {
  SamplerOptions o = Plain();
  o.temperature = 0;
  o.repeat_penalty = 2;
  o.repeat_last_n = 2;
  Sampler s(o, 4);
  s.Accept(0);
  s.Accept(2);
  s.Accept(3);  // token 0 is now outside the window of 2
  EXPECT_EQ(s.Sample(std::vector<float>{4, 3, 0, 0}), 0);
}

TEST(Sampler, FrequencyAndPresencePenaltiesSubtract) {
  SamplerOptions o = Plain();
  o.temperature = 0;
  o.frequency_penalty = 1;
  o.presence_penalty = 0.5f;
  Sampler s(o, 2);
  s.Accept(0);
  s.Accept(0);
  // 5 - 2·1 - 0.5 = 2.5 < 3.
  EXPECT_EQ(s.Sample(std::vector<float>{5, 3}), 1);
}

TEST(Sampler, ValidateNamesTheBadOption) {
  SamplerOptions o;
  o.temperature = -1;
  EXPECT_NE(Validate(o).ToString().find("temperature"), std::string::npos);
  o = SamplerOptions();
  o.top_p = 1.5f;
  EXPECT_NE(Validate(o).ToString().find("top_p"), std::string::npos);
  o = SamplerOptions();
  o.repeat_penalty = 0;
  EXPECT_FALSE(Validate(o).ok());
  EXPECT_TRUE(Validate(SamplerOptions()).ok());
}

// Probabilities {0.5, 0.3, 0.2} have entropy H = 1.0297 nats; |-ln p - H| is 0.337, 0.174, 0.580, so the
// most typical token is the 0.3 one. typical_p 0.25 keeps it alone; 0.5 adds the 0.5 one (0.3 + 0.5 > 0.5).
TEST(Sampler, TypicalPKeepsTheTokensClosestToTheEntropy) {
  const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
  SamplerOptions o = Plain();
  o.typical_p = 0.25f;
  Sampler narrow(o, 3);
  std::map<int32_t, int> seen = Histogram(narrow, logits, 2000);
  EXPECT_EQ(seen[1], 2000);
  o.typical_p = 0.5f;
  Sampler wider(o, 3);
  seen = Histogram(wider, logits, 20000);
  EXPECT_EQ(seen.count(2), 0u);
  EXPECT_NEAR(seen[0] / 20000.0, 0.5 / 0.8, 0.02);
}

// Equal logits with a bias of ln 2 on token 2: probabilities 1/4, 1/4, 1/2 (chi-square, 2 degrees of
// freedom, p = 0.001 -> 13.82).
TEST(Sampler, LogitBiasShiftsTheDistribution) {
  SamplerOptions o = Plain();
  o.logit_bias = {{2, std::log(2.f)}};
  Sampler s(o, 3);
  const int n = 40000;
  std::map<int32_t, int> seen = Histogram(s, {0, 0, 0}, n);
  const double expected[] = {0.25, 0.25, 0.5};
  double chi2 = 0;
  for (int id = 0; id < 3; ++id) chi2 += std::pow(seen[id] - n * expected[id], 2) / (n * expected[id]);
  EXPECT_LT(chi2, 13.82);
}

TEST(Sampler, NegativeInfiniteBiasBansAToken) {
  SamplerOptions o = Plain();
  o.logit_bias = {{0, -INFINITY}};
  Sampler s(o, 2);
  std::map<int32_t, int> seen = Histogram(s, {5, 0}, 500);
  EXPECT_EQ(seen[1], 500);
  o.temperature = 0;
  Sampler greedy(o, 2);
  EXPECT_EQ(greedy.Sample(std::vector<float>{5, 0}), 1);
}

TEST(Sampler, MaskLimitsTheChoiceBeforeTheOtherStages) {
  SamplerOptions o = Plain();
  o.top_k = 1;  // after the mask, top_k 1 takes the best allowed token, not the best overall
  Sampler s(o, 4);
  TokenMask mask(4);
  mask.Allow(1);
  mask.Allow(3);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(s.Sample(std::vector<float>{9, 1, 8, 2}, &mask), 3);
  o = Plain();
  Sampler spread(o, 4);
  std::map<int32_t, int> seen;
  for (int i = 0; i < 4000; ++i) ++seen[spread.Sample(std::vector<float>{9, 0, 8, 0}, &mask)];
  EXPECT_EQ(seen[1] + seen[3], 4000);
  EXPECT_NEAR(seen[1] / 4000.0, 0.5, 0.04);
}

TEST(Sampler, ValidateChecksTypicalPAndLogitBias) {
  SamplerOptions o;
  o.typical_p = 0;
  EXPECT_NE(Validate(o).ToString().find("typical_p"), std::string::npos);
  o = SamplerOptions();
  o.logit_bias = {{7, 1.f}};
  EXPECT_NE(Validate(o, 5).ToString().find("logit_bias"), std::string::npos);
  EXPECT_TRUE(Validate(o, 8).ok());
}

}  // namespace
}  // namespace corral::sample
