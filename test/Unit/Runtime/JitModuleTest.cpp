//===- JitModuleTest.cpp - Running compiled functions in place ------------===//
//
// JitModule::run reads its arguments in place (no copies, for the weights
// and carried state of every decode step), so the compiled code must never
// write them: an op that updates a tensor in place (cache_write) must leave
// the caller's argument as it was and return the update in a new buffer.
// (Checked to fail with the arguments left writable.)
//
//===----------------------------------------------------------------------===//

#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Compiler/JitModule.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// @f writes a new key row into a [1, 1, 4, 2] cache with cache_write.
const char *kCacheWrite =
    "func.func @f(%c: tensor<1x1x4x2xf32>, %n: tensor<1x1x1x2xf32>,"
    " %p: tensor<1x1xi64>) -> tensor<1x1x4x2xf32> {\n"
    "  %w = hybrid.cache_write %c, %n, %p"
    " : tensor<1x1x4x2xf32>, tensor<1x1x1x2xf32>, tensor<1x1xi64>\n"
    "  return %w : tensor<1x1x4x2xf32>\n}\n";

/// `source` compiled for the host, or null with a test failure.
std::unique_ptr<JitModule> compileForTest(const std::string &source) {
  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  EXPECT_TRUE(module);
  if (!module)
    return nullptr;
  std::string error;
  std::unique_ptr<JitModule> jit = JitModule::compile(*module, error);
  EXPECT_TRUE(jit) << error;
  return jit;
}

TEST(JitModule, ArgumentsAreNeverWritten) {
  std::unique_ptr<JitModule> jit = compileForTest(
      std::string(kCacheWrite) +
      // An insert_slice bufferizes into its destination's buffer when it may.
      "func.func @g(%c: tensor<1x1x4x2xf32>, %n: tensor<1x1x1x2xf32>,"
      " %p: tensor<1x1xi64>) -> tensor<1x1x4x2xf32> {\n"
      "  %w = tensor.insert_slice %n into %c[0, 0, 2, 0] [1, 1, 1, 2] [1, 1, 1, 1]"
      " : tensor<1x1x1x2xf32> into tensor<1x1x4x2xf32>\n"
      "  return %w : tensor<1x1x4x2xf32>\n}\n");
  ASSERT_TRUE(jit);
  std::string error;
  HostTensor cache = HostTensor::fromFloats({1, 1, 4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  HostTensor fresh = HostTensor::fromFloats({1, 1, 1, 2}, {9, 9});
  HostTensor position = HostTensor::fromInts({1, 1}, {2});
  for (const char *function : {"f", "g"}) {
    std::vector<HostTensor> results;
    ASSERT_TRUE(jit->run(function, {&cache, &fresh, &position}, results, error))
        << error;
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(std::vector<float>(results[0].floats(), results[0].floats() + 8),
              (std::vector<float>{1, 2, 3, 4, 9, 9, 7, 8}))
        << function;
    EXPECT_EQ(std::vector<float>(cache.floats(), cache.floats() + 8),
              (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}))
        << function;
  }
}

// A result buffer handed in with the right shape is overwritten in place
// (a session's spare state: no allocation, no zero fill), every element of
// it; one of another shape is replaced, and an argument's own tensor is
// refused.
TEST(JitModule, ResultBuffersAreReused) {
  std::unique_ptr<JitModule> jit = compileForTest(kCacheWrite);
  ASSERT_TRUE(jit);
  std::string error;
  HostTensor cache = HostTensor::fromFloats({1, 1, 4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  HostTensor fresh = HostTensor::fromFloats({1, 1, 1, 2}, {9, 9});
  HostTensor position = HostTensor::fromInts({1, 1}, {1});
  const std::vector<float> expected{1, 2, 9, 9, 5, 6, 7, 8};

  std::vector<HostTensor> results;
  results.push_back(HostTensor::fromFloats({1, 1, 4, 2}, std::vector<float>(8, -42.0f)));
  const float *spare = results[0].floats();
  ASSERT_TRUE(jit->run("f", {&cache, &fresh, &position}, results, error)) << error;
  EXPECT_EQ(results[0].floats(), spare);
  EXPECT_EQ(std::vector<float>(results[0].floats(), results[0].floats() + 8), expected);

  // An argument that is the result's own tensor: an error, not a write
  // into what is being read.
  results[0] = cache;
  EXPECT_FALSE(jit->run("f", {&results[0], &fresh, &position}, results, error));
  EXPECT_EQ(error, "@f: result 0 is argument 0's tensor (results are written while "
                   "arguments are read)");

  // Another shape: replaced.
  results[0] = HostTensor::fromFloats({2}, {0, 0});
  ASSERT_TRUE(jit->run("f", {&cache, &fresh, &position}, results, error)) << error;
  EXPECT_EQ(results[0].shape(), (std::vector<int64_t>{1, 1, 4, 2}));
  EXPECT_EQ(std::vector<float>(results[0].floats(), results[0].floats() + 8), expected);
}

} // namespace
