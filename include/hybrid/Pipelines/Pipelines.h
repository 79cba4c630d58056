//===- Pipelines.h - The hybrid-mlir compilation pipelines ------*- C++ -*-===//
//
// One builder per target, shared by hybrid-opt (as a named pipeline) and the
// driver/JIT, so the two can never drift apart.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_PIPELINES_PIPELINES_H
#define HYBRID_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class DialectRegistry;
class OpPassManager;
namespace hybrid {

struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  Option<bool> lowerToLLVM{
      *this, "lower-to-llvm",
      llvm::cl::desc("Run the pipeline to the LLVM dialect (false: stop "
                     "after convert-hybrid-to-linalg and fusion)"),
      llvm::cl::init(true)};
  Option<bool> packedGemm{
      *this, "packed-gemm",
      llvm::cl::desc("Linear layers through hybrid-packed-gemm's micro-kernel, "
                     "and in-tile products through hybrid-register-tile-products "
                     "(false: LLVM's vectorisation of the plain loops, the "
                     "baseline hybrid-bench compares against)"),
      llvm::cl::init(true)};
  Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Share independent loops (scf.parallel) among threads "
                     "through OpenMP: libomp at run time, the thread count "
                     "set by the runtime's --threads (false: one thread, no "
                     "libomp calls)"),
      llvm::cl::init(true)};
  Option<bool> stateInPlace{
      *this, "state-in-place",
      llvm::cl::desc("Public functions update carried state in its argument's buffer "
                     "(a state argument paired with a state result of the same name; "
                     "the result's out parameter is scratch): a session's functions, "
                     "whose caller agrees to it (ProgramFunction::stateInPlace)"),
      llvm::cl::init(false)};
  Option<int64_t> attentionKVSplits{
      *this, "attention-kv-splits",
      llvm::cl::desc("Split-KV: chunks of key tiles per (batch, head) of attention with one "
                     "query tile (decode), merged after (convert-hybrid-to-linalg's option; "
                     "1: no split; 0 or less: enough for 32 work items and, with GQA not "
                     "grouped into one tile, chunks of K and V in a quarter of L2; each "
                     "chunk at least 4 visible key tiles)"),
      llvm::cl::init(-1)};
  Option<bool> weightsInPanels{
      *this, "weights-in-panels",
      llvm::cl::desc("Public functions take the f32 weights of their linear layers in the "
                     "packed GEMM's panels ([N/NR, K, NR], packed once at load by the "
                     "runtime, which reads which ones from the module's "
                     "hybrid.weights_in_panels): a model's functions (hybrid-weights-in-panels)"),
      llvm::cl::init(false)};
  Option<bool> emulateGPUKernels{
      *this, "emulate-gpu-kernels",
      llvm::cl::desc("Compile the program into the kernels hybrid-gpu-pipeline makes and run "
                     "each on the host as a parallel loop over its blocks and threads "
                     "(hybrid-gpu-launch-to-loops): the GPU mapping checked where there is no "
                     "GPU. The other options but parallel are ignored"),
      llvm::cl::init(false)};
};

/// hybrid (tensors) → linalg/scf → bufferized memrefs with results as out
/// parameters and C interfaces (`_mlir_ciface_NAME(inputs..., outputs...)`)
/// → LLVM dialect.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers `hybrid-cpu-pipeline` with the pass registry.
void registerCPUPipeline();

/// The dialects, interfaces and external models the CPU pipeline needs.
void registerCPUPipelineDialects(DialectRegistry &registry);

struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
  Option<bool> lowerToLLVM{
      *this, "lower-to-llvm",
      llvm::cl::desc("Run the pipeline to kernels in a GPU binary and host code in "
                     "the LLVM dialect (false: stop after convert-hybrid-to-linalg and "
                     "fusion)"),
      llvm::cl::init(true)};
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("The GPU the kernels are compiled for: sm_80, "
                                          "sm_90, sm_90a, ..."),
                           llvm::cl::init("sm_80")};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("NVPTX features: the PTX ISA version the kernels are written in "
                     "(empty: the chip's, PTX 8.0 up to sm_90a, 8.8 beyond)"),
      llvm::cl::init("")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What the kernel module becomes: isa (PTX text), bin (a cubin, "
                     "assembled by the CUDA toolkit's ptxas) or fatbin"),
      llvm::cl::init("bin")};
  Option<std::string> cudaPath{
      *this, "cuda-path",
      llvm::cl::desc("The CUDA toolkit (ptxas, libdevice); empty: MLIR's search "
                     "(CUDA_ROOT, CUDA_HOME, CUDA_PATH, then the build's default)"),
      llvm::cl::init("")};
  Option<int64_t> attentionQueryTile{
      *this, "attention-query-tile",
      llvm::cl::desc("Queries per attention work item, one GPU thread each "
                     "(convert-hybrid-to-linalg's option, fixed here so the kernels do "
                     "not depend on the host)"),
      llvm::cl::init(1)};
  Option<int64_t> attentionKeyTile{
      *this, "attention-key-tile",
      llvm::cl::desc("Keys per step of a work item's online softmax"),
      llvm::cl::init(16)};
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Threads per block of each kernel (hybrid-gpu-map-loops)"),
                            llvm::cl::init(256)};
};

/// hybrid (tensors) → linalg → bufferized memrefs (results as out
/// parameters, C interfaces as on the CPU) → every parallel loop a kernel
/// (hybrid-gpu-map-loops) → one gpu.module lowered to NVVM and compiled to
/// PTX or a cubin (`gpu.binary @hybrid_kernels`), host code in the LLVM
/// dialect that launches them through the `mgpu*` runtime calls, with
/// every host buffer from `_mlir_memref_to_llvm_alloc` (the runtime's
/// managed memory).
void buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &options);

/// Registers `hybrid-gpu-pipeline` with the pass registry.
void registerGPUPipeline();

/// The dialects, interfaces and external models the GPU pipeline needs
/// (the CPU pipeline's, and gpu, nvvm and the NVVM target).
void registerGPUPipelineDialects(DialectRegistry &registry);

} // namespace hybrid
} // namespace mlir

#endif // HYBRID_PIPELINES_PIPELINES_H
