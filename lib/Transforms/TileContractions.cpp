//===- TileContractions.cpp - The hybrid-tile-contractions pass -----------===//
//
// See Passes.td for what and why. Tile sizes come from the module's
// `hybrid.target`; the host is never asked.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/Passes.h"
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"
#include "hybrid/Transforms/GemmMatch.h"

#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_TILECONTRACTIONS
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {
/// Large enough to be worth blocking: a contraction of at least 2^22
/// iterations with static loop ranges.
bool isCandidate(linalg::GenericOp op, bool skipPackedGemms) {
  // hybrid-packed-gemm blocks these itself, after bufferization.
  if (skipPackedGemms && isTransposedBGemm(op))
    return false;
  if (op.getNumReductionLoops() != 1 || op.getNumParallelLoops() < 2 ||
      op.getNumDpsInputs() < 2 || !op.hasPureTensorSemantics())
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges.empty() || llvm::any_of(ranges, ShapedType::isDynamic))
    return false;
  int64_t volume = 1;
  for (int64_t r : ranges)
    volume *= r;
  return volume >= (int64_t(1) << 22);
}

struct TileContractionsPass
    : hybrid::impl::TileContractionsBase<TileContractionsPass> {
  using TileContractionsBase::TileContractionsBase;
  void runOnOperation() override {
    CPUTarget target = getCPUTarget(getOperation());
    SmallVector<linalg::GenericOp> candidates;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isCandidate(op, skipPackedGemms))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    const int64_t lanes = target.lanes(), budget = target.l2Bytes / 2 / 4;
    for (linalg::GenericOp op : candidates) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
      // The two innermost parallel dims (m, n) and the reduction (k).
      SmallVector<unsigned> parallel;
      unsigned k = 0;
      for (unsigned d = 0; d < kinds.size(); ++d)
        (kinds[d] == utils::IteratorType::parallel ? (void)parallel.push_back(d)
                                                   : (void)(k = d));
      unsigned n = parallel.back(), m = parallel[parallel.size() - 2];
      // Matmul-like only: the reduction is the innermost loop (contiguous
      // operands, vectorised with reassociation) and long enough to block.
      // Attention's short head-dim reductions lose from it (measured).
      if (k != kinds.size() - 1 || ranges[k] < 8 * lanes)
        continue;
      int64_t tk = std::min<int64_t>(ranges[k], 256);
      int64_t tn = std::min<int64_t>(ranges[n], 8 * lanes);
      int64_t tm = std::max<int64_t>(
          1, std::min<int64_t>(ranges[m], (budget - tn * tk) / (tk + tn)));
      // Other parallel dims (batch) one at a time.
      SmallVector<OpFoldResult> sizes(kinds.size(), rewriter.getIndexAttr(1));
      sizes[m] = rewriter.getIndexAttr(tm);
      sizes[n] = rewriter.getIndexAttr(tn);
      sizes[k] = rewriter.getIndexAttr(tk);
      scf::SCFTilingOptions options;
      options.setTileSizes(sizes);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue;
      rewriter.replaceOp(op, tiled->replacements);
    }
  }
};
} // namespace
