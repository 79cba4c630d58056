//===- Generate.h - hybrid-run --generate=N ---------------------*- C++ -*-===//
//
// Greedy decoding through the runtime's Session: prefill the prompt, then
// feed back the arg-max token N − 1 times, printing each token as it comes
// and the prefill and per-token times.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TOOLS_HYBRID_RUN_GENERATE_H
#define HYBRID_TOOLS_HYBRID_RUN_GENERATE_H

#include "hybrid/Runtime/Model.h"

#include <string>

namespace mlir::hybrid {

struct GenerateOptions {
  std::string description; ///< config.json or hybrid model JSON
  Weights weights;
  Model::Target target = Model::Target::CPU;
  HostTensor prompt;  ///< token ids [batch, P]
  int64_t tokens = 0; ///< how many to generate
  std::string output; ///< .npy for the generated ids [batch, tokens], or ""
  bool verbose = false;
};

/// Returns the process exit code; errors go to stderr.
int generate(const GenerateOptions &options);

} // namespace mlir::hybrid

#endif // HYBRID_TOOLS_HYBRID_RUN_GENERATE_H
