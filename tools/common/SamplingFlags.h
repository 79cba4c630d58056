//===- SamplingFlags.h - The tools' sampling flags --------------*- C++ -*-===//
//
// --do-sample, --temperature=T, --top-k=K, --top-p=P, --min-p=M,
// --repetition-penalty=R and --seed=S for --generate, shared by hybrid-run
// (llvm::cl) and hybrid-run-module (which links no LLVM): read from argv
// before either parses the rest.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TOOLS_SAMPLINGFLAGS_H
#define HYBRID_TOOLS_SAMPLINGFLAGS_H

#include "hybrid/Runtime/Sampling.h"

#include <string>

namespace mlir::hybrid {

/// The lines --help prints for the flags.
extern const char *const kSamplingFlagsHelp;

/// Removes the sampling flags from argv into `options`, with `given` set
/// when any was present. False, with `error` naming the flag, for a value
/// that is not a number or out of range, or a warper without --do-sample
/// (it would be silently ignored, as greedy decoding ignores it).
bool takeSamplingFlags(int &argc, char **argv, SamplingOptions &options, bool &given,
                       std::string &error);

} // namespace mlir::hybrid

#endif // HYBRID_TOOLS_SAMPLINGFLAGS_H
