//===- ElideResultCopies.cpp - The hybrid-elide-result-copies pass --------===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_ELIDERESULTCOPIES
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {
/// The buffer a copy's source views, through reshapes that have no other
/// use, and those reshapes from the copy's side outwards; null when the
/// source is not such a view of a static, identity-layout memref.alloc.
memref::AllocOp viewedAllocation(Value source, SmallVectorImpl<Operation *> &reshapes) {
  while (true) {
    Operation *op = source.getDefiningOp();
    if (!op)
      return nullptr;
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() || !type.getLayout().isIdentity())
        return nullptr;
      return alloc;
    }
    if (!isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(op) || !op->hasOneUse())
      return nullptr;
    reshapes.push_back(op);
    source = op->getOperand(0);
  }
}

/// Whether every use of `alloc` other than `reshapes` comes before `copy`
/// in the block that holds both.
bool allUsesBefore(memref::AllocOp alloc, memref::CopyOp copy,
                   ArrayRef<Operation *> reshapes) {
  Block *block = copy->getBlock();
  for (Operation *user : alloc->getUsers()) {
    if (user == copy || llvm::is_contained(reshapes, user))
      continue;
    Operation *ancestor = block->findAncestorOpInBlock(*user);
    if (!ancestor || ancestor == copy || !ancestor->isBeforeInBlock(copy))
      return false;
  }
  return true;
}

/// `out` seen as `alloc`'s type: the reshapes from the allocation to the
/// copy, undone in reverse (an expand_shape by the collapse_shape with the
/// same reassociation, and the other way round). Static shapes only.
Value undoReshapes(OpBuilder &builder, Location loc, Value out,
                   ArrayRef<Operation *> reshapes) {
  for (Operation *op : reshapes) {
    if (auto expand = dyn_cast<memref::ExpandShapeOp>(op)) {
      out = builder.create<memref::CollapseShapeOp>(loc, expand.getSrcType(), out,
                                                    expand.getReassociationIndices());
    } else {
      auto collapse = cast<memref::CollapseShapeOp>(op);
      out = builder.create<memref::ExpandShapeOp>(loc, collapse.getSrcType(), out,
                                                  collapse.getReassociationIndices());
    }
  }
  return out;
}

struct ElideResultCopiesPass : hybrid::impl::ElideResultCopiesBase<ElideResultCopiesPass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal())
      return;
    Block &entry = function.getBody().front();
    SmallVector<memref::CopyOp> copies;
    for (auto copy : entry.getOps<memref::CopyOp>())
      copies.push_back(copy);
    for (memref::CopyOp copy : copies) {
      auto out = dyn_cast<BlockArgument>(copy.getTarget());
      if (!out || out.getOwner() != &entry || !out.hasOneUse())
        continue;
      auto outType = dyn_cast<MemRefType>(out.getType());
      if (!outType || !outType.getLayout().isIdentity() ||
          copy.getSource().getType() != out.getType())
        continue;
      SmallVector<Operation *> reshapes;
      memref::AllocOp alloc = viewedAllocation(copy.getSource(), reshapes);
      if (!alloc || alloc.getType().getMemorySpace() != outType.getMemorySpace() ||
          !allUsesBefore(alloc, copy, reshapes))
        continue;
      OpBuilder builder(alloc);
      Value replacement = undoReshapes(builder, alloc.getLoc(), out, reshapes);
      copy.erase();
      for (Operation *op : reshapes)
        op->erase();
      alloc.replaceAllUsesWith(replacement);
      alloc.erase();
    }
  }
};
} // namespace
