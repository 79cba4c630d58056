//===- LayerTest.cpp - Reference MoE, recurrence and building blocks ------===//
//
// Hand-computed values (activations at 1, norms of small vectors, a rotation
// of a 2-vector) and identities between ops (MoE with one expert is a gated
// MLP). Tolerance: 1e-5 of the output's scale unless a line says otherwise.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Reference/Reference.h"

#include "../TestUtils.h"

using namespace mlir::hybrid;
using namespace mlir::hybrid::reference;
using namespace mlir::hybrid::testing;

namespace {

TEST(ReferenceActivation, ValuesAtOne) {
  // Known values to 6 digits.
  EXPECT_NEAR(activate(Activation::gelu, 1.0), 0.841345, 1e-6);
  EXPECT_NEAR(activate(Activation::gelu_tanh, 1.0), 0.841192, 1e-6);
  EXPECT_NEAR(activate(Activation::silu, 1.0), 0.731059, 1e-6);
  EXPECT_NEAR(activate(Activation::quick_gelu, 1.0), 0.845795, 1e-6);
  EXPECT_NEAR(activate(Activation::sigmoid, 0.0), 0.5, 1e-12);
  EXPECT_NEAR(activate(Activation::softplus, 0.0), std::log(2.0), 1e-12);
  EXPECT_NEAR(activate(Activation::elu_plus_one, -1.0), std::exp(-1.0), 1e-12);
  EXPECT_NEAR(activate(Activation::elu_plus_one, 2.0), 3.0, 1e-12);
  EXPECT_EQ(activate(Activation::relu, -3.0), 0.0);
  EXPECT_NEAR(activate(Activation::tanh, 0.5), std::tanh(0.5), 1e-12);
  EXPECT_EQ(activate(Activation::identity, -7.5), -7.5);
}

TEST(ReferenceNorms, HandComputed) {
  // RMS of [3, 4] is sqrt(12.5).
  const float r = std::sqrt(12.5f);
  HostTensor x = tensor({1, 2}, {3, 4});
  EXPECT_TRUE(closeTo(rmsNorm(x, tensor({2}, {1, 2}), 0.0, false),
                      tensor({1, 2}, {3 / r, 8 / r})));
  // Gemma form scales by (1 + w).
  EXPECT_TRUE(closeTo(rmsNorm(x, tensor({2}, {0, 1}), 0.0, true),
                      tensor({1, 2}, {3 / r, 8 / r})));
  // In groups of 2: [3, 4] by its RMS √12.5, [1, 1] by 1, each with its
  // own weights.
  EXPECT_TRUE(closeTo(rmsNorm(tensor({1, 4}, {3, 4, 1, 1}),
                              tensor({4}, {1, 2, 3, 4}), 0.0, false, 2),
                      tensor({1, 4}, {3 / r, 8 / r, 3, 4})));
  // LayerNorm of [1, 3]: mean 2, biased variance 1.
  HostTensor w = tensor({2}, {2, 2}), b = tensor({2}, {1, 1});
  EXPECT_TRUE(closeTo(layerNorm(tensor({1, 2}, {1, 3}), &w, &b, 0.0),
                      tensor({1, 2}, {-1, 3})));
  EXPECT_TRUE(closeTo(layerNorm(tensor({1, 2}, {1, 3}), nullptr, nullptr, 0.0),
                      tensor({1, 2}, {-1, 1})));
}

TEST(ReferenceRope, RotatesPairsByPosition) {
  // head_dim 2: one frequency (θ^0 = 1), the angle is the position.
  HostTensor x = tensor({1, 1, 2, 2}, {1, 0, 1, 0});
  HostTensor out = rope(x, nullptr, 10000.0, /*offset=*/3, false);
  EXPECT_TRUE(closeTo(out, tensor({1, 1, 2, 2}, {std::cos(3.0f), std::sin(3.0f),
                                                 std::cos(4.0f), std::sin(4.0f)})));
  // Explicit positions override the offset.
  HostTensor positions = HostTensor::fromInts({1, 2}, {0, 1});
  EXPECT_TRUE(closeTo(rope(x, &positions, 10000.0, 0, false),
                      tensor({1, 1, 2, 2}, {1, 0, std::cos(1.0f), std::sin(1.0f)})));
}

TEST(ReferenceRope, GivenFrequenciesAndScaling) {
  // head_dim 4, inv_freq = [0.5, 0.25] (θ = 4 scaled linearly by 2), cos and
  // sin × 1.5: at position 2 the angles are 1 and 0.5.
  HostTensor x = tensor({1, 1, 1, 4}, {1, 2, 0, 0});
  const float freqs[] = {0.5f, 0.25f};
  HostTensor out = rope(x, nullptr, 4.0, /*offset=*/2, false, freqs, 1.5);
  EXPECT_TRUE(closeTo(out, tensor({1, 1, 1, 4},
                                  {1.5f * std::cos(1.0f), 3.0f * std::cos(0.5f),
                                   1.5f * std::sin(1.0f), 3.0f * std::sin(0.5f)})));
}

TEST(ReferenceRope, DynamicNtkRescalesThetaPastTheContext) {
  // head_dim 4, θ = 16, factor 2, context 2. One row at position 3: L = 4,
  // θ' = 16 · (2·4/2 − 1)^(4/2) = 144, frequencies 1 and 1/12.
  HostTensor x = tensor({1, 1, 1, 4}, {1, 2, 0, 0});
  HostTensor out = rope(x, nullptr, 16.0, /*offset=*/3, false, {}, 1.0, {},
                        /*ntkFactor=*/2.0, /*originalContext=*/2);
  EXPECT_TRUE(closeTo(out, tensor({1, 1, 1, 4},
                                  {std::cos(3.0f), 2 * std::cos(0.25f),
                                   std::sin(3.0f), 2 * std::sin(0.25f)})));
  // Position 1 alone: L = 2 is within the context, θ stays 16 (1, 1/4).
  HostTensor one = HostTensor::fromInts({1, 1}, {1});
  EXPECT_TRUE(closeTo(rope(x, &one, 16.0, 0, false, {}, 1.0, {}, 2.0, 2),
                      tensor({1, 1, 1, 4}, {std::cos(1.0f), 2 * std::cos(0.25f),
                                            std::sin(1.0f), 2 * std::sin(0.25f)})));
}

TEST(ReferenceRope, LongRopeSwitchesPastTheContext) {
  // inv_freq [0.5, 0.25] within a context of 3, [0.1, 0.05] past it; the
  // longest position of the call decides for every row.
  HostTensor x = tensor({1, 1, 2, 4}, {0, 0, 0, 0, 1, 2, 0, 0});
  const float shortFreqs[] = {0.5f, 0.25f}, longFreqs[] = {0.1f, 0.05f};
  HostTensor within = HostTensor::fromInts({1, 2}, {0, 2});
  HostTensor past = HostTensor::fromInts({1, 2}, {0, 3});
  EXPECT_TRUE(closeTo(rope(x, &within, 10.0, 0, false, shortFreqs, 1.0, longFreqs, 0, 3),
                      tensor({1, 1, 2, 4}, {0, 0, 0, 0, std::cos(1.0f), 2 * std::cos(0.5f),
                                            std::sin(1.0f), 2 * std::sin(0.5f)})));
  EXPECT_TRUE(closeTo(rope(x, &past, 10.0, 0, false, shortFreqs, 1.0, longFreqs, 0, 3),
                      tensor({1, 1, 2, 4}, {0, 0, 0, 0, std::cos(0.3f), 2 * std::cos(0.15f),
                                            std::sin(0.3f), 2 * std::sin(0.15f)})));
}

TEST(ReferenceRope, InterleavedIsAPermutationOfHalfSplit) {
  // Pair k is (k, k + D/2) in HF's layout and (2k, 2k + 1) interleaved.
  std::mt19937 rng(21);
  const int64_t D = 8;
  HostTensor x = randomTensor({1, 2, 5, D}, rng);
  HostTensor permuted = x;
  for (int64_t row = 0; row < 10; ++row)
    for (int64_t k = 0; k < D / 2; ++k) {
      permuted.floats()[row * D + 2 * k] = x.floats()[row * D + k];
      permuted.floats()[row * D + 2 * k + 1] = x.floats()[row * D + k + D / 2];
    }
  HostTensor half = rope(x, nullptr, 100.0, 2, false);
  HostTensor inter = rope(permuted, nullptr, 100.0, 2, true);
  for (int64_t row = 0; row < 10; ++row)
    for (int64_t k = 0; k < D / 2; ++k) {
      EXPECT_NEAR(inter.floats()[row * D + 2 * k], half.floats()[row * D + k], 1e-6);
      EXPECT_NEAR(inter.floats()[row * D + 2 * k + 1],
                  half.floats()[row * D + k + D / 2], 1e-6);
    }
}

TEST(ReferenceHeads, SplitThenMergeIsIdentity) {
  std::mt19937 rng(22);
  HostTensor x = randomTensor({2, 3, 12}, rng);
  HostTensor heads = splitHeads(x, 4);
  ASSERT_EQ(heads.shape(), (std::vector<int64_t>{2, 4, 3, 3}));
  // out[b, h, s, d] = in[b, s, h·D + d]: head 1 of token 2 of batch 1.
  EXPECT_EQ(heads.floats()[((1 * 4 + 1) * 3 + 2) * 3 + 0],
            x.floats()[(1 * 3 + 2) * 12 + 1 * 3 + 0]);
  EXPECT_TRUE(closeTo(mergeHeads(heads), x, 0.0));
}

TEST(ReferenceLinear, HandComputed) {
  HostTensor x = tensor({1, 2}, {1, 2}), w = tensor({3, 2}, {1, 0, 0, 1, 1, 1}),
             b = tensor({3}, {0.5, 0, -1});
  EXPECT_TRUE(closeTo(linear(x, w, &b), tensor({1, 3}, {1.5, 2, 2})));
}

TEST(ReferenceEmbedding, LooksUpAndScales) {
  HostTensor table = tensor({3, 2}, {0, 1, 2, 3, 4, 5});
  HostTensor ids = HostTensor::fromInts({1, 2}, {2, 0}, DType::I32);
  HostTensor out;
  std::string error;
  ASSERT_TRUE(embedding(ids, table, 2.0, out, error)) << error;
  EXPECT_TRUE(closeTo(out, tensor({1, 2, 2}, {8, 10, 0, 2})));
}

TEST(ReferenceEmbedding, OutOfRangeIdIsAnError) {
  HostTensor table = tensor({3, 2}, {0, 1, 2, 3, 4, 5});
  HostTensor ids = HostTensor::fromInts({1, 2}, {1, 3});
  HostTensor out;
  std::string error;
  EXPECT_FALSE(embedding(ids, table, std::nullopt, out, error));
  EXPECT_NE(error.find("token id 3 at position 1 is outside the vocabulary [0, 3)"),
            std::string::npos)
      << error;
}

TEST(ReferenceMoE, OneExpertIsAGatedMlp) {
  std::mt19937 rng(23);
  HostTensor x = randomTensor({1, 4, 6}, rng), router = randomTensor({1, 6}, rng),
             gate = randomTensor({1, 8, 6}, rng), up = randomTensor({1, 8, 6}, rng),
             down = randomTensor({1, 6, 8}, rng);
  EXPECT_TRUE(closeTo(
      moe(x, router, gate, up, down, 1, false, Activation::silu),
      gatedMlp(x, gate.reshaped({8, 6}), up.reshaped({8, 6}), down.reshaped({6, 8}),
               Activation::silu)));
}

TEST(ReferenceMoE, TopKWeightsWithAndWithoutRenormalisation) {
  // Two experts that output constant vectors, router logits [ln 3, 0]:
  // p = [3/4, 1/4]. Top-1 without renormalisation (Jamba) gives 0.75·e0;
  // top-1 renormalised (Mixtral) gives e0; top-2 gives 0.75·e0 + 0.25·e1.
  // Expert e: gate row all-zero except a bias-like input 1 → silu(1)·up.
  const float ln3 = std::log(3.0f), s1 = 1.0f / (1.0f + std::exp(-1.0f));
  HostTensor x = tensor({1, 2}, {1, 0});
  HostTensor router = tensor({2, 2}, {ln3, 0, 0, 0});
  HostTensor gate = tensor({2, 1, 2}, {1, 0, 1, 0});
  HostTensor up = tensor({2, 1, 2}, {1, 0, 1, 0});
  HostTensor down = tensor({2, 2, 1}, {4, 0, 0, 8});
  // e0 = [4·s1, 0], e1 = [0, 8·s1].
  EXPECT_TRUE(closeTo(moe(x, router, gate, up, down, 1, false, Activation::silu),
                      tensor({1, 2}, {0.75f * 4 * s1, 0})));
  EXPECT_TRUE(closeTo(moe(x, router, gate, up, down, 1, true, Activation::silu),
                      tensor({1, 2}, {4 * s1, 0})));
  EXPECT_TRUE(closeTo(moe(x, router, gate, up, down, 2, false, Activation::silu),
                      tensor({1, 2}, {0.75f * 4 * s1, 0.25f * 8 * s1})));
}

TEST(ReferenceMoE, SigmoidRoutingWithASelectionBias) {
  // The experts of TopKWeightsWithAndWithoutRenormalisation, router logits
  // [ln 3, 0]: sigmoid gives p = [3/4, 1/2]. A bias of +1 on expert 1 makes
  // it the top-1 choice, weighted by its own p (1/2), not p + bias; scaled
  // by 2. Top-2 renormalised with ε = 0.75: weights p / (5/4 + 3/4).
  const float ln3 = std::log(3.0f), s1 = 1.0f / (1.0f + std::exp(-1.0f));
  HostTensor x = tensor({1, 2}, {1, 0});
  HostTensor router = tensor({2, 2}, {ln3, 0, 0, 0});
  HostTensor gate = tensor({2, 1, 2}, {1, 0, 1, 0});
  HostTensor up = tensor({2, 1, 2}, {1, 0, 1, 0});
  HostTensor down = tensor({2, 2, 1}, {4, 0, 0, 8});
  HostTensor bias = tensor({2}, {0, 1});
  MoERouting routing;
  routing.sigmoid = true;
  routing.selectionBias = &bias;
  routing.scaling = 2.0;
  EXPECT_TRUE(closeTo(moe(x, router, gate, up, down, 1, false, Activation::silu, routing),
                      tensor({1, 2}, {0, 2 * 0.5f * 8 * s1})));
  MoERouting normalised;
  normalised.sigmoid = true;
  normalised.normalizeEpsilon = 0.75;
  EXPECT_TRUE(closeTo(
      moe(x, router, gate, up, down, 2, true, Activation::silu, normalised),
      tensor({1, 2}, {0.75f / 2 * 4 * s1, 0.5f / 2 * 8 * s1})));
}

TEST(ReferenceMoE, GroupLimitedChoiceAndARouterInput) {
  // Four one-unit experts (down = 1, 2, 3, 4 times silu(1)) in two groups
  // {0, 1}, {2, 3}. The router reads its own input r = [1] with logits
  // ln(p/(1-p)) for sigmoid scores p = [0.6, 0.5, 0.9, 0.1]: group 0 sums
  // 1.1, group 1 sums 1.0. With one group chosen, expert 2 (0.9, the best
  // overall) cannot win: the top-1 is expert 0, weighted 0.6. Without
  // groups it is expert 2, weighted 0.9.
  auto logit = [](double p) { return float(std::log(p / (1 - p))); };
  const float s1 = 1.0f / (1.0f + std::exp(-1.0f));
  HostTensor x = tensor({1, 1}, {1});
  HostTensor routed = tensor({1, 1}, {1});
  HostTensor router = tensor({4, 1}, {logit(0.6), logit(0.5), logit(0.9), logit(0.1)});
  HostTensor gate = tensor({4, 1, 1}, {1, 1, 1, 1}), up = gate;
  HostTensor down = tensor({4, 1, 1}, {1, 2, 3, 4});
  MoERouting routing;
  routing.sigmoid = true;
  routing.routerInput = &routed;
  routing.groups = 2;
  routing.topGroups = 1;
  EXPECT_TRUE(closeTo(moe(x, router, gate, up, down, 1, false, Activation::silu, routing),
                      tensor({1, 1}, {0.6f * 1 * s1})));
  routing.groups = routing.topGroups = 1;
  EXPECT_TRUE(closeTo(moe(x, router, gate, up, down, 1, false, Activation::silu, routing),
                      tensor({1, 1}, {0.9f * 3 * s1})));
}

TEST(ReferenceMoE, TiesGoToTheLowerExpert) {
  HostTensor x = tensor({1, 1}, {1});
  HostTensor router = tensor({2, 1}, {0, 0});
  HostTensor gate = tensor({2, 1, 1}, {1, 1}), up = tensor({2, 1, 1}, {1, 1});
  HostTensor down = tensor({2, 1, 1}, {1, 100});
  const float s1 = 1.0f / (1.0f + std::exp(-1.0f));
  EXPECT_TRUE(closeTo(moe(x, router, gate, up, down, 1, true, Activation::silu),
                      tensor({1, 1}, {s1})));
}

TEST(ReferenceRecurrentDepth, FixedStepsApplyTheBodyInOrder) {
  HostTensor init = tensor({1, 1, 1}, {1});
  std::vector<int64_t> steps;
  DepthBody body = [&](const HostTensor &s, int64_t step, HostTensor &next,
                       HostTensor *, std::string &) {
    steps.push_back(step);
    next = tensor({1, 1, 1}, {s.floats()[0] * 2 + float(step)});
    return true;
  };
  HostTensor result;
  std::string error;
  ASSERT_TRUE(recurrentDepth(init, 3, std::nullopt, body, result, error));
  // 1 → 2 → 5 → 12.
  EXPECT_EQ(result.floats()[0], 12.0f);
  EXPECT_EQ(steps, (std::vector<int64_t>{0, 1, 2}));
}

TEST(ReferenceRecurrentDepth, AdaptiveComputationTimeByHand) {
  // Position 0 halts at once (p = 1): result = out₁.
  // Position 1 has p = 0.5: step 1 runs (hp = 0.5, w = 0.5), step 2 halts
  // with remainder 0.5: prev = 0.5·out₂ + 0.5·(0.5·out₁).
  // Position 2 never halts (p = 0) and stops at max_steps with weight 0.
  HostTensor init = tensor({1, 3, 1}, {0, 0, 0});
  const float p[3] = {1.0f, 0.5f, 0.0f};
  int calls = 0;
  DepthBody body = [&](const HostTensor &s, int64_t step, HostTensor &next,
                       HostTensor *halting, std::string &) {
    ++calls;
    next = tensor({1, 3, 1}, {float(10 * (step + 1)), float(10 * (step + 1)),
                              float(10 * (step + 1))});
    *halting = tensor({1, 3}, {p[0], p[1], p[2]});
    return true;
  };
  HostTensor result;
  std::string error;
  ASSERT_TRUE(recurrentDepth(init, 4, 0.99, body, result, error));
  EXPECT_EQ(calls, 4); // position 2 keeps the loop running to max_steps
  EXPECT_TRUE(closeTo(result, tensor({1, 3, 1}, {10, 0.5f * 20 + 0.25f * 10, 0})));
}

TEST(ReferenceSoftcap, HandComputed) {
  EXPECT_TRUE(closeTo(softcap(tensor({2}, {0, 30}), 30.0),
                      tensor({2}, {0, 30 * std::tanh(1.0f)})));
}

} // namespace
