//===- GPUDeviceHeap.cpp - The hybrid-gpu-device-heap pass ----------------===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_GPUDEVICEHEAP
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {
struct GPUDeviceHeapPass : hybrid::impl::GPUDeviceHeapBase<GPUDeviceHeapPass> {
  void runOnOperation() override {
    for (auto kernels : getOperation().getOps<gpu::GPUModuleOp>())
      if (failed(useDeviceHeap(kernels)))
        return signalPassFailure();
  }

  /// Renames the host allocator's declarations in `kernels` (and their
  /// calls) to the device heap's.
  static LogicalResult useDeviceHeap(gpu::GPUModuleOp kernels) {
    SymbolTable symbols(kernels);
    if (auto aligned = symbols.lookup<LLVM::LLVMFuncOp>("_mlir_memref_to_llvm_aligned_alloc"))
      return aligned.emitError()
             << "hybrid-gpu-device-heap: a kernel allocates an aligned buffer, which the "
                "device heap (malloc) does not provide";
    for (auto [host, device] : {std::pair{"_mlir_memref_to_llvm_alloc", "malloc"},
                                {"_mlir_memref_to_llvm_free", "free"}}) {
      auto declaration = symbols.lookup<LLVM::LLVMFuncOp>(host);
      if (!declaration)
        continue;
      if (Operation *existing = symbols.lookup(device)) {
        // A kernel module that already declares malloc/free: calls go to it.
        if (failed(SymbolTable::replaceAllSymbolUses(declaration, StringAttr::get(
                           kernels.getContext(), device), kernels)))
          return failure();
        declaration.erase();
        (void)existing;
        continue;
      }
      if (failed(symbols.rename(declaration, StringAttr::get(kernels.getContext(), device))))
        return declaration.emitError() << "hybrid-gpu-device-heap: cannot rename @" << host;
    }
    return success();
  }
};
} // namespace
