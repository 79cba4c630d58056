//===- TensorText.h - Tensors on the command line ---------------*- C++ -*-===//
//
// What hybrid-run and hybrid-run-module share, in plain C++ (the latter
// links no LLVM): inputs in iree-run-module's style ("@file.npy" or an
// inline "2x3xf32=1,2,3,4,5,6", one value splatted), results printed as
// "2x3xf32=[1 2 3][4 5 6]", and the comparison of --expected-output.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TOOLS_COMMON_TENSORTEXT_H
#define HYBRID_TOOLS_COMMON_TENSORTEXT_H

#include "hybrid/Support/HostTensor.h"

#include <string>

namespace mlir::hybrid {

/// Parses "2x3xf32=1,2,3,4,5,6" (or a single value, splatted).
bool parseInlineTensor(const std::string &text, HostTensor &tensor, std::string &error);
/// An --input: "@file.npy" or an inline tensor.
bool readInput(const std::string &spec, HostTensor &tensor, std::string &error);
/// iree-run-module's format: 2x3xf32=[1 2 3][4 5 6] (the first 1024 values).
std::string formatTensor(const HostTensor &tensor);
/// Whether max |actual - expected| <= tolerance · max(1, max |expected|):
/// `report` is then "result[i]: TYPE matches the expected output (max
/// difference D)"; otherwise `error` names the worst element.
bool matchesExpected(size_t index, const HostTensor &actual, const HostTensor &expected,
                     double tolerance, std::string &error, std::string &report);

} // namespace mlir::hybrid

#endif // HYBRID_TOOLS_COMMON_TENSORTEXT_H
