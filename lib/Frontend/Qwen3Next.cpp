//===- Qwen3Next.cpp - Hugging Face Qwen3-Next and Qwen3.5 (text) ---------===//
//
// HF transformers 5's modeling_qwen3_next.py, modeling_qwen3_5.py and
// modeling_qwen3_5_moe.py (text models; the truth). Per layer, by
// `layer_types` (else every `full_attention_interval`-th layer attends):
//
// - Gated DeltaNet (linear_attention): projections to q, k [Hk, dk],
//   v, z [Hv, dv], b and a [Hv] (qwen3_next's in_proj_qkvz / in_proj_ba
//   group them per key head; Qwen3.5's in_proj_qkv, _z, _b, _a are flat),
//   a depthwise causal conv (no bias) + SiLU over [q | k | v], β = σ(b),
//   g = −exp(A_log) · softplus(a + dt_bias), hybrid.gated_delta_rule with
//   l2-normalised q and k, then RMSNorm per value head (plain weight) ·
//   silu(z) and out_proj.
// - Gated attention (full_attention): q_proj gives each head its query and
//   an output gate side by side; q_norm / k_norm ((1 + w) RMSNorms) before
//   partial RoPE (partial_rotary_factor 0.25); causal GQA; the heads' output
//   · σ(gate), then o_proj.
//
// Then a dense SiLU MLP (qwen3_5_text; qwen3_next's mlp_only_layers and
// decoder_sparse_step) or the sparse MoE: softmax router, top-k (renormalised
// with norm_topk_prob; always for qwen3_5_moe_text), plus a shared expert
// scaled by σ(shared_expert_gate · x). Every norm but the DeltaNet's output
// norm is (1 + w). Weights are under model. or model.language_model. (a
// text model saved from Qwen3.5's vision-language checkpoints). Those
// checkpoints themselves (qwen3_5, qwen3_5_moe: text_config inside) import
// as their language model, for text input.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"
#include "RopeParameters.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <set>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

