//===- ModelBuilder.h - Building a whole-model function ---------*- C++ -*-===//
//
// Shared by the importers: a func.func @forward whose arguments are the token
// ids followed by the weights, each added on first use with its checkpoint
// name, and the layer-building shorthands every architecture needs.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_FRONTEND_MODELBUILDER_H
#define HYBRID_LIB_FRONTEND_MODELBUILDER_H

#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"
#include "hybrid/Frontend/Frontend.h"
#include "RopeParameters.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringMap.h"

#include <optional>

namespace mlir::hybrid::frontend {

class ModelBuilder {
public:
  /// @forward for token ids of `shape` (batch, seq), carrying state when
  /// `shape.carryState` says so.
  ModelBuilder(MLIRContext *context, const ModelInputShape &shape);
  /// An image model: the first input is f32 pixels `pixels` [batch, C, H, W]
  /// ("pixel_values"); `tokens` is the number of tokens its stem makes.
  ModelBuilder(MLIRContext *context, const ModelInputShape &shape, int64_t tokens,
               ArrayRef<int64_t> pixels);

  /// The token ids, [batch, seq] i64 (or the pixels of an image model).
  Value ids() { return func.getArgument(0); }
  /// A second [batch, seq] i64 input after the ids (Longformer's
  /// global_attention_mask); hybrid-run fills it with zeros when the user
  /// gives none.
  Value optionalTokenInput(const std::string &name);
  /// An f32 input after the ids and earlier inputs, before every weight,
  /// marked {hybrid.input = name} (Transformer-XL's carried memory).
  Value stateInput(const std::string &name, ArrayRef<int64_t> shape);
  /// Carried state `name` [shape]: an input whose value after this call,
  /// `next`, is returned after the model's outputs, both marked
  /// {hybrid.state = name}. A fresh session starts it at zeros, or, with
  /// `initialWeight`, at that weight ([shape without the batch dim]) copied
  /// to every sequence ({hybrid.state_init}). Returns the input.
  Value stateIn(const std::string &name, ArrayRef<int64_t> shape,
                const std::string &initialWeight = "");
  void stateOut(const std::string &name, Value next);
  /// Whether recurrent layers carry their state, and the capacity of global
  /// attention layers' KV caches (from ModelInputShape).
  const bool carryState;
  const int64_t maxTokens;
  /// A session's first call (ModelInputShape::firstCall).
  const bool firstCall;
  /// Generation: the absolute positions [B, S] (i64) of this call's tokens,
  /// an input the runtime fills ({hybrid.positions}); created on first use.
  Value positions();
  /// The `extent` input [1] (one past the request's last position), added
  /// on first use.
  Value extent();
  /// Attention of q [B, H, S, D] over k, v [B, Hkv, S, D] with a causal mask
  /// (window 0 = unbounded). With carryState the keys and values of earlier
  /// calls come from a KV cache `prefix`k_cache/v_cache: a ring of `window`
  /// slots for sliding layers, `maxTokens` slots otherwise.
  Value causalAttention(Value q, Value k, Value v, int64_t window,
                        FloatAttr scale, FloatAttr softcap,
                        const std::string &prefix);
  /// Causal GQA self-attention of x: `prefix`{q,k,v}_proj (biases with
  /// `bias`) split into heads of `headDim`, `shape(q, k)` applied to the
  /// heads (RoPE, norms, scales; may be null), causalAttention with `scale`,
  /// the heads merged and projected by `prefix` + `outProj` to `outDim`.
  Value selfAttention(Value x, const std::string &prefix, int64_t heads,
                      int64_t kvHeads, int64_t headDim, bool bias, FloatAttr scale,
                      llvm::function_ref<void(Value &q, Value &k)> shape,
                      int64_t outDim, const std::string &outProj = "o_proj");
  /// RoPE on [B, H, S, D] at this call's positions (0.. without carryState).
  Value rope(Value x, const RopeParameters &rope);
  /// The weight `name` of `shape` (f32), an argument added on first use.
  Value weight(const std::string &name, ArrayRef<int64_t> shape);

