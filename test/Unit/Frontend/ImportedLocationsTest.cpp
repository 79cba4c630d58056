//===- ImportedLocationsTest.cpp - Diagnostics on imported models ---------===//
//
// An imported model's ops name the file, then the weight of a projection or
// norm or else the layer; a diagnostic on one of them is printed with those
// names, not `<unknown>:0`.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"
#include "hybrid/Frontend/Frontend.h"
#include "hybrid/Frontend/ImportedLocations.h"
#include "hybrid/Pipelines/Pipelines.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::hybrid;

TEST(ImportedLocations, DiagnosticsNameTheFileAndTheWeightOrLayer) {
  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  MLIRContext context(registry);
  const std::string path = HYBRID_SOURCE_DIR "/examples/hf/gemma2-tiny/config.json";
  ModelInfo info;
  std::string error;
  OwningOpRef<ModuleOp> module = importModel(&context, path, ModelInputShape{1, 4}, info, error);
  ASSERT_TRUE(module) << error;
  LinearOp projection;
  AttentionOp attention;
  module->walk([&](Operation *op) {
    // The first layer's q projection (the head, outside layers, has no name).
    if (auto linear = dyn_cast<LinearOp>(op);
        linear && !projection &&
        describeNamedLocation(linear->getLoc()).find("q_proj") != std::string::npos)
      projection = linear;
    if (auto a = dyn_cast<AttentionOp>(op); a && !attention)
      attention = a;
  });
  ASSERT_TRUE(projection && attention);
  EXPECT_EQ(describeNamedLocation(projection->getLoc()),
            path + ": model.layers.0.self_attn.q_proj");
  EXPECT_EQ(describeNamedLocation(attention->getLoc()), path + ": layers.0");

  std::string printed;
  llvm::raw_string_ostream os(printed);
  {
    ImportedModelDiagnostics diagnostics(&context, os);
    projection->emitError("something is wrong");
  }
  // The first line; MLIR's "see current operation" note follows.
  EXPECT_EQ(printed.substr(0, printed.find('\n')),
            path + ": model.layers.0.self_attn.q_proj: error: something is wrong");
  // Text locations are left to the other handlers.
  EXPECT_EQ(describeNamedLocation(FileLineColLoc::get(&context, "x.mlir", 1, 2)), "");
}
