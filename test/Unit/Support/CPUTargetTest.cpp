//===- CPUTargetTest.cpp - The host CPU description -----------------------===//

#include "hybrid/Target/CPUTarget.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace mlir::hybrid;

TEST(CPUTarget, HostIsPlausible) {
  CPUTarget host = CPUTarget::host();
  EXPECT_TRUE(host.vectorBits == 128 || host.vectorBits == 256 ||
              host.vectorBits == 512)
      << host.vectorBits;
  EXPECT_GE(host.l1Bytes, 4 * 1024);
  EXPECT_GE(host.l2Bytes, host.l1Bytes);
  EXPECT_EQ(host.lanes(), host.vectorBits / 32);
  EXPECT_EQ(host.lanes(16), host.vectorBits / 16);
}

TEST(CPUTarget, HostNamesItsCpuAndFeatures) {
  CPUTarget host = CPUTarget::host();
  EXPECT_FALSE(host.cpu.empty());
  // The feature string is what the drivers hand to LLVM: comma-separated
  // +name/-name entries, sorted so that one host always spells it the same.
  llvm::SmallVector<llvm::StringRef> entries;
  llvm::StringRef(host.features).split(entries, ',');
  ASSERT_FALSE(entries.empty());
  for (llvm::StringRef e : entries)
    EXPECT_TRUE(e.size() > 1 && (e[0] == '+' || e[0] == '-')) << e.str();
  EXPECT_TRUE(std::is_sorted(entries.begin(), entries.end()));
}
