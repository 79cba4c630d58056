//===- Lfm2.cpp - Hugging Face Lfm2ForCausalLM, Lfm2MoeForCausalLM --------===//
//
// HF transformers' modeling_lfm2.py and configuration_lfm2.py (5.x; the
// type appeared in 4.54). Every layer is
//
//   h = h + Mixer(operator_norm(h))      Mixer: gated short conv or attention
//   h = h + MLP(ffn_norm(h))             SwiGLU w2(silu(w1 x) · w3 x)
//
// The mixer is attention where `layer_types` says "full_attention" (or at
// `full_attn_idxs` in files without layer_types; every layer when neither is
// given) and the gated short convolution elsewhere:
//
//   [B | C | x] = in_proj(h)             three chunks of hidden channels
//   y = C · conv1d(B · x)                depthwise causal, conv_L_cache taps,
//                                        no activation; state [B, hidden, K−1]
//   out_proj(y)
//
// Attention is causal GQA scaled by head_dim^-½ with per-head RMSNorms on q
// and k (q_layernorm, k_layernorm) before RoPE, out_proj named out_proj. The
// MLP width: intermediate_size, or with block_auto_adjust_ff_dim
// int(2·I/3), then (with block_ffn_dim_multiplier) int(m·I) rounded up to
// block_multiple_of. The final norm is `embedding_norm`; tied head.
//
// lfm2_moe (modeling_lfm2_moe.py) has the same layers; after the first
// num_dense_layers (whose MLPs are intermediate_size wide, as written) the
// MLP is a routed MoE: router `gate`, experts w1/w3/w2 (or transformers 5's
// fused gate_up_proj / down_proj), sigmoid scores, top-k of score +
// expert_bias, weights the unbiased scores / (Σ + 1e-6) with norm_topk_prob,
// × routed_scaling_factor: hybrid.moe's sigmoid_router, selection_bias,
// normalize_epsilon and routed_scaling.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

