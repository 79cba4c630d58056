//===- Generate.h - hybrid-run --generate=N ---------------------*- C++ -*-===//
//
// Greedy decoding through the runtime's Session: prefill the prompt, then
// feed back the arg-max token N − 1 times (or until every sequence has
// produced an end-of-sequence id), printing each token as it comes and the
// prefill and per-token times.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TOOLS_HYBRID_RUN_GENERATE_H
#define HYBRID_TOOLS_HYBRID_RUN_GENERATE_H

#include "hybrid/Runtime/Model.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::hybrid {

struct GenerateOptions {
  std::string description; ///< config.json or hybrid model JSON
  Weights weights;
  Model::Target target = Model::Target::CPU;
  HostTensor prompt;  ///< token ids [batch, P]
  int64_t tokens = 0; ///< how many to generate
  std::string output; ///< .npy for the generated ids [batch, steps], or ""
  /// A sequence that produces one of these is finished: its later tokens are
  /// the padding id (the first eos id when there is none), and generation
  /// stops when every sequence is finished, as HF's generate does.
  std::vector<int64_t> eosTokenIds;
  std::optional<int64_t> padTokenId;
  bool verbose = false;
};

/// Returns the process exit code; errors go to stderr.
int generate(const GenerateOptions &options);

} // namespace mlir::hybrid

#endif // HYBRID_TOOLS_HYBRID_RUN_GENERATE_H
