//===- RandomWeights.h - Weights for running without a checkpoint -*- C++ -*-===//
//
// `--random-weights=SEED`: each weight drawn from its own generator, seeded
// by SEED and the weight's name, so a weight's values do not depend on the
// order or the number of a function's arguments (a model built for
// generation and the same model without state get the same weights). Scaled
// by role so that a random model stays numerically tame (norms near 1, A_log
// like HF's log(1..N), BatchNorm variances in [0.5, 1.5], the rest small).
// hybrid-run and the runtime's Model draw them the same way, so the same
// seed gives the same model in both.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_RANDOMWEIGHTS_H
#define HYBRID_SUPPORT_RANDOMWEIGHTS_H

#include "hybrid/Support/HostTensor.h"

#include <string>
#include <vector>

namespace mlir::hybrid {

HostTensor randomWeight(const std::string &name, const std::vector<int64_t> &shape,
                        int seed);

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_RANDOMWEIGHTS_H
