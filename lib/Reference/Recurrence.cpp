//===- Recurrence.cpp - Reference depth recurrence and ACT ----------------===//
//
// ACT follows tensor2tensor's universal_transformer_util.py line by line
// (MATH.md §7): the loop runs while any position is still running.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Reference/Reference.h"

using namespace mlir::hybrid;
using namespace mlir::hybrid::reference;

bool reference::recurrentDepth(const HostTensor &init, int64_t maxSteps,
                               std::optional<double> haltThreshold,
                               const DepthBody &body, HostTensor &result,
                               std::string &error) {
  HostTensor state = init;
  if (!haltThreshold) {
    for (int64_t step = 0; step < maxSteps; ++step) {
      HostTensor next;
      if (!body(state, step, next, nullptr, error))
        return false;
      state = std::move(next);
    }
    result = std::move(state);
    return true;
  }

  const double theta = *haltThreshold;
  const int64_t positions = init.dim(0) * init.dim(1), hidden = init.dim(2);
  std::vector<double> haltingProb(positions, 0.0), remainders(positions, 0.0),
      updates(positions, 0.0);
  HostTensor previous = HostTensor::zeros(init.shape());
  auto anyRunning = [&] {
    for (int64_t p = 0; p < positions; ++p)
      if (haltingProb[p] < theta && updates[p] < maxSteps)
        return true;
    return false;
  };
  for (int64_t step = 0; anyRunning(); ++step) {
    HostTensor out, halting;
    if (!body(state, step, out, &halting, error))
      return false;
    for (int64_t pos = 0; pos < positions; ++pos) {
      const double p = halting.floats()[pos];
      double running = haltingProb[pos] < 1.0 ? 1.0 : 0.0;
      const double newHalted =
          (haltingProb[pos] + p * running > theta ? 1.0 : 0.0) * running;
      running = (haltingProb[pos] + p * running <= theta ? 1.0 : 0.0) * running;
      haltingProb[pos] += p * running;
      remainders[pos] += newHalted * (1.0 - haltingProb[pos]);
      haltingProb[pos] += newHalted * remainders[pos];
      updates[pos] += running + newHalted;
      const double weight = p * running + newHalted * remainders[pos];
      float *prev = previous.floats() + pos * hidden;
      const float *o = out.floats() + pos * hidden;
      for (int64_t d = 0; d < hidden; ++d)
        prev[d] = static_cast<float>(o[d] * weight + prev[d] * (1.0 - weight));
    }
    state = std::move(out);
  }
  result = std::move(previous);
  return true;
}
