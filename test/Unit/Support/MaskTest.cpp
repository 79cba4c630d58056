//===- MaskTest.cpp - The mask helper against brute force -----------------===//
//
// Every answer of MaskSpec::classifyTile is checked against the definition,
// i.e. against isVisible on every (query, key) pair of the tile, and isVisible
// itself against the conventions written out independently below.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Support/Mask.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

using namespace mlir::hybrid;

namespace {

/// The classification of a tile by visiting every pair of it.
TileClass bruteForce(const MaskSpec &mask, int64_t q0, int64_t q1, int64_t k0,
                     int64_t k1) {
  bool anyVisible = false, anyHidden = false;
  for (int64_t i = q0; i < q1; ++i)
    for (int64_t j = k0; j < k1; ++j)
      (mask.isVisible(i, j) ? anyVisible : anyHidden) = true;
  if (!anyVisible)
    return TileClass::Empty;
  return anyHidden ? TileClass::Partial : TileClass::Full;
}

/// Checks classifyTile on every tile with corners in [lo, hi) for the given
/// tile sizes; returns the number of tiles checked.
int checkAllTiles(const MaskSpec &mask, int64_t lo, int64_t hi,
                  std::initializer_list<int64_t> sizes) {
  int checked = 0;
  for (int64_t qs : sizes)
    for (int64_t ks : sizes)
      for (int64_t q0 = lo; q0 < hi; ++q0)
        for (int64_t k0 = lo; k0 < hi; ++k0) {
          TileClass expected = bruteForce(mask, q0, q0 + qs, k0, k0 + ks);
          TileClass actual = mask.classifyTile(q0, q0 + qs, k0, k0 + ks);
          EXPECT_EQ(stringifyTileClass(actual), stringifyTileClass(expected))
              << "mask <" << mask.str() << "> tile [" << q0 << ", "
              << q0 + qs << ") x [" << k0 << ", " << k0 + ks << ")";
          ++checked;
        }
  return checked;
}

TEST(MaskTest, VisibilityFollowsTheWrittenConventions) {
  // Window W: W keys including the query itself (i - W < j <= i).
  MaskSpec window4 = MaskSpec::causal(4);
  EXPECT_TRUE(window4.isVisible(10, 10));
  EXPECT_TRUE(window4.isVisible(10, 7));
  EXPECT_FALSE(window4.isVisible(10, 6));
  EXPECT_FALSE(window4.isVisible(10, 11));
  int visible = 0;
  for (int64_t j = 0; j < 100; ++j)
    visible += window4.isVisible(50, j);
  EXPECT_EQ(visible, 4);

  MaskSpec window1 = MaskSpec::causal(1);
  EXPECT_TRUE(window1.isVisible(3, 3));
  EXPECT_FALSE(window1.isVisible(3, 2));

  MaskSpec causal = MaskSpec::causal();
  EXPECT_TRUE(causal.isVisible(1000, 0));
  EXPECT_FALSE(causal.isVisible(0, 1));

  // Longformer: one-sided radius, globals see and are seen by everything.
  MaskSpec local = MaskSpec::local(2, {0, 20});
  EXPECT_TRUE(local.isVisible(10, 8));
  EXPECT_TRUE(local.isVisible(10, 12));
  EXPECT_FALSE(local.isVisible(10, 13));
  EXPECT_TRUE(local.isVisible(10, 0));
  EXPECT_TRUE(local.isVisible(20, 5));
  EXPECT_TRUE(local.isVisible(0, 19));
  EXPECT_FALSE(local.isVisible(5, 19));

  MaskSpec none = MaskSpec::none();
  EXPECT_TRUE(none.isVisible(0, 1000));
}

TEST(MaskTest, NoneIsFullEverywhere) {
  EXPECT_GT(checkAllTiles(MaskSpec::none(), 0, 12, {1, 3}), 0);
}

TEST(MaskTest, CausalTilesMatchBruteForce) {
  checkAllTiles(MaskSpec::causal(), 0, 24, {1, 2, 4, 7});
}

TEST(MaskTest, WindowTilesMatchBruteForce) {
  // Window 1 (only self), small windows, windows wider than the sequence.
  for (int64_t window : {1, 2, 3, 5, 8, 64, 1000})
    checkAllTiles(MaskSpec::causal(window), 0, 24, {1, 2, 4, 7});
}

TEST(MaskTest, WindowTilesWithLargeQueryOffset) {
  // Cached decoding: queries at positions far past zero (q_offset > 0).
  for (int64_t window : {1, 4, 16})
    checkAllTiles(MaskSpec::causal(window), 4090, 4120, {1, 3, 8});
}

TEST(MaskTest, LocalTilesMatchBruteForce) {
  for (int64_t radius : {0, 1, 3, 50})
    checkAllTiles(MaskSpec::local(radius), 0, 24, {1, 2, 5});
}

TEST(MaskTest, LocalWithGlobalsAtBothEndsAndMiddle) {
  const int64_t seq = 24;
  for (int64_t radius : {0, 1, 2, 4}) {
    checkAllTiles(MaskSpec::local(radius, {0}), 0, seq, {1, 3, 6});
    checkAllTiles(MaskSpec::local(radius, {seq - 1}), 0, seq, {1, 3, 6});
    checkAllTiles(MaskSpec::local(radius, {0, 11, 12, seq - 1}), 0, seq,
                  {1, 2, 4, 7});
  }
}

TEST(MaskTest, AllGlobalIsFull) {
  std::vector<int64_t> all;
  for (int64_t p = 0; p < 16; ++p)
    all.push_back(p);
  MaskSpec mask = MaskSpec::local(0, all);
  EXPECT_EQ(mask.classifyTile(0, 16, 0, 16), TileClass::Full);
  checkAllTiles(mask, 0, 14, {1, 2});
}

TEST(MaskTest, RandomMasksAndTiles) {
  std::mt19937 rng(1234);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  for (int trial = 0; trial < 3000; ++trial) {
    MaskSpec mask;
    switch (pick(0, 2)) {
    case 0:
      mask = MaskSpec::none();
      break;
    case 1:
      mask = MaskSpec::causal(pick(0, 1) ? 0 : pick(1, 40));
      break;
    default: {
      std::vector<int64_t> globals;
      for (int64_t n = pick(0, 5); n > 0; --n)
        globals.push_back(pick(0, 60));
      mask = MaskSpec::local(pick(0, 10), globals);
    }
    }
    ASSERT_FALSE(mask.validate()) << mask.str();
    int64_t q0 = pick(0, 60), k0 = pick(0, 60);
    int64_t q1 = q0 + pick(1, 16), k1 = k0 + pick(1, 16);
    EXPECT_EQ(stringifyTileClass(mask.classifyTile(q0, q1, k0, k1)),
              stringifyTileClass(bruteForce(mask, q0, q1, k0, k1)))
        << "mask <" << mask.str() << "> tile [" << q0 << ", " << q1
        << ") x [" << k0 << ", " << k1 << ")";
  }
}

TEST(MaskTest, EmptyRangesAreEmptyTiles) {
  EXPECT_EQ(MaskSpec::none().classifyTile(3, 3, 0, 4), TileClass::Empty);
  EXPECT_EQ(MaskSpec::causal().classifyTile(0, 4, 2, 2), TileClass::Empty);
}

TEST(MaskTest, ValidateNamesTheProblem) {
  EXPECT_FALSE(MaskSpec::causal(4).validate());
  EXPECT_FALSE(MaskSpec::local(3, {5, 1, 5}).validate());
  EXPECT_EQ(MaskSpec::local(3, {5, 1, 5}).globalTokens,
            (std::vector<int64_t>{1, 5}));

  MaskSpec negativeWindow = MaskSpec::causal(-1);
  ASSERT_TRUE(negativeWindow.validate());
  EXPECT_NE(negativeWindow.validate()->find("window"), std::string::npos);

  MaskSpec unsorted;
  unsorted.kind = MaskKind::Local;
  unsorted.globalTokens = {4, 2};
  ASSERT_TRUE(unsorted.validate());
  EXPECT_NE(unsorted.validate()->find("increasing"), std::string::npos);

  MaskSpec windowOnLocal = MaskSpec::local(2);
  windowOnLocal.window = 3;
  EXPECT_TRUE(windowOnLocal.validate());

  MaskSpec negativeGlobal = MaskSpec::local(2, {-1});
  EXPECT_TRUE(negativeGlobal.validate());
}

TEST(MaskTest, PrintsInTheAttributeSyntax) {
  EXPECT_EQ(MaskSpec::none().str(), "none");
  EXPECT_EQ(MaskSpec::causal().str(), "causal");
  EXPECT_EQ(MaskSpec::causal(4096).str(), "causal, window = 4096");
  EXPECT_EQ(MaskSpec::local(256, {17, 0}).str(), "local = 256, global = [0, 17]");
}

} // namespace
