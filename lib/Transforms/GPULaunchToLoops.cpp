//===- GPULaunchToLoops.cpp - The hybrid-gpu-launch-to-loops pass ---------===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_GPULAUNCHTOLOOPS
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {

LogicalResult runOnHost(gpu::LaunchOp launch) {
  if (!launch.getAsyncDependencies().empty() || launch.getAsyncToken() ||
      launch.hasClusterSize() || launch.getDynamicSharedMemorySize())
    return launch.emitError("hybrid-gpu-launch-to-loops: only synchronous launches without "
                            "clusters or shared memory run on the host");
  if (!launch.getBody().hasOneBlock())
    return launch.emitError("hybrid-gpu-launch-to-loops: the kernel body has several blocks");
  WalkResult shared = launch.getBody().walk([](Operation *op) {
    return isa<gpu::BarrierOp>(op) ? WalkResult::interrupt() : WalkResult::advance();
  });
  if (shared.wasInterrupted() || !launch.getWorkgroupAttributions().empty() ||
      !launch.getPrivateAttributions().empty())
    return launch.emitError("hybrid-gpu-launch-to-loops: a kernel whose threads synchronise "
                            "or share memory cannot run as a loop");

  OpBuilder b(launch);
  Location loc = launch.getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> upper{launch.getGridSizeX(),  launch.getGridSizeY(),
                           launch.getGridSizeZ(),  launch.getBlockSizeX(),
                           launch.getBlockSizeY(), launch.getBlockSizeZ()};
  SmallVector<Value> lower(upper.size(), zero), steps(upper.size(), one);
  auto loop = scf::ParallelOp::create(b, loc, lower, upper, steps);
  Block &body = launch.getBody().front();
  IRMapping mapping;
  gpu::KernelDim3 blockIds = launch.getBlockIds(), threadIds = launch.getThreadIds();
  gpu::KernelDim3 gridSize = launch.getGridSize(), blockSize = launch.getBlockSize();
  ValueRange ivs = loop.getInductionVars();
  mapping.map(blockIds.x, ivs[0]);
  mapping.map(blockIds.y, ivs[1]);
  mapping.map(blockIds.z, ivs[2]);
  mapping.map(threadIds.x, ivs[3]);
  mapping.map(threadIds.y, ivs[4]);
  mapping.map(threadIds.z, ivs[5]);
  mapping.map(gridSize.x, launch.getGridSizeX());
  mapping.map(gridSize.y, launch.getGridSizeY());
  mapping.map(gridSize.z, launch.getGridSizeZ());
  mapping.map(blockSize.x, launch.getBlockSizeX());
  mapping.map(blockSize.y, launch.getBlockSizeY());
  mapping.map(blockSize.z, launch.getBlockSizeZ());
  b.setInsertionPoint(loop.getBody()->getTerminator());
  SmallVector<Value> threadMemory;
  for (Operation &op : body.without_terminator()) {
    // A thread's private memory (allocas at the kernel's entry) is a heap
    // buffer per iteration here: OpenMP's loop body is an alloca scope,
    // which must stay one block, and the kernel's body is not.
    if (auto alloca = dyn_cast<memref::AllocaOp>(op); alloca && alloca->getBlock() == &body) {
      auto alloc = memref::AllocOp::create(b, alloca.getLoc(), alloca.getType(),
                                           alloca.getDynamicSizes(), alloca.getSymbolOperands(),
                                           alloca.getAlignmentAttr());
      mapping.map(alloca.getResult(), alloc.getResult());
      threadMemory.push_back(alloc);
      continue;
    }
    b.clone(op, mapping);
  }
  for (Value buffer : threadMemory)
    memref::DeallocOp::create(b, loc, buffer);
  launch.erase();
  return success();
}

struct GPULaunchToLoopsPass : hybrid::impl::GPULaunchToLoopsBase<GPULaunchToLoopsPass> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp launch) { launches.push_back(launch); });
    for (gpu::LaunchOp launch : launches)
      if (failed(runOnHost(launch)))
        return signalPassFailure();
  }
};
} // namespace
