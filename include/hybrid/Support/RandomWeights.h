//===- RandomWeights.h - Weights for running without a checkpoint -*- C++ -*-===//
//
// `--random-weights=SEED`: weights drawn in the order of a function's weight
// arguments from one generator, scaled by their role so that a random model
// stays numerically tame (norms near 1, A_log like HF's log(1..N), the rest
// small). hybrid-run and the runtime's Model draw them the same way, so the
// same seed gives the same model in both.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_RANDOMWEIGHTS_H
#define HYBRID_SUPPORT_RANDOMWEIGHTS_H

#include "hybrid/Support/HostTensor.h"

#include <random>
#include <string>
#include <vector>

namespace mlir::hybrid {

HostTensor randomWeight(const std::string &name, const std::vector<int64_t> &shape,
                        std::mt19937 &rng);

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_RANDOMWEIGHTS_H
