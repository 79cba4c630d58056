//===- FalconH1.cpp - Hugging Face FalconH1ForCausalLM --------------------===//
//
// HF transformers' modeling_falcon_h1.py and configuration_falcon_h1.py
// (5.x; the type appeared in 4.53). Every layer runs attention and Mamba-2
// in parallel on the same normed input, with Falcon-H1's muP multipliers:
//
//   n = input_layernorm(h)
//   h = h + ssm_out · Mamba2(ssm_in · n) + attn_out · Attn(attn_in · n)
//   h = h + MLP(pre_ff_layernorm(h))
//   MLP(x) = down(up(x) · silu(gate(x) · g)) · d        [g, d] = mlp_multipliers
//
// The Mamba-2 mixer (Mamba2.cpp) has I = mamba_d_ssm (or mamba_expand ·
// hidden when null) channels; in_proj's output sections gate, x, B, C and
// dt are scaled by ssm_multipliers (HF's mup_vector); with mamba_rms_norm
// its output is normed per group (before the SiLU gate when
// mamba_norm_before_gate, else after), without it only gated; out_proj's
// bias is projectors_bias. Attention is causal GQA scaled by head_dim^-½
// with RoPE on whole heads and k × key_multiplier. The embedding is ×
// embedding_multiplier and the logits × lm_head_multiplier; final norm
// final_layernorm, untied head by default.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

