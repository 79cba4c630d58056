//===- ConvertHybridToLinalg.cpp - The convert-hybrid-to-linalg pass ------===//

#include "hybrid/Conversion/HybridToLinalg/HybridToLinalg.h"
#include "hybrid/Conversion/Passes.h"
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"
#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h"
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"

#include "Patterns.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_CONVERTHYBRIDTOLINALG
#include "hybrid/Conversion/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

void mlir::hybrid::populateHybridToLinalgPatterns(
    RewritePatternSet &patterns, const HybridToLinalgOptions &options) {
  lowering::populateAttentionLoweringPatterns(patterns, options);
  lowering::populateBuildingBlockLoweringPatterns(patterns);
  lowering::populateConvLoweringPatterns(patterns);
  lowering::populateDeltaRuleLoweringPatterns(patterns);
  lowering::populateMemoryLoweringPatterns(patterns);
  lowering::populateMoELoweringPatterns(patterns);
  lowering::populateRecurrenceLoweringPatterns(patterns);
  lowering::populateScanLoweringPatterns(patterns);
}

namespace {
struct ConvertHybridToLinalgPass
    : hybrid::impl::ConvertHybridToLinalgBase<ConvertHybridToLinalgPass> {
  using ConvertHybridToLinalgBase::ConvertHybridToLinalgBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Attention tiles: two vectors of queries against four vectors of keys
    // (each key block then serves 32 queries with AVX-512: ~20% faster
    // causal attention than 16, measured; 48 and 64 gained nothing more).
    CPUTarget target = getCPUTarget(getOperation());
    HybridToLinalgOptions options;
    options.attentionQueryTile =
        attentionQueryTile < 0 ? 2 * target.lanes() : int64_t(attentionQueryTile);
    options.attentionKeyTile =
        attentionKeyTile < 0 ? 4 * target.lanes() : int64_t(attentionKeyTile);
    options.attentionKVSplits = attentionKVSplits;
    // A GQA group's heads reread each chunk of K and V from L2 (a quarter
    // of it: the chunk shares L2 with the queries, partial sums and
    // prefetched lines).
    options.attentionKVChunkBytes = target.l2Bytes / 4;
    populateHybridToLinalgPatterns(patterns, options);
    // Folding is left to the canonicalizer that follows in the pipeline.
    GreedyRewriteConfig config;
    config.enableFolding(false);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      return signalPassFailure();
    // Every hybrid op must be gone; name the first that is not.
    WalkResult left = getOperation()->walk([](Operation *op) {
      if (isa<HybridDialect>(op->getDialect())) {
        op->emitError() << "could not be lowered to linalg"
                        << (llvm::any_of(op->getOperandTypes(),
                                         [](Type t) {
                                           auto s = dyn_cast<ShapedType>(t);
                                           return s && !s.hasStaticShape();
                                         })
                                ? " (dynamic shapes are not supported yet)"
                                : "");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
