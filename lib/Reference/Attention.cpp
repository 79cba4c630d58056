//===- Attention.cpp - Reference attention, relative and linear -----------===//

#include "hybrid/Reference/Reference.h"

#include <cmath>
#include <limits>

using namespace mlir::hybrid;
using namespace mlir::hybrid::reference;

namespace {
/// Index of [b, h, s, d] in a row-major [B, H, S, D] tensor.
int64_t at4(const HostTensor &t, int64_t b, int64_t h, int64_t s, int64_t d) {
  return ((b * t.dim(1) + h) * t.dim(2) + s) * t.dim(3) + d;
}

/// Element [b, h, r, j] of a bias broadcast from [B|1, H|1, Sq|1, Sk|1].
double biasAt(const HostTensor &bias, int64_t b, int64_t h, int64_t r,
              int64_t j) {
  auto pick = [&](int64_t d, int64_t i) { return bias.dim(d) == 1 ? 0 : i; };
  return bias.floats()[at4(bias, pick(0, b), pick(1, h), pick(2, r),
                           pick(3, j))];
}

/// out[r] = Σ_j softmax(scores)[j] · v[b, hk, j] for the visible keys; zeros
/// when no key is visible (or every score is -inf); NaN when a visible score
/// is NaN (std::max would skip it).
void softmaxTimesValues(const std::vector<double> &scores,
                        const std::vector<bool> &visible, const HostTensor &v,
                        int64_t b, int64_t hk, float *out) {
  const int64_t keys = v.dim(2), valueDim = v.dim(3);
  double maxScore = -std::numeric_limits<double>::infinity();
  for (int64_t j = 0; j < keys; ++j)
    if (visible[j]) {
      if (std::isnan(scores[j])) {
        for (int64_t d = 0; d < valueDim; ++d)
          out[d] = std::numeric_limits<float>::quiet_NaN();
        return;
      }
      maxScore = std::max(maxScore, scores[j]);
    }
  if (!std::isfinite(maxScore)) {
    for (int64_t d = 0; d < valueDim; ++d)
      out[d] = 0.0f;
    return;
  }
  double total = 0;
  std::vector<double> weights(keys, 0.0), acc(valueDim, 0.0);
  for (int64_t j = 0; j < keys; ++j)
    if (visible[j])
      total += weights[j] = std::exp(scores[j] - maxScore);
  for (int64_t j = 0; j < keys; ++j) {
    if (!visible[j])
      continue;
    for (int64_t d = 0; d < valueDim; ++d)
      acc[d] += weights[j] * v.floats()[at4(v, b, hk, j, d)];
  }
  for (int64_t d = 0; d < valueDim; ++d)
    out[d] = static_cast<float>(acc[d] / total);
}

double dot(const HostTensor &a, int64_t ia, const HostTensor &b, int64_t ib,
           int64_t n) {
  double sum = 0;
  for (int64_t d = 0; d < n; ++d)
    sum += static_cast<double>(a.floats()[ia + d]) * b.floats()[ib + d];
  return sum;
}

double featureMap(double x) { return x > 0 ? x + 1.0 : std::exp(x); }
} // namespace

HostTensor reference::attention(const HostTensor &q, const HostTensor &k,
                                const HostTensor &v, const HostTensor *bias,
                                const AttentionParams &params) {
  const int64_t batch = q.dim(0), heads = q.dim(1), querySeq = q.dim(2),
                headDim = q.dim(3), kvHeads = k.dim(1), keySeq = k.dim(2),
                valueDim = v.dim(3);
  const int64_t group = heads / kvHeads;
  HostTensor out = HostTensor::zeros({batch, heads, querySeq, valueDim});
  std::vector<double> scores(keySeq);
  std::vector<bool> visible(keySeq);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t r = 0; r < querySeq; ++r) {
        const int64_t kvh = h / group, i = params.qOffset + r;
        auto isGlobal = [&](int64_t position) {
          return params.globals && params.globals->ints()[b * keySeq + position] != 0;
        };
        const bool rowComputed = !params.globalRowsOnly || isGlobal(i);
        for (int64_t j = 0; j < keySeq; ++j) {
          visible[j] = rowComputed &&
                       (params.mask.isVisible(i, j) || isGlobal(i) || isGlobal(j));
          double s = params.scale * dot(q, at4(q, b, h, r, 0), k,
                                        at4(k, b, kvh, j, 0), headDim);
          if (params.softcap)
            s = *params.softcap * std::tanh(s / *params.softcap);
          if (bias)
            s += biasAt(*bias, b, h, r, j);
          scores[j] = s;
        }
        softmaxTimesValues(scores, visible, v, b, kvh,
                           out.floats() + at4(out, b, h, r, 0));
      }
  return out;
}

