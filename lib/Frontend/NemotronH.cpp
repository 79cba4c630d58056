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
//   moe               top-k of n_routed_experts relu² experts by sigmoid
//                     score + e_score_correction_bias (weights the unbiased
//                     scores / (Σ + 1e-20) with norm_topk_prob, ×
//                     routed_scaling_factor), plus the shared relu² MLP;
//                     n_group / topk_group (group-limited choice) and
//                     moe_latent_size (latent experts) supported
//
// Weights live under backbone. (embeddings, layers.i.mixer, norm_f), or
// model. as transformers 5 writes them with save_original_format=False; the
// head is lm_head even with tie_word_embeddings (HF ties nothing here).
// Legacy key spellings
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
      !config.convWidth("conv_kernel", 4, legacy) ||
      !config.convWidth("mamba_d_conv", legacy, kernel) ||
      !config.positive("chunk_size", 128, legacy) ||
      !config.positive("mamba_chunk_size", legacy, chunk) ||
      !config.number("time_step_min", 0.001, legacyMin) ||
      !config.number("mamba_dt_min", legacyMin, stepMin) ||
      !config.epsilon("layer_norm_epsilon", 1e-5, eps) ||
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
    if (type != "linear_attention" && type != "full_attention" && type != "mlp" &&
        type != "moe")
      return fail("layers_block_type[" + std::to_string(i) + "] is '" + type +
                  "'; expected linear_attention, full_attention, mlp or moe");
  }
  // MoE blocks: n_routed_experts relu² experts (up, down) chosen by a
  // sigmoid router with a correction bias, plus one shared relu² MLP.
  int64_t experts = 0, topK = 0, moeInter = 0, sharedInter = 0, nGroup = 1, topkGroup = 1,
          latentSize = 0;
  double scaling = 1.0;
  bool normTopK = true;
  const bool anyMoE = llvm::is_contained(types, "moe");
  if (anyMoE) {
    std::optional<double> latent;
    if (!config.positive("n_routed_experts", 8, experts) ||
        !config.positive("num_experts_per_tok", 2, topK) ||
        !config.positive("moe_intermediate_size", 7688, moeInter) ||
        !config.positive("moe_shared_expert_intermediate_size", 7688, sharedInter) ||
        !config.positive("n_group", 1, nGroup) || !config.positive("topk_group", 1, topkGroup) ||
        !config.number("routed_scaling_factor", 1.0, scaling) ||
        !config.boolean("norm_topk_prob", true, normTopK) ||
        !config.optionalNumber("moe_latent_size", std::nullopt, latent)) {
      error = config.error;
      return nullptr;
    }
    if (topK > experts)
      return fail("num_experts_per_tok (" + std::to_string(topK) +
                  ") exceeds n_routed_experts (" + std::to_string(experts) + ")");
    // Group-limited choice (DeepSeek-V3's): each group scores its two best.
    if (experts % nGroup != 0 || experts / nGroup < 2)
      return fail("n_group (" + std::to_string(nGroup) + ") must divide n_routed_experts (" +
                  std::to_string(experts) + ") into groups of at least 2");
    if (topkGroup > nGroup)
      return fail("topk_group (" + std::to_string(topkGroup) + ") exceeds n_group (" +
                  std::to_string(nGroup) + ")");
    if (topK > topkGroup * (experts / nGroup))
      return fail("num_experts_per_tok (" + std::to_string(topK) + ") exceeds the " +
                  std::to_string(topkGroup * (experts / nGroup)) +
                  " experts of topk_group groups");
    if (latent) {
      if (!(*latent >= 1) || *latent != std::floor(*latent))
        return fail("moe_latent_size must be a positive integer or null");
      latentSize = int64_t(*latent);
    }
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
  // transformers 5 writes backbone.* in the original layout and model.* with
  // save_original_format=False; the checkpoint's names decide.
  const std::string root =
      config.checkpointHas("model.embeddings.weight") ? "model." : "backbone.";
  Value embed = m.weight(root + "embeddings.weight", {vocab, hidden});
  Value h = m.embed(embed);
  // relu2: down(relu(up x)²).
  auto relu2Mlp = [&](Value x, const std::string &prefix, int64_t width) {
    Value up = m.linear(x, prefix + "up_proj", width, mlpBias);
    Value r = ActivationOp::create(b, loc, up.getType(), up,
                                   ActivationAttr::get(context, Activation::relu));
    return m.linear(m.mul(r, r), prefix + "down_proj", hidden, mlpBias);
  };
  for (size_t i = 0; i < types.size(); ++i) {
    const std::string p = root + "layers." + std::to_string(i) + ".";
    const std::string x = p + "mixer.";
    m.beginLayer();
    Value n = m.rmsNorm(h, p + "norm.weight", eps);
    Value mixed;
    if (types[i] == "linear_attention") {
      mixed = buildMamba2Mixer(m, n, mixer, x, hidden);
    } else if (types[i] == "full_attention") {
      mixed = m.selfAttention(n, x, heads, kvHeads, headDim, /*bias=*/false,
                              b.getF32FloatAttr(1.0 / std::sqrt(double(headDim))),
                              /*shape=*/nullptr, hidden);
    } else if (types[i] == "mlp") {
      mixed = relu2Mlp(n, x, inter);
    } else {
      // Experts one tensor each or fused [E, I, H] / [E, H, I], by the
      // checkpoint's names. relu² experts are hybrid.moe's gated form with
      // gate = up and relu: relu(u)·u = relu(u)². With moe_latent_size L
      // the experts run on fc1_latent_proj(n) [.., L] and their sum goes
      // back through fc2_latent_proj; the router still reads n.
      const int64_t width = latentSize ? latentSize : hidden;
      Value expertInput = latentSize ? m.linear(n, x + "fc1_latent_proj", latentSize, mlpBias) : n;
      Value up, down;
      if (config.checkpointHas(x + "experts.up_proj")) {
        up = m.weight(x + "experts.up_proj", {experts, moeInter, width});
        down = m.weight(x + "experts.down_proj", {experts, width, moeInter});
      } else {
        up = m.stackedExperts(x, "up_proj", experts, moeInter, width);
        down = m.stackedExperts(x, "down_proj", experts, width, moeInter);
      }
      Value router = m.weight(x + "gate.weight", {experts, hidden});
      Value bias = m.weight(x + "gate.e_score_correction_bias", {experts});
      Value routed = MoEOp::create(
          b, loc, expertInput.getType(), expertInput, router, up, up, down, bias,
          /*router_input=*/latentSize ? n : Value(), b.getI64IntegerAttr(topK),
          normTopK ? b.getUnitAttr() : UnitAttr(),
          ActivationAttr::get(context, Activation::relu),
          /*sigmoid_router=*/b.getUnitAttr(), b.getF32FloatAttr(float(scaling)),
          b.getF32FloatAttr(normTopK ? 1e-20f : 0.0f), b.getI64IntegerAttr(nGroup),
          b.getI64IntegerAttr(topkGroup));
      if (latentSize)
        routed = m.linear(routed, x + "fc2_latent_proj", hidden, mlpBias);
      mixed = m.add(routed, relu2Mlp(n, x + "shared_experts.", sharedInter));
    }
    h = m.add(h, mixed);
    m.endLayer();
  }
  Value normed = m.rmsNorm(h, root + "norm_f.weight", eps);
  // HF's NemotronHForCausalLM ties nothing (no _tied_weights_keys): its
  // lm_head is its own weight whatever tie_word_embeddings says.
  Value head = m.weight("lm_head.weight", {vocab, hidden});
  return m.finish(LinearOp::create(b, loc, m.f32({B, S, vocab}), normed, head, Value()));
}
