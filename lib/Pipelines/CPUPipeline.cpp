//===- CPUPipeline.cpp - hybrid → LLVM dialect for the host CPU -----------===//
//
// Only the builder: every pass it adds is declared in a Passes.td and runs
// alone from hybrid-opt. Tile sizes come from the module's `hybrid.target`.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Conversion/Passes.h"
#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "PipelineStages.h"
#include "hybrid/Transforms/Passes.h"

#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/AMX/Transforms.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::hybrid;

void mlir::hybrid::addHostCodegenStage(OpPassManager &pm, bool parallel) {
  // Independent loops (scf.forall from the lowering, scf.parallel from
  // packed-gemm) share the threads through libomp; with parallel=false
  // scf-to-cf runs them in order.
  pm.addPass(createForallToParallelLoopPass());
  if (parallel) {
    pm.addPass(createConvertSCFToOpenMPPass());
    // It wraps each loop body in a memref.alloca_scope, which must keep one
    // block (scf-to-cf would split it); without allocas, canonicalize
    // inlines the scope away.
    pm.addPass(createCanonicalizerPass());
  }
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // Strided metadata becomes affine.apply, so it expands before lower-affine.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  // AMX tiles (hybrid-packed-gemm's kernel for bf16 weights) lower with
  // the vector dialect.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.amx = true;
  // ... and so does its vdpbf16ps kernel (x86vector.avx512.dot).
  vectorToLLVM.x86Vector = true;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  // Control flow, with AMX's type conversion: a loop that carries tiles
  // (the AMX kernel's accumulators) has tile-typed block arguments, which
  // convert-cf-to-llvm alone cannot convert.
  ConvertToLLVMPassOptions controlFlowToLLVM;
  controlFlowToLLVM.filterDialects = {"cf", "amx"};
  pm.addPass(createConvertToLLVMPass(controlFlowToLLVM));
  // Layers take their static weights and state as bare pointers.
  pm.addPass(createBarePointerCalls());
  pm.addPass(createConvertFuncToLLVMPass());
  if (parallel)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}


void mlir::hybrid::buildCPUPipeline(OpPassManager &pm,
                                    const CPUPipelineOptions &options) {
  if (options.emulateGPUKernels) {
    // The GPU pipeline's kernels, each a parallel loop on the host; then
    // the same code generation as below.
    GPUPipelineOptions gpu;
    gpu.lowerToLLVM = options.lowerToLLVM;
    addGPUKernelStages(pm, gpu);
    if (!options.lowerToLLVM)
      return;
    pm.addPass(createGPULaunchToLoops());
    pm.addPass(createApproximateMath());
    addHostCodegenStage(pm, options.parallel);
    return;
  }
  // Tile sizes come from the module's hybrid.target (the driver fills it).
  ConvertHybridToLinalgOptions toLinalg;
  toLinalg.attentionKVSplits = options.attentionKVSplits;
  addTensorStage(pm, toLinalg);
  pm.addPass(createReassociateReductions());
  pm.addPass(createTileContractions(
      TileContractionsOptions{/*skipPackedGemms=*/options.packedGemm}));
  // Elementwise and layout ops share the threads too (GEMMs and attention
  // already do).
  if (options.parallel)
    pm.addPass(createShareLoopsAmongThreads());
  pm.addPass(createCanonicalizerPass());
  if (!options.lowerToLLVM)
    return;

  pm.addPass(createApproximateMath());
  const bool weightsInPanels = options.weightsInPanels && options.packedGemm;
  addBufferizeStage(pm, options.stateInPlace, weightsInPanels);
  // Linear layers: packed, register-blocked micro-kernels (on buffers).
  // Products inside one thread's tile (flash attention's): register-blocked
  // in place.
  if (options.packedGemm) {
    pm.addPass(createPackedGemm());
    // Weights packed once at load: the kernels read them as they lie.
    if (weightsInPanels)
      pm.addPass(createWeightsInPanels());
    pm.addPass(createRegisterTileProducts());
  }
  addHostCodegenStage(pm, options.parallel);
}

void mlir::hybrid::registerCPUPipeline() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "hybrid-cpu-pipeline",
      "Compile hybrid ops on tensors to the LLVM dialect for the host CPU",
      buildCPUPipeline);
}

void mlir::hybrid::registerCPUPipelineDialects(DialectRegistry &registry) {
  registry.insert<HybridDialect, amx::AMXDialect, arith::ArithDialect, bufferization::BufferizationDialect,
                  cf::ControlFlowDialect, func::FuncDialect, LLVM::LLVMDialect,
                  linalg::LinalgDialect, math::MathDialect, memref::MemRefDialect,
                  omp::OpenMPDialect, scf::SCFDialect, tensor::TensorDialect,
                  vector::VectorDialect, x86vector::X86VectorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  // convert-to-llvm's patterns for control flow and AMX (see the pipeline).
  cf::registerConvertControlFlowToLLVMInterface(registry);
  registerConvertAMXToLLVMInterface(registry);
  // hybrid-opt --inline flattens outlined layers (hybrid-outline-layers).
  func::registerInlinerExtension(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerTilingInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  // Ownership-based deallocation through scf.forall's terminator and
  // arith.select: without these it left every buffer an scf.forall
  // iteration allocated (a flash-attention tile's running max, sum and
  // accumulator) unfreed, a leak on every call.
  arith::registerBufferDeallocationOpInterfaceExternalModels(registry);
  scf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  // Flash attention's row loop reads and writes tensors with vector
  // transfers.
  vector::registerBufferizableOpInterfaceExternalModels(registry);
}
