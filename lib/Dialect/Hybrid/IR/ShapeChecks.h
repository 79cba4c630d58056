//===- ShapeChecks.h - Shared helpers of the op verifiers -------*- C++ -*-===//
//
// Every verifier states an operand's expected shape as a list of named
// dimensions; these helpers compare it with the actual type and emit one
// message style everywhere:
//   'key' dim 0 (batch) is 3, expected 2 (from 'query')
//   'key' must have rank 4 [batch, kv_heads, seq, head_dim], got rank 3
// Dynamic sizes (on either side) are not checked.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_DIALECT_HYBRID_IR_SHAPECHECKS_H
#define HYBRID_LIB_DIALECT_HYBRID_IR_SHAPECHECKS_H

#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <string>

namespace mlir::hybrid::detail {

/// The size a dimension is expected to have, what it means, and which operand
/// fixed that size. `size` may be ShapedType::kDynamic (anything goes).
struct Dim {
  int64_t size;
  StringRef what;
  StringRef source = {};
};

/// A dimension with no constraint, only a name for the rank message.
inline Dim anyDim(StringRef what) { return {ShapedType::kDynamic, what}; }

/// Whether a dimension size is known.
inline bool isStatic(int64_t size) { return !ShapedType::isDynamic(size); }

/// The size of dimension `d` of `value` (kDynamic when unknown).
int64_t dimOf(Value value, int64_t d);

/// Checks that `value` (called `name`) is a ranked tensor of rank
/// dims.size() whose static dimensions match the static expectations.
LogicalResult checkShape(Operation *op, StringRef name, Value value,
                         ArrayRef<Dim> dims);

/// Checks that `value` has rank >= 1 and returns its last dimension, naming it
/// `what` in the message: inputs of the form [..., D].
FailureOr<int64_t> checkTrailingDim(Operation *op, StringRef name, Value value,
                                    StringRef what);

/// Checks that every non-null value has the element type of the first one.
LogicalResult
checkSameElementType(Operation *op,
                     ArrayRef<std::pair<StringRef, Value>> namedValues);

/// Ops of the form [..., D] -> [..., D]: the result type is the input's.
LogicalResult checkResultIsInputType(Operation *op, Value input, Value result);

/// The activation of a gated MLP or an MoE expert: silu, gelu, gelu_tanh or
/// relu.
LogicalResult checkGatedActivation(Operation *op, Activation activation,
                                   StringRef what);

/// A float for a diagnostic, as a person writes it ("1.5", not "1.500000e+00").
std::string formatNumber(double value);

/// Checks that an optional f32 attribute, when present, is finite and
/// positive (or non-negative with `allowZero`).
LogicalResult checkPositive(Operation *op, StringRef name,
                            std::optional<APFloat> value,
                            bool allowZero = false);

} // namespace mlir::hybrid::detail

#endif // HYBRID_LIB_DIALECT_HYBRID_IR_SHAPECHECKS_H
