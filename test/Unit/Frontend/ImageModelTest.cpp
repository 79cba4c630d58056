//===- ImageModelTest.cpp - The CvT-style example's pooled head -----------===//
//
// examples/models/cvt_image.json pools the tokens by their mean before the
// classifier (built as attention with all-zero scores). The classifier is
// linear, so its output on the mean must equal the mean of its per-token
// outputs, which the same model with "pool": "none" gives: a check of the
// pooling that does not trust the pooling.
//
//===----------------------------------------------------------------------===//

#include "../TestUtils.h"
#include "ModelRunner.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir;
using namespace mlir::hybrid;
using mlir::hybrid::testing::closeTo;

namespace {

const char *kModel = HYBRID_SOURCE_DIR "/examples/models/cvt_image.json";

TEST(ImageModel, MeanPoolEqualsMeanOfTokenLogits) {
  // The same description with per-token logits.
  auto text = llvm::MemoryBuffer::getFile(kModel);
  ASSERT_TRUE(bool(text));
  std::string perToken = (*text)->getBuffer().str();
  size_t at = perToken.find("\"pool\": \"mean\"");
  ASSERT_NE(at, std::string::npos);
  perToken.replace(at, 14, "\"pool\": \"none\"");
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("cvt-tokens", "json", path));
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << perToken;
  }
  std::mt19937 rng(4);
  std::vector<HostTensor> pixels{mlir::hybrid::testing::randomTensor({2, 3, 32, 32}, rng)};
  ModelInputShape shape{2, 1, 0, {3, 32, 32}};
  for (bool compiled : {false, true}) {
    std::vector<HostTensor> pooled = mlir::hybrid::testing::runModel(kModel, shape, pixels, compiled);
    std::vector<HostTensor> tokens =
        mlir::hybrid::testing::runModel(path.str().str(), shape, pixels, compiled);
    ASSERT_EQ(pooled.size(), 1u);
    ASSERT_EQ(tokens.size(), 1u);
    ASSERT_EQ(tokens[0].rank(), 3);
    const int64_t count = tokens[0].dim(1), classes = tokens[0].dim(2);
    EXPECT_EQ(count, 64); // 32x32 → 8x8 after the stride-4 stem
    std::vector<float> mean(2 * classes, 0.0f);
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t t = 0; t < count; ++t)
        for (int64_t c = 0; c < classes; ++c)
          mean[b * classes + c] +=
              tokens[0].floats()[(b * count + t) * classes + c] / float(count);
    EXPECT_TRUE(closeTo(pooled[0], HostTensor::fromFloats({2, classes}, mean)))
        << (compiled ? "compiled" : "reference");
  }
  llvm::sys::fs::remove(path);
}

} // namespace
