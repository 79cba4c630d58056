//===- JitModule.h - Compile hybrid IR for the host and run it --*- C++ -*-===//
//
// Compiles a module through the CPU pipeline (the same builder hybrid-opt
// registers as hybrid-cpu-pipeline) and JITs it with LLVM's ORC LLJIT, from
// the same optimised host module that hybrid-compile writes ahead of time.
// Functions are called through their C interface with results as
// caller-allocated out parameters, so no buffer crosses the boundary with
// unclear ownership.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_COMPILER_JITMODULE_H
#define HYBRID_COMPILER_JITMODULE_H

#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Runtime/Executable.h"
#include "hybrid/Support/HostTensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm::orc {
class LLJIT;
} // namespace llvm::orc

namespace mlir {
namespace hybrid {

/// Lowers `module` in place through the CPU pipeline (for the module's
/// hybrid.target, the host's when it has none) to a host object file in
/// `object`, with a packed entry `_hybrid_packed_NAME` (Executable.h) for
/// every public function, whose signature goes to `signatures` (with the
/// weights it reads in panels, TensorSignature::panelRows, which the caller
/// must pack: CPUPipelineOptions::weightsInPanels). The object
/// the JIT links and the one compiled-model artifacts carry.
/// `options` null: the pipeline's defaults. With `gpu`, through
/// hybrid-gpu-pipeline instead: host code that launches the kernels (the
/// binary embedded), calling the CUDA runtime (CudaDevice.h).
bool compileToObject(ModuleOp module, std::string &object,
                     llvm::StringMap<FunctionSignature> &signatures,
                     std::string &error,
                     const CPUPipelineOptions *options = nullptr,
                     const GPUPipelineOptions *gpu = nullptr);

class JitModule {
public:
  ~JitModule();

  /// Compiles `module` (it is lowered in place). Every public function must
  /// take and return static-shaped tensors of f32, i32 or i64. Returns null
  /// with `error` set on failure; diagnostics also go to the context.
  static std::unique_ptr<JitModule> compile(ModuleOp module,
                                            std::string &error,
                                            const CPUPipelineOptions *options = nullptr);

  /// The signature of a compiled function, or null.
  const FunctionSignature *signature(llvm::StringRef name) const;

  /// Runs `name` on `args` (checked against the signature). The arguments
  /// are read in place, never copied nor written.
  bool run(llvm::StringRef name, const std::vector<HostTensor> &args,
           std::vector<HostTensor> &results, std::string &error);
  bool run(llvm::StringRef name, llvm::ArrayRef<const HostTensor *> args,
           std::vector<HostTensor> &results, std::string &error);

private:
  JitModule() = default;
  std::unique_ptr<llvm::orc::LLJIT> engine;
  llvm::StringMap<FunctionSignature> signatures;
  /// `_hybrid_packed_NAME(void **descriptors)` of each function.
  llvm::StringMap<PackedEntry> entries;
};

} // namespace hybrid
} // namespace mlir

#endif // HYBRID_COMPILER_JITMODULE_H
