//===- Artifact.h - Compiled-model artifacts (.hybrid) ----------*- C++ -*-===//
//
// A compiled model in one file, the "hybrid module" format (docs/artifact.md):
//
//   hybrid-module 1\n
//   KEY MANIFEST_BYTES CODE_BYTES CHECKSUM\n
//   MANIFEST  (ModelInterface as JSON: functions, argument roles, state)
//   CODE      (an ELF shared object with one _hybrid_packed_SYMBOL entry
//              per function)
//
// KEY says what it was compiled from (the compile cache's key; "-" when
// none); CHECKSUM is the FNV-1a 64 of MANIFEST and CODE in hex. Loading
// checks both sizes and the checksum before anything is mapped as code, so
// a truncated or corrupt file is an error, never a crash. The code is loaded
// with dlopen from an anonymous memory file: no LLVM, no temporary file.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_RUNTIME_ARTIFACT_H
#define HYBRID_RUNTIME_ARTIFACT_H

#include "hybrid/Runtime/ModelInterface.h"

#include <memory>
#include <string>

namespace mlir::hybrid {

/// FNV-1a 64 of `bytes`, continuing from `hash`.
uint64_t fnv1a64(const char *bytes, size_t size, uint64_t hash = 14695981039346656037ull);

/// Writes `interface` and the shared object `code` to `path` (atomically:
/// a temporary file renamed over it).
bool writeArtifact(const std::string &path, const ModelInterface &interface,
                   const std::string &code, const std::string &key, std::string &error);

/// The manifest of the artifact at `path`, its header and checksum checked,
/// without loading its code (which needs the CPU or GPU it was compiled for).
bool readArtifactInterface(const std::string &path, ModelInterface &interface,
                           std::string &error);

/// Loads the artifact at `path`. With `expectedKey`, an artifact of another
/// key is refused (a stale cache entry). Null with `error` naming the file
/// and the problem.
std::unique_ptr<ModelCode> loadArtifact(const std::string &path, std::string &error,
                                        const std::string *expectedKey = nullptr);

} // namespace mlir::hybrid

#endif // HYBRID_RUNTIME_ARTIFACT_H
