//===- Differential.h - Compiled code against the reference -----*- C++ -*-===//
//
// Runs one function both on the reference evaluator and compiled through
// hybrid-cpu-pipeline + JIT, on the same random inputs, and compares every
// result with closeTo (tolerance relative to the output's scale).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TEST_UNIT_RUNTIME_DIFFERENTIAL_H
#define HYBRID_TEST_UNIT_RUNTIME_DIFFERENTIAL_H

#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Support/HostTensor.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>

namespace mlir::hybrid::testing {

/// The range of random values for one argument: floats uniform in [lo, hi),
/// integers uniform in [lo, hi).
struct ArgRange {
  double lo = -1.0, hi = 1.0;
};

/// Replaces every `{key}` in `text`.
std::string format(std::string text,
                   const std::map<std::string, std::string> &values);

/// Whether matchesReference compiles through the GPU kernels run on the
/// host (CPUPipelineOptions::emulateGPUKernels) instead of the CPU pipeline;
/// DifferentialTest runs every test both ways.
void setEmulateGPUKernels(bool emulate);

/// Compiles (with `pipeline`'s options, the defaults if null) and
/// interprets @`function` of `source` on random inputs drawn with `seed`
/// (per-argument ranges in `ranges`) and compares the results.
::testing::AssertionResult
matchesReference(const std::string &source, const std::string &function,
                 unsigned seed, const std::map<unsigned, ArgRange> &ranges = {},
                 double tolerance = 1e-4, const CPUPipelineOptions *pipeline = nullptr);

} // namespace mlir::hybrid::testing

#endif // HYBRID_TEST_UNIT_RUNTIME_DIFFERENTIAL_H
