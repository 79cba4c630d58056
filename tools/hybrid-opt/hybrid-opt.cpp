//===- hybrid-opt.cpp - mlir-opt for the hybrid dialect -------------------===//
//
// Registers only what the project uses, so the tool links quickly: the hybrid
// dialect and its conversions, the passes of the CPU and GPU pipelines, the
// pipelines with the upstream dialects they lower through, and the generic
// transforms (canonicalize, cse, ...).
//
//===----------------------------------------------------------------------===//

#include "../common/PrintableErrorStream.h"
#include "hybrid/Conversion/Passes.h"
#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Support/IRNestingDepth.h"
#include "hybrid/Support/MappedFile.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  mlir::hybrid::registerHybridConversionPasses();
  mlir::hybrid::registerHybridTransformsPasses();
  mlir::hybrid::registerCPUPipeline();
  mlir::hybrid::registerGPUPipeline();
  // gpu-kernel-outlining and friends, for the GPU passes' lit tests.
  mlir::registerGPUPasses();

  mlir::DialectRegistry registry;
  mlir::hybrid::registerGPUPipelineDialects(registry);
  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "hybrid-mlir optimizer driver\n", registry);
  mlir::MlirOptMainConfig config = mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses())
    return mlir::asMainReturnCode(
        mlir::MlirOptMain(argc, argv, inputFilename, outputFilename, registry));
  // The input is read here (not by MlirOptMain) so that its nesting is
  // bounded before MLIR's recursive parser sees it.
  std::string errorMessage;
  if (inputFilename != "-" && !mlir::hybrid::checkRegularFile(inputFilename, errorMessage)) {
    mlir::hybrid::errorStream() << "hybrid-opt: error: " << errorMessage << "\n";
    return EXIT_FAILURE;
  }
  std::unique_ptr<llvm::MemoryBuffer> input = mlir::openInputFile(inputFilename, &errorMessage);
  if (!input) {
    mlir::hybrid::errorStream() << "hybrid-opt: error: " << errorMessage << "\n";
    return EXIT_FAILURE;
  }
  if (std::string depthError; !mlir::hybrid::checkIRNestingDepth(input->getBuffer(), depthError)) {
    mlir::hybrid::errorStream() << "hybrid-opt: error: " << inputFilename << ": " << depthError << "\n";
    return EXIT_FAILURE;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    mlir::hybrid::errorStream() << "hybrid-opt: error: " << errorMessage << "\n";
    return EXIT_FAILURE;
  }
  const bool ok = mlir::succeeded(mlir::MlirOptMain(output->os(), std::move(input), registry, config));
  // A failed write (a full disk, /dev/full) is one line naming the file,
  // not LLVM's fatal "IO failure on output stream" when the stream closes.
  output->os().flush();
  if (output->os().has_error()) {
    mlir::hybrid::errorStream() << "hybrid-opt: error: " << outputFilename << ": write failed ("
                 << output->os().error().message() << ")\n";
    output->os().clear_error();
    return EXIT_FAILURE;
  }
  if (!ok)
    return EXIT_FAILURE;
  output->keep();
  return EXIT_SUCCESS;
}