OwningOpRef<ModuleOp> frontend::importFalconH1(MLIRContext *context,
                                               HuggingFaceConfig &config,
                                               const ModelInputShape &shape,
                                               ModelInfo &info, std::string &error) {
  int64_t vocab, hidden, inter, layers, heads, kvHeads, headDim;
  double eps, expand, embedScale, headScale, keyScale, attnIn, attnOut, ssmIn, ssmOut;
  bool attnBias, mlpBias, outBias, mambaNorm, normBeforeGate, tied;
  std::string act;
  std::vector<double> mlpScales, ssmScales;
  if (!config.positive("vocab_size", 128000, vocab) ||
      !config.positive("hidden_size", 4096, hidden) ||
      !config.positive("intermediate_size", 14336, inter) ||
      !config.positive("num_hidden_layers", 32, layers) ||
      !config.positive("num_attention_heads", 32, heads) ||
      // absent: 8 (HF's default); null: num_attention_heads.
      !config.positiveOrNull("num_key_value_heads", 8, heads, kvHeads) ||
      !config.positive("head_dim", hidden / heads, headDim) ||
      !config.number("mamba_expand", 2, expand) ||
      !config.epsilon("rms_norm_eps", 1e-5, eps) ||
      !config.number("embedding_multiplier", 1.0, embedScale) ||
      !config.number("lm_head_multiplier", 1.0, headScale) ||
      !config.number("key_multiplier", 1.0, keyScale) ||
      !config.number("attention_in_multiplier", 1.0, attnIn) ||
      !config.number("attention_out_multiplier", 1.0, attnOut) ||
      !config.number("ssm_in_multiplier", 1.0, ssmIn) ||
      !config.number("ssm_out_multiplier", 1.0, ssmOut) ||
      !config.boolean("attention_bias", false, attnBias) ||
      !config.boolean("mlp_bias", false, mlpBias) ||
      !config.boolean("projectors_bias", false, outBias) ||
      !config.boolean("mamba_rms_norm", false, mambaNorm) ||
      !config.boolean("mamba_norm_before_gate", true, normBeforeGate) ||
      !config.boolean("tie_word_embeddings", false, tied) ||
      !config.string("hidden_act", "silu", act)) {
    error = config.error;
    return nullptr;
  }
  auto fail = [&](const std::string &message) {
    error = config.file() + ": falcon_h1: " + message;
    return nullptr;
  };
  // Lists that may be null (HF's defaults then).
  auto readList = [&](const char *key, size_t count, std::vector<double> &out) {
    out.assign(count, 1.0);
    const llvm::json::Value *v = config.json().get(key);
    if (!v || v->kind() == llvm::json::Value::Null)
      return true;
    if (!config.numbers(key, out, count, out))
      return false;
    // Multipliers, unlike time_step_limit, have no use for infinity.
    for (double x : out)
      if (!(std::fabs(x) <= double(std::numeric_limits<float>::max()))) {
        config.error = config.file() + ": '" + key + "' must be a list of " +
                       std::to_string(count) + " finite numbers within f32's range";
        return false;
      }
    return true;
  };
  if (!readList("mlp_multipliers", 2, mlpScales) ||
      !readList("ssm_multipliers", 5, ssmScales)) {
    error = config.error;
    return nullptr;
  }
  // The Mamba width: mamba_d_ssm (absent: 1024), or mamba_expand · hidden
  // when it is null.
  int64_t inner = int64_t(expand * hidden);
  const llvm::json::Value *dSsm = config.json().get("mamba_d_ssm");
  if (!(dSsm && dSsm->kind() == llvm::json::Value::Null)) {
    if (!config.positive("mamba_d_ssm", 1024, inner)) {
      error = config.error;
      return nullptr;
    }
  } else if (!config.scaledWidth("mamba_expand", 2, hidden, inner)) {
    error = config.error;
    return nullptr;
  } else if (double(inner) != expand * hidden) {
    return fail("mamba_expand * hidden_size must be an integer");
  }
  Mamba2MixerConfig mixer;
  if (!readMamba2Keys(config, "falcon_h1", inner, "the Mamba width", eps, mixer, error))
    return nullptr;
  if (heads % kvHeads != 0)
    return fail("num_attention_heads (" + std::to_string(heads) +
                ") must be a multiple of num_key_value_heads (" +
                std::to_string(kvHeads) + ")");
  if (act != "silu")
    return fail("hidden_act '" + act + "' is not supported (Falcon-H1 uses silu)");
  RopeParameters rope;
  if (!readRopeParameters(config, headDim, "full_attention", 8192, rope)) {
    error = config.error;
    return nullptr;
  }
  if (rope.rotaryDim)
    return fail("'partial_rotary_factor' must be 1 (Falcon-H1 rotates whole heads)");
  info.vocabSize = vocab;

  using GatedNorm = Mamba2MixerConfig::GatedNorm;
  mixer.outBias = outBias;
  mixer.inScale = ssmIn;
  std::copy(ssmScales.begin(), ssmScales.end(), mixer.sectionScales.begin());
  mixer.gatedNorm = !mambaNorm        ? GatedNorm::None
                    : normBeforeGate ? GatedNorm::BeforeGate
                                     : GatedNorm::AfterGate;

  ModelBuilder m(context, shape);
  OpBuilder &b = m.b;
  Location loc = m.loc;
  const int64_t B = shape.batch, S = shape.seq;
  Value embed = m.weight("model.embed_tokens.weight", {vocab, hidden});
  Value h = m.embed(embed, embedScale == 1.0 ? std::nullopt
                                             : std::optional<float>(float(embedScale)));
  auto silu = [&](Value x) {
    return ActivationOp::create(b, loc, x.getType(), x,
                                ActivationAttr::get(context, Activation::silu))
        .getResult();
  };
  for (int64_t i = 0; i < layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    m.beginLayer();
    Value n = m.rmsNorm(h, p + "input_layernorm.weight", eps);
    Value ssm = m.scale(buildMamba2Mixer(m, n, mixer, p + "mamba.", hidden), ssmOut);
    Value attn = m.selfAttention(
        m.scale(n, attnIn), p + "self_attn.", heads, kvHeads, headDim, attnBias,
        b.getF32FloatAttr(1.0 / std::sqrt(double(headDim))),
        [&](Value &q, Value &k) {
          q = m.rope(q, rope);
          k = m.rope(m.scale(k, keyScale), rope);
        },
        hidden);
    attn = m.scale(attn, attnOut);
    h = m.add(h, m.add(ssm, attn));
    Value f = m.rmsNorm(h, p + "pre_ff_layernorm.weight", eps);
    const std::string ff = p + "feed_forward.";
    Value down;
    if (mlpBias || mlpScales[0] != 1.0) {
      Value gate = m.scale(m.linear(f, ff + "gate_proj", inter, mlpBias), mlpScales[0]);
      Value up = m.linear(f, ff + "up_proj", inter, mlpBias);
      down = m.linear(m.mul(up, silu(gate)), ff + "down_proj", hidden, mlpBias);
    } else {
      Value gate = m.weight(ff + "gate_proj.weight", {inter, hidden});
      Value up = m.weight(ff + "up_proj.weight", {inter, hidden});
      Value downW = m.weight(ff + "down_proj.weight", {hidden, inter});
      down = GatedMLPOp::create(b, loc, f.getType(), f, gate, up, downW,
                                ActivationAttr::get(context, Activation::silu));
    }
    h = m.add(h, m.scale(down, mlpScales[1]));
    m.endLayer();
  }
  Value normed = m.rmsNorm(h, "model.final_layernorm.weight", eps);
  Value head = tied ? embed : m.weight("lm_head.weight", {vocab, hidden});
  Value logits = LinearOp::create(b, loc, m.f32({B, S, vocab}), normed, head, Value());
  return m.finish(m.scale(logits, headScale));
}
