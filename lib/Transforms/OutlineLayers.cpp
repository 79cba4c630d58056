//===- OutlineLayers.cpp - The hybrid-outline-layers pass -----------------===//
//
// See Passes.td for what and why. Importers call outlineLayers() on the
// module they build, so every user of a model (the reference evaluator, the
// pipelines, artifacts) sees one function per distinct layer.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/OutlineLayers.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

namespace mlir::hybrid {
#define GEN_PASS_DEF_OUTLINELAYERS
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {
class LayerOutliner {
public:
  explicit LayerOutliner(ModuleOp module) : module(module), symbols(module) {}

  void outline(func::FuncOp func) {
    Block &block = func.getBody().front();
    // Maximal runs of top-level ops with the same tag.
    SmallVector<SmallVector<Operation *>> groups;
    std::optional<int64_t> current;
    for (Operation &op : block) {
      auto tag = op.getAttrOfType<IntegerAttr>(kLayerAttrName);
      if (!tag) {
        current.reset();
        continue;
      }
      if (!current || *current != tag.getInt())
        groups.emplace_back();
      current = tag.getInt();
      groups.back().push_back(&op);
    }
    for (ArrayRef<Operation *> group : groups)
      outlineGroup(block, group);
  }

private:
  ModuleOp module;
  SymbolTable symbols;
  /// Outlined bodies by their printed form (name left out): one function
  /// for every structurally identical layer.
  std::map<std::string, func::FuncOp> bodies;

  void outlineGroup(Block &block, ArrayRef<Operation *> group) {
    llvm::SmallPtrSet<Operation *, 32> members(group.begin(), group.end());
    // The top-level op of `block` that holds `op`, or null.
    auto topLevel = [&](Operation *op) {
      while (op && op->getBlock() != &block)
        op = op->getParentOp();
      return op;
    };
    auto inside = [&](Value value) {
      Operation *owner = value.getDefiningOp();
      if (!owner)
        owner = value.getParentBlock()->getParentOp();
      Operation *top = topLevel(owner);
      return top && members.contains(top);
    };
    // Inputs in order of first use, so identical layers get identical
    // signatures; outputs in order of definition.
    llvm::SetVector<Value> inputs;
    SmallVector<Value> outputs;
    for (Operation *op : group) {
      op->walk([&](Operation *nested) {
        for (Value operand : nested->getOperands())
          if (!inside(operand))
            inputs.insert(operand);
      });
      for (Value result : op->getResults())
        if (llvm::any_of(result.getUsers(), [&](Operation *user) {
              return !members.contains(topLevel(user));
            }))
          outputs.push_back(result);
    }

    OpBuilder b(module.getContext());
    Location loc = group.front()->getLoc();
    auto type = b.getFunctionType(ValueRange(inputs.getArrayRef()).getTypes(),
                                  ValueRange(outputs).getTypes());
    auto callee = func::FuncOp::create(loc, "layer", type);
    callee.setPrivate();
    Block *entry = callee.addEntryBlock();
    IRMapping mapping;
    for (auto [input, arg] : llvm::zip(inputs, entry->getArguments()))
      mapping.map(input, arg);
    b.setInsertionPointToEnd(entry);
    for (Operation *op : group)
      b.clone(*op, mapping)->removeAttr(kLayerAttrName);
    SmallVector<Value> returned;
    for (Value output : outputs)
      returned.push_back(mapping.lookup(output));
    func::ReturnOp::create(b, loc, returned);

    std::string printed;
    llvm::raw_string_ostream os(printed);
    callee->print(os, OpPrintingFlags().printGenericOpForm());
    auto [it, isNew] = bodies.try_emplace(printed, callee);
    if (isNew) {
      callee.setName("layer" + std::to_string(bodies.size() - 1));
      symbols.insert(callee); // renames on a clash with an existing symbol
    } else {
      callee.erase();
      callee = it->second;
    }

    b.setInsertionPoint(group.front());
    auto call = func::CallOp::create(b, loc, callee, inputs.getArrayRef());
    for (auto [output, result] : llvm::zip(outputs, call.getResults()))
      output.replaceUsesWithIf(result, [&](OpOperand &use) {
        return !members.contains(topLevel(use.getOwner()));
      });
    for (Operation *op : llvm::reverse(group))
      op->erase();
  }
};

struct OutlineLayersPass : hybrid::impl::OutlineLayersBase<OutlineLayersPass> {
  void runOnOperation() override { outlineLayers(getOperation()); }
};
} // namespace

void mlir::hybrid::outlineLayers(ModuleOp module) {
  LayerOutliner outliner(module);
  SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
  for (func::FuncOp func : functions)
    if (!func.isExternal())
      outliner.outline(func);
}
