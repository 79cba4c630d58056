//===- EmitCInterface.cpp - The hybrid-emit-c-interface pass --------------===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/Passes.h"
#include "hybrid/Dialect/Hybrid/IR/Signature.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_EMITCINTERFACE
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {
struct EmitCInterfacePass
    : hybrid::impl::EmitCInterfaceBase<EmitCInterfacePass> {
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp f) {
      if (!f.isPublic() || f.isExternal())
        return;
      MLIRContext *context = f.getContext();
      f->setAttr("llvm.emit_c_interface", UnitAttr::get(context));
      for (unsigned i = 0; i < f.getNumArguments(); ++i) {
        SmallVector<StringAttr> names;
        if (DictionaryAttr attrs = f.getArgAttrDict(i))
          for (NamedAttribute attr : attrs)
            if (isSignatureAttribute(attr.getName()))
              names.push_back(attr.getName());
        for (StringAttr name : names)
          f.removeArgAttr(i, name);
        if (isa<TensorType>(f.getArgumentTypes()[i]))
          f.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                       BoolAttr::get(context, false));
      }
      for (unsigned r = 0; r < f.getNumResults(); ++r)
        f.removeResultAttr(r, StringAttr::get(context, signature::kState));
    });
  }
};
} // namespace