namespace {

/// [..., a·b] → [..., a, b].
Value splitLast(ModelBuilder &m, Value x, int64_t a, int64_t b) {
  SmallVector<int64_t> shape(shapeOf(x).drop_back());
  SmallVector<ReassociationIndices> groups;
  for (size_t d = 0; d < shape.size(); ++d)
    groups.push_back({int64_t(d)});
  groups.push_back({int64_t(shape.size()), int64_t(shape.size()) + 1});
  shape.append({a, b});
  return tensor::ExpandShapeOp::create(m.b, m.loc, m.f32(shape), x, groups);
}

/// [..., a, b] → [..., a·b].
Value mergeLast(ModelBuilder &m, Value x) {
  ArrayRef<int64_t> in = shapeOf(x);
  SmallVector<int64_t> shape(in.drop_back(2));
  SmallVector<ReassociationIndices> groups;
  for (size_t d = 0; d < shape.size(); ++d)
    groups.push_back({int64_t(d)});
  groups.push_back({int64_t(shape.size()), int64_t(shape.size()) + 1});
  shape.push_back(in[in.size() - 2] * in.back());
  return tensor::CollapseShapeOp::create(m.b, m.loc, m.f32(shape), x, groups);
}

Value activation(ModelBuilder &m, Value x, Activation kind) {
  return ActivationOp::create(m.b, m.loc, x.getType(), x,
                              ActivationAttr::get(m.b.getContext(), kind));
}

struct DeltaNetShape {
  int64_t hidden, keyHeads, valueHeads, keyDim, valueDim, kernel;
  double eps;
  /// qwen3_next's in_proj_qkvz / in_proj_ba, grouped per key head.
  bool grouped;
};

/// Gated DeltaNet on the normed input `n`; `p` is the layer's linear_attn.
Value gatedDeltaNet(ModelBuilder &m, Value n, const DeltaNetShape &c, const std::string &p) {
  OpBuilder &b = m.b;
  Location loc = m.loc;
  const int64_t B = m.batch, S = m.seq, Hk = c.keyHeads, Hv = c.valueHeads, dk = c.keyDim,
                dv = c.valueDim, keys = Hk * dk, values = Hv * dv,
                channels = 2 * keys + values, r = Hv / Hk;
  Value qkv, z, beta, a;
  if (c.grouped) {
    // Per key head g: [q_g | k_g | v of its r value heads | z of them], and
    // [b of its r value heads | a of them]: value head g·r + j.
    Value qkvz = splitLast(m, m.linear(n, p + "in_proj_qkvz", 2 * keys + 2 * values, false), Hk,
                           2 * dk + 2 * r * dv);
    auto part = [&](Value x, int64_t offset, int64_t size) {
      return mergeLast(m, m.slice(x, 3, offset, size));
    };
    qkv = m.concat(m.concat(part(qkvz, 0, dk), part(qkvz, dk, dk), 2),
                   part(qkvz, 2 * dk, r * dv), 2);
    z = part(qkvz, 2 * dk + r * dv, r * dv);
    Value ba = splitLast(m, m.linear(n, p + "in_proj_ba", 2 * Hv, false), Hk, 2 * r);
    beta = part(ba, 0, r);
    a = part(ba, r, r);
  } else {
    qkv = m.linear(n, p + "in_proj_qkv", channels, false);
    z = m.linear(n, p + "in_proj_z", values, false);
    beta = m.linear(n, p + "in_proj_b", Hv, false);
    a = m.linear(n, p + "in_proj_a", Hv, false);
  }
  // conv1d.weight is [channels, 1, K]; generation carries its last K − 1
  // inputs (HF's conv_states) and the rule's state (recurrent_states).
  Value convW = tensor::CollapseShapeOp::create(
      b, loc, m.f32({channels, c.kernel}), m.weight(p + "conv1d.weight", {channels, 1, c.kernel}),
      SmallVector<ReassociationIndices>{{0}, {1, 2}});
  Value convState = m.carryState ? m.stateIn(p + "conv_state", {B, channels, c.kernel - 1})
                                 : Value();
  auto conv = CausalConv1DOp::create(b, loc, m.f32({B, S, channels}),
                                     m.f32({B, channels, c.kernel - 1}), qkv, convW, Value(),
                                     convState, Activation::silu);
  if (m.carryState)
    m.stateOut(p + "conv_state", conv.getFinalState());
  Value mixed = conv.getResult();
  Value q = splitLast(m, m.lastDimSlice(mixed, 0, keys), Hk, dk);
  Value k = splitLast(m, m.lastDimSlice(mixed, keys, keys), Hk, dk);
  Value v = splitLast(m, m.lastDimSlice(mixed, 2 * keys, values), Hv, dv);
  beta = activation(m, beta, Activation::sigmoid);
  // g = −exp(A_log) · softplus(a + dt_bias), per value head.
  const SmallVector<int64_t> perHead{B, S, Hv};
  Value decayRate = arith::NegFOp::create(
      b, loc, math::ExpOp::create(b, loc, m.weight(p + "A_log", {Hv})));
  Value step = activation(m, m.add(a, m.broadcastTo(m.weight(p + "dt_bias", {Hv}), perHead)),
                          Activation::softplus);
  Value g = m.mul(m.broadcastTo(decayRate, perHead), step);
  Value state = m.carryState ? m.stateIn(p + "recurrent_state", {B, Hv, dk, dv}) : Value();
  auto rule = GatedDeltaRuleOp::create(b, loc, m.f32({B, S, Hv, dv}), m.f32({B, Hv, dk, dv}), q,
                                       k, v, g, beta, state, b.getUnitAttr(), FloatAttr(),
                                       b.getI64IntegerAttr(64));
  if (m.carryState)
    m.stateOut(p + "recurrent_state", rule.getFinalState());
  // RMSNorm over each value head (plain weight), then · silu(z).
  Value normed = m.rmsNorm(rule.getResult(), p + "norm.weight", c.eps);
  Value gated = m.mul(normed, activation(m, splitLast(m, z, Hv, dv), Activation::silu));
  return m.linear(mergeLast(m, gated), p + "out_proj", c.hidden, false);
}

struct AttentionShape {
  int64_t hidden, heads, kvHeads, headDim;
  double eps;
  bool bias;
};

/// Qwen3-Next's gated attention on `n`; `p` is the layer's self_attn.
Value gatedAttention(ModelBuilder &m, Value n, const AttentionShape &c, const RopeParameters &rope,
                     const std::string &p) {
  OpBuilder &b = m.b;
  const int64_t B = m.batch, S = m.seq, H = c.heads, D = c.headDim;
  // Each head's q_proj rows are its query, then its gate.
  Value queryAndGate =
      splitLast(m, m.linear(n, p + "q_proj", 2 * H * D, c.bias), H, 2 * D);
  Value q = m.splitHeads(mergeLast(m, m.slice(queryAndGate, 3, 0, D)), H, D);
  Value gate = mergeLast(m, m.slice(queryAndGate, 3, D, D));
  Value k = m.splitHeads(m.linear(n, p + "k_proj", c.kvHeads * D, c.bias), c.kvHeads, D);
  Value v = m.splitHeads(m.linear(n, p + "v_proj", c.kvHeads * D, c.bias), c.kvHeads, D);
  q = m.rope(m.rmsNorm(q, p + "q_norm.weight", c.eps, /*unitOffset=*/true), rope);
  k = m.rope(m.rmsNorm(k, p + "k_norm.weight", c.eps, /*unitOffset=*/true), rope);
  Value o = m.causalAttention(q, k, v, /*window=*/0,
                              b.getF32FloatAttr(float(1.0 / std::sqrt(double(D)))), FloatAttr(),
                              p);
  Value merged = MergeHeadsOp::create(b, m.loc, m.f32({B, S, H * D}), o);
  merged = m.mul(merged, activation(m, gate, Activation::sigmoid));
  return m.linear(merged, p + "o_proj", c.hidden, c.bias);
}

/// down(silu(gate(x)) · up(x)) with `p`{gate,up,down}_proj.
Value gatedMLP(ModelBuilder &m, Value f, const std::string &p, int64_t width) {
  const int64_t hidden = shapeOf(f).back();
  // Named locals: the weights' argument order must not depend on the
  // compiler's evaluation order.
  Value gate = m.weight(p + "gate_proj.weight", {width, hidden});
  Value up = m.weight(p + "up_proj.weight", {width, hidden});
  Value down = m.weight(p + "down_proj.weight", {hidden, width});
  return GatedMLPOp::create(m.b, m.loc, f.getType(), f, gate, up, down,
                            ActivationAttr::get(m.b.getContext(), Activation::silu));
}

struct MoEShape {
  int64_t hidden, experts, topK, inter, sharedInter;
  bool normalize;
};

/// The sparse MoE block with its σ-gated shared expert; `p` is the layer's mlp.
Value sparseMoE(ModelBuilder &m, Value f, const MoEShape &c, const std::string &p,
                const HuggingFaceConfig &config) {
  OpBuilder &b = m.b;
  Location loc = m.loc;
  const int64_t E = c.experts, I = c.inter, H = c.hidden;
  ModelBuilder::Experts e =
      m.gatedExperts(p, config.checkpointHas(p + "experts.gate_up_proj"), E, I, H);
  Value router = m.weight(p + "gate.weight", {E, H});
  Value routed = MoEOp::create(
      b, loc, f.getType(), f, router, e.gate, e.up, e.down,
      /*selection_bias=*/Value(), /*router_input=*/Value(), b.getI64IntegerAttr(c.topK),
      c.normalize ? b.getUnitAttr() : UnitAttr(),
      ActivationAttr::get(b.getContext(), Activation::silu), /*sigmoid_router=*/UnitAttr(),
      b.getF32FloatAttr(1.0f), b.getF32FloatAttr(0.0f));
  Value shared = gatedMLP(m, f, p + "shared_expert.", c.sharedInter);
  // σ(x · shared_expert_gateᵀ) [B, S, 1], one scale per token.
  ArrayRef<int64_t> shape = shapeOf(f);
  Value scale = activation(m, m.linear(f, p + "shared_expert_gate", 1, false),
                           Activation::sigmoid);
  scale = tensor::CollapseShapeOp::create(b, loc, m.f32({shape[0], shape[1]}), scale,
                                          SmallVector<ReassociationIndices>{{0}, {1, 2}});
  return m.add(routed, m.mul(shared, m.broadcastTo(scale, shape, {2})));
}

} // namespace

