//===- ShapeChecks.cpp - Shared helpers of the op verifiers ---------------===//

#include "ShapeChecks.h"
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace mlir::hybrid::detail;

int64_t mlir::hybrid::detail::dimOf(Value value, int64_t d) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || d < 0 || d >= type.getRank())
    return ShapedType::kDynamic;
  return type.getDimSize(d);
}

LogicalResult mlir::hybrid::detail::checkShape(Operation *op, StringRef name,
                                               Value value,
                                               ArrayRef<Dim> dims) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() != static_cast<int64_t>(dims.size())) {
    InFlightDiagnostic diag = op->emitOpError()
                              << "'" << name << "' must have rank "
                              << dims.size() << " [";
    llvm::interleaveComma(dims, diag, [&](const Dim &dim) { diag << dim.what; });
    diag << "], got ";
    if (type)
      diag << "rank " << type.getRank();
    else
      diag << value.getType();
    return diag;
  }
  for (auto [d, dim] : llvm::enumerate(dims)) {
    int64_t actual = type.getDimSize(d);
    if (ShapedType::isDynamic(dim.size) || ShapedType::isDynamic(actual) ||
        actual == dim.size)
      continue;
    InFlightDiagnostic diag = op->emitOpError()
                              << "'" << name << "' dim " << d << " ("
                              << dim.what << ") is " << actual << ", expected "
                              << dim.size;
    if (!dim.source.empty())
      diag << " (from '" << dim.source << "')";
    return diag;
  }
  return success();
}

FailureOr<int64_t> mlir::hybrid::detail::checkTrailingDim(Operation *op,
                                                          StringRef name,
                                                          Value value,
                                                          StringRef what) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() < 1)
    return op->emitOpError() << "'" << name << "' must have rank >= 1 [..., "
                             << what << "], got " << value.getType();
  return type.getDimSize(type.getRank() - 1);
}

LogicalResult mlir::hybrid::detail::checkSameElementType(
    Operation *op, ArrayRef<std::pair<StringRef, Value>> namedValues) {
  std::optional<std::pair<StringRef, Type>> first;
  for (auto [name, value] : namedValues) {
    if (!value)
      continue;
    Type elementType = getElementTypeOrSelf(value.getType());
    if (!first) {
      first = {name, elementType};
      continue;
    }
    if (elementType != first->second)
      return op->emitOpError()
             << "'" << name << "' has element type " << elementType
             << ", expected " << first->second << " (from '" << first->first
             << "')";
  }
  return success();
}

LogicalResult mlir::hybrid::detail::checkResultIsInputType(Operation *op,
                                                           Value input,
                                                           Value result) {
  if (result.getType() == input.getType())
    return success();
  return op->emitOpError() << "result type " << result.getType()
                           << " must equal the input type " << input.getType();
}

LogicalResult mlir::hybrid::detail::checkGatedActivation(Operation *op,
                                                         Activation activation,
                                                         StringRef what) {
  // relu: ReGLU; with gate = up it is relu(x)² (Nemotron-H's relu2
  // experts, since relu(u)·u = relu(u)²).
  if (activation == Activation::silu || activation == Activation::gelu_tanh ||
      activation == Activation::gelu || activation == Activation::relu)
    return success();
  return op->emitOpError() << "supports " << what
                           << " silu, gelu, gelu_tanh or relu, got "
                           << stringifyActivation(activation);
}

std::string mlir::hybrid::detail::formatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

LogicalResult mlir::hybrid::detail::checkPositive(Operation *op,
                                                  StringRef name,
                                                  std::optional<APFloat> value,
                                                  bool allowZero) {
  if (!value)
    return success();
  double v = value->convertToDouble();
  if (std::isfinite(v) && (v > 0 || (allowZero && v == 0)))
    return success();
  return op->emitOpError() << "'" << name << "' must be "
                           << (allowZero ? "non-negative" : "positive")
                           << " and finite, got " << formatNumber(v);
}

LogicalResult mlir::hybrid::verifyNonEmptyTensors(Operation *op) {
  auto check = [&](Type type, const char *what, unsigned index) -> LogicalResult {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor || !llvm::is_contained(tensor.getShape(), 0))
      return success();
    return op->emitOpError() << what << " " << index << " (" << type
                             << ") has a dimension of size 0; hybrid ops need non-empty tensors";
  };
  for (auto [i, type] : llvm::enumerate(op->getOperandTypes()))
    if (failed(check(type, "operand", i)))
      return failure();
  for (auto [i, type] : llvm::enumerate(op->getResultTypes()))
    if (failed(check(type, "result", i)))
      return failure();
  return success();
}
