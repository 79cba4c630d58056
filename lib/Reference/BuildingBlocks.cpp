//===- BuildingBlocks.cpp - Reference projections, norms, MLPs ------------===//

#include "hybrid/Reference/Reference.h"

#include <algorithm>
#include <cmath>

using namespace mlir::hybrid;
using namespace mlir::hybrid::reference;

double reference::activate(Activation kind, double x) {
  switch (kind) {
  case Activation::identity:
    return x;
  case Activation::relu:
    return x > 0 ? x : 0;
  case Activation::gelu:
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  case Activation::gelu_tanh:
    return 0.5 * x *
           (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
  case Activation::quick_gelu:
    return x / (1.0 + std::exp(-1.702 * x));
  case Activation::silu:
    return x / (1.0 + std::exp(-x));
  case Activation::sigmoid:
    return 1.0 / (1.0 + std::exp(-x));
  case Activation::tanh:
    return std::tanh(x);
  case Activation::softplus:
    return x > 20 ? x : std::log1p(std::exp(x));
  case Activation::elu_plus_one:
    return x > 0 ? x + 1.0 : std::exp(x);
  }
  return x;
}

HostTensor reference::linear(const HostTensor &input, const HostTensor &weight,
                             const HostTensor *bias) {
  const int64_t in = weight.dim(1), out = weight.dim(0),
                rows = input.numel() / in;
  std::vector<int64_t> shape = input.shape();
  shape.back() = out;
  HostTensor result = HostTensor::zeros(shape);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double sum = bias ? bias->floats()[o] : 0.0;
      for (int64_t i = 0; i < in; ++i)
        sum += static_cast<double>(input.floats()[r * in + i]) *
               weight.floats()[o * in + i];
      result.floats()[r * out + o] = static_cast<float>(sum);
    }
  return result;
}

bool reference::embedding(const HostTensor &ids, const HostTensor &table,
                          std::optional<double> scale, HostTensor &result,
                          std::string &error) {
  const int64_t vocab = table.dim(0), hidden = table.dim(1);
  std::vector<int64_t> shape = ids.shape();
  shape.push_back(hidden);
  result = HostTensor::zeros(shape);
  for (int64_t n = 0; n < ids.numel(); ++n) {
    const int64_t id = ids.ints()[n];
    if (id < 0 || id >= vocab) {
      error = "token id " + std::to_string(id) + " at position " +
              std::to_string(n) + " is outside the vocabulary [0, " +
              std::to_string(vocab) + ")";
      return false;
    }
    for (int64_t d = 0; d < hidden; ++d)
      result.floats()[n * hidden + d] = static_cast<float>(
          table.floats()[id * hidden + d] * scale.value_or(1.0));
  }
  return true;
}

HostTensor reference::rmsNorm(const HostTensor &input, const HostTensor &weight,
                              double eps, bool unitOffset,
                              std::optional<int64_t> groupSize) {
  const int64_t hidden = input.dim(-1), rows = input.numel() / hidden;
  const int64_t group = groupSize.value_or(hidden);
  HostTensor out = HostTensor::zeros(input.shape());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g0 = 0; g0 < hidden; g0 += group) {
      const float *x = input.floats() + r * hidden + g0;
      double meanSquare = 0;
      for (int64_t d = 0; d < group; ++d)
        meanSquare += static_cast<double>(x[d]) * x[d];
      const double inv = 1.0 / std::sqrt(meanSquare / group + eps);
      for (int64_t d = 0; d < group; ++d) {
        const float wd = weight.floats()[g0 + d];
        const double w = unitOffset ? 1.0 + wd : wd;
        out.floats()[r * hidden + g0 + d] = static_cast<float>(x[d] * inv * w);
      }
    }
  }
  return out;
}

HostTensor reference::layerNorm(const HostTensor &input,
                                const HostTensor *weight,
                                const HostTensor *bias, double eps) {
  const int64_t hidden = input.dim(-1), rows = input.numel() / hidden;
  HostTensor out = HostTensor::zeros(input.shape());
  for (int64_t r = 0; r < rows; ++r) {
    const float *x = input.floats() + r * hidden;
    double mean = 0, var = 0;
    for (int64_t d = 0; d < hidden; ++d)
      mean += x[d];
    mean /= hidden;
    for (int64_t d = 0; d < hidden; ++d)
      var += (x[d] - mean) * (x[d] - mean);
    const double inv = 1.0 / std::sqrt(var / hidden + eps);
    for (int64_t d = 0; d < hidden; ++d)
      out.floats()[r * hidden + d] = static_cast<float>(
          (x[d] - mean) * inv * (weight ? weight->floats()[d] : 1.0) +
          (bias ? bias->floats()[d] : 0.0));
  }
  return out;
}

