//===- CompileCache.h - Compiled models cached on disk ----------*- C++ -*-===//
//
// hybrid-run compiles a model once: the artifact (Artifact.h) of every
// function a session calls is kept under the cache directory, named by a
// key over everything the code depends on: the model description's bytes,
// the checkpoint's tensor names (they pick HF's layout), batch, context and
// chunk sizes, the weight type, the host target (CPU, features, vector width, caches) and the
// compiler build (the size and modification time of the executable or
// shared library the compiler is in: the tools, or the Python module). A later run
// with the same key loads the artifact in milliseconds. A corrupt or stale
// entry fails its checksum or key check on load and is compiled again,
// never run.
//
// The directory: --cache-dir, else $HYBRID_CACHE_DIR, else
// $XDG_CACHE_HOME/hybrid-mlir, else ~/.cache/hybrid-mlir.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_COMPILER_COMPILECACHE_H
#define HYBRID_COMPILER_COMPILECACHE_H

#include "hybrid/Compiler/ModelCompiler.h"
#include "hybrid/Runtime/CudaDevice.h"

#include <memory>
#include <string>

namespace mlir::hybrid {

/// The cache directory for `override` (empty: the environment's default).
std::string compileCacheDirectory(const std::string &override);

/// The key of `description` compiled with `options` for this host and
/// compiler build; empty with `error` set when the description is unreadable.
std::string compileCacheKey(const std::string &description, const ArtifactOptions &options,
                            std::string &error);

/// The compiled model from `directory`, compiled and stored there first on
/// a miss (or when the entry is corrupt or stale). `status` says which:
/// "hit", "miss" or "rebuilt: WHY".
std::unique_ptr<ModelCode> loadCachedModel(const std::string &description,
                                           ArtifactOptions options,
                                           const std::string &directory, std::string &status,
                                           std::string &error);

/// How a model for sessions is loaded (loadModelForSessions).
struct SessionModelOptions {
  Target target = Target::CPU;
  int64_t batch = 1;
  int64_t maxTokens = 2048;
  /// The checkpoint whose tensor names pick HF's layout, or "".
  std::string checkpoint;
  /// On the cpu: through the compile cache (else compiled in memory).
  bool useCache = true;
  std::string cacheDir; ///< empty: compileCacheDirectory's default
  bool verbose = false; ///< progress lines while compiling
  WeightType weightType = WeightType::F32;
  /// Target::CUDA: the chip to compile for (empty: the device's own) and
  /// the toolkit (empty: findCUDAToolkit's search).
  std::string gpuChip;
  std::string cudaPath;
};

/// The chip a GPU runs code for: sm_MAJORMINOR (sm_90a on Hopper).
std::string deviceChip(const cuda::DeviceInfo &device);

/// The model with every function a session of `options.batch` sequences
/// calls: through the compile cache on the cpu, compiled in memory without
/// it, or on the reference evaluator. `how` says which, for progress lines
/// ("compile cache hit in DIR", "compiled in memory", "reference
/// evaluator"). Null with `error` set. hybrid-run and the Python package
/// load models this way.
std::unique_ptr<Model> loadModelForSessions(const std::string &description,
                                            const Weights &weights,
                                            const SessionModelOptions &options,
                                            std::string &how, std::string &error);

} // namespace mlir::hybrid

#endif // HYBRID_COMPILER_COMPILECACHE_H
