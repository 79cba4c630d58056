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
