//===- Zamba2.cpp - Hugging Face Zamba2ForCausalLM ------------------------===//
//
// HF transformers' modeling_zamba2.py and configuration_zamba2.py (5.x; the
// type appeared in 4.48). Layers follow `layers_block_type`
// (linear_attention or its legacy "mamba", and hybrid):
//
//   linear_attention   h = h + Mamba2(input_layernorm(h))
//   hybrid (j-th)      t = SharedBlock_{j mod num_mem_blocks}(h, e, j)
//                      t = linear(t)                          per layer
//                      h = h + Mamba2(mamba_decoder.input_layernorm(h + t))
//
// with e the token embeddings. A shared block (its weights stored under the
// first hybrid layer that uses it: layers.{i}.shared_transformer; HF ties
// the later uses to it only with tie_word_embeddings, else each use has its
// own, and the checkpoint's names decide here) is
//
//   x = input_layernorm([h | e])                 2·hidden channels
//   q, k, v = proj(x) + B_j(A_j(x))              per-use LoRA adapters of
//                                                rank adapter_rank (q, k, v
//                                                with use_shared_attention_adapter)
//   a = o_proj(Attn(q, k, v))                    causal GQA, head_dim =
//                                                2·hidden / heads, scores ×
//                                                (head_dim / 2)^-½, RoPE on
//                                                whole heads with use_mem_rope
//   f = pre_ff_layernorm(a)
//   [g | u] = gate_up_proj(f) + B_j(A_j(f))      the MLP's adapter, always
//   return down_proj(gelu(g) · u)
//
// Each hybrid layer has its own KV cache. The Mamba-2 mixer (Mamba2.cpp) has
// n_mamba_heads heads, mamba_ngroups groups, a conv bias always, in_proj /
// out_proj biases with add_bias_linear, its gated norm's eps fixed at 1e-5,
// and Δ clamped to [time_step_min, inf) (HF's mixer). Final norm
// final_layernorm, tied head by default.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"

#include <cmath>
#include <map>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

