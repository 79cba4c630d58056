//===- AttentionTest.cpp - Reference attention against hand values --------===//
//
// Tolerances: 1e-5 of the output's scale (the fp32 attention oracle of
// MATH.md §9); the reference itself sums in double.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Reference/Reference.h"

#include "../TestUtils.h"

using namespace mlir::hybrid;
using namespace mlir::hybrid::reference;
using namespace mlir::hybrid::testing;

namespace {

AttentionParams params(MaskSpec mask, double scale = 1.0, int64_t qOffset = 0) {
  AttentionParams p;
  p.mask = std::move(mask);
  p.scale = scale;
  p.qOffset = qOffset;
  return p;
}

/// Element [b, h, s, d] of a [B, H, S, D] tensor.
float at(const HostTensor &t, int64_t b, int64_t h, int64_t s, int64_t d) {
  return t.floats()[((b * t.dim(1) + h) * t.dim(2) + s) * t.dim(3) + d];
}

TEST(ReferenceAttention, HandComputedSoftmax) {
  // Scores [0, ln 3] give weights [1/4, 3/4]; values 4 and 8 give 7.
  HostTensor q = tensor({1, 1, 2, 1}, {1, 1});
  HostTensor k = tensor({1, 1, 2, 1}, {0, std::log(3.0f)});
  HostTensor v = tensor({1, 1, 2, 1}, {4, 8});
  EXPECT_TRUE(closeTo(attention(q, k, v, nullptr, params(MaskSpec::none())),
                      tensor({1, 1, 2, 1}, {7, 7})));
  // Causal: query 0 sees only key 0.
  EXPECT_TRUE(closeTo(attention(q, k, v, nullptr, params(MaskSpec::causal())),
                      tensor({1, 1, 2, 1}, {4, 7})));
}

TEST(ReferenceAttention, WindowOneReturnsOwnValue) {
  std::mt19937 rng(1);
  HostTensor q = randomTensor({2, 3, 17, 8}, rng),
             k = randomTensor({2, 3, 17, 8}, rng),
             v = randomTensor({2, 3, 17, 5}, rng);
  EXPECT_TRUE(closeTo(attention(q, k, v, nullptr, params(MaskSpec::causal(1))),
                      v));
}

TEST(ReferenceAttention, GroupedQueryEqualsRepeatedKeys) {
  // GQA with 4 query heads over 2 kv heads equals MHA with k/v repeated as
  // HF's repeat_kv does (head h uses kv head h / 2).
  std::mt19937 rng(2);
  HostTensor q = randomTensor({1, 4, 6, 8}, rng),
             k = randomTensor({1, 2, 6, 8}, rng),
             v = randomTensor({1, 2, 6, 8}, rng);
  HostTensor kRep = HostTensor::zeros({1, 4, 6, 8}),
             vRep = HostTensor::zeros({1, 4, 6, 8});
  for (int64_t h = 0; h < 4; ++h)
    for (int64_t n = 0; n < 6 * 8; ++n) {
      kRep.floats()[h * 48 + n] = k.floats()[(h / 2) * 48 + n];
      vRep.floats()[h * 48 + n] = v.floats()[(h / 2) * 48 + n];
    }
  AttentionParams p = params(MaskSpec::causal(3), 0.3);
  EXPECT_TRUE(
      closeTo(attention(q, k, v, nullptr, p), attention(q, kRep, vRep, nullptr, p)));
}

TEST(ReferenceAttention, SoftcapBeforeSoftmax) {
  // Scores [0, 2] capped at 1 become [0, tanh 2].
  HostTensor q = tensor({1, 1, 1, 1}, {1});
  HostTensor k = tensor({1, 1, 2, 1}, {0, 2});
  HostTensor v = tensor({1, 1, 2, 1}, {0, 1});
  AttentionParams p = params(MaskSpec::none());
  p.softcap = 1.0;
  double w1 = std::exp(std::tanh(2.0)) / (1.0 + std::exp(std::tanh(2.0)));
  EXPECT_TRUE(closeTo(attention(q, k, v, nullptr, p),
                      tensor({1, 1, 1, 1}, {float(w1)})));
}

TEST(ReferenceAttention, QueryOffsetEqualsLastRowsOfFullCausal) {
  // Decoding the last 3 of 10 positions against all 10 keys gives the last 3
  // rows of full causal attention: the cached-decoding identity.
  std::mt19937 rng(3);
  for (MaskSpec mask : {MaskSpec::causal(), MaskSpec::causal(4)}) {
    HostTensor q = randomTensor({1, 2, 10, 4}, rng),
               k = randomTensor({1, 2, 10, 4}, rng),
               v = randomTensor({1, 2, 10, 4}, rng);
    HostTensor full = attention(q, k, v, nullptr, params(mask, 0.5));
    HostTensor qTail = HostTensor::zeros({1, 2, 3, 4});
    HostTensor expected = HostTensor::zeros({1, 2, 3, 4});
    for (int64_t h = 0; h < 2; ++h)
      for (int64_t r = 0; r < 3; ++r)
        for (int64_t d = 0; d < 4; ++d) {
          qTail.floats()[(h * 3 + r) * 4 + d] = at(q, 0, h, 7 + r, d);
          expected.floats()[(h * 3 + r) * 4 + d] = at(full, 0, h, 7 + r, d);
        }
    EXPECT_TRUE(closeTo(attention(qTail, k, v, nullptr, params(mask, 0.5, 7)),
                        expected))
        << mask.str();
  }
}

TEST(ReferenceAttention, BiasOfMinusInfinityMasksKeys) {
  std::mt19937 rng(4);
  HostTensor q = randomTensor({1, 1, 5, 4}, rng),
             k = randomTensor({1, 1, 5, 4}, rng),
             v = randomTensor({1, 1, 5, 4}, rng);
  // A key padding mask as a broadcast bias [1, 1, 1, Sk], hiding key 4,
  // equals attention over the first four keys only.
  HostTensor bias = tensor({1, 1, 1, 5}, {0, 0, 0, 0, -INFINITY});
  HostTensor kHead = HostTensor::fromFloats(
      {1, 1, 4, 4}, {k.floats(), k.floats() + 16});
  HostTensor vHead = HostTensor::fromFloats(
      {1, 1, 4, 4}, {v.floats(), v.floats() + 16});
  EXPECT_TRUE(closeTo(attention(q, k, v, &bias, params(MaskSpec::none())),
                      attention(q, kHead, vHead, nullptr, params(MaskSpec::none()))));
}

TEST(ReferenceAttention, RowWithNoVisibleKeyIsZero) {
  HostTensor q = tensor({1, 1, 1, 1}, {1});
  HostTensor k = tensor({1, 1, 2, 1}, {1, 2});
  HostTensor v = tensor({1, 1, 2, 1}, {5, 6});
  HostTensor bias = tensor({1, 1, 1, 2}, {-INFINITY, -INFINITY});
  EXPECT_TRUE(closeTo(attention(q, k, v, &bias, params(MaskSpec::none())),
                      tensor({1, 1, 1, 1}, {0})));
}

TEST(ReferenceAttention, WideBandEqualsNoMask) {
  std::mt19937 rng(5);
  HostTensor q = randomTensor({1, 2, 9, 4}, rng),
             k = randomTensor({1, 2, 9, 4}, rng),
             v = randomTensor({1, 2, 9, 4}, rng);
  EXPECT_TRUE(closeTo(attention(q, k, v, nullptr, params(MaskSpec::local(8, {3}))),
                      attention(q, k, v, nullptr, params(MaskSpec::none()))));
}

TEST(ReferenceRelAttention, ZeroPositionTermIsAttentionOfShiftedQuery) {
  // With pos = 0 the score is (q + u)·k: plain causal attention of q + u,
  // with the queries at positions M..M+Sq-1.
  std::mt19937 rng(6);
  const int64_t heads = 2, sq = 3, sk = 7, d = 4;
  HostTensor q = randomTensor({1, heads, sq, d}, rng),
             k = randomTensor({1, heads, sk, d}, rng),
             v = randomTensor({1, heads, sk, d}, rng),
             u = randomTensor({heads, d}, rng), w = randomTensor({heads, d}, rng);
  HostTensor pos = HostTensor::zeros({heads, sk, d});
  HostTensor shifted = q;
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < sq; ++i)
      for (int64_t e = 0; e < d; ++e)
        shifted.floats()[(h * sq + i) * d + e] += u.floats()[h * d + e];
  EXPECT_TRUE(closeTo(
      relAttention(q, k, v, pos, u, w, MaskSpec::causal(), 0.5),
      attention(shifted, k, v, nullptr, params(MaskSpec::causal(), 0.5, sk - sq))));
}

