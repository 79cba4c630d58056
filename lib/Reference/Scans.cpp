//===- Scans.cpp - Reference scans: Mamba, RG-LRU, gated delta rule ------===//
//
// The scans run as the plain recurrence over time, in double.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Reference/Reference.h"

#include <algorithm>
#include <cmath>

using namespace mlir::hybrid;
using namespace mlir::hybrid::reference;

namespace {
double softplus(double x) { return x > 20 ? x : std::log1p(std::exp(x)); }
double silu(double x) { return x / (1.0 + std::exp(-x)); }
} // namespace

ScanResult reference::selectiveScan(const SelectiveScanInputs &in) {
  const HostTensor &x = *in.x;
  const int64_t batch = x.dim(0), seq = x.dim(1), channels = x.dim(2),
                state = in.A->dim(1);
  ScanResult result{HostTensor::zeros({batch, seq, channels}),
                    HostTensor::zeros({batch, channels, state})};
  std::vector<double> h(channels * state);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t e = 0; e < channels * state; ++e)
      h[e] = in.initialState ? in.initialState->floats()[b * channels * state + e]
                             : 0.0;
    for (int64_t t = 0; t < seq; ++t) {
      const int64_t row = (b * seq + t) * channels;
      const float *Bt = in.B->floats() + (b * seq + t) * state;
      const float *Ct = in.C->floats() + (b * seq + t) * state;
      for (int64_t e = 0; e < channels; ++e) {
        double dt = in.delta->floats()[row + e];
        if (in.deltaBias)
          dt += in.deltaBias->floats()[e];
        if (in.deltaSoftplus)
          dt = softplus(dt);
        const double xv = x.floats()[row + e];
        double y = 0;
        for (int64_t n = 0; n < state; ++n) {
          double &hn = h[e * state + n];
          hn = std::exp(dt * in.A->floats()[e * state + n]) * hn +
               dt * Bt[n] * xv;
          y += hn * Ct[n];
        }
        if (in.D)
          y += in.D->floats()[e] * xv;
        if (in.z)
          y *= silu(in.z->floats()[row + e]);
        result.y.floats()[row + e] = static_cast<float>(y);
      }
    }
    for (int64_t e = 0; e < channels * state; ++e)
      result.finalState.floats()[b * channels * state + e] =
          static_cast<float>(h[e]);
  }
  return result;
}

ScanResult reference::ssdScan(const SSDScanInputs &in) {
  const HostTensor &x = *in.x;
  const int64_t batch = x.dim(0), seq = x.dim(1), heads = x.dim(2),
                headDim = x.dim(3), groups = in.B->dim(2),
                state = in.B->dim(3);
  const int64_t headsPerGroup = heads / groups;
  ScanResult result{HostTensor::zeros({batch, seq, heads, headDim}),
                    HostTensor::zeros({batch, heads, headDim, state})};
  const int64_t stateSize = heads * headDim * state;
  std::vector<double> s(stateSize);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t n = 0; n < stateSize; ++n)
      s[n] = in.initialState ? in.initialState->floats()[b * stateSize + n]
                             : 0.0;
    for (int64_t t = 0; t < seq; ++t)
      for (int64_t h = 0; h < heads; ++h) {
        double dt = in.dt->floats()[(b * seq + t) * heads + h];
        if (in.dtBias)
          dt += in.dtBias->floats()[h];
        if (in.dtSoftplus)
          dt = softplus(dt);
        if (in.dtMin)
          dt = std::max(dt, *in.dtMin);
        if (in.dtMax)
          dt = std::min(dt, *in.dtMax);
        const double decay = std::exp(dt * in.A->floats()[h]);
        const int64_t g = h / headsPerGroup;
        const float *Bt = in.B->floats() + ((b * seq + t) * groups + g) * state;
        const float *Ct = in.C->floats() + ((b * seq + t) * groups + g) * state;
        for (int64_t p = 0; p < headDim; ++p) {
          const int64_t xi = ((b * seq + t) * heads + h) * headDim + p;
          const double xv = x.floats()[xi];
          double y = 0;
          for (int64_t n = 0; n < state; ++n) {
            double &sn = s[(h * headDim + p) * state + n];
            sn = decay * sn + dt * xv * Bt[n];
            y += sn * Ct[n];
          }
          if (in.D)
            y += in.D->floats()[h] * xv;
          if (in.z)
            y *= silu(in.z->floats()[xi]);
          result.y.floats()[xi] = static_cast<float>(y);
        }
      }
    for (int64_t n = 0; n < stateSize; ++n)
      result.finalState.floats()[b * stateSize + n] = static_cast<float>(s[n]);
  }
  return result;
}

