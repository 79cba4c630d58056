//===- Reference.h - The reference evaluator of the hybrid ops --*- C++ -*-===//
//
// Plain, obviously-correct C++ implementations of every hybrid op on host
// tensors, following shared/reference/MATH.md. They are the oracle that
// compiled code is compared against: direct loops in the order the math is
// written, sums in double, no tiling and no cleverness (linear attention is
// computed as the O(S²) sum, not the running state; the SSD scan as the
// recurrence, not the chunked form), so that a fast path that takes a
// shortcut is checked against one that does not.
//
// Inputs are assumed to have the shapes the op's verifier accepts; the
// interpreter verifies the IR before it calls these. The only runtime error
// (a token id outside the vocabulary) is reported through `error`.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_REFERENCE_REFERENCE_H
#define HYBRID_REFERENCE_REFERENCE_H

#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"
#include "hybrid/Support/HostTensor.h"
#include "hybrid/Support/Mask.h"

#include <array>
#include <functional>
#include <optional>
#include <string>

namespace mlir::hybrid::reference {

/// The activation function of `#hybrid.act<kind>` applied to one value.
double activate(Activation kind, double x);

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

struct AttentionParams {
  MaskSpec mask;
  double scale = 1.0;
  std::optional<double> softcap;
  int64_t qOffset = 0;
  /// Global flags [B, Sk] (nonzero = global; ints), or null.
  const HostTensor *globals = nullptr;
  /// Only the rows of global queries; the others are zeros.
  bool globalRowsOnly = false;
};

/// hybrid.attention; `bias` may be null.
HostTensor attention(const HostTensor &query, const HostTensor &key,
                     const HostTensor &value, const HostTensor *bias,
                     const AttentionParams &params);

/// hybrid.mask_bias: 0 where `mask` or a global flag (`globals [B, S]`,
/// nonzero) shows key j to query i, else -inf; [B, 1, S, S].
HostTensor maskBias(const HostTensor &globals, const MaskSpec &mask);

/// hybrid.cache_write: `fresh` [B, H, n, D] written into `cache` [B, H, C, D]
/// at slots positions[b, 0] + j (mod C with `ring`). False, with `error`
/// naming the sequence and positions, when a plain cache's positions leave
/// [0, C) or a ring's are negative.
bool cacheWrite(const HostTensor &cache, const HostTensor &fresh, const HostTensor &positions,
                bool ring, HostTensor &out, std::string &error);

/// Which position slot s of a C-slot cache holds (hybrid.cache_bias).
enum class CacheLayout { Plain, Ring, Shift };
/// hybrid.cache_bias: [B, 1, n, C + n] ([B, 1, n, C] when `written`), 0
/// where query i sees key k.
HostTensor cacheBias(const HostTensor &positions, int64_t capacity,
                     int64_t window, CacheLayout layout, bool written = false);

/// hybrid.rel_attention (Transformer-XL).
HostTensor relAttention(const HostTensor &query, const HostTensor &key,
                        const HostTensor &value, const HostTensor &pos,
                        const HostTensor &contentBias,
                        const HostTensor &positionBias, const MaskSpec &mask,
                        double scale, const HostTensor *bias = nullptr);

/// hybrid.linear_attention, as the direct O(S²) sum, from the running sums
/// `state` [B, Hkv, D, Dv] and `normalizer` [B, Hkv, D] of earlier keys when
/// given (causal only).
HostTensor linearAttention(const HostTensor &query, const HostTensor &key,
                           const HostTensor &value, bool causal, double eps,
                           const HostTensor *state = nullptr,
                           const HostTensor *normalizer = nullptr);

/// hybrid.linear_attention_state: the running sums past `key` and `value`.
struct LinearAttentionState {
  HostTensor state, normalizer;
};
LinearAttentionState linearAttentionState(const HostTensor &key,
                                          const HostTensor &value,
                                          const HostTensor &state,
                                          const HostTensor &normalizer);

//===----------------------------------------------------------------------===//
// Scans and convolutions
//===----------------------------------------------------------------------===//

struct ScanResult {
  HostTensor y;
  HostTensor finalState;
};

struct SelectiveScanInputs {
  const HostTensor *x = nullptr, *delta = nullptr, *A = nullptr, *B = nullptr,
                   *C = nullptr;
  const HostTensor *D = nullptr, *z = nullptr, *deltaBias = nullptr,
                   *initialState = nullptr;
  bool deltaSoftplus = false;
};
ScanResult selectiveScan(const SelectiveScanInputs &in);

struct SSDScanInputs {
  const HostTensor *x = nullptr, *dt = nullptr, *A = nullptr, *B = nullptr,
                   *C = nullptr;
  const HostTensor *D = nullptr, *z = nullptr, *dtBias = nullptr,
                   *initialState = nullptr;
  bool dtSoftplus = false;
  std::optional<double> dtMin, dtMax;
};
ScanResult ssdScan(const SSDScanInputs &in);

/// hybrid.rg_lru; `initialState` and `positions` may be null.
struct RGLRUInputs {
  const HostTensor *x = nullptr, *inputGate = nullptr, *inputGateBias = nullptr,
                   *recurrentGate = nullptr, *recurrentGateBias = nullptr,
                   *recurrentParam = nullptr;
  const HostTensor *initialState = nullptr, *positions = nullptr;
  double c = 8.0;
};
ScanResult rgLru(const RGLRUInputs &in);

/// hybrid.gated_delta_rule; `initialState` may be null; `scale` is q's
/// scale (the op's default already applied).
struct GatedDeltaRuleInputs {
  const HostTensor *query = nullptr, *key = nullptr, *value = nullptr, *g = nullptr,
                   *beta = nullptr, *initialState = nullptr;
  bool qkL2Norm = false;
  double scale = 1.0;
};
ScanResult gatedDeltaRule(const GatedDeltaRuleInputs &in);

/// hybrid.causal_conv1d; `bias` and `state` may be null.
ScanResult causalConv1d(const HostTensor &input, const HostTensor &weight,
                        const HostTensor *bias, const HostTensor *state,
                        Activation activation);

struct Conv2DParams {
  std::array<int64_t, 2> strides = {1, 1}, padding = {0, 0},
                         dilations = {1, 1};
  int64_t groups = 1;
};
HostTensor conv2d(const HostTensor &input, const HostTensor &weight,
                  const HostTensor *bias, const Conv2DParams &params);

//===----------------------------------------------------------------------===//
// Memory, experts, recurrence
//===----------------------------------------------------------------------===//

HostTensor memoryRead(const HostTensor &memory, const HostTensor &keys,
                      const HostTensor &strength, double eps);

HostTensor memoryWrite(const HostTensor &memory, const HostTensor &keys,
                       const HostTensor &strength, const HostTensor &erase,
                       const HostTensor &add, const HostTensor *gate,
                       double eps);

/// hybrid.memory_read_write: each token reads, then writes.
struct MemoryReadWriteResult {
  HostTensor reads, memory;
};
MemoryReadWriteResult memoryReadWrite(const HostTensor &memory,
                                      const HostTensor &readKeys,
                                      const HostTensor &readStrength,
                                      const HostTensor &keys,
                                      const HostTensor &strength,
                                      const HostTensor &erase,
                                      const HostTensor &add,
                                      const HostTensor *gate, double eps);

/// How hybrid.moe routes beyond softmax top-k (see its description).
struct MoERouting {
  bool sigmoid = false;
  const HostTensor *selectionBias = nullptr;
  double scaling = 1.0;
  double normalizeEpsilon = 0.0;
  /// What the router reads instead of the input (same tokens), or null.
  const HostTensor *routerInput = nullptr;
  /// Group-limited choice: experts in `groups` groups, only the `topGroups`
  /// groups with the highest sum of their two best scores compete.
  int64_t groups = 1, topGroups = 1;
};
HostTensor moe(const HostTensor &input, const HostTensor &router,
               const HostTensor &gate, const HostTensor &up,
               const HostTensor &down, int64_t topK, bool normalizeTopK,
               Activation activation, const MoERouting &routing = {});

/// One application of a recurrent_depth body: from the state and the step
/// number, the next state and (under ACT) the halting probabilities [B, S].
/// Returns false with `error` set if the body fails.
using DepthBody = std::function<bool(const HostTensor &state, int64_t step,
                                     HostTensor &next, HostTensor *halting,
                                     std::string &error)>;

/// hybrid.recurrent_depth: `maxSteps` fixed steps, or ACT when
/// `haltThreshold` is set.
bool recurrentDepth(const HostTensor &init, int64_t maxSteps,
                    std::optional<double> haltThreshold, const DepthBody &body,
                    HostTensor &result, std::string &error);

//===----------------------------------------------------------------------===//
// Building blocks
//===----------------------------------------------------------------------===//

HostTensor linear(const HostTensor &input, const HostTensor &weight,
                  const HostTensor *bias);

/// Returns false with `error` naming the id when one is outside the table.
bool embedding(const HostTensor &ids, const HostTensor &table,
               std::optional<double> scale, HostTensor &result,
               std::string &error);

/// With `groupSize`, the mean square is taken per group of that many
/// consecutive elements of the last dim.
HostTensor rmsNorm(const HostTensor &input, const HostTensor &weight,
                   double eps, bool unitOffset,
                   std::optional<int64_t> groupSize = std::nullopt);
HostTensor layerNorm(const HostTensor &input, const HostTensor *weight,
                     const HostTensor *bias, double eps);
/// `invFreq` (D/2 values) replaces θ^(−2k/D) when not empty; cos and sin
/// are multiplied by `attentionScaling`. With `originalContext` C > 0 the
/// call's length L (`extent`'s value, else max position + 1) picks the
/// frequencies: `longInvFreq`
/// when L > C (LongRoPE), or θ·(f·max(L, C)/C − (f−1))^(D/(D−2)) for
/// `ntkFactor` f > 0 (dynamic NTK).
HostTensor rope(const HostTensor &input, const HostTensor *positions,
                double theta, int64_t positionOffset, bool interleaved,
                ArrayRef<float> invFreq = {}, double attentionScaling = 1.0,
                ArrayRef<float> longInvFreq = {}, double ntkFactor = 0,
                int64_t originalContext = 0, const HostTensor *extent = nullptr);
HostTensor splitHeads(const HostTensor &input, int64_t heads);
HostTensor mergeHeads(const HostTensor &input);
HostTensor gatedMlp(const HostTensor &input, const HostTensor &gate,
                    const HostTensor &up, const HostTensor &down,
                    Activation activation);
HostTensor activation(const HostTensor &input, Activation kind);
HostTensor softcap(const HostTensor &input, double cap);

/// hybrid.position_ids: positions counting only non-padding tokens.
HostTensor positionIds(const HostTensor &ids, int64_t paddingIdx);

/// hybrid.select_tokens: row [b, s] of `onTrue` where flags[b, s] ≠ 0, else
/// of `onFalse`.
HostTensor selectTokens(const HostTensor &flags, const HostTensor &onTrue,
                        const HostTensor &onFalse);

} // namespace mlir::hybrid::reference

#endif // HYBRID_REFERENCE_REFERENCE_H
