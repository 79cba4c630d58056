//===- RopeParameters.h - RoPE frequencies from an HF config ----*- C++ -*-===//
//
// transformers 5 writes RoPE as `rope_parameters: {rope_type, rope_theta,
// factor, ...}` (nested per layer type where a model has several); 4.x
// wrote a top-level `rope_theta` and an optional `rope_scaling`. Both are
// read here into the frequencies `hybrid.rope` takes, with the formulas of
// HF's modeling_rope_utils.py (MATH.md: HF is the truth for HF types).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_FRONTEND_ROPEPARAMETERS_H
#define HYBRID_LIB_FRONTEND_ROPEPARAMETERS_H

#include "HuggingFaceConfig.h"

#include <string>
#include <vector>

namespace mlir::hybrid::frontend {

struct RopeParameters {
  double theta = 10000.0;
  /// Scaled frequencies (linear, llama3, yarn); empty: theta^(−2k/D).
  std::vector<float> invFreq;
  /// Multiplies cos and sin (YaRN's attention factor).
  double attentionScaling = 1.0;
  /// Rotate only the first `rotaryDim` dims of each head (partial rotary
  /// embeddings); 0: all of them.
  int64_t rotaryDim = 0;
  /// LongRoPE: frequencies used instead of invFreq when a call reaches past
  /// originalContext.
  std::vector<float> longInvFreq;
  /// Dynamic NTK: θ grows with a call's length past originalContext; 0: off.
  double ntkFactor = 0;
  /// The context the two length-dependent types switch at; 0 for the rest.
  int64_t originalContext = 0;
  /// The rope type, for messages.
  std::string type = "default";
};

/// RoPE for heads of `headDim` of `config` (of layers of `layerType` when
/// rope_parameters is nested per layer type); `defaultMaxPositions` is the
/// model's max_position_embeddings default. A key that changes the math and
/// is not understood is an error naming the key. dynamic and longrope pick
/// their frequencies per call from its length, as HF's module does on its
/// first call (see docs/models.md).
/// `defaultPartialRotary` is the share of each head rotated when the file
/// names none (Bamba's config class fixes 0.5).
bool readRopeParameters(HuggingFaceConfig &config, int64_t headDim,
                        const std::string &layerType,
                        int64_t defaultMaxPositions, RopeParameters &out,
                        double defaultPartialRotary = 1.0);

} // namespace mlir::hybrid::frontend

#endif // HYBRID_LIB_FRONTEND_ROPEPARAMETERS_H