TEST(ReferenceRelAttention, PositionTermUsesRelativeShift) {
  // One query after one memory slot (M = 1), k = 0 so only (q + v)·r counts.
  // Key 0 is at distance 1 (row 0 of pos), key 1 at distance 0 (row 1).
  HostTensor q = tensor({1, 1, 1, 1}, {1}), k = tensor({1, 1, 2, 1}, {0, 0});
  HostTensor v = tensor({1, 1, 2, 1}, {10, 20});
  HostTensor pos = tensor({1, 2, 1}, {std::log(3.0f), 0});
  HostTensor zero = tensor({1, 1}, {0});
  // Scores [ln 3, 0]: weights [3/4, 1/4] on values [10, 20]: 12.5.
  EXPECT_TRUE(closeTo(relAttention(q, k, v, pos, zero, zero, MaskSpec::causal(), 1.0),
                      tensor({1, 1, 1, 1}, {12.5})));
}

TEST(ReferenceLinearAttention, QuadraticSumEqualsRunningState) {
  // The reference sums over keys directly; the running-state form
  // S_i = Σ φ(k_j) v_jᵀ, z_i = Σ φ(k_j) computed here must agree.
  std::mt19937 rng(7);
  const int64_t seq = 12, d = 3, dv = 2;
  HostTensor q = randomTensor({1, 1, seq, d}, rng),
             k = randomTensor({1, 1, seq, d}, rng),
             v = randomTensor({1, 1, seq, dv}, rng);
  auto phi = [](double x) { return x > 0 ? x + 1 : std::exp(x); };
  HostTensor expected = HostTensor::zeros({1, 1, seq, dv});
  std::vector<double> S(d * dv, 0.0), z(d, 0.0);
  for (int64_t i = 0; i < seq; ++i) {
    for (int64_t a = 0; a < d; ++a) {
      double fk = phi(k.floats()[i * d + a]);
      z[a] += fk;
      for (int64_t b = 0; b < dv; ++b)
        S[a * dv + b] += fk * v.floats()[i * dv + b];
    }
    double norm = 0;
    for (int64_t a = 0; a < d; ++a)
      norm += phi(q.floats()[i * d + a]) * z[a];
    for (int64_t b = 0; b < dv; ++b) {
      double num = 0;
      for (int64_t a = 0; a < d; ++a)
        num += phi(q.floats()[i * d + a]) * S[a * dv + b];
      expected.floats()[i * dv + b] = float(num / (norm + 1e-6));
    }
  }
  EXPECT_TRUE(closeTo(linearAttention(q, k, v, /*causal=*/true, 1e-6), expected));
}

