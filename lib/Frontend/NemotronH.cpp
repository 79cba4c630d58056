//===- NemotronH.cpp - Hugging Face NemotronHForCausalLM ------------------===//
//
// HF transformers' modeling_nemotron_h.py and configuration_nemotron_h.py
// (5.x). Every block is h = h + Mixer(norm(h)) with one mixer per block,
// chosen by `layers_block_type` (or the legacy `hybrid_override_pattern`,
// one character per block: M Mamba-2, * attention, - MLP, E MoE):
//
//   linear_attention  the Mamba-2 mixer of Mamba2.cpp, I = mamba_num_heads ·
//                     mamba_head_dim, its norm per n_groups group after the
//                     gate, in_proj and out_proj biases with use_bias, and Δ
//                     clamped below at time_step_min (HF's mixer uses
//                     (time_step_min, inf) and never reads time_step_limit)
//   full_attention    causal GQA scaled by head_dim^-½, no positional
//                     encoding (HF's eager attention ignores sliding_window)
//   mlp               down(relu(up(x))²) (mlp_hidden_act relu2)
//
// Weights live under backbone. (embeddings, layers.i.mixer, norm_f); the
// head is lm_head even with tie_word_embeddings (HF ties nothing here). MoE
// blocks (sigmoid router with grouped top-k and a shared expert) are refused
// with a message: hybrid.moe routes by softmax only. Legacy key spellings
// (mamba_n_groups, mamba_d_conv, mamba_dt_min, mamba_conv_bias,
// mamba_chunk_size) are read as the config class reads them.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