namespace {
OwningOpRef<ModuleOp> importText(MLIRContext *context, HuggingFaceConfig &config,
                                 const std::string &type, std::optional<bool> outerTie,
                                 const ModelInputShape &shape, ModelInfo &info,
                                 std::string &error);
} // namespace

OwningOpRef<ModuleOp> frontend::importQwen3Next(MLIRContext *context, HuggingFaceConfig &config,
                                                const ModelInputShape &shape, ModelInfo &info,
                                                std::string &error) {
  const std::string type = info.modelType;
  if (type != "qwen3_5" && type != "qwen3_5_moe")
    return importText(context, config, type, std::nullopt, shape, info, error);
  // Qwen3.5's vision-language checkpoints: the language model's fields are
  // in text_config, its weights under model.language_model.; text input
  // only (the vision tower's weights are not read). The head is tied by the
  // top-level tie_word_embeddings, as HF's vision-language class ties it.
  const std::string textType = type + "_text";
  const llvm::json::Object *text = config.json().getObject("text_config");
  if (!text) {
    error = config.file() + ": " + type + ": 'text_config' must be an object (the language " +
            "model's fields)";
    return nullptr;
  }
  if (std::optional<llvm::StringRef> inner = text->getString("model_type");
      inner && *inner != textType) {
    error = config.file() + ": " + type + ": text_config's model_type is '" + inner->str() +
            "'; expected " + textType;
    return nullptr;
  }
  bool tied;
  if (!config.boolean("tie_word_embeddings", false, tied)) {
    error = config.error;
    return nullptr;
  }
  HuggingFaceConfig textConfig(*text, config.file() + " (text_config)");
  textConfig.shareCheckpointTensors(config);
  return importText(context, textConfig, textType, tied, shape, info, error);
}

