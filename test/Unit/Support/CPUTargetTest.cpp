//===- CPUTargetTest.cpp - The host CPU description -----------------------===//

#include "hybrid/Target/CPUTarget.h"

#include <gtest/gtest.h>

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
  // The feature string is what the drivers hand to LLVM: it must say whether
  // the widest vectors it reports are there.
  if (host.vectorBits == 512)
    EXPECT_NE(host.features.find("+avx512f"), std::string::npos) << host.features;
}