/// Rows [from, from + count) of dim 2 of a [B, H, S, D] tensor.
HostTensor seqRows(const HostTensor &t, int64_t from, int64_t count) {
  HostTensor out = HostTensor::zeros({t.dim(0), t.dim(1), count, t.dim(3)});
  for (int64_t b = 0; b < t.dim(0); ++b)
    for (int64_t h = 0; h < t.dim(1); ++h)
      for (int64_t s = 0; s < count; ++s)
        for (int64_t d = 0; d < t.dim(3); ++d)
          out.floats()[((b * t.dim(1) + h) * count + s) * t.dim(3) + d] =
              at(t, b, h, from + s, d);
  return out;
}

TEST(ReferenceLinearAttention, ChunksWithCarriedSumsEqualOnePass) {
  // 9 tokens as 4 + 5 (and 9 + 0 for the state alone), grouped heads: the
  // second chunk from the first chunk's sums gives the one pass's rows 4..8.
  std::mt19937 rng(11);
  HostTensor q = randomTensor({2, 4, 9, 3}, rng), k = randomTensor({2, 2, 9, 3}, rng),
             v = randomTensor({2, 2, 9, 5}, rng);
  HostTensor whole = linearAttention(q, k, v, /*causal=*/true, 1e-6);
  HostTensor zeroS = HostTensor::zeros({2, 2, 3, 5}), zeroZ = HostTensor::zeros({2, 2, 3});
  LinearAttentionState first =
      linearAttentionState(seqRows(k, 0, 4), seqRows(v, 0, 4), zeroS, zeroZ);
  HostTensor second =
      linearAttention(seqRows(q, 4, 5), seqRows(k, 4, 5), seqRows(v, 4, 5),
                      /*causal=*/true, 1e-6, &first.state, &first.normalizer);
  EXPECT_TRUE(closeTo(second, seqRows(whole, 4, 5)));
  // The carried sums after both chunks are the sums over all nine keys.
  LinearAttentionState both = linearAttentionState(
      seqRows(k, 4, 5), seqRows(v, 4, 5), first.state, first.normalizer);
  EXPECT_TRUE(closeTo(both.state, linearAttentionState(k, v, zeroS, zeroZ).state));
  // z after one key of value 0 (φ(0) = 1) and one of -∞-ish (φ → 0): 1 by hand.
  HostTensor oneKey = tensor({1, 1, 2, 1}, {0.0f, -80.0f});
  EXPECT_NEAR(linearAttentionState(oneKey, oneKey, HostTensor::zeros({1, 1, 1, 1}),
                                   HostTensor::zeros({1, 1, 1}))
                  .normalizer.floats()[0],
              1.0f, 1e-6);
}

