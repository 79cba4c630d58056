//===- FieldLimits.h - The bounds on integer fields of model files -*- C++ -*-===//
//
// Shared by config.json (HuggingFaceConfig) and our format (JsonFields), so
// that a size or a count means the same in both.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_FRONTEND_FIELDLIMITS_H
#define HYBRID_LIB_FRONTEND_FIELDLIMITS_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace mlir::hybrid::frontend {

/// The largest value an integer field may have: far above any real model
/// (vocabularies of 2^18, contexts of 2^23), low enough that products of
/// a few such sizes stay far from int64 and every allocation is checked
/// against memory rather than overflowing first.
constexpr int64_t kMaxSize = int64_t(1) << 26;
/// Layer and step counts build or run one layer each: bounded much lower.
constexpr int64_t kMaxLayers = 4096;

/// The bound on integer field `key`.
inline int64_t fieldLimit(llvm::StringRef key) {
  return key.ends_with("layers") || key == "n_layer" || key == "steps" ? kMaxLayers
                                                                       : kMaxSize;
}

} // namespace mlir::hybrid::frontend

#endif // HYBRID_LIB_FRONTEND_FIELDLIMITS_H
