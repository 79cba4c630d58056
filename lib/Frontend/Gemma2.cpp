//===- Gemma2.cpp - Hugging Face Gemma2ForCausalLM ------------------------===//
//
// HF transformers' modeling_gemma2.py and configuration_gemma2.py (4.46 and
// 5.x: rope_parameters or rope_theta + rope_scaling, see RopeParameters.h;
// query_pre_attn_scalar defaults to 256 in files written by 5.x, 224 before),
// MATH.md §4: embedding × √hidden (rounded to f32); layers alternate sliding
// (even layers, or `layer_types`) and global causal attention; pre- and
// post-norms around attention and MLP, all (1 + w) RMSNorms; GQA with RoPE
// on q and k, scores × query_pre_attn_scalar^-½, softcap before the mask;
// GeGLU MLP; final norm, tied head, final logit softcap.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"

#include <cmath>
#include <sstream>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

OwningOpRef<ModuleOp> frontend::importGemma2(MLIRContext *context,
                                             HuggingFaceConfig &config,
                                             const ModelInputShape &shape,
                                             ModelInfo &info,
                                             std::string &error) {
  int64_t hidden, inter, layers, heads, kvHeads, headDim, vocab, window;
  double eps, scalar;
  int major;
  std::optional<double> attnCap, finalCap;
  bool bias, tied;
  std::string act;
  std::vector<std::string> layerTypes;
  if (!config.positive("hidden_size", 3072, hidden) ||
      !config.positive("intermediate_size", 24576, inter) ||
      !config.positive("num_hidden_layers", 28, layers) ||
      !config.positive("num_attention_heads", 16, heads) ||
      !config.positive("num_key_value_heads", 16, kvHeads) ||
      !config.positive("head_dim", 256, headDim) ||
      !config.positive("vocab_size", 256000, vocab) ||
      !config.positive("sliding_window", 4096, window) ||
      !config.epsilon("rms_norm_eps", 1e-6, eps) ||
      // transformers 5 changed the default from 224 to 256.
      !config.transformersMajor(major) ||
      !config.number("query_pre_attn_scalar", major >= 5 ? 256 : 224, scalar) ||
      !config.optionalNumber("attn_logit_softcapping", 50.0, attnCap) ||
      !config.optionalNumber("final_logit_softcapping", 30.0, finalCap) ||
      !config.boolean("attention_bias", false, bias) ||
      !config.boolean("tie_word_embeddings", true, tied) ||
      !config.string("hidden_activation", "gelu_pytorch_tanh", act) ||
      !config.strings("layer_types", layerTypes)) {
    error = config.error;
    return nullptr;
  }
  // cap · tanh(x / cap): a cap of 0 is NaN in HF too (null turns it off).
  for (auto [key, cap] : {std::pair{"attn_logit_softcapping", attnCap},
                          std::pair{"final_logit_softcapping", finalCap}})
    if (cap && !(*cap > 0)) {
      error = config.file() + ": '" + key + "' must be positive or null, got " +
              std::to_string(*cap);
      return nullptr;
    }
  // The scores are scaled by its inverse square root.
  const float scoreScale = float(1.0 / std::sqrt(scalar));
  if (!(scalar > 0) || !std::isfinite(scoreScale) || !(scoreScale > 0)) {
    std::ostringstream got;
    got << scalar;
    error = config.file() + ": 'query_pre_attn_scalar' must be positive, with its inverse "
                            "square root a float32 above 0, got " + got.str();
    return nullptr;
  }
  if (act != "gelu_pytorch_tanh") {
    error = config.file() + ": gemma2: hidden_activation '" + act +
            "' is not supported (Gemma 2 uses gelu_pytorch_tanh)";
    return nullptr;
  }
  if (heads % kvHeads != 0) {
    error = config.file() + ": gemma2: num_attention_heads (" + std::to_string(heads) +
            ") must be a multiple of num_key_value_heads (" +
            std::to_string(kvHeads) + ")";
    return nullptr;
  }
  // HF refuses a list of another length, an empty one too.
  if (config.given("layer_types") && int64_t(layerTypes.size()) != layers) {
    error = config.file() + ": gemma2: 'layer_types' has " + std::to_string(layerTypes.size()) +
            " entries for " + std::to_string(layers) + " layers";
    return nullptr;
  }
  // RoPE per layer type: rope_parameters may be nested by layer type.
  RopeParameters slidingRope, fullRope;
  // Gemma 2's max_position_embeddings default: 8192.
  if (!readRopeParameters(config, headDim, "sliding_attention", 8192, slidingRope) ||
      !readRopeParameters(config, headDim, "full_attention", 8192, fullRope)) {
    error = config.error;
    return nullptr;
  }
  if (slidingRope.rotaryDim || fullRope.rotaryDim) {
    // HF's Gemma 2 rotates whole heads (its apply_rotary_pos_emb fails on a
    // partial factor).
    error = config.file() + ": gemma2: 'partial_rotary_factor' must be 1 "
                            "(Gemma 2 rotates whole heads)";
    return nullptr;
  }
  info.vocabSize = vocab;

  ModelBuilder m(context, shape);
  OpBuilder &b = m.b;
  Location loc = m.loc;
  auto tensor = [&](ArrayRef<int64_t> dims) { return m.f32(dims); };
  const int64_t B = shape.batch, S = shape.seq;

  Value embed = m.weight("model.embed_tokens.weight", {vocab, hidden});
  Value h = m.embed(embed, float(std::sqrt(double(hidden))));
  auto heads4 = [&](Value flat, int64_t n) { return m.splitHeads(flat, n, headDim); };
  for (int64_t i = 0; i < layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    bool sliding = layerTypes.empty() ? i % 2 == 0
                                      : layerTypes[i] == "sliding_attention";
    if (!layerTypes.empty() && !sliding && layerTypes[i] != "full_attention") {
      error = config.file() + ": gemma2: layer_types[" + std::to_string(i) + "] is '" + layerTypes[i] +
              "'; expected sliding_attention or full_attention";
      return nullptr;
    }
    const RopeParameters &ropeParams = sliding ? slidingRope : fullRope;
    m.beginLayer();
    auto rope = [&](Value x) { return m.rope(x, ropeParams); };
    Value n = m.rmsNorm(h, p + "input_layernorm.weight", eps, true);
    Value q = rope(heads4(m.linear(n, p + "self_attn.q_proj", heads * headDim, bias), heads));
    Value k = rope(heads4(m.linear(n, p + "self_attn.k_proj", kvHeads * headDim, bias), kvHeads));
    Value v = heads4(m.linear(n, p + "self_attn.v_proj", kvHeads * headDim, bias), kvHeads);
    Value o = m.causalAttention(q, k, v, sliding ? window : 0,
                                b.getF32FloatAttr(1.0 / std::sqrt(scalar)),
                                attnCap ? b.getF32FloatAttr(*attnCap) : FloatAttr(),
                                p + "self_attn.");
    Value merged = MergeHeadsOp::create(b, loc, tensor({B, S, heads * headDim}), o);
    Value attn = m.linear(merged, p + "self_attn.o_proj", hidden, bias);
    h = m.add(h, m.rmsNorm(attn, p + "post_attention_layernorm.weight", eps, true));
    Value f = m.rmsNorm(h, p + "pre_feedforward_layernorm.weight", eps, true);
    Value mlp = GatedMLPOp::create(
        b, loc, f.getType(), f, m.weight(p + "mlp.gate_proj.weight", {inter, hidden}),
        m.weight(p + "mlp.up_proj.weight", {inter, hidden}),
        m.weight(p + "mlp.down_proj.weight", {hidden, inter}),
        ActivationAttr::get(context, Activation::gelu_tanh));
    h = m.add(h, m.rmsNorm(mlp, p + "post_feedforward_layernorm.weight", eps, true));
    m.endLayer();
  }
  Value normed = m.rmsNorm(h, "model.norm.weight", eps, true);
  Value head = tied ? embed : m.weight("lm_head.weight", {vocab, hidden});
  Value logits = LinearOp::create(b, loc, tensor({B, S, vocab}), normed, head, Value());
  if (finalCap)
    logits = SoftcapOp::create(b, loc, logits.getType(), logits,
                               b.getF32FloatAttr(*finalCap));
  return m.finish(logits);
}
