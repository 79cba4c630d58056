//===- Sampling.cpp - Choosing the next token from logits -----------------===//

#include "hybrid/Runtime/Sampling.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <set>

using namespace mlir::hybrid;

namespace {
constexpr double kRemoved = -std::numeric_limits<double>::infinity();

/// softmax(scores), removed tokens at 0.
std::vector<double> softmax(const std::vector<double> &scores) {
  const double top = *std::max_element(scores.begin(), scores.end());
  std::vector<double> probs(scores.size());
  double sum = 0;
  for (size_t i = 0; i < scores.size(); ++i)
    sum += probs[i] = scores[i] == kRemoved ? 0.0 : std::exp(scores[i] - top);
  for (double &p : probs)
    p /= sum;
  return probs;
}

/// `value` with every digit it has (1.0000001 stays that, 0.1 stays 0.1).
std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  // The shortest form that reads back the same.
  for (int digits = 1; digits < 17; ++digits) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", digits, value);
    if (std::strtod(shorter, nullptr) == value)
      return shorter;
  }
  return text;
}
} // namespace

std::string SamplingOptions::validate() const {
  if (!(temperature > 0) || !std::isfinite(temperature))
    return "--temperature must be a positive number, got " + number(temperature);
  if (topK < 0)
    return "--top-k must be >= 0 (0: off), got " + std::to_string(topK);
  if (!(topP > 0 && topP <= 1))
    return "--top-p must be in (0, 1], got " + number(topP);
  if (!(minP >= 0 && minP <= 1))
    return "--min-p must be in [0, 1], got " + number(minP);
  if (!(repetitionPenalty > 0) || !std::isfinite(repetitionPenalty))
    return "--repetition-penalty must be a positive number, got " + number(repetitionPenalty);
  return "";
}

std::vector<double> Sampler::scores(const float *logits, int64_t vocab,
                                    const std::vector<int64_t> &seen) const {
  std::vector<double> s(logits, logits + vocab);
  // HF gathers the seen ids' scores, penalises and scatters them back: an
  // id seen twice is penalised once.
  if (options.repetitionPenalty != 1.0)
    for (int64_t id : std::set<int64_t>(seen.begin(), seen.end()))
      if (id >= 0 && id < vocab)
        s[id] = s[id] < 0 ? s[id] * options.repetitionPenalty
                          : s[id] / options.repetitionPenalty;
  if (!options.doSample)
    return s;
  if (options.temperature != 1.0)
    for (double &x : s)
      x /= options.temperature;
  if (options.topK > 0) {
    // Everything below the k-th largest score goes (ties with it stay).
    const int64_t k = std::min<int64_t>(options.topK, vocab);
    std::vector<double> sorted(s);
    std::nth_element(sorted.begin(), sorted.begin() + (k - 1), sorted.end(),
                     std::greater<double>());
    const double kth = sorted[k - 1];
    for (double &x : s)
      if (x < kth)
        x = kRemoved;
  }
  if (options.topP < 1.0) {
    // Ascending order; the tokens whose cumulative probability stays at or
    // below 1 - top_p go, the most likely one always stays.
    std::vector<int64_t> order(vocab);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return s[a] < s[b]; });
    const std::vector<double> probs = softmax(s);
    double cumulative = 0;
    for (int64_t i = 0; i + 1 < vocab; ++i) {
      cumulative += probs[order[i]];
      if (cumulative <= 1 - options.topP)
        s[order[i]] = kRemoved;
    }
  }
  if (options.minP > 0) {
    // Tokens less likely than min_p times the most likely one go.
    const std::vector<double> probs = softmax(s);
    const double floor = options.minP * *std::max_element(probs.begin(), probs.end());
    const int64_t best = std::max_element(s.begin(), s.end()) - s.begin();
    for (int64_t i = 0; i < vocab; ++i)
      if (probs[i] < floor && i != best)
        s[i] = kRemoved;
  }
  return s;
}

std::vector<double> Sampler::distribution(const float *logits, int64_t vocab,
                                          const std::vector<int64_t> &seen) const {
  const std::vector<double> s = scores(logits, vocab, seen);
  if (options.doSample)
    return softmax(s);
  std::vector<double> oneHot(vocab, 0.0);
  oneHot[std::max_element(s.begin(), s.end()) - s.begin()] = 1.0;
  return oneHot;
}

int64_t Sampler::next(const float *logits, int64_t vocab, const std::vector<int64_t> &seen) {
  // Plain greedy decoding, every step: the arg-max of the logits as they
  // are, without copying the vocabulary.
  if (!options.doSample && options.repetitionPenalty == 1.0)
    return std::max_element(logits, logits + vocab) - logits;
  const std::vector<double> s = scores(logits, vocab, seen);
  if (!options.doSample)
    return std::max_element(s.begin(), s.end()) - s.begin();
  const std::vector<double> probs = softmax(s);
  // 53 random bits as a double in [0, 1): the same on every machine
  // (std::uniform_real_distribution is not specified bit for bit).
  const double u = double(rng() >> 11) * 0x1.0p-53;
  double cumulative = 0;
  int64_t last = 0;
  for (int64_t i = 0; i < vocab; ++i) {
    if (probs[i] == 0)
      continue;
    last = i;
    cumulative += probs[i];
    if (u < cumulative)
      return i;
  }
  return last; // rounding left u past the total
}
