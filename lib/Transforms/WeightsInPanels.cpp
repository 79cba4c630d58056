//===- WeightsInPanels.cpp - The hybrid-weights-in-panels pass ------------===//
//
// See Passes.td for what and why. Which arguments change is decided over the
// whole module first, as a fixed point: a candidate (a public function's f32
// weight, or any private function's argument, of type memref<N x K> with N a
// whole number of panels) stays one while every use is the W of a tagged
// kernel call (through a memref.cast) or is passed to a private function
// whose argument stays one, and, for a private function's argument, while
// every call passes a candidate. Then every chosen value's uses move to the
// panel layout at once.
//
//===----------------------------------------------------------------------===//

#include "GemmKernels.h"
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"
#include "hybrid/Dialect/Hybrid/IR/Signature.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_WEIGHTSINPANELS
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// Whether `type` is an f32 matrix W [N, K] that packs into whole panels of
/// `panelRows` rows, with the identity layout (the buffer is W's rows).
bool packable(Type type, int64_t panelRows) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getRank() == 2 && memref.hasStaticShape() &&
         memref.getLayout().isIdentity() && memref.getElementType().isF32() &&
         memref.getDimSize(0) > 0 && memref.getDimSize(0) % panelRows == 0 &&
         memref.getDimSize(1) > 0;
}

MemRefType panelType(MemRefType matrix, int64_t panelRows) {
  return MemRefType::get({matrix.getDimSize(0) / panelRows, matrix.getDimSize(1), panelRows},
                         matrix.getElementType());
}

class PanelChoice {
public:
  PanelChoice(ModuleOp module, int64_t panelRows)
      : module(module), symbols(module), panelRows(panelRows) {}

  /// The kernel a call of W (operand 1) names, when it has a panel variant.
  func::FuncOp taggedKernel(func::CallOp call) {
    auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
    return callee && callee->hasAttr(gemm::kKernelAttrName) ? callee : func::FuncOp();
  }

  /// The private function `call` calls, when it has a body.
  func::FuncOp privateCallee(func::CallOp call) {
    auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
    return callee && callee.isPrivate() && !callee.isExternal() ? callee : func::FuncOp();
  }

