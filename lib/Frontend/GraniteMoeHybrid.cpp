//===- GraniteMoeHybrid.cpp - Hugging Face GraniteMoeHybridForCausalLM ----===//
//
// HF transformers' modeling_granitemoehybrid.py and its configuration (5.x;
// the type appeared in 4.54: IBM Granite 4.0). Every layer is
//
//   h = h + r · Mixer(input_layernorm(h))          r = residual_multiplier
//   f = post_attention_layernorm(h)
//   h = h + r · (MoE(f) + SharedMLP(f))            SharedMLP(f) alone without experts
//
// The mixer is attention where `layer_types` says full_attention (or
// "attention", as 4.x files say) and the Mamba-2 mixer of Mamba2.cpp where
// it says linear_attention (or "mamba"); every layer is Mamba-2 without
// layer_types. Attention is causal GQA whose scores are scaled by
// `attention_multiplier` (not head_dim^-½), with RoPE only when
// `position_embedding_type` is "rope". The MoE routes with a softmax over
// the top-k router logits (= hybrid.moe's normalize_top_k); its experts are
// `block_sparse_moe.input_linear` [E, 2I, H] (gate then up) and
// `output_linear` [E, H, I], or in transformers 5's fused layout
// `experts.gate_up_proj` / `experts.down_proj` (chosen from the checkpoint's
// names). The shared MLP is `shared_mlp.input_linear` [2S, H] (gate then
// up) and `output_linear` [H, S]. The embedding is × embedding_multiplier
// and the logits ÷ logits_scaling; final norm `model.norm`.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"

#include <cmath>
#include <sstream>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

