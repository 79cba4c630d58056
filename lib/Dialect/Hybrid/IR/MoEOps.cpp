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
  if (failed(hidden))
    return failure();
  // The router reads router_input when given: the same tokens, its own width.
  Value routed = getRouterInput() ? getRouterInput() : getInput();
  const char *routedName = getRouterInput() ? "router_input" : "input";
  FailureOr<int64_t> routedWidth = checkTrailingDim(op, routedName, routed, "hidden");
  if (failed(routedWidth) ||
      failed(checkShape(op, "router", getRouter(),
                        {anyDim("experts"), {*routedWidth, "hidden", routedName}})))
    return failure();
  if (Value r = getRouterInput()) {
    auto inType = cast<RankedTensorType>(getInput().getType());
    auto rType = cast<RankedTensorType>(r.getType());
    if (rType.getRank() != inType.getRank() ||
        rType.getShape().drop_back() != inType.getShape().drop_back())
      return emitOpError() << "'router_input' " << rType
                           << " must have the tokens of 'input' " << inType
                           << " (all dims but the last equal)";
  }
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
  const int64_t groups = getExpertGroups(), topGroups = getTopGroups();
  if (groups < 1 || topGroups < 1 || topGroups > groups)
    return emitOpError() << "'top_groups' must be in [1, expert_groups], "
                            "with expert_groups >= 1; got top_groups = "
                         << topGroups << ", expert_groups = " << groups;
  if (groups > 1 && !ShapedType::isDynamic(experts)) {
    if (experts % groups != 0 || experts / groups < 2)
      return emitOpError() << "'expert_groups' (" << groups
                           << ") must divide the " << experts
                           << " experts into groups of at least 2 (a group "
                              "scores by its two best)";
    if (topK > topGroups * (experts / groups))
      return emitOpError() << "'top_k' (" << topK << ") exceeds the "
                           << topGroups * (experts / groups)
                           << " experts of the top_groups chosen groups";
  }
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
                                   {"router_input", getRouterInput()},
                                   {"gate", getGate()},
                                   {"up", getUp()},
                                   {"down", getDown()}});
}
