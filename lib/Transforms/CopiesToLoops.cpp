//===- CopiesToLoops.cpp - The hybrid-copies-to-loops pass ----------------===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_COPIESTOLOOPS
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {
struct CopiesToLoopsPass
    : hybrid::impl::CopiesToLoopsBase<CopiesToLoopsPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    // Contiguous copies stay: they lower to llvm.intr.memcpy, one call
    // where loops would be vectorised, unrolled and compiled (a 32-layer
    // model's function copies each layer's state out).
    auto contiguous = [](Type type) {
      auto memref = dyn_cast<MemRefType>(type);
      return memref && (memref.getLayout().isIdentity() ||
                        memref::isStaticShapeAndContiguousRowMajor(memref));
    };
    getOperation().walk([&](memref::CopyOp copy) {
      if (!contiguous(copy.getSource().getType()) || !contiguous(copy.getTarget().getType()))
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};
} // namespace