  void collect() {
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      if (func.isPublic()) {
        auto weights = func->getAttrOfType<DenseI64ArrayAttr>(kWeightArgumentsAttrName);
        func->removeAttr(kWeightArgumentsAttrName);
        if (!weights)
          continue;
        for (int64_t i : weights.asArrayRef())
          if (i >= 0 && i < func.getNumArguments() &&
              packable(func.getArgument(i).getType(), panelRows))
            candidates.insert(func.getArgument(i));
      } else if (!func->hasAttr(gemm::kKernelAttrName)) {
        for (BlockArgument arg : func.getArguments())
          if (packable(arg.getType(), panelRows))
            candidates.insert(arg);
      }
    }
    for (bool changed = true; changed;) {
      changed = false;
      for (Value value : SmallVector<Value>(candidates.begin(), candidates.end()))
        if (!stays(value)) {
          candidates.remove(value);
          changed = true;
        }
    }
  }

  /// Whether `value` can still be taken in panels.
  bool stays(Value value) {
    auto arg = cast<BlockArgument>(value);
    auto func = cast<func::FuncOp>(arg.getOwner()->getParentOp());
    if (func.isPrivate()) {
      std::optional<SymbolTable::UseRange> uses = SymbolTable::getSymbolUses(func, module);
      if (!uses || uses->empty())
        return false;
      for (const SymbolTable::SymbolUse &use : *uses) {
        auto call = dyn_cast<func::CallOp>(use.getUser());
        if (!call || !candidates.contains(call.getOperand(arg.getArgNumber())))
          return false;
      }
    }
    // A public function called in the module would be passed rows.
    if (func.isPublic() && !SymbolTable::symbolKnownUseEmpty(func, module))
      return false;
    if (value.use_empty())
      return false;
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (auto view = dyn_cast<memref::CastOp>(user)) {
        for (OpOperand &castUse : view.getResult().getUses()) {
          auto call = dyn_cast<func::CallOp>(castUse.getOwner());
          if (!call || castUse.getOperandNumber() != 1 || !taggedKernel(call))
            return false;
        }
        continue;
      }
      auto call = dyn_cast<func::CallOp>(user);
      func::FuncOp callee = call ? privateCallee(call) : func::FuncOp();
      if (!callee || !candidates.contains(callee.getArgument(use.getOperandNumber())))
        return false;
    }
    return true;
  }

  /// Moves every chosen value to panels and records the public functions'.
  void rewrite() {
    OpBuilder b(module.getContext());
    SmallVector<Value> panelValues;
    for (Value value : candidates) {
      auto arg = cast<BlockArgument>(value);
      auto func = cast<func::FuncOp>(arg.getOwner()->getParentOp());
      auto matrix = cast<MemRefType>(arg.getType());
      MemRefType panels = panelType(matrix, panelRows);
      if (func.isPrivate()) {
        arg.setType(panels);
        SmallVector<Type> inputs(func.getArgumentTypes());
        inputs[arg.getArgNumber()] = panels;
        func.setFunctionType(b.getFunctionType(inputs, func.getResultTypes()));
        panelValues.push_back(arg);
        continue;
      }
      // The runtime passes the same [N, K] buffer, its elements in panels.
      b.setInsertionPointToStart(&func.getBody().front());
      const int64_t k = matrix.getDimSize(1);
      Value view = memref::ReinterpretCastOp::create(
          b, func.getLoc(), panels, arg, /*offset=*/0, panels.getShape(),
          ArrayRef<int64_t>{k * panelRows, panelRows, 1});
      arg.replaceAllUsesExcept(view, view.getDefiningOp());
      panelValues.push_back(view);
      SmallVector<int64_t> record(func.getNumArguments(), 0);
      if (auto old = recorded.get(func.getName()))
        record.assign(cast<DenseI64ArrayAttr>(old).asArrayRef().begin(),
                      cast<DenseI64ArrayAttr>(old).asArrayRef().end());
      record[arg.getArgNumber()] = panelRows;
      recorded.set(func.getName(), b.getDenseI64ArrayAttr(record));
    }
    // Calls of private functions now pass panels where they take them; the
    // kernels' W casts become the panel variants'.
    MemRefType dynamicPanels = gemm::panelWeightType(panelRows, module.getContext());
    for (Value value : panelValues)
      for (Operation *user : llvm::make_early_inc_range(value.getUsers())) {
        auto view = dyn_cast<memref::CastOp>(user);
        if (!view)
          continue;
        b.setInsertionPoint(view);
        Value w = memref::CastOp::create(b, view.getLoc(), dynamicPanels, value);
        for (OpOperand &use : llvm::make_early_inc_range(view.getResult().getUses())) {
          auto call = cast<func::CallOp>(use.getOwner());
          func::FuncOp kernel = gemm::panelKernelFor(module, taggedKernel(call));
          call.setCallee(kernel.getName());
          call->setOperand(1, w);
        }
        view.erase();
      }
    // Row kernels no call names any more.
    for (auto kernel : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
      if (kernel->hasAttr(gemm::kKernelAttrName) &&
          SymbolTable::symbolKnownUseEmpty(kernel, module))
        kernel.erase();
    if (!recorded.empty())
      module->setAttr(signature::kWeightsInPanels, recorded.getDictionary(module.getContext()));
  }

private:
  ModuleOp module;
  SymbolTable symbols;
  int64_t panelRows;
  llvm::SetVector<Value> candidates;
  NamedAttrList recorded;
};

struct WeightsInPanelsPass : hybrid::impl::WeightsInPanelsBase<WeightsInPanelsPass> {
  using WeightsInPanelsBase::WeightsInPanelsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    PanelChoice choice(module, gemm::panelRowsFor(getCPUTarget(module)));
    choice.collect();
    choice.rewrite();
  }
};

} // namespace
