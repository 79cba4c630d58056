//===- HybridAttrs.h - Attributes of the hybrid dialect ---------*- C++ -*-===//

#ifndef HYBRID_DIALECT_HYBRID_IR_HYBRIDATTRS_H
#define HYBRID_DIALECT_HYBRID_IR_HYBRIDATTRS_H

#include "hybrid/Support/Mask.h"
#include "hybrid/Target/CPUTarget.h"
#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include "hybrid/Dialect/Hybrid/IR/HybridEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h.inc"

namespace mlir::hybrid {
/// The target of a module: its `hybrid.target`, or the default CPUTarget
/// (AVX-512 class) when it has none. Passes read the target only here.
CPUTarget getCPUTarget(Operation *module);
/// Sets the module's `hybrid.target`.
void setCPUTarget(Operation *module, const CPUTarget &target);
bool hasCPUTarget(Operation *module);
} // namespace mlir::hybrid

#endif // HYBRID_DIALECT_HYBRID_IR_HYBRIDATTRS_H
