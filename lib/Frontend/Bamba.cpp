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
  int64_t mHeads, mHeadDim, groups, state, kernel, chunk;
  double eps, expand;
  bool attnBias, mlpBias, convBias, projBias, tied;
  std::string act;
  std::vector<double> limit;
  const double inf = std::numeric_limits<double>::infinity();
  if (!config.positive("vocab_size", 128000, vocab) ||
      !config.positive("hidden_size", 4096, hidden) ||
      !config.positive("intermediate_size", 14336, inter) ||
      !config.positive("num_hidden_layers", 32, layers) ||
      !config.positive("num_attention_heads", 32, heads) ||
      !config.positive("mamba_n_heads", 128, mHeads) ||
      !config.positive("mamba_n_groups", 1, groups) ||
      !config.positive("mamba_d_state", 256, state) ||
      !config.positive("mamba_d_conv", 4, kernel) ||
      !config.positive("mamba_chunk_size", 256, chunk) ||
      !config.number("mamba_expand", 2, expand) ||
      !config.number("rms_norm_eps", 1e-5, eps) ||
      !config.numbers("time_step_limit", {0.0, inf}, 2, limit) ||
      !config.boolean("attention_bias", false, attnBias) ||
      !config.boolean("mlp_bias", false, mlpBias) ||
      !config.boolean("mamba_conv_bias", true, convBias) ||
      !config.boolean("mamba_proj_bias", false, projBias) ||
      !config.boolean("tie_word_embeddings", false, tied) ||
      !config.string("hidden_act", "silu", act)) {
    error = config.error;
    return nullptr;
  }
  // num_key_value_heads: null or absent means num_attention_heads.
  std::optional<double> kv;
  if (!config.optionalNumber("num_key_value_heads", std::nullopt, kv)) {
    error = config.error;
    return nullptr;
  }
  kvHeads = heads;
  if (kv && !config.positive("num_key_value_heads", heads, kvHeads)) {
    error = config.error;
    return nullptr;
  }
  auto fail = [&](const std::string &message) {
    error = config.file() + ": bamba: " + message;
    return nullptr;
  };
  const int64_t inner = int64_t(expand * hidden);
  if (double(inner) != expand * hidden || inner % mHeads != 0)
    return fail("mamba_n_heads (" + std::to_string(mHeads) +
                ") must divide mamba_expand * hidden_size");
  if (!config.autoOrPositive("mamba_d_head", inner / mHeads, mHeadDim) ||
      !config.positive("head_dim", hidden / heads, headDim)) {
    error = config.error;
    return nullptr;
  }
  if (mHeadDim * mHeads != inner)
    return fail("mamba_d_head (" + std::to_string(mHeadDim) + ") * mamba_n_heads (" +
                std::to_string(mHeads) + ") must equal mamba_expand * hidden_size (" +
                std::to_string(inner) + ")");
  if (mHeads % groups != 0)
    return fail("mamba_n_heads (" + std::to_string(mHeads) +
                ") must be a multiple of mamba_n_groups (" + std::to_string(groups) +
                ")");
  if (heads % kvHeads != 0)
    return fail("num_attention_heads (" + std::to_string(heads) +
                ") must be a multiple of num_key_value_heads (" +
                std::to_string(kvHeads) + ")");
  if (act != "silu")
    return fail("hidden_act '" + act + "' is not supported (Bamba uses silu)");
  if (!(limit[0] <= limit[1]))
    return fail("time_step_limit is empty");
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

  Mamba2MixerConfig mixer{inner, mHeads, mHeadDim, groups, state, kernel, chunk,
                          projBias, convBias, eps,
                          limit[0] > 0 ? std::optional<double>(limit[0]) : std::nullopt,
                          limit[1] < inf ? std::optional<double>(limit[1])
                                         : std::nullopt};
  ModelBuilder m(context, shape);
  OpBuilder &b = m.b;
  Location loc = m.loc;
  const int64_t B = shape.batch, S = shape.seq;
  Value embed = m.weight("model.embed_tokens.weight", {vocab, hidden});
  Value h = m.embed(embed);
  auto heads4 = [&](Value flat, int64_t n) { return m.splitHeads(flat, n, headDim); };
  for (int64_t i = 0; i < layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    m.beginLayer();
    Value n = m.rmsNorm(h, p + "input_layernorm.weight", eps);
    Value mixed;
    if (attentionLayers.count(i)) {
      const std::string a = p + "self_attn.";
      Value q = m.rope(heads4(m.linear(n, a + "q_proj", heads * headDim, attnBias), heads),
                       rope);
      Value k = m.rope(
          heads4(m.linear(n, a + "k_proj", kvHeads * headDim, attnBias), kvHeads), rope);
      Value v = heads4(m.linear(n, a + "v_proj", kvHeads * headDim, attnBias), kvHeads);
      Value o = m.causalAttention(q, k, v, /*window=*/0,
                                  b.getF32FloatAttr(1.0 / std::sqrt(double(headDim))),
                                  FloatAttr(), a);
      Value merged = MergeHeadsOp::create(b, loc, m.f32({B, S, heads * headDim}), o);
      mixed = m.linear(merged, a + "o_proj", hidden, attnBias);
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
