//===- InlineDeallocHelpers.cpp - The hybrid-inline-dealloc-helpers pass --===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/Inliner.h"
#include "mlir/Transforms/InliningUtils.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_INLINEDEALLOCHELPERS
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {
struct InlineDeallocHelpersPass
    : hybrid::impl::InlineDeallocHelpersBase<InlineDeallocHelpersPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    InlinerInterface interface(&getContext());
    InlinerConfig config;
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp call) {
      if (call.getCallee().starts_with("dealloc_helper"))
        calls.push_back(call);
    });
    for (func::CallOp call : calls) {
      auto helper = symbols.lookup<func::FuncOp>(call.getCallee());
      if (!helper || helper.isExternal() || !helper.getBody().hasOneBlock())
        continue;
      if (failed(inlineCall(interface, config.getCloneCallback(), call,
                            cast<CallableOpInterface>(helper.getOperation()),
                            &helper.getBody()))) {
        call.emitError("cannot inline the deallocation helper");
        return signalPassFailure();
      }
      call.erase();
    }
    for (auto helper : llvm::to_vector(module.getOps<func::FuncOp>()))
      if (helper.getName().starts_with("dealloc_helper") && helper.isPrivate() &&
          SymbolTable::symbolKnownUseEmpty(helper, module))
        helper.erase();
  }
};
} // namespace
