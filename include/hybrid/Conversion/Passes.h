//===- Passes.h - Conversions out of the hybrid dialect ---------*- C++ -*-===//

#ifndef HYBRID_CONVERSION_PASSES_H
#define HYBRID_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::hybrid {

#define GEN_PASS_DECL
#include "hybrid/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "hybrid/Conversion/Passes.h.inc"

} // namespace mlir::hybrid

#endif // HYBRID_CONVERSION_PASSES_H
