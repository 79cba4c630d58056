//===- ReassociateReductions.cpp - The hybrid-reassociate-reductions pass -===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/Passes.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_REASSOCIATEREDUCTIONS
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {
struct ReassociateReductionsPass
    : hybrid::impl::ReassociateReductionsBase<ReassociateReductionsPass> {
  void runOnOperation() override {
    auto flags = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.getNumReductionLoops() == 0)
        return;
      op->walk([&](arith::ArithFastMathInterface math) {
        math->setAttr(math.getFastMathAttrName(),
                      arith::FastMathFlagsAttr::get(op->getContext(), flags));
      });
    });
  }
};
} // namespace
