//===- BarePointerCalls.cpp - The hybrid-bare-pointer-calls pass ----------===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_BAREPOINTERCALLS
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {
/// The unit attribute with which convert-func-to-llvm lowers a function,
/// and every call of it, with the bare-pointer convention (no accessor for
/// it in MLIR's headers).
constexpr llvm::StringLiteral kBarePointerAttrName = "llvm.bareptr";

/// A type the bare-pointer convention passes as its buffer's address alone:
/// everything else about it (sizes, strides, offset 0) is in the type.
bool passesAsPointer(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref)
    return !isa<UnrankedMemRefType>(type);
  return memref.hasStaticShape() && memref.getLayout().isIdentity();
}

struct BarePointerCallsPass : hybrid::impl::BarePointerCallsBase<BarePointerCallsPass> {
  void runOnOperation() override {
    for (auto function : getOperation().getOps<func::FuncOp>()) {
      if (function.isPublic() || function.isExternal())
        continue;
      FunctionType type = function.getFunctionType();
      if (llvm::all_of(type.getInputs(), passesAsPointer) &&
          llvm::all_of(type.getResults(), passesAsPointer))
        function->setAttr(kBarePointerAttrName, UnitAttr::get(function.getContext()));
    }
  }
};
} // namespace
