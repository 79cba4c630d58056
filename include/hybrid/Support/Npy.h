//===- Npy.h - Reading and writing .npy files -------------------*- C++ -*-===//
//
// NumPy's .npy format (versions 1-3), the interchange format of hybrid-run:
// what numpy and torch users already have. Reads f32, f16 and bf16 (as f32),
// i32 and i64; writes f32, i32 and i64. numpy has no bfloat16: ml_dtypes'
// bfloat16 arrays are saved as 2-byte void ('|V2'), which is read as bf16.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_NPY_H
#define HYBRID_SUPPORT_NPY_H

#include "hybrid/Support/HostTensor.h"

#include <string>

namespace mlir::hybrid {

/// Reads `path`. On failure returns false and sets `error` to a message that
/// names the file and the problem (missing, not .npy, unsupported dtype, ...).
bool readNpy(const std::string &path, HostTensor &tensor, std::string &error);

/// Writes `tensor` to `path` (format 1.0, little-endian, C order).
bool writeNpy(const std::string &path, const HostTensor &tensor,
              std::string &error);

/// Parses an in-memory .npy image; `name` is used in messages.
bool parseNpy(const std::string &bytes, const std::string &name,
              HostTensor &tensor, std::string &error);

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_NPY_H
