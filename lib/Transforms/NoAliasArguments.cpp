//===- NoAliasArguments.cpp - The hybrid-noalias-arguments pass -----------===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_NOALIASARGUMENTS
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {
struct NoAliasArgumentsPass
    : hybrid::impl::NoAliasArgumentsBase<NoAliasArgumentsPass> {
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp f) {
      if (!f.isPublic() || f.isExternal())
        return;
      for (unsigned i = 0; i < f.getNumArguments(); ++i)
        if (isa<MemRefType>(f.getArgument(i).getType()))
          f.setArgAttr(i, LLVM::LLVMDialect::getNoAliasAttrName(),
                       UnitAttr::get(f.getContext()));
    });
  }
};
} // namespace