TEST(ReferenceLinearAttention, NonCausalRowsAreEqualForEqualQueries) {
  std::mt19937 rng(8);
  HostTensor q = HostTensor::fromFloats({1, 1, 4, 2}, std::vector<float>(8, 0.3f));
  HostTensor k = randomTensor({1, 1, 4, 2}, rng), v = randomTensor({1, 1, 4, 2}, rng);
  HostTensor out = linearAttention(q, k, v, /*causal=*/false, 1e-6);
  for (int64_t i = 1; i < 4; ++i)
    for (int64_t b = 0; b < 2; ++b)
      EXPECT_NEAR(out.floats()[i * 2 + b], out.floats()[b], 1e-6);
}

TEST(ReferenceMaskBias, LocalBandPlusRuntimeGlobals) {
  // seq 5, radius 1, token 3 global: row 3 and column 3 are open, the rest
  // is the band |i - j| <= 1. Written out by hand.
  HostTensor g = HostTensor::fromInts({1, 5}, {0, 0, 0, 7, 0});
  HostTensor bias = maskBias(g, MaskSpec::local(1));
  const char *expected[5] = {"11010", "11110", "01110", "11111", "00011"};
  for (int64_t i = 0; i < 5; ++i)
    for (int64_t j = 0; j < 5; ++j)
      EXPECT_EQ(bias.floats()[i * 5 + j],
                expected[i][j] == '1' ? 0.0f : -INFINITY)
          << "i=" << i << " j=" << j;
}

TEST(ReferenceSelectTokens, PicksRowsByFlag) {
  HostTensor flags = HostTensor::fromInts({1, 3}, {0, 1, 0});
  HostTensor a = HostTensor::fromFloats({1, 3, 2}, {1, 2, 3, 4, 5, 6});
  HostTensor b = HostTensor::fromFloats({1, 3, 2}, {-1, -2, -3, -4, -5, -6});
  HostTensor out = selectTokens(flags, a, b);
  EXPECT_EQ(std::vector<float>(out.floats(), out.floats() + 6),
            (std::vector<float>{-1, -2, 3, 4, -5, -6}));
}