HostTensor reference::rope(const HostTensor &input, const HostTensor *positions,
                           double theta, int64_t positionOffset,
                           bool interleaved, ArrayRef<float> invFreq,
                           double attentionScaling, ArrayRef<float> longInvFreq,
                           double ntkFactor, int64_t originalContext,
                           const HostTensor *extent) {
  const int64_t batch = input.dim(0), heads = input.dim(1), seq = input.dim(2),
                headDim = input.dim(3), half = headDim / 2;
  HostTensor out = HostTensor::zeros(input.shape());
  if (originalContext > 0) {
    // The call's length: its largest position + 1, over the whole batch.
    int64_t length = positionOffset + seq;
    if (extent)
      length = extent->ints()[0];
    else if (positions && batch * seq > 0)
      length = *std::max_element(positions->ints(),
                                 positions->ints() + batch * seq) + 1;
    if (!longInvFreq.empty() && length > originalContext)
      invFreq = longInvFreq;
    if (ntkFactor > 0) {
      const double l = double(std::max(length, originalContext));
      theta *= std::pow(ntkFactor * l / double(originalContext) - (ntkFactor - 1),
                        double(headDim) / double(headDim - 2));
    }
  }
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t s = 0; s < seq; ++s) {
        const double pos = positions ? positions->ints()[b * seq + s]
                                     : positionOffset + s;
        const int64_t row = ((b * heads + h) * seq + s) * headDim;
        const float *x = input.floats() + row;
        float *y = out.floats() + row;
        for (int64_t k = 0; k < half; ++k) {
          const double freq = invFreq.empty() ? std::pow(theta, -2.0 * k / headDim)
                                              : double(invFreq[k]);
          const double angle = pos * freq;
          const double c = attentionScaling * std::cos(angle),
                       sn = attentionScaling * std::sin(angle);
          const int64_t i0 = interleaved ? 2 * k : k;
          const int64_t i1 = interleaved ? 2 * k + 1 : k + half;
          y[i0] = static_cast<float>(x[i0] * c - x[i1] * sn);
          y[i1] = static_cast<float>(x[i1] * c + x[i0] * sn);
        }
      }
  return out;
}

HostTensor reference::splitHeads(const HostTensor &input, int64_t heads) {
  const int64_t batch = input.dim(0), seq = input.dim(1),
                headDim = input.dim(2) / heads;
  HostTensor out = HostTensor::zeros({batch, heads, seq, headDim});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t s = 0; s < seq; ++s)
        for (int64_t d = 0; d < headDim; ++d)
          out.floats()[((b * heads + h) * seq + s) * headDim + d] =
              input.floats()[(b * seq + s) * heads * headDim + h * headDim + d];
  return out;
}

HostTensor reference::mergeHeads(const HostTensor &input) {
  const int64_t batch = input.dim(0), heads = input.dim(1), seq = input.dim(2),
                headDim = input.dim(3);
  HostTensor out = HostTensor::zeros({batch, seq, heads * headDim});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t s = 0; s < seq; ++s)
        for (int64_t d = 0; d < headDim; ++d)
          out.floats()[(b * seq + s) * heads * headDim + h * headDim + d] =
              input.floats()[((b * heads + h) * seq + s) * headDim + d];
  return out;
}

HostTensor reference::gatedMlp(const HostTensor &input, const HostTensor &gate,
                               const HostTensor &up, const HostTensor &down,
                               Activation activation) {
  HostTensor g = linear(input, gate, nullptr), u = linear(input, up, nullptr);
  for (int64_t n = 0; n < g.numel(); ++n)
    g.floats()[n] = static_cast<float>(activate(activation, g.floats()[n]) *
                                       u.floats()[n]);
  return linear(g, down, nullptr);
}

HostTensor reference::activation(const HostTensor &input, Activation kind) {
  HostTensor out = input;
  for (int64_t n = 0; n < out.numel(); ++n)
    out.floats()[n] = static_cast<float>(activate(kind, out.floats()[n]));
  return out;
}

HostTensor reference::softcap(const HostTensor &input, double cap) {
  HostTensor out = input;
  for (int64_t n = 0; n < out.numel(); ++n)
    out.floats()[n] = static_cast<float>(cap * std::tanh(out.floats()[n] / cap));
  return out;
}

HostTensor reference::selectTokens(const HostTensor &flags,
                                   const HostTensor &onTrue,
                                   const HostTensor &onFalse) {
  HostTensor out = onFalse;
  const int64_t features = onTrue.dim(2);
  for (int64_t token = 0; token < flags.numel(); ++token)
    if (flags.ints()[token] != 0)
      for (int64_t e = 0; e < features; ++e)
        out.floats()[token * features + e] = onTrue.floats()[token * features + e];
  return out;
}

HostTensor reference::positionIds(const HostTensor &ids, int64_t paddingIdx) {
  HostTensor out = ids;
  const int64_t batch = ids.dim(0), seq = ids.dim(1);
  for (int64_t b = 0; b < batch; ++b) {
    int64_t seen = 0;
    for (int64_t s = 0; s < seq; ++s) {
      int64_t &id = out.ints()[b * seq + s];
      id = id == paddingIdx ? paddingIdx : paddingIdx + ++seen;
    }
  }
  return out;
}
