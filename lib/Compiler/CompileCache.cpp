//===- CompileCache.cpp - Compiled models cached on disk ------------------===//

#include "hybrid/Compiler/CompileCache.h"

#include "hybrid/Runtime/Artifact.h"
#include "hybrid/Support/Checkpoint.h"
#include "hybrid/Support/MappedFile.h"
#include "hybrid/Target/CPUTarget.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <sys/stat.h>

using namespace mlir;
using namespace mlir::hybrid;

namespace {
/// The compiler build: the size and modification time of the file this
/// code was loaded from (a tool, or the Python module, whose process is the
/// Python interpreter), so that every rebuild of the compiler misses the
/// cache.
std::string compilerBuild() {
  Dl_info where;
  const char *file = dladdr(reinterpret_cast<void *>(&compilerBuild), &where) && where.dli_fname
                         ? where.dli_fname
                         : "/proc/self/exe";
  struct stat info;
  if (stat(file, &info) != 0 && stat("/proc/self/exe", &info) != 0)
    return "unknown";
  return std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
         std::to_string(info.st_mtim.tv_nsec);
}
} // namespace

std::string mlir::hybrid::compileCacheDirectory(const std::string &override) {
  if (!override.empty())
    return override;
  if (const char *dir = std::getenv("HYBRID_CACHE_DIR"); dir && *dir)
    return dir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/hybrid-mlir";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/hybrid-mlir";
  return ".hybrid-mlir-cache";
}

std::string mlir::hybrid::compileCacheKey(const std::string &description,
                                          const ArtifactOptions &options,
                                          std::string &error) {
  std::string text;
  if (!readTextFile(description, text, error))
    return "";
  std::string parts = "hybrid-mlir artifact 1\n" + compilerBuild() + "\n" + text + "\n";
  if (!options.checkpoint.empty()) {
    std::unique_ptr<Checkpoint> checkpoint = Checkpoint::open(options.checkpoint, error);
    if (!checkpoint)
      return "";
    for (const std::string &name : checkpoint->names())
      parts += name + "\n";
  }
  const CPUTarget host = CPUTarget::host();
  parts += "batch " + std::to_string(options.batch) + " max_tokens " +
           std::to_string(options.maxTokens) + " chunks";
  for (int64_t size : chunkSizesFor(options.maxTokens))
    parts += " " + std::to_string(size);
  if (options.weightType != WeightType::F32) // f32 keys as before
    parts += std::string(" weights ") + stringifyWeightType(options.weightType);
  if (!options.gpuChip.empty())
    parts += "\ntarget cuda " + options.gpuChip + " " + options.cudaPath + "\n";
  else
    parts += "\ntarget " + host.cpu + " " + host.features + " " +
             std::to_string(host.vectorBits) + " " + std::to_string(host.l1Bytes) + " " +
             std::to_string(host.l2Bytes) + "\n";
  char key[17];
  std::snprintf(key, sizeof key, "%016" PRIx64, fnv1a64(parts.data(), parts.size()));
  return key;
}

std::unique_ptr<ModelCode> mlir::hybrid::loadCachedModel(const std::string &description,
                                                         ArtifactOptions options,
                                                         const std::string &directory,
                                                         std::string &status,
                                                         std::string &error) {
  options.key = compileCacheKey(description, options, error);
  if (options.key.empty())
    return nullptr;
  const std::string path = directory + "/" + options.key + ".hybrid";
  status = "miss";
  if (llvm::sys::fs::exists(path)) {
    std::string why;
    if (std::unique_ptr<ModelCode> code = loadArtifact(path, why, &options.key)) {
      status = "hit";
      return code;
    }
    status = "rebuilt: " + why;
  }
  if (std::error_code ec = llvm::sys::fs::create_directories(directory)) {
    error = directory + ": cannot create the compile cache (" + ec.message() +
            "; --no-cache compiles without it)";
    return nullptr;
  }
  if (!compileModelArtifact(description, options, path, error))
    return nullptr;
  return loadArtifact(path, error, &options.key);
}

namespace {
/// What a session model's artifact is compiled with.
ArtifactOptions artifactOptionsFor(const SessionModelOptions &options) {
  ArtifactOptions artifact;
  artifact.batch = options.batch;
  artifact.maxTokens = options.maxTokens;
  artifact.checkpoint = options.checkpoint;
  artifact.verbose = options.verbose;
  artifact.weightType = options.weightType;
  return artifact;
}

/// The CUDA target runs compiled-model artifacts only: through the compile
/// cache, or (--no-cache) one written to a temporary file, loaded (its code
/// is copied to memory) and removed. The device is opened first, so that a
/// machine without one hears so before minutes of compiling, and the chip
/// defaults to the device's own.
std::unique_ptr<Model> loadModelForGPU(const std::string &description, const Weights &weights,
                                       const SessionModelOptions &options, std::string &how,
                                       std::string &error) {
  cuda::DeviceInfo device;
  if (!cuda::openDevice(device, error))
    return nullptr;
  ArtifactOptions artifact = artifactOptionsFor(options);
  artifact.gpuChip = options.gpuChip.empty() ? deviceChip(device) : options.gpuChip;
  artifact.cudaPath = options.cudaPath;
  std::unique_ptr<ModelCode> code;
  if (options.useCache) {
    const std::string directory = compileCacheDirectory(options.cacheDir);
    std::string status;
    code = loadCachedModel(description, artifact, directory, status, error);
    how = "compile cache " + status + " in " + directory;
  } else {
    llvm::SmallString<128> path;
    if (llvm::sys::fs::createTemporaryFile("hybrid-cuda", "hybrid", path)) {
      error = "cannot create a temporary file for the compiled model";
      return nullptr;
    }
    if (compileModelArtifact(description, artifact, std::string(path), error))
      code = loadArtifact(std::string(path), error);
    llvm::sys::fs::remove(path);
    how = "compiled (--no-cache)";
  }
  if (!code)
    return nullptr;
  how += ", on " + device.name + " (" + artifact.gpuChip + ")";
  return Model::create(std::move(code), weights, error);
}
} // namespace

std::string mlir::hybrid::deviceChip(const cuda::DeviceInfo &device) {
  // Hopper's kernels may use wgmma, which only sm_90a has.
  return "sm_" + std::to_string(device.major) + std::to_string(device.minor) +
         (device.major == 9 ? "a" : "");
}

std::unique_ptr<Model> mlir::hybrid::loadModelForSessions(const std::string &description,
                                                          const Weights &weights,
                                                          const SessionModelOptions &options,
                                                          std::string &how,
                                                          std::string &error) {
  if (options.target == Target::CUDA)
    return loadModelForGPU(description, weights, options, how, error);
  if (options.target != Target::CPU || !options.useCache) {
    how = options.target == Target::CPU ? "compiled in memory" : "reference evaluator";
    return loadModel(description, weights, options.target, error, options.maxTokens,
                     options.weightType);
  }
  const ArtifactOptions artifact = artifactOptionsFor(options);
  const std::string directory = compileCacheDirectory(options.cacheDir);
  std::string status;
  std::unique_ptr<ModelCode> code =
      loadCachedModel(description, artifact, directory, status, error);
  if (!code)
    return nullptr;
  how = "compile cache " + status + " in " + directory;
  return Model::create(std::move(code), weights, error);
}