TEST(ReferencePositionIds, SkipPaddingLikeRoberta) {
  // padding_idx 1: positions start at 2 and padding tokens stay at 1.
  HostTensor ids = HostTensor::fromInts({2, 5}, {5, 1, 7, 7, 1, 1, 1, 9, 3, 4});
  HostTensor pos = positionIds(ids, 1);
  EXPECT_EQ(std::vector<int64_t>(pos.ints(), pos.ints() + 10),
            (std::vector<int64_t>{2, 1, 3, 4, 1, 1, 1, 2, 3, 4}));
}

TEST(ReferenceKVCache, RingOfFourAfterSixTokens) {
  // p = 6, ring of 4 slots: slot s holds position 5 - ((5 - s) mod 4), so
  // slots 0..3 hold 4, 5, 2, 3. Window 4: query 6 sees 3, 4, 5 and itself
  // (6 - 2 = 4 is not < 4). By hand: keys [slot0..3, new0] = [4, 5, 2, 3, 6].
  HostTensor pos = HostTensor::fromInts({1, 1}, {6});
  HostTensor bias = cacheBias(pos, 4, 4, CacheLayout::Ring);
  const float inf = INFINITY;
  EXPECT_EQ(std::vector<float>(bias.floats(), bias.floats() + 5),
            (std::vector<float>{0, 0, -inf, 0, 0}));
  // Writing 6 and 7 (two tokens) goes to slots 2 and 3.
  HostTensor cache = HostTensor::fromFloats({1, 1, 4, 1}, {40, 50, 20, 30});
  HostTensor fresh = HostTensor::fromFloats({1, 1, 2, 1}, {60, 70});
  HostTensor written;
  std::string error;
  ASSERT_TRUE(cacheWrite(cache, fresh, HostTensor::fromInts({1, 2}, {6, 7}),
                         /*ring=*/true, written, error));
  EXPECT_EQ(std::vector<float>(written.floats(), written.floats() + 4),
            (std::vector<float>{40, 50, 60, 70}));
  // A plain cache of 4 slots at p = 2: slots 2 and 3.
  HostTensor plain;
  ASSERT_TRUE(cacheWrite(cache, fresh, HostTensor::fromInts({1, 2}, {2, 3}),
                         /*ring=*/false, plain, error));
  EXPECT_EQ(std::vector<float>(plain.floats(), plain.floats() + 4),
            (std::vector<float>{40, 50, 60, 70}));
  // At p = 3 the second token would fall off the end, and a negative
  // position has no slot: both are errors (they were dropped or wrapped).
  EXPECT_FALSE(cacheWrite(cache, fresh, HostTensor::fromInts({1, 2}, {3, 4}),
                          /*ring=*/false, plain, error));
  EXPECT_EQ(error, "sequence 0 writes positions [3, 5) outside the cache's 4 slots");
  EXPECT_FALSE(cacheWrite(cache, fresh, HostTensor::fromInts({1, 2}, {-1, 0}),
                          /*ring=*/true, plain, error));
  EXPECT_EQ(error, "sequence 0 writes positions [-1, 1) outside the cache's 4 slots (a ring "
                   "takes positions >= 0)");
}

TEST(ReferenceKVCache, ShiftRegisterHoldsTheLastPositions) {
  // p = 2, a shift register of 4 slots: slots hold -2, -1, 0, 1 (the first
  // two empty). Two new tokens at 2, 3. By hand, keys [slot0..3, new0, new1]:
  // query 2 sees 0, 1 and itself; query 3 also sees new1.
  HostTensor bias = cacheBias(HostTensor::fromInts({1, 2}, {2, 3}), 4, 0,
                              CacheLayout::Shift);
  const float inf = INFINITY;
  EXPECT_EQ(std::vector<float>(bias.floats(), bias.floats() + 12),
            (std::vector<float>{-inf, -inf, 0, 0, 0, -inf, -inf, -inf, 0, 0, 0, 0}));
}

} // namespace
