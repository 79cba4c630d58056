//===- hybrid-opt.cpp - mlir-opt for the hybrid dialect -------------------===//
//
// Registers only what the project uses, so the tool links quickly: the hybrid
// dialect and its conversions, the passes of the CPU pipeline, the pipeline with the upstream dialects it
// lowers through, and the generic transforms (canonicalize, cse, ...).
//
//===----------------------------------------------------------------------===//

#include "hybrid/Conversion/Passes.h"
#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  mlir::hybrid::registerHybridConversionPasses();
  mlir::hybrid::registerHybridTransformsPasses();
  mlir::hybrid::registerCPUPipeline();

  mlir::DialectRegistry registry;
  mlir::hybrid::registerCPUPipelineDialects(registry);
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "hybrid-mlir optimizer driver\n", registry));
}
