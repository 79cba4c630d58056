//===- HybridOps.h - Ops of the hybrid dialect ------------------*- C++ -*-===//

#ifndef HYBRID_DIALECT_HYBRID_IR_HYBRIDOPS_H
#define HYBRID_DIALECT_HYBRID_IR_HYBRIDOPS_H

#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"
#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir {
namespace hybrid {
/// Every ranked tensor an op takes or makes has no dimension of size 0.
LogicalResult verifyNonEmptyTensors(Operation *op);
} // namespace hybrid

namespace OpTrait {
/// Hybrid ops compute over non-empty tensors: a norm or a contraction over
/// nothing has no defined value (the mean of no elements), and the lowering
/// slices assume at least one element, so size 0 is refused up front.
template <typename ConcreteType>
class HybridNonEmptyTensors : public TraitBase<ConcreteType, HybridNonEmptyTensors> {
public:
  static LogicalResult verifyTrait(Operation *op) {
    return hybrid::verifyNonEmptyTensors(op);
  }
};
} // namespace OpTrait
} // namespace mlir

#define GET_OP_CLASSES
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h.inc"

#endif // HYBRID_DIALECT_HYBRID_IR_HYBRIDOPS_H
