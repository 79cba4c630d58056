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
  using EmitCInterfaceBase::EmitCInterfaceBase;

  /// [N, a0, r0, a1, r1, ...]: state argument a_k and state result r_k
  /// carry the same state (same name and type); N arguments.
  static SmallVector<int64_t> statePairs(func::FuncOp f) {
    SmallVector<int64_t> pairs{static_cast<int64_t>(f.getNumArguments())};
    for (unsigned i = 0; i < f.getNumArguments(); ++i) {
      auto name = f.getArgAttrOfType<StringAttr>(i, signature::kState);
      for (unsigned r = 0; name && r < f.getNumResults(); ++r)
        if (f.getResultAttrOfType<StringAttr>(r, signature::kState) == name &&
            f.getResultTypes()[r] == f.getArgumentTypes()[i]) {
          pairs.append({static_cast<int64_t>(i), static_cast<int64_t>(r)});
          break;
        }
    }
    return pairs;
  }

  void runOnOperation() override {
    getOperation().walk([&](func::FuncOp f) {
      if (!f.isPublic() || f.isExternal())
        return;
      MLIRContext *context = f.getContext();
      f->setAttr("llvm.emit_c_interface", UnitAttr::get(context));
      SmallVector<int64_t> pairs = stateInPlace ? statePairs(f) : SmallVector<int64_t>{0};
      llvm::SmallDenseSet<unsigned> writable;
      for (size_t k = 1; k + 1 < pairs.size(); k += 2)
        writable.insert(pairs[k]);
      if (pairs.size() > 1)
        f->setAttr(kStateInPlaceAttrName, DenseI64ArrayAttr::get(context, pairs));
      SmallVector<int64_t> weights;
      for (unsigned i = 0; i < f.getNumArguments(); ++i)
        if (f.getArgAttr(i, signature::kWeight))
          weights.push_back(i);
      if (recordWeights && !weights.empty())
        f->setAttr(kWeightArgumentsAttrName, DenseI64ArrayAttr::get(context, weights));
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
                       BoolAttr::get(context, writable.contains(i)));
      }
      for (unsigned r = 0; r < f.getNumResults(); ++r)
        f.removeResultAttr(r, StringAttr::get(context, signature::kState));
    });
  }
};
} // namespace