OwningOpRef<ModuleOp> frontend::importZamba2(MLIRContext *context,
                                             HuggingFaceConfig &config,
                                             const ModelInputShape &shape,
                                             ModelInfo &info, std::string &error) {
  int64_t vocab, hidden, layers, state, kernel, groups, mHeads, chunk, heads, kvHeads;
  int64_t memBlocks, rank;
  double expand, eps, stepMin;
  bool bias, adapters, memRope, longContext, tied;
  std::string act;
  std::vector<std::string> types;
  if (!config.positive("vocab_size", 32000, vocab) ||
      !config.positive("hidden_size", 2560, hidden) ||
      !config.positive("num_hidden_layers", 54, layers) ||
      !config.positive("mamba_d_state", 64, state) ||
      !config.convWidth("mamba_d_conv", 4, kernel) ||
      !config.positive("mamba_ngroups", 1, groups) ||
      !config.positive("n_mamba_heads", 8, mHeads) ||
      !config.positive("chunk_size", 256, chunk) ||
      !config.positive("num_attention_heads", 32, heads) ||
      !config.positive("num_mem_blocks", 1, memBlocks) ||
      !config.positive("adapter_rank", 128, rank) ||
      !config.number("mamba_expand", 2, expand) ||
      !config.epsilon("rms_norm_eps", 1e-5, eps) ||
      !config.number("time_step_min", 0.001, stepMin) ||
      !config.boolean("add_bias_linear", false, bias) ||
      !config.boolean("use_shared_attention_adapter", false, adapters) ||
      !config.boolean("use_mem_rope", false, memRope) ||
      !config.boolean("use_long_context", false, longContext) ||
      !config.boolean("tie_word_embeddings", true, tied) ||
      !config.string("hidden_act", "gelu", act) ||
      !config.strings("layers_block_type", types)) {
    error = config.error;
    return nullptr;
  }
  auto fail = [&](const std::string &message) {
    error = config.file() + ": zamba2: " + message;
    return nullptr;
  };
  // Null or absent: num_attention_heads and 4 · hidden.
  int64_t inter;
  if (!config.positiveOrNull("num_key_value_heads", heads, heads, kvHeads) ||
      !config.positiveOrNull("intermediate_size", 4 * hidden, 4 * hidden, inter)) {
    error = config.error;
    return nullptr;
  }
  if (types.empty())
    return fail("'layers_block_type' must list the layers (linear_attention or hybrid)");
  if (int64_t(types.size()) != layers)
    return fail("'layers_block_type' has " + std::to_string(types.size()) +
                " entries for " + std::to_string(layers) + " layers");
  for (size_t i = 0; i < types.size(); ++i) {
    if (types[i] == "mamba")
      types[i] = "linear_attention";
    if (types[i] != "linear_attention" && types[i] != "hybrid")
      return fail("layers_block_type[" + std::to_string(i) + "] is '" + types[i] +
                  "'; expected linear_attention (mamba) or hybrid");
  }
  int64_t inner;
  if (!config.scaledWidth("mamba_expand", 2, hidden, inner)) {
    error = config.error;
    return nullptr;
  }
  if (double(inner) != expand * hidden || inner % mHeads != 0)
    return fail("n_mamba_heads (" + std::to_string(mHeads) +
                ") must divide mamba_expand * hidden_size");
  if (mHeads % groups != 0)
    return fail("n_mamba_heads (" + std::to_string(mHeads) +
                ") must be a multiple of mamba_ngroups (" + std::to_string(groups) + ")");
  if ((2 * hidden) % heads != 0 || heads % kvHeads != 0)
    return fail("num_attention_heads (" + std::to_string(heads) +
                ") must divide 2 * hidden_size and be a multiple of "
                "num_key_value_heads (" + std::to_string(kvHeads) + ")");
  if (adapters && kvHeads != heads)
    return fail("use_shared_attention_adapter needs num_key_value_heads (" +
                std::to_string(kvHeads) + ") equal to num_attention_heads (" +
                std::to_string(heads) +
                "): the k and v adapters project to 2 * hidden_size channels "
                "(HF's Zamba2 fails on it otherwise)");
  if (act != "gelu")
    return fail("hidden_act '" + act + "' is not supported (Zamba2 uses gelu)");
  if (!(stepMin >= 0))
    return fail("time_step_min must be a non-negative number");
  const int64_t headDim = 2 * hidden / heads;
  RopeParameters rope;
  if (memRope) {
    // HF's rotary embedding spans config.head_dim, which the config class
    // maps to attention_head_dim: whole heads.
    if (!readRopeParameters(config, headDim, "full_attention", 4096, rope)) {
      error = config.error;
      return nullptr;
    }
    if (rope.rotaryDim)
      return fail("'partial_rotary_factor' must be 1 (Zamba2 rotates whole heads)");
    // use_long_context sets max_position_embeddings to 16384 (HF's config
    // class; θ is not changed): only RoPE types that read it differ.
    if (longContext && rope.type != "default" && rope.type != "linear")
      return fail("use_long_context with rope_type '" + rope.type +
                  "' is not supported yet (it replaces max_position_embeddings, "
                  "which that type reads)");
  }
  info.vocabSize = vocab;

  Mamba2MixerConfig mixer{inner,   mHeads, inner / mHeads, groups, state, kernel,
                          chunk,   bias,   /*convBias=*/true, /*normEps=*/1e-5,
                          stepMin > 0 ? std::optional<double>(stepMin) : std::nullopt,
                          std::nullopt};

  ModelBuilder m(context, shape);
  OpBuilder &b = m.b;
  Location loc = m.loc;
  const int64_t B = shape.batch, S = shape.seq;
  Value embed = m.weight("model.embed_tokens.weight", {vocab, hidden});
  Value e = m.embed(embed);
  Value h = e;
  auto heads4 = [&](Value flat, int64_t n) { return m.splitHeads(flat, n, headDim); };
  // x Wᵀ + B(A x): a projection with its LoRA adapter `adapter` (rank r).
  auto withAdapter = [&](Value x, const std::string &proj, const std::string &adapter,
                         int64_t out, bool projBias) {
    Value y = m.linear(x, proj, out, projBias);
    Value low = m.linear(x, adapter + ".0", rank, false);
    return m.add(y, m.linear(low, adapter + ".1", out, false));
  };
  std::map<int64_t, std::string> blockPrefix; // block → its weights' layer
  int64_t hybridCount = 0;
  for (int64_t i = 0; i < layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    m.beginLayer();
    if (types[i] == "linear_attention") {
      Value n = m.rmsNorm(h, p + "input_layernorm.weight", eps);
      h = m.add(h, buildMamba2Mixer(m, n, mixer, p + "mamba.", hidden));
      m.endLayer();
      continue;
    }
    const int64_t j = hybridCount++, block = j % memBlocks;
    if (!blockPrefix.count(block))
      blockPrefix[block] = p + "shared_transformer.";
    // HF ties a block's later uses to its first only when it ties the word
    // embeddings too; untied, every use has its own weights. A checkpoint
    // says which by its names.
    const bool ownWeights =
        config.checkpointKnown()
            ? config.checkpointHas(p + "shared_transformer.input_layernorm.weight")
            : !tied;
    const std::string w = ownWeights ? p + "shared_transformer." : blockPrefix[block];
    const std::string use = std::to_string(j);
    Value n = m.rmsNorm(m.concat(h, e, 2), w + "input_layernorm.weight", eps);
    auto project = [&](const char *name, int64_t out) {
      const std::string proj = w + "self_attn." + name + "_proj";
      return adapters ? withAdapter(n, proj,
                                    w + "self_attn.linear_" + name + "_adapter_list." + use,
                                    out, false)
                      : m.linear(n, proj, out, false);
    };
    Value q = heads4(project("q", heads * headDim), heads);
    Value k = heads4(project("k", kvHeads * headDim), kvHeads);
    Value v = heads4(project("v", kvHeads * headDim), kvHeads);
    if (memRope) {
      q = m.rope(q, rope);
      k = m.rope(k, rope);
    }
    Value o = m.causalAttention(q, k, v, /*window=*/0,
                                b.getF32FloatAttr(1.0 / std::sqrt(headDim / 2.0)),
                                FloatAttr(), p + "shared_transformer.self_attn.");
    Value merged = MergeHeadsOp::create(b, loc, m.f32({B, S, heads * headDim}), o);
    Value a = m.linear(merged, w + "self_attn.o_proj", hidden, false);
    Value f = m.rmsNorm(a, w + "pre_ff_layernorm.weight", eps);
    Value gateUp = withAdapter(f, w + "feed_forward.gate_up_proj",
                               w + "feed_forward.gate_up_proj_adapter_list." + use,
                               2 * inter, bias);
    Value gate = ActivationOp::create(b, loc, m.f32({B, S, inter}),
                                      m.lastDimSlice(gateUp, 0, inter),
                                      ActivationAttr::get(context, Activation::gelu));
    Value t = m.linear(m.mul(gate, m.lastDimSlice(gateUp, inter, inter)),
                       w + "feed_forward.down_proj", hidden, bias);
    t = m.linear(t, p + "linear", hidden, false);
    Value n2 = m.rmsNorm(m.add(h, t), p + "mamba_decoder.input_layernorm.weight", eps);
    h = m.add(h, buildMamba2Mixer(m, n2, mixer, p + "mamba_decoder.mamba.", hidden));
    m.endLayer();
  }
  Value normed = m.rmsNorm(h, "model.final_layernorm.weight", eps);
  Value head = tied ? embed : m.weight("lm_head.weight", {vocab, hidden});
  return m.finish(LinearOp::create(b, loc, m.f32({B, S, vocab}), normed, head, Value()));
}
