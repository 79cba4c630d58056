//===- IRNestingDepthTest.cpp - The tools' bound on nesting in MLIR text --===//
//
// Against hand-written text: each bracket kind counts, arrows, comparisons,
// strings and comments do not, and real IR passes far below the limit.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Support/IRNestingDepth.h"

#include <gtest/gtest.h>

using namespace mlir::hybrid;

namespace {
std::string nested(char open, char close, int levels) {
  return std::string(levels, open) + std::string(levels, close);
}
} // namespace

TEST(IRNestingDepth, EachBracketKindCounts) {
  std::string error;
  for (auto [open, close] : {std::pair{'[', ']'}, {'{', '}'}, {'(', ')'}, {'<', '>'}}) {
    EXPECT_TRUE(checkIRNestingDepth(nested(open, close, 256), error)) << open;
    EXPECT_FALSE(checkIRNestingDepth(nested(open, close, 257), error)) << open;
    EXPECT_EQ(error, "line 1: brackets nested deeper than 256 levels");
  }
  EXPECT_FALSE(checkIRNestingDepth("\n\n" + nested('[', ']', 300), error));
  EXPECT_EQ(error, "line 3: brackets nested deeper than 256 levels");
}

TEST(IRNestingDepth, ArrowsComparisonsStringsAndCommentsAreNotBrackets) {
  std::string error;
  // 300 arrows would close 300 levels if '>' of '->' counted, letting the
  // brackets after them through; they must not.
  std::string arrows;
  for (int i = 0; i < 300; ++i)
    arrows += "->";
  EXPECT_FALSE(checkIRNestingDepth(arrows + nested('[', ']', 300), error));
  EXPECT_FALSE(checkIRNestingDepth(std::string(300, '>') + nested('[', ']', 300), error));
  // Brackets inside strings and comments are text.
  EXPECT_TRUE(checkIRNestingDepth("\"" + std::string(1000, '[') + "\\\"\"", error));
  EXPECT_TRUE(checkIRNestingDepth("// " + std::string(1000, '{') + "\nfunc.func", error));
  // Real IR: an affine set with comparisons, a function type.
  EXPECT_TRUE(checkIRNestingDepth(
      "#s = affine_set<(d0) : (d0 >= 0, d0 - 4 >= 0)>\n"
      "func.func @f(%a: tensor<1x2xf32>) -> (tensor<1x2xf32>) { return %a : tensor<1x2xf32> }",
      error));
}
