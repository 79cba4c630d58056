//===- PipelineStages.h - Stages the pipelines share ------------*- C++ -*-===//
//
// Internal to lib/Pipelines: the bufferization both targets run between the
// tensor passes and their own code generation, and the GPU pipeline's
// stages up to its kernels, which the CPU pipeline also runs when it
// emulates them.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_PIPELINES_PIPELINESTAGES_H
#define HYBRID_LIB_PIPELINES_PIPELINESTAGES_H

#include "hybrid/Conversion/Passes.h"

namespace mlir {
class OpPassManager;
namespace hybrid {
struct GPUPipelineOptions;

/// The start of both pipelines: hybrid ops on tensors to linalg
/// (`toLinalg` says the tiles), elementwise arith as linalg, fused once.
void addTensorStage(OpPassManager &pm, const ConvertHybridToLinalgOptions &toLinalg);

/// C interfaces on public functions, one-shot bufferization, results as
/// caller-owned out parameters, deallocation, strided copies as loops.
/// `stateInPlace`: public functions update carried state in its argument
/// (CPUPipelineOptions::stateInPlace); `recordWeights`: record which
/// arguments are weights for hybrid-weights-in-panels.
void addBufferizeStage(OpPassManager &pm, bool stateInPlace, bool recordWeights);

/// Buffers to the LLVM dialect on the host: parallel loops through OpenMP
/// (`parallel`) or in order, then loops, math, memrefs, vectors, control
/// flow, functions (layers by bare pointers).
void addHostCodegenStage(OpPassManager &pm, bool parallel);

/// hybrid-gpu-pipeline up to its kernels: the tensor lowering with the GPU's
/// fixed tiles, bufferization, every outermost parallel loop a gpu.launch
/// (hybrid-gpu-map-loops). With `lowerToLLVM` false, only the tensor part.
void addGPUKernelStages(OpPassManager &pm, const GPUPipelineOptions &options);

} // namespace hybrid
} // namespace mlir

#endif // HYBRID_LIB_PIPELINES_PIPELINESTAGES_H
