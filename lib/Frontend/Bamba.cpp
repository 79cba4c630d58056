//===- Bamba.cpp - Hugging Face BambaForCausalLM --------------------------===//
//
// HF transformers' modeling_bamba.py and configuration_bamba.py (5.x; the
// type first appeared in 4.48). Every layer is
//
//   h = h + Mixer(input_layernorm(h))          Mixer: Mamba-2 or attention
//   h = h + MLP(pre_ff_layernorm(h))           SwiGLU (gate, up, down)
//
// with attention at the layers listed in `attn_layer_indices` (none when
// absent) and the Mamba-2 mixer of Mamba2.cpp elsewhere (BambaMixer is
// Mamba2Mixer with the mamba_* keys). Attention is causal GQA scaled by
// head_dim^-½ with RoPE on the first half of each head: Bamba's config
// class fixes partial_rotary_factor at 0.5 unless rope_parameters names one.
// Final RMSNorm (final_layernorm), untied head by default.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"

#include <cmath>
#include <set>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

OwningOpRef<ModuleOp> frontend::importBamba(MLIRContext *context,
                                            HuggingFaceConfig &config,
                                            const ModelInputShape &shape,
                                            ModelInfo &info, std::string &error) {
  int64_t vocab, hidden, inter, layers, heads, kvHeads, headDim;
  double eps, expand;
  bool attnBias, mlpBias, tied;
  std::string act;
  if (!config.positive("vocab_size", 128000, vocab) ||
      !config.positive("hidden_size", 4096, hidden) ||
      !config.positive("intermediate_size", 14336, inter) ||
      !config.positive("num_hidden_layers", 32, layers) ||
      !config.positive("num_attention_heads", 32, heads) ||
      // null or absent: num_attention_heads.
      !config.positiveOrNull("num_key_value_heads", heads, heads, kvHeads) ||
      !config.positive("head_dim", hidden / heads, headDim) ||
      !config.number("mamba_expand", 2, expand) ||
      !config.epsilon("rms_norm_eps", 1e-5, eps) ||
      !config.boolean("attention_bias", false, attnBias) ||
      !config.boolean("mlp_bias", false, mlpBias) ||
      !config.boolean("tie_word_embeddings", false, tied) ||
      !config.string("hidden_act", "silu", act)) {
    error = config.error;
    return nullptr;
  }
  auto fail = [&](const std::string &message) {
    error = config.file() + ": bamba: " + message;
    return nullptr;
  };
  int64_t inner;
  if (!config.scaledWidth("mamba_expand", 2, hidden, inner)) {
    error = config.error;
    return nullptr;
  }
  if (double(inner) != expand * hidden)
    return fail("mamba_expand * hidden_size must be an integer");
  Mamba2MixerConfig mixer;
  if (!readMamba2Keys(config, "bamba", inner, "mamba_expand * hidden_size", eps, mixer,
                      error))
    return nullptr;
  if (heads % kvHeads != 0)
    return fail("num_attention_heads (" + std::to_string(heads) +
                ") must be a multiple of num_key_value_heads (" +
                std::to_string(kvHeads) + ")");
  if (act != "silu")
    return fail("hidden_act '" + act + "' is not supported (Bamba uses silu)");
  // attn_layer_indices: which layers attend (absent or null: none).
  std::set<int64_t> attentionLayers;
  if (const llvm::json::Value *v = config.json().get("attn_layer_indices");
      v && v->kind() != llvm::json::Value::Null) {
    const llvm::json::Array *array = v->getAsArray();
    if (!array)
      return fail("'attn_layer_indices' must be a list of layer indices or null");
    for (const llvm::json::Value &item : *array) {
      std::optional<int64_t> index = item.getAsInteger();
      if (!index || *index < 0 || *index >= layers)
        return fail("'attn_layer_indices' must hold layer indices in [0, " +
                    std::to_string(layers) + ")");
      attentionLayers.insert(*index);
    }
  }
  RopeParameters rope;
  if (!readRopeParameters(config, headDim, "full_attention", 262144, rope,
                          /*defaultPartialRotary=*/0.5)) {
    error = config.error;
    return nullptr;
  }
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
    Value n = m.rmsNorm(h, p + "input_layernorm.weight", eps);
    Value mixed;
    if (attentionLayers.count(i)) {
      mixed = m.selfAttention(n, p + "self_attn.", heads, kvHeads, headDim, attnBias,
                              b.getF32FloatAttr(1.0 / std::sqrt(double(headDim))),
                              [&](Value &q, Value &k) {
                                q = m.rope(q, rope);
                                k = m.rope(k, rope);
                              },
                              hidden);
    } else {
      mixed = buildMamba2Mixer(m, n, mixer, p + "mamba.", hidden);
    }
    h = m.add(h, mixed);
    Value f = m.rmsNorm(h, p + "pre_ff_layernorm.weight", eps);
    const std::string ff = p + "feed_forward.";
    Value mlp;
    if (mlpBias) {
      Value gate = m.linear(f, ff + "gate_proj", inter, true);
      gate = ActivationOp::create(b, loc, gate.getType(), gate,
                                  ActivationAttr::get(context, Activation::silu));
      Value up = m.linear(f, ff + "up_proj", inter, true);
      mlp = m.linear(m.mul(gate, up), ff + "down_proj", hidden, true);
    } else {
      // Named locals: argument order independent of evaluation order.
      Value gate = m.weight(ff + "gate_proj.weight", {inter, hidden});
      Value up = m.weight(ff + "up_proj.weight", {inter, hidden});
      Value down = m.weight(ff + "down_proj.weight", {hidden, inter});
      mlp = GatedMLPOp::create(b, loc, f.getType(), f, gate, up, down,
                               ActivationAttr::get(context, Activation::silu));
    }
    h = m.add(h, mlp);
    m.endLayer();
  }
  Value normed = m.rmsNorm(h, "model.final_layernorm.weight", eps);
  Value head = tied ? embed : m.weight("lm_head.weight", {vocab, hidden});
  return m.finish(LinearOp::create(b, loc, m.f32({B, S, vocab}), normed, head, Value()));
}
