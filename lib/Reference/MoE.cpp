//===- MoE.cpp - Reference top-k mixture of experts -----------------------===//

#include "hybrid/Reference/Reference.h"

#include <algorithm>
#include <cmath>
#include <functional>
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
  const HostTensor &routed = routing.routerInput ? *routing.routerInput : input;
  const int64_t routedWidth = routed.dim(-1);
  const int64_t groupSize = experts / routing.groups;
  HostTensor out = HostTensor::zeros(input.shape());
  std::vector<double> probs(experts), scores(experts), act(inter);
  std::vector<int64_t> order(experts);
  for (int64_t t = 0; t < tokens; ++t) {
    const float *x = input.floats() + t * hidden;
    const float *r = routed.floats() + t * routedWidth;
    // Router: softmax over all experts.
    double maxLogit = -INFINITY;
    for (int64_t e = 0; e < experts; ++e) {
      double logit = 0;
      for (int64_t d = 0; d < routedWidth; ++d)
        logit += static_cast<double>(router.floats()[e * routedWidth + d]) * r[d];
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
    // Group-limited choice: groups ranked by the sum of their two best
    // scores (ties to the lower group); the others' experts cannot win.
    if (routing.groups > 1) {
      std::vector<double> groupScore(routing.groups);
      for (int64_t g = 0; g < routing.groups; ++g) {
        std::vector<double> members(scores.begin() + g * groupSize,
                                    scores.begin() + (g + 1) * groupSize);
        std::partial_sort(members.begin(), members.begin() + 2, members.end(),
                          std::greater<double>());
        groupScore[g] = members[0] + members[1];
      }
      std::vector<int64_t> groupOrder(routing.groups);
      std::iota(groupOrder.begin(), groupOrder.end(), 0);
      std::stable_sort(groupOrder.begin(), groupOrder.end(), [&](int64_t a, int64_t b) {
        return groupScore[a] > groupScore[b];
      });
      for (int64_t k = routing.topGroups; k < routing.groups; ++k)
        for (int64_t j = 0; j < groupSize; ++j)
          scores[groupOrder[k] * groupSize + j] = -INFINITY;
    }
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
