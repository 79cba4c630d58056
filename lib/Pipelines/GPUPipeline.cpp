//===- GPUPipeline.cpp - hybrid → NVIDIA GPU kernels and host code --------===//
//
// Only the builder: every pass it adds is declared in a Passes.td and runs
// alone from hybrid-opt. The first, correctness-first form: each parallel
// loop of the linalg lowering is one kernel with a thread per iteration
// (hybrid-gpu-map-loops); the rest of the program is host code that
// launches them. Tiling for shared memory and tensor cores comes next.
//
//===----------------------------------------------------------------------===//

#include "PipelineStages.h"
#include "hybrid/Conversion/Passes.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVM.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::hybrid;

/// The PTX ISA version kernels for `chip` (sm_NN...) are written in: 8.0 up
/// to sm_90a (CUDA 12.0 and later assemble it), 8.8 beyond. (NVPTX aborts
/// on a chip newer than its PTX version, so this is never left to chance.)
static std::string ptxFeaturesFor(llvm::StringRef chip) {
  unsigned number = 0;
  chip.consume_front("sm_");
  chip.take_while(llvm::isDigit).getAsInteger(10, number);
  return number <= 90 ? "+ptx80" : "+ptx88";
}

void mlir::hybrid::addGPUKernelStages(OpPassManager &pm, const GPUPipelineOptions &options) {
  // Tiles fixed here, not from the module's CPU target: the kernels must
  // not depend on the machine that compiles them. One KV chunk per item.
  ConvertHybridToLinalgOptions toLinalg;
  toLinalg.attentionQueryTile = options.attentionQueryTile;
  toLinalg.attentionKeyTile = options.attentionKeyTile;
  toLinalg.attentionKVSplits = 1;
  addTensorStage(pm, toLinalg);
  if (!options.lowerToLLVM)
    return;

  addBufferizeStage(pm, /*stateInPlace=*/false, /*recordWeights=*/false);
  // Every independent loop (linalg's, and the lowering's scf.forall over
  // attention tiles and scan channels) is a kernel.
  pm.addPass(createForallToParallelLoopPass());
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createGPUMapLoops(GPUMapLoopsOptions{options.blockSize}));
}

void mlir::hybrid::buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &options) {
  addGPUKernelStages(pm, options);
  if (!options.lowerToLLVM)
    return;
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createGPUOneKernelModule());
  // Kernels and host code alike: structured control flow to blocks.
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features =
      options.features.empty() ? ptxFeaturesFor(options.chip) : std::string(options.features);
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  // Host code: buffers from the runtime's allocator (managed memory, which
  // kernels and host code both read), C interfaces as on the CPU.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // Buffers a kernel allocates (the memref lowering above reached into the
  // kernel module too) come from the device heap.
  pm.addPass(createGPUDeviceHeap());
  GpuModuleToBinaryPassOptions toBinary;
  toBinary.compilationTarget = options.format;
  toBinary.toolkitPath = options.cudaPath;
  pm.addPass(createGpuModuleToBinaryPass(toBinary));
}

void mlir::hybrid::registerGPUPipeline() {
  PassPipelineRegistration<GPUPipelineOptions>(
      "hybrid-gpu-pipeline",
      "Compile hybrid ops on tensors to NVIDIA GPU kernels (PTX or a cubin) and "
      "host code in the LLVM dialect that launches them",
      buildGPUPipeline);
}

void mlir::hybrid::registerGPUPipelineDialects(DialectRegistry &registry) {
  registerCPUPipelineDialects(registry);
  registry.insert<gpu::GPUDialect, NVVM::NVVMDialect>();
  NVVM::registerConvertGpuToNVVMInterface(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  // gpu-module-to-binary translates the kernel module to LLVM IR, and the
  // host translation embeds the binary and its launches.
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
}
