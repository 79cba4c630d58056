//===- SamplingTest.cpp - Choosing the next token -------------------------===//
//
// Each of HF's processors against hand-computed values, and the draws
// against the probabilities they come from (a chi-square test at a fixed
// seed, so it cannot flake).
//
//===----------------------------------------------------------------------===//

#include "hybrid/Runtime/Sampling.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlir::hybrid;

namespace {
std::vector<double> distributionOf(const SamplingOptions &options, const std::vector<float> &logits,
                                   const std::vector<int64_t> &seen = {}) {
  return Sampler(options).distribution(logits.data(), int64_t(logits.size()), seen);
}

/// Within `tolerance`: 1e-12 where the logits are exact in float, 1e-7
/// where they are float roundings of logarithms.
void expectNear(const std::vector<double> &got, const std::vector<double> &want,
                double tolerance = 1e-12) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tolerance) << "token " << i;
}

SamplingOptions sampling() {
  SamplingOptions options;
  options.doSample = true;
  return options;
}
} // namespace

TEST(Sampling, GreedyIsTheArgMaxOfThePenalisedLogits) {
  SamplingOptions greedy;
  Sampler sampler(greedy);
  const std::vector<float> logits = {2.0f, 1.9f, -1.0f};
  EXPECT_EQ(sampler.next(logits.data(), 3, {}), 0);
  // HF's CTRL penalty: 2.0 / 2 = 1.0 < 1.9. A negative logit is multiplied.
  greedy.repetitionPenalty = 2.0;
  Sampler penalised(greedy);
  EXPECT_EQ(penalised.next(logits.data(), 3, {0}), 1);
  EXPECT_EQ(penalised.next(logits.data(), 3, {0, 0}), 1); // once, not twice
  const std::vector<float> negative = {-0.5f, -0.6f};
  EXPECT_EQ(penalised.next(negative.data(), 2, {0}), 1); // -1.0 < -0.6
  expectNear(penalised.distribution(logits.data(), 3, {0}), {0, 1, 0});
}

TEST(Sampling, TemperatureDividesTheLogits) {
  SamplingOptions options = sampling();
  options.temperature = 0.5;
  const double e0 = std::exp(2.0), e1 = std::exp(0.0), e2 = std::exp(-2.0);
  const double sum = e0 + e1 + e2;
  expectNear(distributionOf(options, {1.0f, 0.0f, -1.0f}), {e0 / sum, e1 / sum, e2 / sum});
}

TEST(Sampling, TopKKeepsTheKLargestAndTheirTies) {
  SamplingOptions options = sampling();
  options.topK = 2;
  expectNear(distributionOf(options, {1, 3, 2, 3}), {0, 0.5, 0, 0.5});
  options.topK = 3;
  const double a = std::exp(3.0), b = std::exp(2.0);
  expectNear(distributionOf(options, {1, 3, 2, 3}), {0, a / (2 * a + b), b / (2 * a + b), a / (2 * a + b)});
  options.topK = 100; // past the vocabulary: all stay
  EXPECT_GT(distributionOf(options, {1, 3, 2, 3})[0], 0);
}

TEST(Sampling, TopPAndMinPKeepTheLikelyTokens) {
  const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.15f),
                                     std::log(0.05f)};
  SamplingOptions options = sampling();
  // Ascending cumulative 0.05, 0.20, 0.50, 1: at or below 1 - 0.75 go.
  options.topP = 0.75;
  expectNear(distributionOf(options, logits), {0.625, 0.375, 0, 0}, 1e-7);
  // A top_p so small that nothing would stay keeps the most likely token.
  options.topP = 1e-9;
  expectNear(distributionOf(options, logits), {1, 0, 0, 0});
  options.topP = 1;
  // min_p 0.4: below 0.4 × 0.5 = 0.2 go.
  options.minP = 0.4;
  expectNear(distributionOf(options, logits), {0.625, 0.375, 0, 0}, 1e-7);
}

TEST(Sampling, DrawsFollowTheirDistribution) {
  // Temperature, top-k and a penalty together; 200000 draws against the
  // probabilities: chi-square with 5 degrees of freedom, 20.52 at p = 0.001.
  SamplingOptions options = sampling();
  options.temperature = 0.8;
  options.topK = 6;
  options.repetitionPenalty = 1.3;
  options.seed = 42;
  const std::vector<float> logits = {0.1f, 1.2f, -0.3f, 0.7f, 2.0f, -1.5f, 0.4f, -2.2f};
  const std::vector<int64_t> seen = {4, 1};
  Sampler sampler(options);
  const std::vector<double> p = sampler.distribution(logits.data(), 8, seen);
  std::vector<int64_t> counts(8, 0);
  const int64_t draws = 200000;
  for (int64_t n = 0; n < draws; ++n)
    ++counts[sampler.next(logits.data(), 8, seen)];
  double chi2 = 0;
  int kept = 0;
  for (int i = 0; i < 8; ++i) {
    if (p[i] == 0) {
      EXPECT_EQ(counts[i], 0) << "token " << i << " was removed";
      continue;
    }
    ++kept;
    const double expected = p[i] * draws;
    chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
  }
  EXPECT_EQ(kept, 6);
  EXPECT_LT(chi2, 20.52);
}

TEST(Sampling, ASeedGivesTheSameTokensAndTopKOfOneIsGreedy) {
  const std::vector<float> logits = {0.3f, 0.1f, 0.2f, 0.25f};
  auto run = [&](SamplingOptions options) {
    Sampler sampler(options);
    std::vector<int64_t> ids;
    for (int n = 0; n < 32; ++n)
      ids.push_back(sampler.next(logits.data(), 4, {}));
    return ids;
  };
  SamplingOptions options = sampling();
  options.seed = 7;
  EXPECT_EQ(run(options), run(options));
  SamplingOptions other = options;
  other.seed = 8;
  EXPECT_NE(run(options), run(other));
  options.topK = 1;
  EXPECT_EQ(run(options), std::vector<int64_t>(32, 0));
}

TEST(Sampling, OutOfRangeOptionsNameTheFlag) {
  SamplingOptions options;
  EXPECT_EQ(options.validate(), "");
  options.temperature = 0;
  EXPECT_EQ(options.validate(), "--temperature must be a positive number, got 0");
  options = SamplingOptions();
  options.topP = 1.5;
  EXPECT_EQ(options.validate(), "--top-p must be in (0, 1], got 1.5");
  options = SamplingOptions();
  options.minP = -0.1;
  EXPECT_EQ(options.validate(), "--min-p must be in [0, 1], got -0.1");
  options = SamplingOptions();
  options.repetitionPenalty = 0;
  EXPECT_EQ(options.validate(), "--repetition-penalty must be a positive number, got 0");
}
