//===- BFloat16Test.cpp - Rounding f32 to bfloat16 ------------------------===//
//
// floatToBFloat16 against bit patterns worked out by hand (round to
// nearest, ties to even, as torch's .to(torch.bfloat16)), and the BF16
// HostTensor that keeps --weight-type=bf16's weights.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Support/HostTensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir::hybrid;

namespace {

float fromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

TEST(BFloat16, RoundsToNearestTiesToEven) {
  EXPECT_EQ(floatToBFloat16(1.0f), 0x3f80);
  EXPECT_EQ(floatToBFloat16(-2.0f), 0xc000);
  EXPECT_EQ(floatToBFloat16(-0.0f), 0x8000);
  // 1 + 2^-8 lies halfway between 0x3f80 (1) and 0x3f81: ties go to even.
  EXPECT_EQ(floatToBFloat16(fromBits(0x3f808000)), 0x3f80);
  // 0x3f818000 lies halfway between 0x3f81 and 0x3f82 (even).
  EXPECT_EQ(floatToBFloat16(fromBits(0x3f818000)), 0x3f82);
  // Just above and below a tie.
  EXPECT_EQ(floatToBFloat16(fromBits(0x3f808001)), 0x3f81);
  EXPECT_EQ(floatToBFloat16(fromBits(0x3f807fff)), 0x3f80);
  // A carry into the exponent: 0x3fffc000 (1.99998…) rounds up to 2.
  EXPECT_EQ(floatToBFloat16(fromBits(0x3fffc000)), 0x4000);
  // The largest float rounds to infinity, as torch's does; infinities stay.
  EXPECT_EQ(floatToBFloat16(std::numeric_limits<float>::max()), 0x7f80);
  EXPECT_EQ(floatToBFloat16(-std::numeric_limits<float>::infinity()), 0xff80);
  // Subnormals round like any other value.
  EXPECT_EQ(floatToBFloat16(fromBits(0x00018000)), 0x0002);
}

TEST(BFloat16, NaNStaysNaN) {
  // A NaN whose payload is only in the dropped bits must not become inf.
  const uint16_t bits = floatToBFloat16(fromBits(0x7f800001));
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(bits)));
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBFloat16(-std::nanf("")))));
  EXPECT_EQ(floatToBFloat16(-std::nanf("")) & 0x8000, 0x8000);
}

TEST(BFloat16, TensorRoundsAndWidensBack) {
  HostTensor t = HostTensor::fromFloats({2, 2}, {1.0f, fromBits(0x3f818000), 3.14159f, -0.5f});
  HostTensor b = t.roundedToBFloat16();
  EXPECT_EQ(b.dtype(), DType::BF16);
  EXPECT_EQ(b.typeString(), "2x2xbf16");
  EXPECT_EQ(b.bfloat16s()[1], 0x3f82);
  HostTensor back = b.widenedFromBFloat16();
  EXPECT_EQ(back.typeString(), "2x2xf32");
  EXPECT_EQ(back.floats()[0], 1.0f);
  EXPECT_EQ(back.floats()[1], fromBits(0x3f820000));
  EXPECT_EQ(back.floats()[2], fromBits(0x40490000)); // 3.140625
  EXPECT_EQ(back.floats()[3], -0.5f);
  // Widened values round to themselves: a bf16 checkpoint is kept exactly.
  EXPECT_EQ(back.roundedToBFloat16().bfloat16s()[2], b.bfloat16s()[2]);
  EXPECT_EQ(HostTensor::zeros({3}, DType::BF16).bfloat16s()[2], 0);
}

} // namespace
