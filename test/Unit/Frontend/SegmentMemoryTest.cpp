//===- SegmentMemoryTest.cpp - Transformer-XL memory across segments ------===//
//
// examples/models/transformer_xl.json run over 16 tokens at once, and over
// two segments of 8 with the memory returned by the first passed to the
// second. While the memory keeps every earlier row (memory_length 8 ≥ the
// first segment), each token sees the same keys at the same relative
// distances either way, so the logits must agree row for row, and so must
// the memory left after the last token. This checks the carried state (layer
// inputs, not outputs; the memory's offset in the relative shift) against
// the plain forward pass, on the reference and compiled.
//
//===----------------------------------------------------------------------===//

#include "../TestUtils.h"
#include "ModelRunner.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::hybrid;
using mlir::hybrid::testing::closeTo;

namespace {

const char *kModel = HYBRID_SOURCE_DIR "/examples/models/transformer_xl.json";

std::vector<HostTensor> runModel(const ModelInputShape &shape,
                                 const std::vector<int64_t> &ids,
                                 const std::vector<HostTensor> &memories,
                                 bool compiled) {
  std::vector<HostTensor> inputs{HostTensor::fromInts({shape.batch, shape.seq}, ids)};
  inputs.insert(inputs.end(), memories.begin(), memories.end());
  return mlir::hybrid::testing::runModel(kModel, shape, inputs, compiled);
}

/// Rows [from, from + count) of dim 1 of a [B, S, N] tensor.
HostTensor rows(const HostTensor &t, int64_t from, int64_t count) {
  const int64_t batch = t.dim(0), seq = t.dim(1), n = t.dim(2);
  std::vector<float> values;
  for (int64_t b = 0; b < batch; ++b)
    values.insert(values.end(), t.floats() + (b * seq + from) * n,
                  t.floats() + (b * seq + from + count) * n);
  return HostTensor::fromFloats({batch, count, n}, std::move(values));
}

/// Token ids [2, count] from position `from` of two fixed sequences.
std::vector<int64_t> tokens(int64_t from, int64_t count) {
  std::vector<int64_t> ids;
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = from; i < from + count; ++i)
      ids.push_back((i * 37 + 11 + b * 5) % 128);
  return ids;
}

void checkSegments(bool compiled) {
  // Results: logits, then the memory of each of the 2 layers.
  std::vector<HostTensor> whole = runModel({2, 16, 0}, tokens(0, 16), {}, compiled);
  std::vector<HostTensor> one = runModel({2, 8, 0}, tokens(0, 8), {}, compiled);
  ASSERT_EQ(whole.size(), 3u);
  ASSERT_EQ(one.size(), 3u);
  EXPECT_EQ(one[1].dim(1), 8);
  std::vector<HostTensor> two =
      runModel({2, 8, 8}, tokens(8, 8), {one[1], one[2]}, compiled);
  ASSERT_EQ(two.size(), 3u);
  EXPECT_TRUE(closeTo(one[0], rows(whole[0], 0, 8)));
  EXPECT_TRUE(closeTo(two[0], rows(whole[0], 8, 8)));
  EXPECT_TRUE(closeTo(two[1], whole[1]));
  EXPECT_TRUE(closeTo(two[2], whole[2]));
}

TEST(TransformerXLSegments, TwoSegmentsEqualOnePassOnReference) {
  checkSegments(/*compiled=*/false);
}

TEST(TransformerXLSegments, TwoSegmentsEqualOnePassCompiled) {
  checkSegments(/*compiled=*/true);
}

} // namespace
