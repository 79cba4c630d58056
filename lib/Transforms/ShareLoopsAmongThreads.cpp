//===- ShareLoopsAmongThreads.cpp - The hybrid-share-loops-among-threads pass //
//
// See Passes.td for what and why. The chunk count is fixed at compile time
// (the thread count is not known until run time): 64 chunks keep two to
// sixteen threads busy with little imbalance, and 2^14 iterations per chunk
// keep OpenMP's fork/join (a few microseconds) small beside the work.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/GemmMatch.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_SHARELOOPSAMONGTHREADS
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {

constexpr int64_t kMinIterations = int64_t(1) << 16;
constexpr int64_t kMinChunkIterations = int64_t(1) << 14;
constexpr int64_t kMaxChunks = 64;

/// The number of chunks to cut `range` into when about `wanted` are asked
/// for and at most `most` allowed: the divisor of the range nearest to
/// `wanted` in [wanted/2, 1.5·wanted] (every chunk then has one static
/// shape; ties go to the larger); else
/// the whole range when allowed (chunks of one); else `wanted` (the last
/// chunk shorter).
int64_t chunksAlong(int64_t range, int64_t wanted, int64_t most) {
  if (range <= wanted)
    return range;
  for (int64_t delta = 0; delta <= wanted / 2; ++delta) {
    if (range % (wanted + delta) == 0)
      return wanted + delta;
    if (wanted - delta >= std::max<int64_t>(2, wanted / 2) && range % (wanted - delta) == 0)
      return wanted - delta;
  }
  return range <= most ? range : wanted;
}

/// Tile sizes (0: not tiled) giving about `wanted` chunks, the outermost parallel dims first; reductions are never tiled, and
/// dims before the last one cut are split into single slices.
SmallVector<int64_t> chunkSizes(ArrayRef<int64_t> ranges,
                                ArrayRef<utils::IteratorType> kinds, int64_t wanted) {
  SmallVector<int64_t> sizes(ranges.size(), 0);
  int64_t chunks = 1;
  for (unsigned d = 0; d < ranges.size() && 2 * chunks < wanted; ++d) {
    if (kinds[d] != utils::IteratorType::parallel || ranges[d] == 1)
      continue;
    const int64_t need = (wanted + chunks - 1) / chunks;
    const int64_t along = chunksAlong(ranges[d], need, kMaxChunks / chunks);
    sizes[d] = (ranges[d] + along - 1) / along;
    chunks *= along;
  }
  return sizes;
}

struct ShareLoopsAmongThreadsPass
    : hybrid::impl::ShareLoopsAmongThreadsBase<ShareLoopsAmongThreadsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!isa<linalg::GenericOp, linalg::TransposeOp>(op.getOperation()) ||
          !isa<func::FuncOp>(op->getParentOp()) || !op.hasPureTensorSemantics())
        return;
      if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation()))
        if (isTransposedBGemm(generic))
          return;
      candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (ranges.empty() || llvm::any_of(ranges, ShapedType::isDynamic))
        continue;
      int64_t volume = 1;
      for (int64_t r : ranges)
        volume *= r;
      if (volume < kMinIterations)
        continue;
      const int64_t wanted = std::min(kMaxChunks, volume / kMinChunkIterations);
      SmallVector<int64_t> sizes =
          chunkSizes(ranges, op.getIteratorTypesArray(), wanted);
      if (llvm::all_of(sizes, [](int64_t s) { return s == 0; }))
        continue;
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(&getContext(), sizes));
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
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
