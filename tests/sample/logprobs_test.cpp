// Log-probabilities are the log-softmax of the raw logits over the whole vocabulary.
#include "sample/logprobs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace corral::sample {
namespace {

TEST(Logprobs, LogSoftmaxOfTheRawLogits) {
  // Softmax of {ln 1, ln 2, ln 3, ln 4} + 100 (a shift changes nothing) is {0.1, 0.2, 0.3, 0.4}.
  std::vector<float> logits;
  for (float p : {1.f, 2.f, 3.f, 4.f}) logits.push_back(std::log(p) + 100);
  const StepLogprobs step = ComputeLogprobs(logits, 1, 3);
  EXPECT_EQ(step.chosen.id, 1);
  EXPECT_NEAR(step.chosen.logprob, std::log(0.2), 1e-5);
  ASSERT_EQ(step.top.size(), 3u);
  EXPECT_EQ(step.top[0].id, 3);
  EXPECT_NEAR(step.top[0].logprob, std::log(0.4), 1e-5);
  EXPECT_EQ(step.top[1].id, 2);
  EXPECT_EQ(step.top[2].id, 1);
}

TEST(Logprobs, TiesListTheLowerIdFirstAndTopIsCappedAtTheVocabulary) {
  const StepLogprobs step = ComputeLogprobs(std::vector<float>{0, 0}, 0, 20);
  ASSERT_EQ(step.top.size(), 2u);
  EXPECT_EQ(step.top[0].id, 0);
  EXPECT_NEAR(step.top[1].logprob, std::log(0.5), 1e-6);
  EXPECT_TRUE(ComputeLogprobs(std::vector<float>{0, 0}, 0, 0).top.empty());
}

}  // namespace
}  // namespace corral::sample
