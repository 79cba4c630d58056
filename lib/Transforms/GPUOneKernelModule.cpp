//===- GPUOneKernelModule.cpp - The hybrid-gpu-one-kernel-module pass -----===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Target/GPUTarget.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_GPUONEKERNELMODULE
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {
constexpr llvm::StringLiteral kKernelModuleName = kGPUKernelModuleName;

struct GPUOneKernelModulePass
    : hybrid::impl::GPUOneKernelModuleBase<GPUOneKernelModulePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> kernelModules(module.getOps<gpu::GPUModuleOp>());
    if (kernelModules.empty())
      return;
    SymbolTable moduleSymbols(module);
    if (moduleSymbols.lookup(kKernelModuleName)) {
      module.emitError() << "hybrid-gpu-one-kernel-module: the module already has a symbol @"
                         << kKernelModuleName;
      return signalPassFailure();
    }
    // The merged module keeps the first one's attributes (its target).
    OpBuilder b(kernelModules.front());
    auto merged = cast<gpu::GPUModuleOp>(b.clone(*kernelModules.front()));
    merged.getBody()->clear();
    merged.setName(kKernelModuleName);
    moduleSymbols.insert(merged);
    SymbolTable mergedSymbols(merged);

    // Each kernel is named after its module (unique in the program);
    // other symbols outlining copied in (callees, globals) are the same
    // source symbol wherever their name repeats, so one copy stays.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> kernelNames;
    for (gpu::GPUModuleOp kernelModule : kernelModules) {
      StringAttr moduleName = kernelModule.getNameAttr();
      for (Operation &op : llvm::make_early_inc_range(kernelModule.getBody()->getOperations())) {
        auto symbol = dyn_cast<SymbolOpInterface>(op);
        if (!symbol)
          continue;
        auto kernel = dyn_cast<gpu::GPUFuncOp>(op);
        if (kernel && kernel.isKernel()) {
          kernelNames[{moduleName, kernel.getNameAttr()}] = moduleName;
          op.remove();
          kernel.setName(moduleName);
          mergedSymbols.insert(&op);
          continue;
        }
        if (mergedSymbols.lookup(symbol.getNameAttr()))
          continue;
        op.remove();
        mergedSymbols.insert(&op);
      }
    }
    WalkResult walk = module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = kernelNames.find({launch.getKernelModuleName(), launch.getKernelName()});
      if (it == kernelNames.end()) {
        launch.emitError() << "hybrid-gpu-one-kernel-module: no kernel " << launch.getKernel();
        return WalkResult::interrupt();
      }
      launch.setKernelAttr(SymbolRefAttr::get(
          merged.getNameAttr(), {FlatSymbolRefAttr::get(it->second)}));
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    for (gpu::GPUModuleOp kernelModule : kernelModules)
      kernelModule.erase();
  }
};
} // namespace