HostTensor reference::relAttention(const HostTensor &q, const HostTensor &k,
                                   const HostTensor &v, const HostTensor &pos,
                                   const HostTensor &contentBias,
                                   const HostTensor &positionBias,
                                   const MaskSpec &mask, double scale,
                                   const HostTensor *bias) {
  const int64_t batch = q.dim(0), heads = q.dim(1), querySeq = q.dim(2),
                headDim = q.dim(3), keySeq = k.dim(2), valueDim = v.dim(3);
  const int64_t memory = keySeq - querySeq;
  HostTensor out = HostTensor::zeros({batch, heads, querySeq, valueDim});
  std::vector<double> scores(keySeq);
  std::vector<bool> visible(keySeq);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < querySeq; ++i) {
        const float *qi = q.floats() + at4(q, b, h, i, 0);
        const float *u = contentBias.floats() + h * headDim;
        const float *w = positionBias.floats() + h * headDim;
        for (int64_t j = 0; j < keySeq; ++j) {
          visible[j] = mask.isVisible(memory + i, j);
          if (!visible[j])
            continue;
          // Row m = j + Sq - 1 - i of pos encodes distance M + i - j.
          const float *kj = k.floats() + at4(k, b, h, j, 0);
          const float *rm =
              pos.floats() + (h * keySeq + (j + querySeq - 1 - i)) * headDim;
          double ac = 0, bd = 0;
          for (int64_t d = 0; d < headDim; ++d) {
            ac += (static_cast<double>(qi[d]) + u[d]) * kj[d];
            bd += (static_cast<double>(qi[d]) + w[d]) * rm[d];
          }
          scores[j] = scale * (ac + bd) + (bias ? biasAt(*bias, b, h, i, j) : 0.0);
        }
        softmaxTimesValues(scores, visible, v, b, h,
                           out.floats() + at4(out, b, h, i, 0));
      }
  return out;
}

HostTensor reference::linearAttention(const HostTensor &q, const HostTensor &k,
                                      const HostTensor &v, bool causal,
                                      double eps, const HostTensor *state,
                                      const HostTensor *normalizer) {
  const int64_t batch = q.dim(0), heads = q.dim(1), seq = q.dim(2),
                headDim = q.dim(3), kvHeads = k.dim(1), valueDim = v.dim(3);
  const int64_t group = heads / kvHeads;
  HostTensor out = HostTensor::zeros({batch, heads, seq, valueDim});
  std::vector<double> acc(valueDim);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < seq; ++i) {
        const int64_t kvh = h / group;
        std::fill(acc.begin(), acc.end(), 0.0);
        double normaliser = 0;
        // Earlier calls' keys: φ(q_i)·S₀ and φ(q_i)·z₀.
        for (int64_t d = 0; state && d < headDim; ++d) {
          const double fq = featureMap(q.floats()[at4(q, b, h, i, d)]);
          normaliser += fq * normalizer->floats()[(b * kvHeads + kvh) * headDim + d];
          for (int64_t e = 0; e < valueDim; ++e)
            acc[e] += fq * state->floats()[at4(*state, b, kvh, d, e)];
        }
        for (int64_t j = 0; j < (causal ? i + 1 : seq); ++j) {
          double weight = 0;
          for (int64_t d = 0; d < headDim; ++d)
            weight += featureMap(q.floats()[at4(q, b, h, i, d)]) *
                      featureMap(k.floats()[at4(k, b, kvh, j, d)]);
          normaliser += weight;
          for (int64_t d = 0; d < valueDim; ++d)
            acc[d] += weight * v.floats()[at4(v, b, kvh, j, d)];
        }
        for (int64_t d = 0; d < valueDim; ++d)
          out.floats()[at4(out, b, h, i, d)] =
              static_cast<float>(acc[d] / (normaliser + eps));
      }
  return out;
}

