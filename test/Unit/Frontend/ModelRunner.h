//===- ModelRunner.h - Importing and running a model description -*- C++ -*-===//
//
// For tests of whole imported models: builds @forward of a model description
// for a shape, binds weights drawn from each weight's name (so two builds of
// the same model, for different shapes, get the same weights), and runs it on
// the reference evaluator or compiled.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TEST_UNIT_FRONTEND_MODELRUNNER_H
#define HYBRID_TEST_UNIT_FRONTEND_MODELRUNNER_H

#include "hybrid/Frontend/Frontend.h"
#include "hybrid/Support/HostTensor.h"

#include <string>
#include <vector>

namespace mlir::hybrid::testing {

/// Runs the model at `path` built for `shape` on `inputs` (ids or pixels,
/// then any carried state); returns its results (empty after a failure,
/// which is reported to gtest).
std::vector<HostTensor> runModel(const std::string &path,
                                 const ModelInputShape &shape,
                                 const std::vector<HostTensor> &inputs,
                                 bool compiled);

/// The weight runModel binds for `name`: drawn from a generator seeded by
/// the name, so every build of a model gets the same one.
HostTensor namedWeight(const std::string &name, const std::vector<int64_t> &shape);

/// Writes every weight of the model at `path` (built for `shape`) as
/// namedWeight draws it to the .safetensors `file`, so that the runtime's
/// Model loads the very model runModel runs.
bool writeModelWeights(const std::string &path, const ModelInputShape &shape,
                       const std::string &file);

} // namespace mlir::hybrid::testing

#endif // HYBRID_TEST_UNIT_FRONTEND_MODELRUNNER_H
