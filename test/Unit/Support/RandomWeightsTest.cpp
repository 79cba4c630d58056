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
