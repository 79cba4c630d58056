//===- GPUTarget.h - What the CUDA target is compiled for ------*- C++ -*-===//
//
// The GPU side's counterpart of CPUTarget.h: the architecture names the
// driver accepts, the CUDA toolkit it compiles with, and the kernel module
// that hybrid-gpu-pipeline leaves in a program.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TARGET_GPUTARGET_H
#define HYBRID_TARGET_GPUTARGET_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mlir::hybrid {

/// The name hybrid-gpu-one-kernel-module gives the program's kernel module.
constexpr llvm::StringLiteral kGPUKernelModuleName = "hybrid_kernels";

/// Whether `chip` names an NVIDIA architecture: `sm_` then two or three
/// digits, optionally `a` or `f` (sm_80, sm_90a, sm_100f).
bool isGPUChipName(llvm::StringRef chip);

/// The CUDA toolkit the GPU pipeline compiles with: `explicitPath` when
/// given, else the first of $CUDA_ROOT, $CUDA_HOME, $CUDA_PATH and
/// /usr/local/cuda that exists. It must hold libdevice (the kernels' math
/// functions) and, when `needPtxas`, ptxas; false with `error` naming what
/// is missing.
bool findCUDAToolkit(llvm::StringRef explicitPath, bool needPtxas, std::string &path,
                     std::string &error);

/// The bytes of the compiled kernel module (`gpu.binary @hybrid_kernels`:
/// PTX text or a cubin, as hybrid-gpu-pipeline's format said); false with
/// `error` when the program has no kernels.
bool kernelModuleBinary(ModuleOp module, std::string &bytes, std::string &error);

} // namespace mlir::hybrid

#endif // HYBRID_TARGET_GPUTARGET_H
