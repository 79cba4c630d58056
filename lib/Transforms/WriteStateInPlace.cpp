//===- WriteStateInPlace.cpp - The hybrid-write-state-in-place pass -------===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_WRITESTATEINPLACE
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// Whether `value` is `buffer` itself or a reshape of it (the same bytes in
/// the same order).
bool isSameBuffer(Value value, Value buffer) {
  while (value != buffer) {
    Operation *op = value.getDefiningOp();
    if (!isa_and_nonnull<memref::ExpandShapeOp, memref::CollapseShapeOp>(op))
      return false;
    value = op->getOperand(0);
  }
  return true;
}

struct WriteStateInPlacePass
    : hybrid::impl::WriteStateInPlaceBase<WriteStateInPlacePass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    auto pairs = function->getAttrOfType<DenseI64ArrayAttr>(kStateInPlaceAttrName);
    if (!pairs)
      return;
    function->removeAttr(kStateInPlaceAttrName);
    ArrayRef<int64_t> list = pairs.asArrayRef();
    Block &entry = function.getBody().front();
    auto ret = dyn_cast<func::ReturnOp>(entry.getTerminator());
    const int64_t numArguments = list.empty() ? 0 : list[0];
    if (!ret || list.size() % 2 != 1 ||
        static_cast<int64_t>(entry.getNumArguments()) < numArguments) {
      function.emitError("hybrid_state_in_place does not fit the function's arguments");
      return signalPassFailure();
    }
    for (size_t k = 1; k + 1 < list.size(); k += 2) {
      const int64_t outIndex = numArguments + list[k + 1];
      if (outIndex >= static_cast<int64_t>(entry.getNumArguments())) {
        function.emitError("hybrid_state_in_place names result ")
            << list[k + 1] << ", which is not an out parameter";
        return signalPassFailure();
      }
      Value state = entry.getArgument(list[k]);
      Value out = entry.getArgument(outIndex);
      if (state.getType() != out.getType()) {
        function.emitError("hybrid_state_in_place pairs buffers of different types");
        return signalPassFailure();
      }
      // The result was copied into its out parameter at the end: from the
      // state's own buffer (updated in place), or from another buffer.
      auto copy = out.hasOneUse() ? dyn_cast<memref::CopyOp>(*out.getUsers().begin())
                                  : memref::CopyOp();
      if (copy && copy.getTarget() == out && copy->getBlock() == &entry) {
        if (isSameBuffer(copy.getSource(), state)) {
          copy.erase();
          continue;
        }
        // Into the state instead, after everything else has read it. (A
        // source that is another argument, perhaps another state written
        // at the end too, keeps its copy: the out parameter is then copied
        // into the state last.)
        Value source = copy.getSource();
        while (isa_and_nonnull<memref::ExpandShapeOp, memref::CollapseShapeOp>(
            source.getDefiningOp()))
          source = source.getDefiningOp()->getOperand(0);
        if (!isa<BlockArgument>(source)) {
          copy->moveBefore(ret);
          copy.getTargetMutable().assign(state);
          continue;
        }
      }
      // The result was computed in the out parameter itself.
      OpBuilder builder(ret);
      memref::CopyOp::create(builder, ret.getLoc(), out, state);
    }
  }
};

} // namespace
