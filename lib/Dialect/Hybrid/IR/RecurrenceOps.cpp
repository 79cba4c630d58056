//===- RecurrenceOps.cpp - Depth recurrence: verifier, canonicalization ---===//

#include "ShapeChecks.h"
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::detail;

LogicalResult RecurrentDepthOp::verifyRegions() {
  Operation *op = getOperation();
  if (getMaxSteps() < 1)
    return emitOpError() << "'max_steps' must be >= 1, got " << getMaxSteps();
  if (failed(checkShape(op, "init", getInit(),
                        {anyDim("batch"), anyDim("seq"), anyDim("hidden")})))
    return failure();
  if (std::optional<APFloat> threshold = getHaltThreshold()) {
    double theta = threshold->convertToDouble();
    if (!(theta > 0 && theta <= 1))
      return emitOpError() << "'halt_threshold' must be in (0, 1], got "
                           << formatNumber(theta);
  }

  Block &body = getBody().front();
  Type stateType = getInit().getType();
  if (body.getNumArguments() != 2 ||
      body.getArgument(0).getType() != stateType ||
      !body.getArgument(1).getType().isIndex())
    return emitOpError() << "body must take (" << stateType
                         << ", index): the state and the step number";

  auto yield = body.empty() ? YieldOp() : dyn_cast<YieldOp>(body.back());
  if (!yield)
    return emitOpError() << "body must end with hybrid.yield";
  unsigned expected = isAdaptive() ? 2 : 1;
  if (yield.getValues().size() != expected)
    return yield.emitOpError()
           << "must yield " << expected
           << (isAdaptive() ? " values (next state, halting probability)"
                            : " value (the next state)")
           << ", got " << yield.getValues().size();
  if (yield.getValues()[0].getType() != stateType)
    return yield.emitOpError() << "next state has type "
                               << yield.getValues()[0].getType()
                               << ", expected " << stateType;
  if (isAdaptive()) {
    Value halting = yield.getValues()[1];
    if (failed(checkShape(yield, "halting probability", halting,
                          {{dimOf(getInit(), 0), "batch", "init"},
                           {dimOf(getInit(), 1), "seq", "init"}})) ||
        failed(checkSameElementType(
            yield, {{"next state", yield.getValues()[0]},
                    {"halting probability", halting}})))
      return failure();
  }
  return success();
}

namespace {
/// A fixed recurrence of one step is its body, run once at step 0.
struct InlineSingleStep : OpRewritePattern<RecurrentDepthOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RecurrentDepthOp op,
                                PatternRewriter &rewriter) const override {
    if (op.isAdaptive() || op.getMaxSteps() != 1)
      return failure();
    Block &body = op.getBody().front();
    auto yield = cast<YieldOp>(body.getTerminator());
    Value step = arith::ConstantIndexOp::create(rewriter, op.getLoc(), 0);
    rewriter.inlineBlockBefore(&body, op, {op.getInit(), step});
    // Read the yielded value after inlining: it may be the state argument,
    // which inlining has just replaced by the init operand.
    Value next = yield.getValues()[0];
    rewriter.replaceOp(op, next);
    rewriter.eraseOp(yield);
    return success();
  }
};
} // namespace

void RecurrentDepthOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                   MLIRContext *context) {
  results.add<InlineSingleStep>(context);
}
