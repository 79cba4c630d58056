//===- SamplingFlags.h - The tools' sampling flags --------------*- C++ -*-===//
//
// --do-sample, --temperature=T, --top-k=K, --top-p=P, --min-p=M,
// --repetition-penalty=R and --seed=S for --generate, shared by hybrid-run
// (llvm::cl) and hybrid-run-module (which links no LLVM): read from argv
// before either parses the rest, and applied over the defaults (HF's, or a
// checkpoint's generation_config.json).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TOOLS_SAMPLINGFLAGS_H
#define HYBRID_TOOLS_SAMPLINGFLAGS_H

#include "hybrid/Runtime/Sampling.h"
#include "hybrid/Support/ModelDirectory.h"

#include <optional>
#include <string>

namespace mlir::hybrid {

/// The lines --help prints for the flags.
extern const char *const kSamplingFlagsHelp;

/// `options` with what `settings` sets on top (no range checks).
void applySettings(const SamplingSettings &settings, SamplingOptions &options);

/// The sampling flags given on the command line (`--do-sample` or
/// `--do-sample=true|false`, ...); absent ones keep the defaults they are
/// applied to.
struct SamplingFlags : SamplingSettings {
  bool any() const {
    return doSample || temperature || topP || minP || repetitionPenalty || topK || seed;
  }
  /// `options` with the given flags on top. False, with `error` naming the
  /// flag, for a value out of range, or a warper given without sampling (it
  /// would be silently ignored, as greedy decoding ignores it).
  bool applyTo(SamplingOptions &options, std::string &error) const;
};

/// Removes the sampling flags from argv into `flags`. False, with `error`
/// naming the flag, for a value that is not a number.
bool takeSamplingFlags(int &argc, char **argv, SamplingFlags &flags, std::string &error);

} // namespace mlir::hybrid

#endif // HYBRID_TOOLS_SAMPLINGFLAGS_H
