//===- Passes.h - The passes of the CPU pipeline ----------------*- C++ -*-===//

#ifndef HYBRID_TRANSFORMS_PASSES_H
#define HYBRID_TRANSFORMS_PASSES_H

#include "hybrid/Transforms/GemmMatch.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Pass/Pass.h"

namespace mlir::hybrid {

/// hybrid-emit-c-interface's record of the state argument/result pairs a
/// session's function updates in place (hybrid-write-state-in-place).
constexpr llvm::StringLiteral kStateInPlaceAttrName = "hybrid_state_in_place";

/// hybrid-emit-c-interface's record (with record-weights) of which
/// arguments of a public function are weights (`hybrid.weight`), for
/// hybrid-weights-in-panels, which removes it.
constexpr llvm::StringLiteral kWeightArgumentsAttrName = "hybrid_weight_arguments";

#define GEN_PASS_DECL
#include "hybrid/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "hybrid/Transforms/Passes.h.inc"

} // namespace mlir::hybrid

#endif // HYBRID_TRANSFORMS_PASSES_H