reference::LinearAttentionState
reference::linearAttentionState(const HostTensor &k, const HostTensor &v,
                                const HostTensor &state,
                                const HostTensor &normalizer) {
  const int64_t batch = k.dim(0), kvHeads = k.dim(1), seq = k.dim(2),
                headDim = k.dim(3), valueDim = v.dim(3);
  LinearAttentionState next{state, normalizer};
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < kvHeads; ++h)
      for (int64_t d = 0; d < headDim; ++d) {
        double z = normalizer.floats()[(b * kvHeads + h) * headDim + d];
        std::vector<double> row(valueDim);
        for (int64_t e = 0; e < valueDim; ++e)
          row[e] = state.floats()[at4(state, b, h, d, e)];
        for (int64_t j = 0; j < seq; ++j) {
          const double fk = featureMap(k.floats()[at4(k, b, h, j, d)]);
          z += fk;
          for (int64_t e = 0; e < valueDim; ++e)
            row[e] += fk * v.floats()[at4(v, b, h, j, e)];
        }
        next.normalizer.floats()[(b * kvHeads + h) * headDim + d] = float(z);
        for (int64_t e = 0; e < valueDim; ++e)
          next.state.floats()[at4(state, b, h, d, e)] = float(row[e]);
      }
  return next;
}

HostTensor reference::maskBias(const HostTensor &globals, const MaskSpec &mask) {
  const int64_t batch = globals.dim(0), seq = globals.dim(1);
  HostTensor out = HostTensor::zeros({batch, 1, seq, seq});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < seq; ++i)
      for (int64_t j = 0; j < seq; ++j) {
        bool visible = mask.isVisible(i, j) || globals.ints()[b * seq + i] != 0 ||
                       globals.ints()[b * seq + j] != 0;
        out.floats()[(b * seq + i) * seq + j] =
            visible ? 0.0f : -std::numeric_limits<float>::infinity();
      }
  return out;
}

bool reference::cacheWrite(const HostTensor &cache, const HostTensor &fresh,
                           const HostTensor &positions, bool ring, HostTensor &out,
                           std::string &error) {
  const int64_t batch = cache.dim(0), heads = cache.dim(1), slots = cache.dim(2),
                dim = cache.dim(3), tokens = fresh.dim(2);
  // The same message as hybrid-run's check of positions given as arguments.
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t first = positions.ints()[b * tokens];
    // (A ring's last position, first + n - 1, must not overflow.)
    if (first < 0 || first > std::numeric_limits<int64_t>::max() - tokens ||
        (!ring && first > slots - tokens)) {
      error = "sequence " + std::to_string(b) + " writes positions [" + std::to_string(first) +
              ", " + std::to_string(first + tokens) + ") outside the cache's " +
              std::to_string(slots) + " slots" +
              (ring ? " (a ring takes positions >= 0)" : "");
      return false;
    }
  }
  out = cache;
  // Token by token, in order, so that a later token wins its slot.
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < tokens; ++j) {
      const int64_t position = positions.ints()[b * tokens] + j;
      const int64_t slot = position % slots;
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t d = 0; d < dim; ++d)
          out.floats()[((b * heads + h) * slots + slot) * dim + d] =
              fresh.floats()[((b * heads + h) * tokens + j) * dim + d];
    }
  return true;
}

HostTensor reference::cacheBias(const HostTensor &positions, int64_t capacity,
                                int64_t window, CacheLayout layout, bool written) {
  const int64_t batch = positions.dim(0), tokens = positions.dim(1),
                keys = written ? capacity : capacity + tokens;
  HostTensor out = HostTensor::zeros({batch, 1, tokens, keys});
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t p = positions.ints()[b * tokens];
    for (int64_t i = 0; i < tokens; ++i)
      for (int64_t k = 0; k < keys; ++k) {
        // The absolute position the key holds, or -1 for an empty slot.
        int64_t at;
        // After this call's write (written): the slots alone, the last
        // position written being p + n - 1.
        const int64_t last = written ? p + tokens - 1 : p - 1;
        if (written && layout == CacheLayout::Plain)
          at = k <= last ? k : -1;
        else if (written)
          at = last - (((last - k) % capacity) + capacity) % capacity;
        else if (k >= capacity)
          at = p + (k - capacity);
        else if (layout == CacheLayout::Plain)
          at = k < p ? k : -1;
        else if (layout == CacheLayout::Shift)
          at = p - capacity + k;
        else
          at = p - 1 - (((p - 1 - k) % capacity) + capacity) % capacity;
        const int64_t q = p + i;
        bool seen = at >= 0 && at <= q && (window == 0 || q - at < window);
        out.floats()[(b * tokens + i) * keys + k] =
            seen ? 0.0f : -std::numeric_limits<float>::infinity();
      }
  }
  return out;
}