namespace {
OwningOpRef<ModuleOp> importText(MLIRContext *context, HuggingFaceConfig &config,
                                 const std::string &type, std::optional<bool> outerTie,
                                 const ModelInputShape &shape, ModelInfo &info,
                                 std::string &error) {
  const bool next = type == "qwen3_next", moeText = type == "qwen3_5_moe_text";
  auto fail = [&](const std::string &message) {
    error = config.file() + ": " + type + ": " + message;
    return nullptr;
  };
  int64_t hidden, layers, heads, vocab, headDim, keyHeads, valueHeads, keyDim, valueDim, kernel,
      interval, inter = 0, experts = 0, topK = 1, moeInter = 0, sharedInter = 0, sparseStep = 1,
      kvHeads;
  double eps;
  bool tied, attnBias, normalize = true;
  std::string act;
  std::vector<std::string> layerTypes;
  if (!config.positive("hidden_size", next ? 2048 : moeText ? 2048 : 4096, hidden) ||
      !config.positive("num_hidden_layers", next ? 48 : moeText ? 40 : 32, layers) ||
      !config.positive("num_attention_heads", 16, heads) ||
      !config.positive("vocab_size", next ? 151936 : 248320, vocab) ||
      !config.positive("head_dim", 256, headDim) ||
      !config.positive("linear_num_key_heads", 16, keyHeads) ||
      !config.positive("linear_num_value_heads", 32, valueHeads) ||
      !config.positive("linear_key_head_dim", 128, keyDim) ||
      !config.positive("linear_value_head_dim", 128, valueDim) ||
      !config.convWidth("linear_conv_kernel_dim", 4, kernel) ||
      !config.positive("full_attention_interval", 4, interval) ||
      !config.epsilon("rms_norm_eps", 1e-6, eps) ||
      !config.boolean("tie_word_embeddings", false, tied) ||
      !config.boolean("attention_bias", false, attnBias) ||
      !config.string("hidden_act", "silu", act) || !config.strings("layer_types", layerTypes) ||
      !config.positiveOrNull("num_key_value_heads", next ? 2 : moeText ? 2 : 4, heads, kvHeads)) {
    error = config.error;
    return nullptr;
  }
  if (!moeText && !config.positive("intermediate_size", next ? 5632 : 12288, inter)) {
    error = config.error;
    return nullptr;
  }
  if (next || moeText) {
    if (!config.nonNegative("num_experts", next ? 512 : 256, experts) ||
        !config.positive("num_experts_per_tok", next ? 10 : 8, topK) ||
        !config.positive("moe_intermediate_size", 512, moeInter) ||
        !config.positive("shared_expert_intermediate_size", 512, sharedInter) ||
        (next && (!config.boolean("norm_topk_prob", true, normalize) ||
                  !config.positive("decoder_sparse_step", 1, sparseStep)))) {
      error = config.error;
      return nullptr;
    }
  }
  if (moeText && experts == 0)
    return fail("'num_experts' must be positive: every qwen3_5_moe_text layer is a mixture");
  if (experts > 0 && topK > experts)
    return fail("num_experts_per_tok (" + std::to_string(topK) + ") exceeds num_experts (" +
                std::to_string(experts) + ")");
  if (act != "silu")
    return fail("hidden_act '" + act + "' is not supported (these models use silu)");
  if (heads % kvHeads != 0)
    return fail("num_attention_heads (" + std::to_string(heads) +
                ") must be a multiple of num_key_value_heads (" + std::to_string(kvHeads) + ")");
  if (valueHeads % keyHeads != 0)
    return fail("linear_num_value_heads (" + std::to_string(valueHeads) +
                ") must be a multiple of linear_num_key_heads (" + std::to_string(keyHeads) +
                ")");
  if (layerTypes.empty())
    for (int64_t i = 0; i < layers; ++i)
      layerTypes.push_back((i + 1) % interval ? "linear_attention" : "full_attention");
  if (int64_t(layerTypes.size()) != layers)
    return fail("'layer_types' has " + std::to_string(layerTypes.size()) +
                " entries; num_hidden_layers is " + std::to_string(layers));
  for (size_t i = 0; i < layerTypes.size(); ++i)
    if (layerTypes[i] != "linear_attention" && layerTypes[i] != "full_attention")
      return fail("layer_types[" + std::to_string(i) + "] is '" + layerTypes[i] +
                  "'; expected linear_attention or full_attention");
  // qwen3_next's layers without a mixture (absent or null: none).
  std::set<int64_t> denseLayers;
  if (const llvm::json::Value *v = config.json().get("mlp_only_layers");
      next && v && v->kind() != llvm::json::Value::Null) {
    const llvm::json::Array *array = v->getAsArray();
    if (!array)
      return fail("'mlp_only_layers' must be a list of layer indices");
    for (const llvm::json::Value &item : *array) {
      std::optional<int64_t> index = item.getAsInteger();
      if (!index || *index < 0 || *index >= layers)
        return fail("'mlp_only_layers' must hold layer indices in [0, " +
                    std::to_string(layers) + ")");
      denseLayers.insert(*index);
    }
  }
  auto isMoE = [&](int64_t i) {
    if (moeText)
      return true;
    return next && !denseLayers.count(i) && experts > 0 && (i + 1) % sparseStep == 0;
  };
  RopeParameters rope;
  if (!readRopeParameters(config, headDim, "full_attention", 32768, rope,
                          /*defaultPartialRotary=*/0.25)) {
    error = config.error;
    return nullptr;
  }
  info.vocabSize = vocab;
  // Text models saved from Qwen3.5's vision-language checkpoints keep the
  // language model's prefix.
  const std::string root = config.checkpointHas("model.language_model.embed_tokens.weight")
                               ? "model.language_model."
                               : "model.";
  // A tied head is not saved; a checkpoint without lm_head reads the table.
  const bool tiedHead = outerTie.value_or(tied) ||
                        (config.checkpointKnown() && !config.checkpointHas("lm_head.weight"));

  ModelBuilder m(context, shape);
  OpBuilder &b = m.b;
  const int64_t B = shape.batch, S = shape.seq;
  Value embed = m.weight(root + "embed_tokens.weight", {vocab, hidden});
  Value h = m.embed(embed);
  const DeltaNetShape deltaNet{hidden, keyHeads, valueHeads, keyDim, valueDim, kernel, eps, next};
  const AttentionShape attention{hidden, heads, kvHeads, headDim, eps, attnBias};
  const MoEShape moe{hidden, experts, topK, moeInter, sharedInter, normalize};
  for (int64_t i = 0; i < layers; ++i) {
    const std::string p = root + "layers." + std::to_string(i) + ".";
    m.beginLayer();
    Value n = m.rmsNorm(h, p + "input_layernorm.weight", eps, /*unitOffset=*/true);
    h = m.add(h, layerTypes[i] == "full_attention"
                     ? gatedAttention(m, n, attention, rope, p + "self_attn.")
                     : gatedDeltaNet(m, n, deltaNet, p + "linear_attn."));
    Value f = m.rmsNorm(h, p + "post_attention_layernorm.weight", eps, /*unitOffset=*/true);
    const std::string mlp = p + "mlp.";
    h = m.add(h, isMoE(i) ? sparseMoE(m, f, moe, mlp, config) : gatedMLP(m, f, mlp, inter));
    m.endLayer();
  }
  Value normed = m.rmsNorm(h, root + "norm.weight", eps, /*unitOffset=*/true);
  Value head = tiedHead ? embed : m.weight("lm_head.weight", {vocab, hidden});
  return m.finish(LinearOp::create(b, m.loc, m.f32({B, S, vocab}), normed, head, Value()));
}
} // namespace
