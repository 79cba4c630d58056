//===- MoEOps.cpp - Mixture-of-experts ops: verifiers ---------------------===//

#include "ShapeChecks.h"
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::detail;

LogicalResult MoEOp::verify() {
  Operation *op = getOperation();
  FailureOr<int64_t> hidden = checkTrailingDim(op, "input", getInput(), "hidden");
  if (failed(hidden) ||
      failed(checkShape(op, "router", getRouter(),
                        {anyDim("experts"), {*hidden, "hidden", "input"}})))
    return failure();
  int64_t experts = dimOf(getRouter(), 0);
  if (failed(checkShape(op, "gate", getGate(),
                        {{experts, "experts", "router"},
                         anyDim("intermediate"),
                         {*hidden, "hidden", "input"}})))
    return failure();
  int64_t intermediate = dimOf(getGate(), 1);
  if (failed(checkShape(op, "up", getUp(),
                        {{experts, "experts", "router"},
                         {intermediate, "intermediate", "gate"},
                         {*hidden, "hidden", "input"}})) ||
      failed(checkShape(op, "down", getDown(),
                        {{experts, "experts", "router"},
                         {*hidden, "hidden", "input"},
                         {intermediate, "intermediate", "gate"}})))
    return failure();
  if (failed(checkResultIsInputType(op, getInput(), getResult())))
    return failure();
  int64_t topK = getTopK();
  if (topK < 1 || (!ShapedType::isDynamic(experts) && topK > experts))
    return emitOpError() << "'top_k' must be in [1, experts = " << experts
                         << "], got " << topK;
  if (failed(checkGatedActivation(op, getActivation(), "expert activation")))
    return failure();
  if (Value bias = getSelectionBias())
    if (failed(checkShape(op, "selection_bias", bias, {{experts, "experts", "router"}})) ||
        failed(checkSameElementType(op, {{"input", getInput()},
                                         {"selection_bias", bias}})))
      return failure();
  const double scaling = getRoutedScaling().convertToDouble();
  if (!std::isfinite(scaling))
    return emitOpError() << "'routed_scaling' must be finite, got "
                         << formatNumber(scaling);
  if (failed(checkPositive(op, "normalize_epsilon", getNormalizeEpsilon(),
                           /*allowZero=*/true)))
    return failure();
  return checkSameElementType(op, {{"input", getInput()},
                                   {"router", getRouter()},
                                   {"gate", getGate()},
                                   {"up", getUp()},
                                   {"down", getDown()}});
}
