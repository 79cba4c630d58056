//===- RandomWeightsTest.cpp - --random-weights, drawn per name -----------===//

#include "hybrid/Support/RandomWeights.h"

#include <gtest/gtest.h>

using namespace mlir::hybrid;

namespace {
std::vector<float> draw(const std::string &name, int seed) {
  HostTensor t = randomWeight(name, {2, 8}, seed);
  return std::vector<float>(t.floats(), t.floats() + t.numel());
}
} // namespace

// A weight's values depend on the seed and its name only, so the order and
// number of a function's arguments (a model built with or without carried
// state) never change them.
TEST(RandomWeights, DrawnPerNameAndSeed) {
  EXPECT_EQ(draw("layers.0.mixer.in_proj.weight", 1),
            draw("layers.0.mixer.in_proj.weight", 1));
  EXPECT_NE(draw("layers.0.mixer.in_proj.weight", 1),
            draw("layers.1.mixer.in_proj.weight", 1));
  EXPECT_NE(draw("layers.0.mixer.in_proj.weight", 1),
            draw("layers.0.mixer.in_proj.weight", 2));
}

TEST(RandomWeights, ScaledByRole) {
  for (float v : draw("model.norm.weight", 3)) {
    EXPECT_GE(v, 0.9f);
    EXPECT_LE(v, 1.1f);
  }
  for (float v : draw("layers.0.mixer.A_log", 3)) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 2.0f);
  }
  for (float v : draw("layers.0.mixer.out_proj.weight", 3)) {
    EXPECT_GE(v, -0.2f);
    EXPECT_LE(v, 0.2f);
  }
}

TEST(CheckAllocation, OverflowAndMemoryAreErrorsNamingTheTensor) {
  std::string error;
  EXPECT_TRUE(checkAllocation({1024, 1024}, 4, "w", error));
  // 2^62 elements × 4 bytes overflows int64.
  EXPECT_FALSE(checkAllocation({int64_t(1) << 31, int64_t(1) << 31}, 4, "w", error));
  EXPECT_EQ(error, "w: a tensor of that shape has more bytes than a 64-bit count holds");
  // 2^50 bytes (1 PiB): more than any machine this runs on.
  EXPECT_FALSE(checkAllocation({int64_t(1) << 24, int64_t(1) << 24}, 4, "w", error));
  EXPECT_EQ(error.rfind("w: needs ", 0), 0u) << error;
}

TEST(CheckAllocation, ABudgetRefusesTensorsThatOnlyTogetherDoNotFit) {
  // 1 MiB available, measured once: two 512 KiB tensors fit, a third not.
  MemoryBudget budget{0, double(1 << 20)};
  std::string error;
  EXPECT_TRUE(checkAllocation({128, 1024}, 4, "a", error, &budget));
  EXPECT_TRUE(checkAllocation({128, 1024}, 4, "b", error, &budget));
  EXPECT_EQ(budget.used, int64_t(1) << 20);
  EXPECT_FALSE(checkAllocation({1}, 4, "c", error, &budget));
  EXPECT_EQ(error, "c: needs 3.73e-09 GiB, which with the 0.000977 GiB before it is more than "
                   "the 0.000977 GiB of memory available");
  EXPECT_EQ(budget.used, int64_t(1) << 20); // a refused tensor is not counted
}