OwningOpRef<ModuleOp> frontend::importGraniteMoeHybrid(MLIRContext *context,
                                                       HuggingFaceConfig &config,
                                                       const ModelInputShape &shape,
                                                       ModelInfo &info,
                                                       std::string &error) {
  int64_t vocab, hidden, inter, shared, layers, heads, kvHeads, headDim, experts, topK;
  double eps, expand, embedScale, logitsScale, residualScale, attentionScale;
  bool attnBias, tied;
  std::string act, positionType;
  std::vector<std::string> layerTypes;
  if (!config.positive("vocab_size", 32000, vocab) ||
      !config.positive("hidden_size", 4096, hidden) ||
      !config.positive("intermediate_size", 11008, inter) ||
      !config.positive("shared_intermediate_size", 1024, shared) ||
      !config.positive("num_hidden_layers", 32, layers) ||
      !config.positive("num_attention_heads", 32, heads) ||
      // null or absent: num_attention_heads.
      !config.positiveOrNull("num_key_value_heads", heads, heads, kvHeads) ||
      !config.positive("head_dim", hidden / heads, headDim) ||
      !config.nonNegative("num_local_experts", 8, experts) ||
      !config.positive("num_experts_per_tok", 2, topK) ||
      !config.number("mamba_expand", 2, expand) ||
      !config.epsilon("rms_norm_eps", 1e-6, eps) ||
      !config.number("embedding_multiplier", 1.0, embedScale) ||
      !config.number("logits_scaling", 1.0, logitsScale) ||
      !config.number("residual_multiplier", 1.0, residualScale) ||
      !config.number("attention_multiplier", 1.0, attentionScale) ||
      !config.boolean("attention_bias", false, attnBias) ||
      !config.boolean("tie_word_embeddings", false, tied) ||
      !config.string("hidden_act", "silu", act) ||
      !config.strings("layer_types", layerTypes)) {
    error = config.error;
    return nullptr;
  }
  auto fail = [&](const std::string &message) {
    error = config.file() + ": granitemoehybrid: " + message;
    return nullptr;
  };
  // position_embedding_type: "rope", or null / absent (no positions).
  if (const llvm::json::Value *v = config.json().get("position_embedding_type");
      v && v->kind() != llvm::json::Value::Null) {
    std::optional<llvm::StringRef> text = v->getAsString();
    if (!text || (*text != "rope" && *text != "nope"))
      return fail("'position_embedding_type' must be \"rope\", \"nope\" or null");
    positionType = text->str();
  }
  int64_t inner;
  if (!config.scaledWidth("mamba_expand", 2, hidden, inner)) {
    error = config.error;
    return nullptr;
  }
  if (double(inner) != expand * hidden)
    return fail("mamba_expand * hidden_size must be an integer");
  Mamba2MixerConfig mixer;
  if (!readMamba2Keys(config, "granitemoehybrid", inner, "mamba_expand * hidden_size",
                      eps, mixer, error))
    return nullptr;
  if (heads % kvHeads != 0)
    return fail("num_attention_heads (" + std::to_string(heads) +
                ") must be a multiple of num_key_value_heads (" +
                std::to_string(kvHeads) + ")");
  if (experts > 0 && topK > experts)
    return fail("num_experts_per_tok (" + std::to_string(topK) +
                ") exceeds num_local_experts (" + std::to_string(experts) + ")");
  if (act != "silu")
    return fail("hidden_act '" + act + "' is not supported (Granite uses silu)");
  if (!(logitsScale != 0 && std::isfinite(1.0 / logitsScale)))
    return fail("logits_scaling must be a nonzero number");
  // It scales the attention scores in place of 1/√d.
  if (!(attentionScale > 0)) {
    std::ostringstream got;
    got << attentionScale;
    return fail("attention_multiplier must be a number > 0, got " + got.str());
  }
  // HF refuses a list of another length, an empty one too.
  if (config.given("layer_types") && int64_t(layerTypes.size()) != layers)
    return fail("'layer_types' has " + std::to_string(layerTypes.size()) +
                " entries for " + std::to_string(layers) + " layers");
  std::vector<bool> attention(layers, false);
  for (size_t i = 0; i < layerTypes.size(); ++i) {
    const std::string &type = layerTypes[i];
    if (type == "full_attention" || type == "attention")
      attention[i] = true;
    else if (type != "linear_attention" && type != "mamba")
      return fail("layer_types[" + std::to_string(i) + "] is '" + type +
                  "'; expected mamba/linear_attention or attention/full_attention");
  }
  RopeParameters rope;
  if (positionType == "rope") {
    if (!readRopeParameters(config, headDim, "full_attention", 2048, rope)) {
      error = config.error;
      return nullptr;
    }
    if (rope.rotaryDim)
      return fail("'partial_rotary_factor' must be 1 (Granite rotates whole heads)");
  }
  info.vocabSize = vocab;

  ModelBuilder m(context, shape);
  OpBuilder &b = m.b;
  Location loc = m.loc;
  const int64_t B = shape.batch, S = shape.seq;
  Value embed = m.weight("model.embed_tokens.weight", {vocab, hidden});
  Value h = m.embed(embed, embedScale == 1.0 ? std::nullopt
                                             : std::optional<float>(float(embedScale)));
  for (int64_t i = 0; i < layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    m.beginLayer();
    Value n = m.rmsNorm(h, p + "input_layernorm.weight", eps);
    Value mixed;
    if (attention[i]) {
      mixed = m.selfAttention(n, p + "self_attn.", heads, kvHeads, headDim, attnBias,
                              b.getF32FloatAttr(float(attentionScale)),
                              [&](Value &q, Value &k) {
                                if (positionType == "rope") {
                                  q = m.rope(q, rope);
                                  k = m.rope(k, rope);
                                }
                              },
                              hidden);
    } else {
      mixed = buildMamba2Mixer(m, n, mixer, p + "mamba.", hidden);
    }
    h = m.add(h, m.scale(mixed, residualScale));
    Value f = m.rmsNorm(h, p + "post_attention_layernorm.weight", eps);
    // Shared MLP: input_linear [2S, H] is gate then up.
    Value sharedIn = m.weight(p + "shared_mlp.input_linear.weight", {2 * shared, hidden});
    Value sharedOut = m.weight(p + "shared_mlp.output_linear.weight", {hidden, shared});
    Value sharedGate = m.slice(sharedIn, 0, 0, shared);
    Value sharedUp = m.slice(sharedIn, 0, shared, shared);
    Value ffn = GatedMLPOp::create(b, loc, f.getType(), f, sharedGate, sharedUp,
                                   sharedOut,
                                   ActivationAttr::get(context, Activation::silu));
    if (experts > 0) {
      const std::string moe = p + "block_sparse_moe.";
      const bool fused = config.checkpointHas(moe + "experts.gate_up_proj");
      Value router = fused ? m.weight(moe + "router.weight", {experts, hidden})
                           : m.weight(moe + "router.layer.weight", {experts, hidden});
      Value gateUp = m.weight(moe + (fused ? "experts.gate_up_proj"
                                           : "input_linear.weight"),
                              {experts, 2 * inter, hidden});
      Value down = m.weight(moe + (fused ? "experts.down_proj" : "output_linear.weight"),
                            {experts, hidden, inter});
      Value gate = m.slice(gateUp, 1, 0, inter);
      Value up = m.slice(gateUp, 1, inter, inter);
      Value routed = MoEOp::create(b, loc, f.getType(), f, router, gate, up, down,
                                   /*selection_bias=*/Value(), /*router_input=*/Value(),
                                   b.getI64IntegerAttr(topK),
                                   /*normalize_top_k=*/b.getUnitAttr(),
                                   ActivationAttr::get(context, Activation::silu),
                                   /*sigmoid_router=*/UnitAttr(),
                                   b.getF32FloatAttr(1.0f), b.getF32FloatAttr(0.0f));
      ffn = m.add(routed, ffn);
    }
    h = m.add(h, m.scale(ffn, residualScale));
    m.endLayer();
  }
  Value normed = m.rmsNorm(h, "model.norm.weight", eps);
  Value head = tied ? embed : m.weight("lm_head.weight", {vocab, hidden});
  Value logits = LinearOp::create(b, loc, m.f32({B, S, vocab}), normed, head, Value());
  return m.finish(m.scale(logits, 1.0 / logitsScale));
}
