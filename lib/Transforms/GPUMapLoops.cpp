//===- GPUMapLoops.cpp - The hybrid-gpu-map-loops pass --------------------===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_GPUMAPLOOPS
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// Whether the buffer `alloc` makes can reach a region terminator (is
/// yielded out of its loop body, directly or through a view of it).
bool leavesItsBlock(memref::AllocOp alloc) {
  SmallVector<Value> worklist{alloc.getResult()};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (user->hasTrait<OpTrait::IsTerminator>())
        return true;
      if (isa<ViewLikeOpInterface>(user))
        llvm::append_range(worklist, user->getResults());
    }
  }
  return false;
}

/// Thread-private scratch: static, non-escaping allocations in the kernel
/// become allocas at its entry (one per thread, reused by each iteration
/// of the loops around them); their deallocs go.
void allocateScratchPerThread(gpu::LaunchOp launch) {
  SmallVector<memref::AllocOp> allocs;
  launch.getBody().walk([&](memref::AllocOp alloc) {
    if (alloc.getType().hasStaticShape() && alloc.getDynamicSizes().empty() &&
        alloc.getSymbolOperands().empty() && !leavesItsBlock(alloc))
      allocs.push_back(alloc);
  });
  Block &entry = launch.getBody().front();
  for (memref::AllocOp alloc : allocs) {
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      if (isa<memref::DeallocOp>(user))
        user->erase();
    OpBuilder b(&entry, entry.begin());
    auto alloca = memref::AllocaOp::create(b, alloc.getLoc(), alloc.getType(),
                                           alloc.getAlignmentAttr());
    alloc.replaceAllUsesWith(alloca.getResult());
    alloc.erase();
  }
}

void mapToThreads(scf::ParallelOp loop, int64_t blockSize) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  // Trip counts of each dimension and of the whole space.
  SmallVector<Value> counts;
  Value total = one;
  for (auto [lower, upper, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    Value span = arith::SubIOp::create(b, loc, upper, lower);
    Value count = arith::CeilDivSIOp::create(b, loc, span, step);
    count = arith::MaxSIOp::create(b, loc, count, zero);
    counts.push_back(count);
    total = arith::MulIOp::create(b, loc, total, count);
  }
  Value threads = arith::ConstantIndexOp::create(b, loc, blockSize);
  // An empty space still launches one block (a grid of 0 is an error).
  Value blocks = arith::CeilDivUIOp::create(b, loc, total, threads);
  blocks = arith::MaxUIOp::create(b, loc, blocks, one);
  auto launch = gpu::LaunchOp::create(b, loc, blocks, one, one, threads, one, one);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::KernelDim3 blockIds = launch.getBlockIds();
  gpu::KernelDim3 threadIds = launch.getThreadIds();
  Value id = arith::MulIOp::create(b, loc, blockIds.x, launch.getBlockSizeX());
  id = arith::AddIOp::create(b, loc, id, threadIds.x);
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, id, total);
  auto guard = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
  gpu::TerminatorOp::create(b, loc);

  b.setInsertionPointToStart(guard.thenBlock());
  // The last dimension varies fastest, as in the loop nest it stands for.
  IRMapping mapping;
  Value rest = id;
  for (int64_t dim = loop.getNumLoops() - 1; dim >= 0; --dim) {
    Value index = rest;
    if (dim > 0) {
      index = arith::RemUIOp::create(b, loc, rest, counts[dim]);
      rest = arith::DivUIOp::create(b, loc, rest, counts[dim]);
    }
    Value offset = arith::MulIOp::create(b, loc, index, loop.getStep()[dim]);
    Value iv = arith::AddIOp::create(b, loc, loop.getLowerBound()[dim], offset);
    mapping.map(loop.getInductionVars()[dim], iv);
  }
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
  loop.erase();
  allocateScratchPerThread(launch);
}

struct GPUMapLoopsPass : hybrid::impl::GPUMapLoopsBase<GPUMapLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (blockSize < 1 || blockSize > 1024) {
      getOperation().emitError() << "hybrid-gpu-map-loops: block-size must be in [1, 1024], got "
                                 << static_cast<int64_t>(blockSize);
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<scf::ParallelOp>() || loop->getParentOfType<gpu::LaunchOp>() ||
          loop.getNumResults() != 0)
        return;
      outermost.push_back(loop);
    });
    for (scf::ParallelOp loop : outermost)
      mapToThreads(loop, blockSize);
  }
};
} // namespace
