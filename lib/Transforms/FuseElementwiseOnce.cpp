//===- FuseElementwiseOnce.cpp - The hybrid-fuse-elementwise-once pass ----===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/GemmMatch.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_FUSEELEMENTWISEONCE
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {
/// Whether a producer's body is a few arithmetic ops (rsqrt included): no
/// transcendental function and no gather.
bool cheapToRecompute(Operation *producer) {
  bool cheap = true;
  producer->walk([&](Operation *op) {
    if (isa<tensor::ExtractOp, math::ExpOp, math::ExpM1Op, math::LogOp,
            math::Log1pOp, math::SinOp, math::CosOp, math::TanhOp, math::ErfOp,
            math::PowFOp>(op))
      cheap = false;
  });
  return cheap;
}

/// How many times the consumer's loops would compute each element of the
/// fused producer (its iteration space over the producer's).
int64_t recomputeFactor(linalg::LinalgOp producer, linalg::LinalgOp consumer) {
  auto volume = [](linalg::LinalgOp op) {
    int64_t n = 1;
    for (int64_t size : op.getStaticLoopRanges())
      n *= ShapedType::isDynamic(size) ? 1 : size;
    return n;
  };
  return volume(consumer) / std::max<int64_t>(volume(producer), 1);
}

struct FuseElementwiseOncePass
    : hybrid::impl::FuseElementwiseOnceBase<FuseElementwiseOncePass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    linalg::ControlFusionFn once = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      if (!producer || !producer->hasOneUse())
        return false;
      // The linear layer's contraction stays a plain multiply-add over a
      // 2-D weight, which hybrid-packed-gemm turns into its micro-kernels:
      // nothing fuses into it, and no reshape (a split into heads) folds
      // into it either, which would make its weight [heads, d, k].
      auto isGemm = [](Operation *op) {
        auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
        return generic && isTransposedBGemm(generic);
      };
      if (isGemm(fused->getOwner()) || isGemm(producer))
        return false;
      auto linalgProducer = dyn_cast<linalg::LinalgOp>(producer);
      if (!consumer || !linalgProducer)
        return true;
      // A product C += A·B keeps plain operands for
      // hybrid-register-tile-products' kernels unless the fused work is read
      // about once: a row scaling fused into A would be recomputed for every
      // column of C, inside scalar loops.
      const bool readOften = recomputeFactor(linalgProducer, consumer) > 2;
      auto generic = dyn_cast<linalg::GenericOp>(fused->getOwner());
      if (readOften && generic && productDims(generic))
        return false;
      return cheapToRecompute(producer) || !readOften;
    };
    // The pattern set of upstream's LinalgElementwiseOpFusionPass, with
    // `once` as the control.
    linalg::populateElementwiseOpsFusionPatterns(patterns, once);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, once);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(
        patterns);
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      signalPassFailure();
  }
};
} // namespace
