//===- Jamba.cpp - Hugging Face JambaForCausalLM --------------------------===//
//
// HF transformers' modeling_jamba.py and configuration_jamba.py (4.46, 5.x),
// MATH.md §3: layer i is attention iff i % attn_layer_period ==
// attn_layer_offset, else Mamba (with RMSNorms on Δ, B and C); its FFN is a
// top-k MoE iff i % expert_layer_period == expert_layer_offset (and
// num_experts > 1), else a SwiGLU MLP. Attention is causal GQA without
// positional encoding, scaled by 1/√head_dim. The router is a softmax over
// all experts, top-k, without renormalisation. Experts are separate tensors
// in the checkpoint (feed_forward.experts.{e}.gate_proj.weight, ...), which
// the IR stacks with tensor.concat for hybrid.moe, or, in transformers 5's
// fused layout (detected from the checkpoint's names), experts.gate_up_proj
// [E, 2I, H] and experts.down_proj [E, H, I], sliced. `sliding_window` does not
// window: HF's eager and SDPA attention ignore it (only flash reads it).
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;


OwningOpRef<ModuleOp> frontend::importJamba(MLIRContext *context,
                                            HuggingFaceConfig &config,
                                            const ModelInputShape &shape,
                                            ModelInfo &info,
                                            std::string &error) {
  int64_t vocab, hidden, inter, layers, heads, kvHeads, topK, experts;
  int64_t expertPeriod, expertOffset, attnPeriod, attnOffset, state, kernel;
  double eps;
  std::optional<double> window;
  bool convBias, projBias, tied;
  std::string act;
  if (!config.positive("vocab_size", 65536, vocab) ||
      !config.positive("hidden_size", 4096, hidden) ||
      !config.positive("intermediate_size", 14336, inter) ||
      !config.positive("num_hidden_layers", 32, layers) ||
      !config.positive("num_attention_heads", 32, heads) ||
      !config.positive("num_key_value_heads", 8, kvHeads) ||
      !config.positive("num_experts_per_tok", 2, topK) ||
      !config.positive("num_experts", 16, experts) ||
      !config.positive("expert_layer_period", 2, expertPeriod) ||
      !config.positive("attn_layer_period", 8, attnPeriod) ||
      !config.positive("mamba_d_state", 16, state) ||
      !config.convWidth("mamba_d_conv", 4, kernel) ||
      !config.epsilon("rms_norm_eps", 1e-6, eps) ||
      // HF's eager and SDPA Jamba attention never window (only its flash
      // path reads sliding_window): the key is checked, then ignored.
      !config.optionalNumber("sliding_window", std::nullopt, window) ||
      !config.boolean("mamba_conv_bias", true, convBias) ||
      !config.boolean("mamba_proj_bias", false, projBias) ||
      !config.boolean("tie_word_embeddings", false, tied) ||
      !config.string("hidden_act", "silu", act)) {
    error = config.error;
    return nullptr;
  }
  // Offsets may be 0: non-negative integers (0.5 is refused, not truncated).
  if (!config.nonNegative("expert_layer_offset", 1, expertOffset) ||
      !config.nonNegative("attn_layer_offset", 4, attnOffset)) {
    error = config.error;
    return nullptr;
  }
  auto fail = [&](const std::string &message) {
    error = config.file() + ": jamba: " + message;
    return nullptr;
  };
  if (window && (*window < 1 || *window != std::floor(*window)))
    return fail("sliding_window must be a positive integer or null, got " +
                std::to_string(*window));
  if (act != "silu")
    return fail("hidden_act '" + act + "' is not supported (Jamba uses silu)");
  if (attnOffset < 0 || attnOffset >= attnPeriod)
    return fail("attn_layer_offset (" + std::to_string(attnOffset) +
                ") must be in [0, attn_layer_period = " + std::to_string(attnPeriod) + ")");
  if (expertOffset < 0 || expertOffset >= expertPeriod)
    return fail("expert_layer_offset (" + std::to_string(expertOffset) +
                ") must be in [0, expert_layer_period = " + std::to_string(expertPeriod) + ")");
  if (heads % kvHeads != 0 || hidden % heads != 0)
    return fail("hidden_size (" + std::to_string(hidden) + "), num_attention_heads (" +
                std::to_string(heads) + ") and num_key_value_heads (" +
                std::to_string(kvHeads) + ") do not divide");
  if (topK > experts)
    return fail("num_experts_per_tok (" + std::to_string(topK) +
                ") exceeds num_experts (" + std::to_string(experts) + ")");
  int64_t rank = (hidden + 15) / 16; // mamba_dt_rank "auto"
  int64_t inner;
  if (!config.autoOrPositive("mamba_dt_rank", rank, rank) ||
      !config.scaledWidth("mamba_expand", 2, hidden, inner)) {
    error = config.error;
    return nullptr;
  }
  info.vocabSize = vocab;

  ModelBuilder m(context, shape);
  OpBuilder &b = m.b;
  Location loc = m.loc;
  auto tensor = [&](ArrayRef<int64_t> dims) { return m.f32(dims); };
  const int64_t B = shape.batch, S = shape.seq, headDim = hidden / heads;
  MambaMixerConfig mixer{inner, state, kernel, rank, projBias,
                         convBias, /*innerNorms=*/true, eps};

  Value embed = m.weight("model.embed_tokens.weight", {vocab, hidden});
  Value h = m.embed(embed);
  for (int64_t i = 0; i < layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    m.beginLayer();
    Value n = m.rmsNorm(h, p + "input_layernorm.weight", eps);
    Value mix;
    if (i % attnPeriod == attnOffset) {
      auto split = [&](Value flat, int64_t count) {
        return m.splitHeads(flat, count, headDim);
      };
      Value q = split(m.linear(n, p + "self_attn.q_proj", heads * headDim, false), heads);
      Value k = split(m.linear(n, p + "self_attn.k_proj", kvHeads * headDim, false), kvHeads);
      Value v = split(m.linear(n, p + "self_attn.v_proj", kvHeads * headDim, false), kvHeads);
      Value o = m.causalAttention(q, k, v, /*window=*/0, FloatAttr(),
                                  FloatAttr(), p + "self_attn.");
      Value merged = MergeHeadsOp::create(b, loc, tensor({B, S, hidden}), o);
      mix = m.linear(merged, p + "self_attn.o_proj", hidden, false);
    } else {
      mix = buildMambaMixer(m, n, mixer, p + "mamba.", hidden);
    }
    h = m.add(h, mix);
    Value f = m.rmsNorm(h, p + "pre_ff_layernorm.weight", eps);
    const std::string ff = p + "feed_forward.";
    Value out;
    if (experts > 1 && i % expertPeriod == expertOffset) {
      // transformers 5's fused layout (save_original_format=False) or one
      // tensor per expert.
      ModelBuilder::Experts e = m.gatedExperts(
          ff, config.checkpointHas(ff + "experts.gate_up_proj"), experts, inter, hidden);
      out = MoEOp::create(b, loc, f.getType(), f,
                          m.weight(ff + "router.weight", {experts, hidden}),
                          e.gate, e.up, e.down, /*selection_bias=*/Value(),
                          /*router_input=*/Value(), b.getI64IntegerAttr(topK), /*normalize_top_k=*/UnitAttr(),
                          ActivationAttr::get(context, Activation::silu),
                          /*sigmoid_router=*/UnitAttr(), b.getF32FloatAttr(1.0f),
                          b.getF32FloatAttr(0.0f));
    } else {
      out = GatedMLPOp::create(b, loc, f.getType(), f,
                               m.weight(ff + "gate_proj.weight", {inter, hidden}),
                               m.weight(ff + "up_proj.weight", {inter, hidden}),
                               m.weight(ff + "down_proj.weight", {hidden, inter}),
                               ActivationAttr::get(context, Activation::silu));
    }
    h = m.add(h, out);
    m.endLayer();
  }
  Value normed = m.rmsNorm(h, "model.final_layernorm.weight", eps);
  Value head = tied ? embed : m.weight("lm_head.weight", {vocab, hidden});
  return m.finish(LinearOp::create(b, loc, tensor({B, S, vocab}), normed, head, Value()));
}