ScanResult reference::rgLru(const RGLRUInputs &in) {
  const HostTensor &x = *in.x;
  const int64_t batch = x.dim(0), seq = x.dim(1), width = x.dim(2),
                heads = in.inputGate->dim(0), block = in.inputGate->dim(1);
  ScanResult result{HostTensor::zeros({batch, seq, width}), HostTensor::zeros({batch, width})};
  auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  // x_h[t] · W_h + b_h for channel j of head h.
  auto gate = [&](const HostTensor &w, const HostTensor &bias, const float *xt, int64_t h,
                  int64_t j) {
    double sum = bias.floats()[h * block + j];
    for (int64_t k = 0; k < block; ++k)
      sum += double(xt[h * block + k]) * w.floats()[(h * block + k) * block + j];
    return sigmoid(sum);
  };
  std::vector<double> state(width);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t w = 0; w < width; ++w)
      state[w] = in.initialState ? in.initialState->floats()[b * width + w] : 0.0;
    for (int64_t t = 0; t < seq; ++t) {
      const bool reset = in.positions ? in.positions->ints()[b * seq + t] == 0
                                      : t == 0 && !in.initialState;
      const float *xt = x.floats() + (b * seq + t) * width;
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t j = 0; j < block; ++j) {
          const int64_t w = h * block + j;
          const double i = gate(*in.inputGate, *in.inputGateBias, xt, h, j);
          const double r = gate(*in.recurrentGate, *in.recurrentGateBias, xt, h, j);
          const double logA = -in.c * r * softplus(in.recurrentParam->floats()[w]);
          const double normalise = reset ? 1.0 : std::sqrt(1.0 - std::exp(2.0 * logA));
          state[w] = (reset ? 0.0 : std::exp(logA)) * state[w] + normalise * i * xt[w];
          result.y.floats()[(b * seq + t) * width + w] = static_cast<float>(state[w]);
        }
    }
    for (int64_t w = 0; w < width; ++w)
      result.finalState.floats()[b * width + w] = static_cast<float>(state[w]);
  }
  return result;
}

ScanResult reference::gatedDeltaRule(const GatedDeltaRuleInputs &in) {
  const HostTensor &q = *in.query, &k = *in.key, &v = *in.value;
  const int64_t batch = q.dim(0), seq = q.dim(1), keyHeads = q.dim(2), dk = q.dim(3),
                heads = v.dim(2), dv = v.dim(3), group = heads / keyHeads;
  ScanResult result{HostTensor::zeros({batch, seq, heads, dv}),
                    HostTensor::zeros({batch, heads, dk, dv})};
  // Row t of key head kh, l2-normalised when asked and times `scale`.
  auto keyRow = [&](const HostTensor &x, int64_t b, int64_t t, int64_t kh, double scale) {
    const float *row = x.floats() + ((b * seq + t) * keyHeads + kh) * dk;
    double norm = 1.0;
    if (in.qkL2Norm) {
      double sum = 0.0;
      for (int64_t d = 0; d < dk; ++d)
        sum += double(row[d]) * row[d];
      norm = 1.0 / std::sqrt(sum + 1e-6);
    }
    std::vector<double> out(dk);
    for (int64_t d = 0; d < dk; ++d)
      out[d] = row[d] * norm * scale;
    return out;
  };
  std::vector<double> state(dk * dv), delta(dv);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t i = 0; i < dk * dv; ++i)
        state[i] = in.initialState ? in.initialState->floats()[(b * heads + h) * dk * dv + i]
                                   : 0.0;
      for (int64_t t = 0; t < seq; ++t) {
        const std::vector<double> kt = keyRow(k, b, t, h / group, 1.0),
                                  qt = keyRow(q, b, t, h / group, in.scale);
        const int64_t at = (b * seq + t) * heads + h;
        const double decay = std::exp(double(in.g->floats()[at])),
                     beta = in.beta->floats()[at];
        const float *vt = v.floats() + at * dv;
        for (double &s : state)
          s *= decay;
        for (int64_t j = 0; j < dv; ++j) {
          double remembered = 0.0;
          for (int64_t i = 0; i < dk; ++i)
            remembered += state[i * dv + j] * kt[i];
          delta[j] = beta * (vt[j] - remembered);
        }
        for (int64_t i = 0; i < dk; ++i)
          for (int64_t j = 0; j < dv; ++j)
            state[i * dv + j] += kt[i] * delta[j];
        for (int64_t j = 0; j < dv; ++j) {
          double out = 0.0;
          for (int64_t i = 0; i < dk; ++i)
            out += state[i * dv + j] * qt[i];
          result.y.floats()[at * dv + j] = static_cast<float>(out);
        }
      }
      for (int64_t i = 0; i < dk * dv; ++i)
        result.finalState.floats()[(b * heads + h) * dk * dv + i] = static_cast<float>(state[i]);
    }
  return result;
}
