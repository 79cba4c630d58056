//===- ModelCompiler.h - Model descriptions to runnable models --*- C++ -*-===//
//
// The tools' side of the runtime (DESIGN.md §7): import a model description
// (HF config.json or hybrid model JSON) for every function a session calls,
// compile it, and hand the result to the runtime's Model, either in memory
// (loadModel: the JIT, or the reference evaluator) or as a compiled-model
// artifact (compileModelArtifact, read back by the runtime's loadArtifact,
// which links no LLVM). Both compile the same functions: chunks of
// kChunkSizes tokens continuing from state, and the largest as a session's
// first call.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_COMPILER_MODELCOMPILER_H
#define HYBRID_COMPILER_MODELCOMPILER_H

#include "hybrid/Runtime/Model.h"

#include "mlir/Support/LLVM.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir {
class ModuleOp;
class OpPassManager;
} // namespace mlir

namespace mlir::hybrid {

/// Where a model runs: the reference evaluator, this CPU, or an NVIDIA GPU
/// (compiled-model artifacts only: loadModelForSessions).
enum class Target { Reference, CPU, CUDA };

/// How the projections' weights are kept (hybrid-bf16-weights): f32, or
/// rounded to bfloat16 (half the memory and bytes read per token; sums and
/// activations stay f32), or bfloat16 with prefill's products in bf16 too
/// (their activations rounded to bf16, f32 sums: vdpbf16ps where the target
/// has AVX512-BF16; a looser tolerance, docs/compiling.md).
enum class WeightType { F32, BF16, BF16Matmul };

/// "f32", "bf16" or "bf16-matmul"; parseWeightType is its inverse (false if
/// none).
const char *stringifyWeightType(WeightType type);
bool parseWeightType(const std::string &text, WeightType &out);

/// Adds the passes that keep `type`'s weights to `pm` (none for f32).
void addWeightTypePasses(OpPassManager &pm, WeightType type);

/// Runs those passes on `module` (nothing for f32); failure when they fail
/// (their diagnostics are reported through the context).
LogicalResult applyWeightType(ModuleOp module, WeightType type);

/// The token counts a session's calls are split into, largest first
/// (docs/design.md: why chunks).
inline constexpr int64_t kChunkSizes[] = {128, 16, 1};
/// kChunkSizes up to `maxTokens` (1 always).
std::vector<int64_t> chunkSizesFor(int64_t maxTokens);

/// Reads the description and the weights; functions are compiled for
/// `target` as sessions need them (all of a batch's at newSession).
/// `maxTokens` is the context the KV caches of global attention layers hold
/// (sliding-window layers keep exactly their window). Null with `error` set.
std::unique_ptr<Model> loadModel(const std::string &description, const Weights &weights,
                                 Target target, std::string &error,
                                 int64_t maxTokens = 2048,
                                 WeightType weightType = WeightType::F32);

struct ArtifactOptions {
  int64_t batch = 1;
  int64_t maxTokens = 2048;
  /// The checkpoint the weights will come from (its tensor names pick HF's
  /// layout, as for loadModel), or empty.
  std::string checkpoint;
  /// Stored in the artifact's header (the compile cache's key), or empty.
  std::string key;
  /// Progress lines on stderr.
  bool verbose = false;
  WeightType weightType = WeightType::F32;
  /// Non-empty: for the CUDA target, kernels for this chip (sm_80, sm_90a,
  /// ...) and host code for any x86-64 CPU; the toolkit at `cudaPath`
  /// (findCUDAToolkit's search when empty).
  std::string gpuChip;
  std::string cudaPath;
};

/// Compiles every function a session of `options.batch` sequences calls
/// into one shared object and writes the artifact `path` (Artifact.h).
bool compileModelArtifact(const std::string &description, const ArtifactOptions &options,
                          const std::string &path, std::string &error);

} // namespace mlir::hybrid

#endif // HYBRID_COMPILER_MODELCOMPILER_H
