//===- PipelineStages.cpp - Stages the pipelines share --------------------===//

#include "PipelineStages.h"

#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::hybrid::addTensorStage(OpPassManager &pm,
                                  const ConvertHybridToLinalgOptions &toLinalg) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertHybridToLinalg(toLinalg));
  // Residual additions and gates are arith ops on tensors.
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createFuseElementwiseOnce());
  pm.addPass(createCanonicalizerPass());
}

void mlir::hybrid::addBufferizeStage(OpPassManager &pm, bool stateInPlace, bool recordWeights) {
  pm.addPass(createEmitCInterface(EmitCInterfaceOptions{stateInPlace, recordWeights}));
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  // Scan and recurrence loops carry fresh tensors from step to step.
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // A layer that updated its state argument in place returns it: the result
  // goes, and the caller reads its own operand (no copy of the state into
  // a result buffer). Private functions only: the entries' signatures are
  // the runtime's.
  // (Canonicalized first: a guarded cache write yields the cache from both
  // branches of an scf.if, which must fold to the argument.)
  if (stateInPlace) {
    pm.addPass(createCanonicalizerPass());
    pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  }
  // Results become caller-owned out parameters: the caller allocates them
  // from the signature's static shapes, and nothing is returned by malloc.
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.modifyPublicFunctions = true;
  outParams.hoistStaticAllocs = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  // ... and results computed elsewhere (a call's, a reshaped buffer) are
  // written there directly rather than copied at the end.
  pm.addNestedPass<func::FuncOp>(createElideResultCopies());
  pm.addNestedPass<func::FuncOp>(createWriteStateInPlace());
  pm.addPass(createNoAliasArguments());
  // At module level: lowering multi-buffer deallocs inserts a helper function.
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createInlineDeallocHelpers());
  pm.addPass(createCopiesToLoops());
}
