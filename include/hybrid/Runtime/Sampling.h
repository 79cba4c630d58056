//===- Sampling.h - Choosing the next token from logits ---------*- C++ -*-===//
//
// The next token from a position's logits, as Hugging Face's generate
// chooses it: the repetition penalty on every id seen so far (prompt and
// generated), then, when sampling, temperature, top-k, top-p and min-p in
// that order (HF's warpers), and a draw from what is left; greedy is the
// arg-max of the penalised logits. Draws come from a seeded 64-bit
// Mersenne Twister, so a seed gives the same tokens on every machine.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_RUNTIME_SAMPLING_H
#define HYBRID_RUNTIME_SAMPLING_H

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace mlir::hybrid {

struct SamplingOptions {
  /// false: greedy (the arg-max); the warpers below then do nothing.
  bool doSample = false;
  double temperature = 1.0; ///< > 0
  int64_t topK = 50;        ///< 0: off; 50 is HF's GenerationConfig default
  double topP = 1.0;        ///< (0, 1]; 1: off
  double minP = 0.0;        ///< [0, 1]; 0: off
  /// HF's CTRL penalty (> 0; 1: off): a seen id's logit is divided by it
  /// when positive and multiplied when negative. Applies to greedy too.
  double repetitionPenalty = 1.0;
  uint64_t seed = 0;

  /// Empty when every value is in range, else the message naming the
  /// option (as the tools' flags call it).
  std::string validate() const;
};

class Sampler {
public:
  explicit Sampler(const SamplingOptions &options)
      : options(options), rng(options.seed) {}

  /// The next token for `logits` [vocab] after the ids in `seen`.
  int64_t next(const float *logits, int64_t vocab, const std::vector<int64_t> &seen);

  /// The probabilities `next` draws from (sampling), or a one-hot of its
  /// choice (greedy): what the statistical tests compare draws against.
  std::vector<double> distribution(const float *logits, int64_t vocab,
                                   const std::vector<int64_t> &seen) const;

private:
  /// The processed scores: penalised, then warped when sampling; removed
  /// tokens are -inf.
  std::vector<double> scores(const float *logits, int64_t vocab,
                             const std::vector<int64_t> &seen) const;
  SamplingOptions options;
  std::mt19937_64 rng;
};

} // namespace mlir::hybrid

#endif // HYBRID_RUNTIME_SAMPLING_H
