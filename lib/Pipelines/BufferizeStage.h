//===- BufferizeStage.h - Tensors to buffers, shared by the pipelines -----===//
//
// Internal to lib/Pipelines: the stage both targets run between the tensor
// passes and their own code generation.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_PIPELINES_BUFFERIZESTAGE_H
#define HYBRID_LIB_PIPELINES_BUFFERIZESTAGE_H

namespace mlir {
class OpPassManager;
namespace hybrid {

/// C interfaces on public functions, one-shot bufferization, results as
/// caller-owned out parameters, deallocation, strided copies as loops.
/// `stateInPlace`: public functions update carried state in its argument
/// (CPUPipelineOptions::stateInPlace); `recordWeights`: record which
/// arguments are weights for hybrid-weights-in-panels.
void addBufferizeStage(OpPassManager &pm, bool stateInPlace, bool recordWeights);

} // namespace hybrid
} // namespace mlir

#endif // HYBRID_LIB_PIPELINES_BUFFERIZESTAGE_H
