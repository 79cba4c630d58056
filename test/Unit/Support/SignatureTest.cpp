//===- SignatureTest.cpp - readSignature and the module's target ----------===//

#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"
#include "hybrid/Dialect/Hybrid/IR/Signature.h"
#include "hybrid/Pipelines/Pipelines.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::hybrid;

namespace {
OwningOpRef<ModuleOp> parse(MLIRContext &context, const char *text) {
  return parseSourceString<ModuleOp>(text, &context);
}

DialectRegistry registry() {
  DialectRegistry r;
  registerCPUPipelineDialects(r);
  return r;
}
} // namespace

TEST(Signature, ReadsEveryRole) {
  MLIRContext context(registry());
  auto module = parse(context, R"mlir(
    func.func @forward(%ids: tensor<1x4xi64> {hybrid.input = "input_ids"},
        %pos: tensor<1x4xi64> {hybrid.input = "positions", hybrid.positions},
        %g: tensor<1x4xi64> {hybrid.input = "global_attention_mask", hybrid.zeros_by_default},
        %s: tensor<2x8xf32> {hybrid.input = "m", hybrid.state = "m", hybrid.state_init = "m0"},
        %w: tensor<16x8xf32> {hybrid.weight = "embed.weight"},
        %x: tensor<2xf32>,
        %c: tensor<2x4xf32> {hybrid.input = "conv", hybrid.state = "conv", hybrid.zeros_by_default},
        %end: tensor<1xi64> {hybrid.input = "extent", hybrid.extent})
        -> (tensor<2x8xf32>, tensor<2x8xf32> {hybrid.state = "m"}) {
      return %s, %s : tensor<2x8xf32>, tensor<2x8xf32>
    })mlir");
  ASSERT_TRUE(module);
  FunctionSignatureRoles roles =
      readSignature(module->lookupSymbol<func::FuncOp>("forward"));
  ASSERT_EQ(roles.arguments.size(), 8u);
  EXPECT_EQ(roles.arguments[0].role, ArgumentRole::Input);
  EXPECT_EQ(roles.arguments[0].name, "input_ids");
  EXPECT_FALSE(roles.arguments[0].zerosByDefault);
  EXPECT_EQ(roles.arguments[1].role, ArgumentRole::Positions);
  EXPECT_EQ(roles.arguments[2].role, ArgumentRole::Input);
  EXPECT_TRUE(roles.arguments[2].zerosByDefault);
  EXPECT_EQ(roles.arguments[3].role, ArgumentRole::State);
  EXPECT_EQ(roles.arguments[3].name, "m");
  EXPECT_EQ(roles.arguments[3].initialWeight, "m0");
  EXPECT_EQ(roles.arguments[4].role, ArgumentRole::Weight);
  EXPECT_EQ(roles.arguments[4].name, "embed.weight");
  EXPECT_EQ(roles.arguments[5].role, ArgumentRole::Plain);
  EXPECT_EQ(roles.arguments[6].role, ArgumentRole::State);
  EXPECT_TRUE(roles.arguments[6].zerosByDefault);
  EXPECT_FALSE(roles.arguments[3].zerosByDefault);
  EXPECT_EQ(roles.arguments[7].role, ArgumentRole::Extent);
  EXPECT_EQ(roles.arguments[7].name, "extent");
  EXPECT_EQ(roles.count(ArgumentRole::Weight), 1u);
  EXPECT_EQ(roles.resultStates, (std::vector<std::string>{"", "m"}));
}

TEST(Signature, TargetFromTheModuleOrTheDefault) {
  MLIRContext context(registry());
  auto pinned = parse(context, R"mlir(
    module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 256,
        l1_bytes = 32768, l2_bytes = 1048576, cpu = "znver3">} {})mlir");
  ASSERT_TRUE(pinned);
  CPUTarget target = getCPUTarget(*pinned);
  EXPECT_EQ(target.vectorBits, 256);
  EXPECT_EQ(target.l2Bytes, 1048576);
  EXPECT_EQ(target.cpu, "znver3");
  EXPECT_EQ(target.features, "");

  auto bare = parse(context, "module {}");
  ASSERT_TRUE(bare);
  EXPECT_FALSE(hasCPUTarget(*bare));
  EXPECT_EQ(getCPUTarget(*bare).vectorBits, CPUTarget().vectorBits);
  setCPUTarget(*bare, target);
  EXPECT_EQ(getCPUTarget(*bare).cpu, "znver3");
}
