//===- BFloat16Weights.cpp - The hybrid-bf16-weights pass -----------------===//
//
// See Passes.td for what and why. Which arguments change is decided over
// the whole module first (a private function's argument can change only if
// every call passes it a changing weight, and a weight only if every
// function it reaches takes it as bf16), then every chosen argument's type
// changes at once and each of its projection uses reads an arith.extf.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"
#include "hybrid/Dialect/Hybrid/IR/Signature.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_BFLOAT16WEIGHTS
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// Whether `value` (a view of expert weights) is used only as a mixture's
/// stacked gate, up or down weights, through the views an importer builds:
/// per-expert tensors as [1, N, K] (expand_shape) stacked along dim 0
/// (concat), or slices of a fused tensor (extract_slice). The MoE lowering
/// reads each expert's [N, K] in bf16 through these views.
bool isExpertWeight(OpOperand &use) {
  const unsigned n = use.getOperandNumber();
  return isa<MoEOp>(use.getOwner()) && n >= 2 && n <= 4; // (input, router, gate, up, down, ...)
}

bool feedsOnlyExperts(Value value) {
  for (OpOperand &use : value.getUses()) {
    if (isExpertWeight(use))
      continue;
    auto concat = dyn_cast<tensor::ConcatOp>(use.getOwner());
    if (concat && concat.getDim() == 0 && feedsOnlyExperts(concat.getResult()))
      continue;
    return false;
  }
  return !value.use_empty();
}

/// Whether `use` reads its value as a projection's weight, which the
/// lowering can read in bfloat16.
bool isProjectionWeight(OpOperand &use) {
  Operation *owner = use.getOwner();
  const unsigned n = use.getOperandNumber();
  if (isa<LinearOp>(owner))
    return n == 1; // (input, weight, bias)
  if (isa<GatedMLPOp>(owner))
    return n >= 1; // (input, gate, up, down)
  if (isa<EmbeddingOp>(owner))
    return n == 1; // (ids, table)
  if (isExpertWeight(use))
    return true;
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(owner))
    return feedsOnlyExperts(expand.getResult());
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(owner))
    return n == 0 && feedsOnlyExperts(slice.getResult());
  return false;
}

bool isF32Tensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getElementType().isF32();
}

class WeightNarrowing {
public:
  explicit WeightNarrowing(ModuleOp module) : module(module) {}

  void run() {
    // Start from every f32 weight and every argument of a private function
    // (what a weight may reach), then drop what cannot change until
    // nothing more drops.
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      for (BlockArgument arg : func.getArguments()) {
        if (!isF32Tensor(arg))
          continue;
        if (func.isPrivate() ||
            func.getArgAttr(arg.getArgNumber(), signature::kWeight))
          chosen.insert(arg);
      }
    }
    for (bool changed = true; changed;) {
      changed = false;
      for (Value value : llvm::to_vector(chosen))
        if (!canChange(value)) {
          chosen.remove(value);
          changed = true;
        }
    }
    for (Value value : chosen)
      narrow(value);
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal())
        func.setType(FunctionType::get(module.getContext(),
                                       func.getBody().front().getArgumentTypes(),
                                       func.getResultTypes()));
  }

private:
  /// The private function a call invokes, when it is one of this module's.
  func::FuncOp privateCallee(func::CallOp call) {
    auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
    return callee && callee.isPrivate() && !callee.isExternal() ? callee : func::FuncOp();
  }

  /// Every use of `value` reads it as a projection's weight or passes it to
  /// a private function's chosen argument; a function's argument also needs
  /// every call of it in the module to pass a chosen value (a public
  /// function may be called too).
  bool canChange(Value value) {
    for (OpOperand &use : value.getUses()) {
      if (isProjectionWeight(use))
        continue;
      auto call = dyn_cast<func::CallOp>(use.getOwner());
      func::FuncOp callee = call ? privateCallee(call) : func::FuncOp();
      if (!callee || !chosen.contains(callee.getArgument(use.getOperandNumber())))
        return false;
    }
    auto arg = cast<BlockArgument>(value);
    auto func = cast<func::FuncOp>(arg.getOwner()->getParentOp());
    std::optional<SymbolTable::UseRange> uses = func.getSymbolUses(module);
    if (!uses)
      return false;
    for (const SymbolTable::SymbolUse &symbolUse : *uses) {
      auto call = dyn_cast<func::CallOp>(symbolUse.getUser());
      if (!call || !chosen.contains(call.getOperand(arg.getArgNumber())))
        return false;
    }
    return true;
  }

  /// `value` becomes bf16; each projection reads it widened.
  void narrow(Value value) {
    auto wide = cast<RankedTensorType>(value.getType());
    value.setType(wide.clone(BFloat16Type::get(module.getContext())));
    // One widening per op: a mixture whose gate is its up (ungated experts)
    // must still see one value for both.
    llvm::DenseMap<Operation *, Value> widened;
    for (OpOperand &use : llvm::make_early_inc_range(value.getUses())) {
      if (!isProjectionWeight(use))
        continue; // a call: its callee's argument changes too
      Value &wideValue = widened[use.getOwner()];
      if (!wideValue) {
        OpBuilder b(use.getOwner());
        wideValue = arith::ExtFOp::create(b, use.getOwner()->getLoc(), wide, value);
      }
      use.set(wideValue);
    }
  }

  ModuleOp module;
  llvm::SetVector<Value> chosen;
};

struct BFloat16WeightsPass : hybrid::impl::BFloat16WeightsBase<BFloat16WeightsPass> {
  using BFloat16WeightsBase::BFloat16WeightsBase;
  void runOnOperation() override {
    WeightNarrowing(getOperation()).run();
    if (matmulInBF16)
      getOperation()->setAttr(signature::kMatmulPrecision,
                              StringAttr::get(&getContext(), "bf16"));
  }
};

} // namespace