OwningOpRef<ModuleOp> frontend::importLfm2(MLIRContext *context,
                                           HuggingFaceConfig &config,
                                           const ModelInputShape &shape,
                                           ModelInfo &info, std::string &error) {
  // lfm2_moe: the same layers with a routed MoE after the first
  // num_dense_layers (Lfm2MoeForCausalLM), its dense MLPs at
  // intermediate_size as written.
  const bool moe = config.json().getString("model_type") == "lfm2_moe";
  const std::string type = moe ? "lfm2_moe" : "lfm2";
  int64_t vocab, hidden, inter, layers, heads, kvHeads, headDim, kernel, multipleOf;
  int64_t moeInter = 0, denseLayers = 0, experts = 0, topK = 0;
  double eps, scaling = 1.0;
  bool convBias, tied, autoAdjust, expertBias = false, normTopK = false;
  std::optional<double> multiplier;
  std::vector<std::string> layerTypes;
  // Legacy spellings the config class still accepts: tie_embedding,
  // block_ff_dim.
  bool tiedLegacy;
  int64_t interLegacy;
  if (!config.positive("vocab_size", 65536, vocab) ||
      !config.positive("hidden_size", moe ? 2048 : 2560, hidden) ||
      !config.positive("intermediate_size", moe ? 7168 : 12288, interLegacy) ||
      !config.positive("block_ff_dim", interLegacy, inter) ||
      !config.positive("num_hidden_layers", 32, layers) ||
      !config.positive("num_attention_heads", 32, heads) ||
      !config.positive("num_key_value_heads", 8, kvHeads) ||
      !config.convWidth("conv_L_cache", 3, kernel) ||
      !config.positive("block_multiple_of", 256, multipleOf) ||
      !config.epsilon("norm_eps", 1e-5, eps) ||
      !config.optionalNumber("block_ffn_dim_multiplier", 1.0, multiplier) ||
      !config.boolean("block_auto_adjust_ff_dim", !moe, autoAdjust) ||
      !config.boolean("conv_bias", false, convBias) ||
      !config.boolean("tie_word_embeddings", true, tiedLegacy) ||
      !config.boolean("tie_embedding", tiedLegacy, tied) ||
      !config.strings("layer_types", layerTypes)) {
    error = config.error;
    return nullptr;
  }
  if (moe && (!config.positive("moe_intermediate_size", 1792, moeInter) ||
              !config.nonNegative("num_dense_layers", 2, denseLayers) ||
              !config.positive("num_experts", 32, experts) ||
              !config.positive("num_experts_per_tok", 4, topK) ||
              !config.number("routed_scaling_factor", 1.0, scaling) ||
              !config.boolean("use_expert_bias", true, expertBias) ||
              !config.boolean("norm_topk_prob", true, normTopK))) {
    error = config.error;
    return nullptr;
  }
  // lfm2_moe's config class has no block_auto_adjust_ff_dim: the width is
  // as written.
  if (moe)
    autoAdjust = false;
  auto fail = [&](const std::string &message) {
    error = config.file() + ": " + type + ": " + message;
    return nullptr;
  };
  if (moe && topK > experts)
    return fail("num_experts_per_tok (" + std::to_string(topK) +
                ") exceeds num_experts (" + std::to_string(experts) + ")");
  if (!config.positive("head_dim", hidden / heads, headDim)) {
    error = config.error;
    return nullptr;
  }
  if (heads % kvHeads != 0)
    return fail("num_attention_heads (" + std::to_string(heads) +
                ") must be a multiple of num_key_value_heads (" +
                std::to_string(kvHeads) + ")");
  // Which layers attend: layer_types, else full_attn_idxs, else all.
  std::vector<bool> attention(layers, true);
  // An empty list is a list with the wrong count (HF indexes it per layer);
  // only an absent or null one falls back.
  if (config.given("layer_types")) {
    if (int64_t(layerTypes.size()) != layers)
      return fail("'layer_types' has " + std::to_string(layerTypes.size()) +
                  " entries for " + std::to_string(layers) + " layers");
    for (int64_t i = 0; i < layers; ++i) {
      if (layerTypes[i] != "conv" && layerTypes[i] != "full_attention")
        return fail("layer_types[" + std::to_string(i) + "] is '" + layerTypes[i] +
                    "'; expected conv or full_attention");
      attention[i] = layerTypes[i] == "full_attention";
    }
  } else if (const llvm::json::Value *v = config.json().get("full_attn_idxs");
             v && v->kind() != llvm::json::Value::Null) {
    const llvm::json::Array *array = v->getAsArray();
    if (!array)
      return fail("'full_attn_idxs' must be a list of layer indices or null");
    attention.assign(layers, false);
    for (const llvm::json::Value &item : *array) {
      std::optional<int64_t> index = item.getAsInteger();
      if (!index || *index < 0 || *index >= layers)
        return fail("'full_attn_idxs' must hold layer indices in [0, " +
                    std::to_string(layers) + ")");
      attention[*index] = true;
    }
  }
  if (autoAdjust) {
    inter = int64_t(2 * inter / 3.0);
    if (multiplier) {
      inter = int64_t(*multiplier * double(inter));
      inter = multipleOf * ((inter + multipleOf - 1) / multipleOf);
    }
  }
  if (inter < 1)
    return fail("the feed-forward width comes to " + std::to_string(inter));
  RopeParameters rope;
  if (!readRopeParameters(config, headDim, "full_attention", 128000, rope)) {
    error = config.error;
    return nullptr;
  }
  if (rope.rotaryDim)
    return fail("'partial_rotary_factor' must be 1 (LFM2 rotates whole heads)");
  info.vocabSize = vocab;

  ModelBuilder m(context, shape);
  OpBuilder &b = m.b;
  Location loc = m.loc;
  const int64_t B = shape.batch, S = shape.seq;
  Value embed = m.weight("model.embed_tokens.weight", {vocab, hidden});
  Value h = m.embed(embed);
  for (int64_t i = 0; i < layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    m.beginLayer();
    Value n = m.rmsNorm(h, p + "operator_norm.weight", eps);
    Value mixed;
    if (attention[i]) {
      // q_layernorm / k_layernorm: RMSNorm over each head's dims, then RoPE.
      const std::string a = p + "self_attn.";
      mixed = m.selfAttention(n, a, heads, kvHeads, headDim, /*bias=*/false,
                              b.getF32FloatAttr(1.0 / std::sqrt(double(headDim))),
                              [&](Value &q, Value &k) {
                                q = m.rope(m.rmsNorm(q, a + "q_layernorm.weight", eps), rope);
                                k = m.rope(m.rmsNorm(k, a + "k_layernorm.weight", eps), rope);
                              },
                              hidden, "out_proj");
    } else {
      const std::string c = p + "conv.";
      Value bcx = m.linear(n, c + "in_proj", 3 * hidden, convBias);
      Value gateB = m.lastDimSlice(bcx, 0, hidden);
      Value gateC = m.lastDimSlice(bcx, hidden, hidden);
      Value x = m.lastDimSlice(bcx, 2 * hidden, hidden);
      // conv.weight is [hidden, 1, K] in the checkpoint.
      Value convW = tensor::CollapseShapeOp::create(
          b, loc, m.f32({hidden, kernel}),
          m.weight(c + "conv.weight", {hidden, 1, kernel}),
          SmallVector<ReassociationIndices>{{0}, {1, 2}});
      Value convB = convBias ? m.weight(c + "conv.bias", {hidden}) : Value();
      Value state =
          m.carryState ? m.stateIn(c + "conv_state", {B, hidden, kernel - 1}) : Value();
      auto conv = CausalConv1DOp::create(b, loc, m.f32({B, S, hidden}),
                                         m.f32({B, hidden, kernel - 1}),
                                         m.mul(gateB, x), convW, convB, state,
                                         Activation::identity);
      if (m.carryState)
        m.stateOut(c + "conv_state", conv.getFinalState());
      mixed = m.linear(m.mul(gateC, conv.getResult()), c + "out_proj", hidden, convBias);
    }
    h = m.add(h, mixed);
    Value f = m.rmsNorm(h, p + "ffn_norm.weight", eps);
    const std::string ff = p + "feed_forward.";
    if (moe && i >= denseLayers) {
      // Router `gate`; experts one tensor each (w1 gate, w3 up, w2 down) or,
      // as transformers 5 fuses them, gate_up_proj [E, 2I, H] and down_proj.
      Value router = m.weight(ff + "gate.weight", {experts, hidden});
      ModelBuilder::Experts e =
          m.gatedExperts(ff, config.checkpointHas(ff + "experts.gate_up_proj"), experts,
                         moeInter, hidden, "w1", "w3", "w2");
      Value bias = expertBias ? m.weight(ff + "expert_bias", {experts}) : Value();
      // HF: sigmoid scores, top-k of score + expert_bias, weights the
      // unbiased scores, / (Σ + 1e-6) with norm_topk_prob, × the scaling.
      h = m.add(h, MoEOp::create(b, loc, f.getType(), f, router, e.gate, e.up, e.down, bias,
                                 /*router_input=*/Value(), b.getI64IntegerAttr(topK),
                                 normTopK ? b.getUnitAttr() : UnitAttr(),
                                 ActivationAttr::get(context, Activation::silu),
                                 /*sigmoid_router=*/b.getUnitAttr(),
                                 b.getF32FloatAttr(float(scaling)),
                                 b.getF32FloatAttr(normTopK ? 1e-6f : 0.0f)));
      m.endLayer();
      continue;
    }
    // Named locals: the weights' argument order must not depend on the C++
    // compiler's evaluation order.
    Value w1 = m.weight(ff + "w1.weight", {inter, hidden});
    Value w3 = m.weight(ff + "w3.weight", {inter, hidden});
    Value w2 = m.weight(ff + "w2.weight", {hidden, inter});
    h = m.add(h, GatedMLPOp::create(b, loc, f.getType(), f, w1, w3, w2,
                                    ActivationAttr::get(context, Activation::silu)));
    m.endLayer();
  }
  Value normed = m.rmsNorm(h, "model.embedding_norm.weight", eps);
  Value head = tied ? embed : m.weight("lm_head.weight", {vocab, hidden});
  return m.finish(LinearOp::create(b, loc, m.f32({B, S, vocab}), normed, head, Value()));
}