OwningOpRef<ModuleOp> frontend::importNemotronH(MLIRContext *context,
                                                HuggingFaceConfig &config,
                                                const ModelInputShape &shape,
                                                ModelInfo &info, std::string &error) {
  int64_t vocab, hidden, inter, heads, kvHeads, headDim, mHeads, mHeadDim, state;
  int64_t groups, kernel, chunk, legacy;
  double eps;
  bool useBias, convBias, mlpBias, legacyBool;
  std::string mlpAct, mambaAct;
  double stepMin, legacyMin;
  std::optional<double> window;
  std::vector<std::string> types;
  if (!config.positive("vocab_size", 131072, vocab) ||
      !config.positive("hidden_size", 4096, hidden) ||
      !config.positive("intermediate_size", 21504, inter) ||
      !config.positive("num_attention_heads", 32, heads) ||
      !config.positive("num_key_value_heads", 8, kvHeads) ||
      !config.positive("head_dim", 128, headDim) ||
      !config.positive("ssm_state_size", 128, state) ||
      !config.positive("mamba_num_heads", 128, mHeads) ||
      !config.positive("mamba_head_dim", 64, mHeadDim) ||
      !config.positive("n_groups", 8, legacy) ||
      !config.positive("mamba_n_groups", legacy, groups) ||
      !config.positive("conv_kernel", 4, legacy) ||
      !config.positive("mamba_d_conv", legacy, kernel) ||
      !config.positive("chunk_size", 128, legacy) ||
      !config.positive("mamba_chunk_size", legacy, chunk) ||
      !config.number("time_step_min", 0.001, legacyMin) ||
      !config.number("mamba_dt_min", legacyMin, stepMin) ||
      !config.number("layer_norm_epsilon", 1e-5, eps) ||
      !config.optionalNumber("sliding_window", std::nullopt, window) ||
      !config.boolean("use_bias", false, useBias) ||
      !config.boolean("use_conv_bias", true, legacyBool) ||
      !config.boolean("mamba_conv_bias", legacyBool, convBias) ||
      !config.boolean("mlp_bias", false, mlpBias) ||
      !config.string("mlp_hidden_act", "relu2", mlpAct) ||
      !config.string("mamba_hidden_act", "silu", mambaAct) ||
      !config.strings("layers_block_type", types)) {
    error = config.error;
    return nullptr;
  }
  auto fail = [&](const std::string &message) {
    error = config.file() + ": nemotron_h: " + message;
    return nullptr;
  };
  if (types.empty() && !config.strings("layer_types", types)) {
    error = config.error;
    return nullptr;
  }
  if (types.empty()) {
    std::string pattern;
    if (!config.string("hybrid_override_pattern", "", pattern)) {
      error = config.error;
      return nullptr;
    }
    for (size_t i = 0; i < pattern.size(); ++i) {
      const char c = pattern[i];
      if (c == 'M')
        types.push_back("linear_attention");
      else if (c == '*')
        types.push_back("full_attention");
      else if (c == '-')
        types.push_back("mlp");
      else if (c == 'E')
        types.push_back("moe");
      else
        return fail("hybrid_override_pattern[" + std::to_string(i) + "] is '" +
                    std::string(1, c) + "'; expected M, *, - or E");
    }
  }
  if (types.empty())
    return fail("no layers: give layers_block_type or hybrid_override_pattern");
  for (size_t i = 0; i < types.size(); ++i) {
    std::string &type = types[i];
    if (type == "mamba")
      type = "linear_attention";
    else if (type == "attention")
      type = "full_attention";
    if (type == "moe")
      return fail("block " + std::to_string(i) +
                  " is a mixture of experts, which is not supported yet (NemotronH's "
                  "router is a sigmoid with grouped top-k and a shared expert; "
                  "hybrid.moe routes by softmax)");
    if (type != "linear_attention" && type != "full_attention" && type != "mlp")
      return fail("layers_block_type[" + std::to_string(i) + "] is '" + type +
                  "'; expected linear_attention, full_attention, mlp or moe");
  }
  if (heads % kvHeads != 0)
    return fail("num_attention_heads (" + std::to_string(heads) +
                ") must be a multiple of num_key_value_heads (" +
                std::to_string(kvHeads) + ")");
  if (mHeads % groups != 0)
    return fail("mamba_num_heads (" + std::to_string(mHeads) +
                ") must be a multiple of n_groups (" + std::to_string(groups) + ")");
  if (mlpAct != "relu2")
    return fail("mlp_hidden_act '" + mlpAct + "' is not supported (Nemotron-H uses relu2)");
  if (mambaAct != "silu")
    return fail("mamba_hidden_act '" + mambaAct + "' is not supported (silu)");
  if (!(stepMin >= 0))
    return fail("time_step_min must be a non-negative number");
  if (window && (*window < 1 || *window != std::floor(*window)))
    return fail("sliding_window must be a positive integer or null");
  info.vocabSize = vocab;

  const int64_t inner = mHeads * mHeadDim;
  // HF's NemotronH mixer clamps Δ to [time_step_min, inf) and never reads
  // time_step_limit.
  Mamba2MixerConfig mixer{inner,   mHeads, mHeadDim, groups, state, kernel, chunk,
                          useBias, convBias, eps,
                          stepMin > 0 ? std::optional<double>(stepMin) : std::nullopt,
                          std::nullopt};
  ModelBuilder m(context, shape);
  OpBuilder &b = m.b;
  Location loc = m.loc;
  const int64_t B = shape.batch, S = shape.seq;
  Value embed = m.weight("backbone.embeddings.weight", {vocab, hidden});
  Value h = m.embed(embed);
  auto heads4 = [&](Value flat, int64_t n) { return m.splitHeads(flat, n, headDim); };
  for (size_t i = 0; i < types.size(); ++i) {
    const std::string p = "backbone.layers." + std::to_string(i) + ".";
    const std::string x = p + "mixer.";
    m.beginLayer();
    Value n = m.rmsNorm(h, p + "norm.weight", eps);
    Value mixed;
    if (types[i] == "linear_attention") {
      mixed = buildMamba2Mixer(m, n, mixer, x, hidden);
    } else if (types[i] == "full_attention") {
      Value q = heads4(m.linear(n, x + "q_proj", heads * headDim, false), heads);
      Value k = heads4(m.linear(n, x + "k_proj", kvHeads * headDim, false), kvHeads);
      Value v = heads4(m.linear(n, x + "v_proj", kvHeads * headDim, false), kvHeads);
      Value o = m.causalAttention(q, k, v, /*window=*/0,
                                  b.getF32FloatAttr(1.0 / std::sqrt(double(headDim))),
                                  FloatAttr(), x);
      Value merged = MergeHeadsOp::create(b, loc, m.f32({B, S, heads * headDim}), o);
      mixed = m.linear(merged, x + "o_proj", hidden, false);
    } else {
      // relu2: relu(up x)².
      Value up = m.linear(n, x + "up_proj", inter, mlpBias);
      Value r = ActivationOp::create(b, loc, up.getType(), up,
                                     ActivationAttr::get(context, Activation::relu));
      mixed = m.linear(m.mul(r, r), x + "down_proj", hidden, mlpBias);
    }
    h = m.add(h, mixed);
    m.endLayer();
  }
  Value normed = m.rmsNorm(h, "backbone.norm_f.weight", eps);
  // HF's NemotronHForCausalLM ties nothing (no _tied_weights_keys): its
  // lm_head is its own weight whatever tie_word_embeddings says.
  Value head = m.weight("lm_head.weight", {vocab, hidden});
  return m.finish(LinearOp::create(b, loc, m.f32({B, S, vocab}), normed, head, Value()));
}