  /// x Wᵀ (+ b) with W = `name`.weight [out, in] and, with `bias`,
  /// b = `name`.bias [out].
  Value linear(Value x, const std::string &name, int64_t out, bool bias);
  /// RMSNorm over the last dim with weight `name`: w·x̂, or (1 + w)·x̂
  /// with `unitOffset` (Gemma).
  Value rmsNorm(Value x, const std::string &name, double eps,
                bool unitOffset = false,
                std::optional<int64_t> groupSize = std::nullopt);
  /// RMSNorm without a weight (x̂ alone: Falcon-Mamba's norms of Δ, B, C).
  Value weightlessRmsNorm(Value x, double eps);
  /// LayerNorm over the last dim with `name`.weight and `name`.bias.
  Value layerNorm(Value x, const std::string &name, double eps);
  /// Elements [offset, offset + size) of the last dim.
  Value lastDimSlice(Value x, int64_t offset, int64_t size);
  Value add(Value a, Value b);
  /// `x` repeated to `shape` along the new dims `added` (default: the
  /// leading ones), a linalg.broadcast: per-channel parameters or per-token
  /// scales meeting activations.
  Value broadcastTo(Value x, ArrayRef<int64_t> shape, ArrayRef<int64_t> added = {});
  /// Elementwise product of two tensors of one shape.
  Value mul(Value a, Value b);
  /// `prefix`experts.{e}.`name`.weight [rows, cols] for every e, stacked
  /// [E, rows, cols] with tensor.concat (the MoE lowering reads each
  /// expert's own tensor, never the stacked copy).
  Value stackedExperts(const std::string &prefix, const std::string &name,
                       int64_t experts, int64_t rows, int64_t cols);
  /// A mixture's gated experts under `prefix`experts.: with `fused`,
  /// transformers 5's gate_up_proj [E, 2I, H] (gate rows, then up) and
  /// down_proj [E, H, I]; else one tensor per expert, named `gateName`,
  /// `upName` and `downName`, stacked (stackedExperts).
  struct Experts {
    Value gate, up, down;
  };
  Experts gatedExperts(const std::string &prefix, bool fused, int64_t experts, int64_t inter,
                       int64_t hidden, const std::string &gateName = "gate_proj",
                       const std::string &upName = "up_proj",
                       const std::string &downName = "down_proj");
  /// The mean over tokens, [B, S, D] → [B, D] (an image classifier's pool).
  Value meanOverTokens(Value h);
  /// Image tokens [B, H·W, C] (token t = y·W + x) → an image [B, C, H, W],
  /// and back: HF's view/permute between a conv stage and a transformer.
  Value tokensToImage(Value tokens, int64_t height, int64_t width);
  Value imageToTokens(Value image);
  /// x · factor (f32), or x itself when factor is 1.
  Value scale(Value x, double factor);
  /// An f32 tensor type.
  RankedTensorType f32(ArrayRef<int64_t> shape);
  /// [B, S, heads·headDim] → [B, heads, S, headDim].
  Value splitHeads(Value flat, int64_t heads, int64_t headDim);
  /// The token embedding `name` [vocab, hidden], optionally scaled.
  Value embed(Value table, std::optional<float> scale = std::nullopt);

  /// The ops built between beginLayer() and endLayer() are one layer:
  /// finish() outlines each into a call of a private function shared by
  /// every identical layer (hybrid-outline-layers). Layers built inside a
  /// region (a depth recurrence's body) stay inline.
  void beginLayer();
  void endLayer();

  /// Returns the module with `@forward` returning `result`.
  OwningOpRef<ModuleOp> finish(Value result);
  /// ... returning several results (logits, then carried state).
  OwningOpRef<ModuleOp> finish(ArrayRef<Value> results);
  /// Concatenates `a` and `b` along `dim`.
  Value concat(Value a, Value b, int64_t dim);
  /// Rows [offset, offset + size) of dim 1 of a [B, S, ...] tensor.
  Value seqSlice(Value x, int64_t offset, int64_t size);
  /// Elements [offset, offset + size) of dimension `dim` of `x`.
  Value slice(Value x, size_t dim, int64_t offset, int64_t size);

  OpBuilder b;
  Location loc;
  const int64_t batch, seq;

private:
  OwningOpRef<ModuleOp> module;
  func::FuncOp func;
  llvm::StringMap<Value> weights;
  /// The weights' checkpoint names, in argument order after the inputs.
  SmallVector<StringAttr> weightNames;
  /// Adds an input of `type` after the ids and earlier inputs (before every
  /// weight) with the argument attributes `attrs`.
  Value insertInput(Type type, ArrayRef<NamedAttribute> attrs);

  std::vector<std::pair<std::string, Value>> stateResults;
  Value positionsInput, extentInput;
  /// The last op before the open layer (null: the block was empty), its
  /// block, and how many layers were tagged so far.
  Operation *layerStart = nullptr;
  Block *layerBlock = nullptr;
  int64_t layersTagged = 0;
};

/// Shape of a tensor value.
ArrayRef<int64_t> shapeOf(Value value);

} // namespace mlir::hybrid::frontend

#endif // HYBRID_LIB_FRONTEND_MODELBUILDER_H
