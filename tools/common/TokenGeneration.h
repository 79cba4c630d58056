//===- TokenGeneration.h - Generating tokens through a Session --*- C++ -*-===//
//
// hybrid-run --generate=N and hybrid-run-module --generate=N: prefill the
// prompt, then feed back the chosen token N − 1 times (or until every
// sequence has produced an end-of-sequence id, as HF's generate stops),
// printing each token as it comes and the prefill and per-token times. The
// token is the arg-max, or drawn (hybrid/Runtime/Sampling.h). Plain C++
// over the runtime's Model.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TOOLS_COMMON_TOKENGENERATION_H
#define HYBRID_TOOLS_COMMON_TOKENGENERATION_H

#include "hybrid/Runtime/Model.h"
#include "hybrid/Runtime/Sampling.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mlir::hybrid {

struct GenerationOptions {
  HostTensor prompt;  ///< token ids [batch, P]
  int64_t tokens = 0; ///< how many to generate
  std::string output; ///< .npy for the generated ids [batch, steps], or ""
  /// A sequence that produces one of these is finished: its later tokens are
  /// the padding id (the first eos id when there is none).
  std::vector<int64_t> eosTokenIds;
  std::optional<int64_t> padTokenId;
  /// Greedy by default.
  SamplingOptions sampling;
  /// Prefixes error messages ("hybrid-run").
  std::string tool;
  /// When set, receives each step's [batch, 1] tokens instead of the
  /// "generated:" line on stdout (hybrid-run --prompt prints text), and the
  /// timing lines go to stderr, leaving stdout to the caller. Called once
  /// more with step -1 (and no tokens) when generation ends, before them.
  std::function<void(int64_t step, const HostTensor &tokens)> onStep;
};

/// Generates from a fresh session of `model`; returns the exit code.
int generateTokens(Model &model, const GenerationOptions &options);

} // namespace mlir::hybrid

#endif // HYBRID_TOOLS_COMMON_TOKENGENERATION_H
