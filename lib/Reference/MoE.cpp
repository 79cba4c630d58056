//===- MoE.cpp - Reference top-k mixture of experts -----------------------===//

#include "hybrid/Reference/Reference.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace mlir::hybrid;
using namespace mlir::hybrid::reference;

HostTensor reference::moe(const HostTensor &input, const HostTensor &router,
                          const HostTensor &gate, const HostTensor &up,
                          const HostTensor &down, int64_t topK,
                          bool normalizeTopK, Activation activation,
                          const MoERouting &routing) {
  const int64_t hidden = input.dim(-1), experts = router.dim(0),
                inter = gate.dim(1), tokens = input.numel() / hidden;
  HostTensor out = HostTensor::zeros(input.shape());
  std::vector<double> probs(experts), scores(experts), act(inter);
  std::vector<int64_t> order(experts);
  for (int64_t t = 0; t < tokens; ++t) {
    const float *x = input.floats() + t * hidden;
    // Router: softmax over all experts.
    double maxLogit = -INFINITY;
    for (int64_t e = 0; e < experts; ++e) {
      double logit = 0;
      for (int64_t d = 0; d < hidden; ++d)
        logit += static_cast<double>(router.floats()[e * hidden + d]) * x[d];
      probs[e] = logit;
      maxLogit = std::max(maxLogit, logit);
    }
    if (routing.sigmoid) {
      for (double &p : probs)
        p = 1.0 / (1.0 + std::exp(-p));
    } else {
      double total = 0;
      for (double &p : probs)
        total += p = std::exp(p - maxLogit);
      for (double &p : probs)
        p /= total;
    }
    // The bias only selects: top-k of p + bias, weights from p.
    for (int64_t e = 0; e < experts; ++e)
      scores[e] = probs[e] + (routing.selectionBias
                                  ? routing.selectionBias->floats()[e]
                                  : 0.0);
    // Top-k, ties to the lower expert index.
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return scores[a] > scores[b]; });
    double chosen = 0;
    for (int64_t k = 0; k < topK; ++k)
      chosen += probs[order[k]];
    std::vector<double> y(hidden, 0.0);
    for (int64_t k = 0; k < topK; ++k) {
      const int64_t e = order[k];
      const double weight =
          (normalizeTopK ? probs[e] / (chosen + routing.normalizeEpsilon)
                         : probs[e]) *
          routing.scaling;
      for (int64_t i = 0; i < inter; ++i) {
        double g = 0, u = 0;
        for (int64_t d = 0; d < hidden; ++d) {
          g += static_cast<double>(gate.floats()[(e * inter + i) * hidden + d]) *
               x[d];
          u += static_cast<double>(up.floats()[(e * inter + i) * hidden + d]) *
               x[d];
        }
        act[i] = activate(activation, g) * u;
      }
      for (int64_t d = 0; d < hidden; ++d) {
        double sum = 0;
        for (int64_t i = 0; i < inter; ++i)
          sum += down.floats()[(e * hidden + d) * inter + i] * act[i];
        y[d] += weight * sum;
      }
    }
    for (int64_t d = 0; d < hidden; ++d)
      out.floats()[t * hidden + d] = static_cast<float>(y[d]);
  }
  return out;
}
