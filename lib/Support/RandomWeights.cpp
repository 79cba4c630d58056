//===- RandomWeights.cpp - Weights for running without a checkpoint -------===//

#include "hybrid/Support/RandomWeights.h"

#include <random>

using namespace mlir::hybrid;

namespace {
/// FNV-1a: a hash that is the same on every platform and build.
uint64_t stableHash(const std::string &text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text)
    h = (h ^ c) * 1099511628211ull;
  return h;
}
} // namespace

HostTensor mlir::hybrid::randomWeight(const std::string &name,
                                      const std::vector<int64_t> &shape,
                                      int seed) {
  auto endsWith = [&](const char *suffix) {
    const std::string s(suffix);
    return name.size() >= s.size() &&
           name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  uint64_t h = stableHash(name);
  std::seed_seq seq{uint32_t(seed), uint32_t(h), uint32_t(h >> 32)};
  std::mt19937 rng(seq);
  float lo = -0.2f, hi = 0.2f;
  if (endsWith("norm.weight") || endsWith("norm_f.weight"))
    lo = 0.9f, hi = 1.1f;
  else if (endsWith("running_var")) // BatchNorm's variance (CvT)
    lo = 0.5f, hi = 1.5f;
  else if (endsWith("A_log"))
    lo = 0.0f, hi = 2.0f;
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(numElements(shape));
  for (float &v : values)
    v = dist(rng);
  return HostTensor::fromFloats(shape, std::move(values));
}
