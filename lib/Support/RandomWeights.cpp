//===- RandomWeights.cpp - Weights for running without a checkpoint -------===//

#include "hybrid/Support/RandomWeights.h"

#include "llvm/ADT/StringRef.h"

using namespace mlir::hybrid;

HostTensor mlir::hybrid::randomWeight(const std::string &name,
                                      const std::vector<int64_t> &shape,
                                      std::mt19937 &rng) {
  llvm::StringRef n(name);
  float lo = -0.2f, hi = 0.2f;
  if (n.ends_with("norm.weight") || n.ends_with("norm_f.weight"))
    lo = 0.9f, hi = 1.1f;
  else if (n.ends_with("A_log"))
    lo = 0.0f, hi = 2.0f;
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(numElements(shape));
  for (float &v : values)
    v = dist(rng);
  return HostTensor::fromFloats(shape, std::move(values));
}
