//===- RecurrentGemma.cpp - Hugging Face RecurrentGemmaForCausalLM --------===//
//
// HF transformers' modeling_recurrent_gemma.py and its configuration
// (transformers 5, the truth; see docs/models.md for where 4.x differs),
// Griffin's residual blocks, MATH.md §11: embedding × √hidden rounded to
// bfloat16 (HF's normalizer buffer); per layer, by `block_types` cycled
// ("recurrent", "recurrent", "attention"), a temporal block and a GeGLU MLP
// with biases (intermediate_size / 2 wide), each after a (1 + w) RMSNorm and
// added to the residual. The recurrent block: gelu_tanh(linear_y(x)) ⊙
// RG-LRU(conv1d(linear_x(x))), then linear_out; the conv is depthwise and
// causal with a bias and no activation. The attention block: local
// (window `attention_window_size`) GQA/MQA without q/k/v biases by default,
// RoPE on the first half of each head (partial_rotary_factor 0.5), scores ×
// head_dim^-½, o_proj with a bias. Final norm, tied head, logits softcapped
// by logits_soft_cap. head_dim is hidden_size / num_attention_heads, as
// HF's config computes it.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"
#include "RopeParameters.h"
#include "hybrid/Support/HostTensor.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

namespace {

struct RecurrentBlockShape {
  int64_t hidden, lruWidth, heads, convWidth;
};

/// Griffin's recurrent block on the normed input `n`: `p` is the block's
/// prefix (…temporal_block.).
Value recurrentBlock(ModelBuilder &m, Value n, const RecurrentBlockShape &c,
                     const std::string &p) {
  OpBuilder &b = m.b;
  Location loc = m.loc;
  const int64_t B = m.batch, S = m.seq, W = c.lruWidth, K = c.convWidth,
                block = W / c.heads;
  Value y = ActivationOp::create(b, loc, m.f32({B, S, W}), m.linear(n, p + "linear_y", W, true),
                                 ActivationAttr::get(b.getContext(), Activation::gelu_tanh));
  Value x = m.linear(n, p + "linear_x", W, true);
  // conv_1d.weight is [W, 1, K] in the checkpoint.
  Value convW = tensor::CollapseShapeOp::create(
      b, loc, m.f32({W, K}), m.weight(p + "conv_1d.weight", {W, 1, K}),
      SmallVector<ReassociationIndices>{{0}, {1, 2}});
  // Generation: the conv's last K−1 inputs and the recurrence's state carry
  // over (HF's conv1d_state and rg_lru.recurrent_states); the RG-LRU reads
  // the positions, so a fresh session's zero state still starts a sequence.
  Value convState = m.carryState ? m.stateIn(p + "conv1d_state", {B, W, K - 1}) : Value();
  auto conv = CausalConv1DOp::create(b, loc, m.f32({B, S, W}), m.f32({B, W, K - 1}), x, convW,
                                     m.weight(p + "conv_1d.bias", {W}), convState,
                                     Activation::identity);
  if (m.carryState)
    m.stateOut(p + "conv1d_state", conv.getFinalState());
  const std::string r = p + "rg_lru.";
  Value lruState = m.carryState ? m.stateIn(r + "recurrent_states", {B, W}) : Value();
  auto lru = RGLRUOp::create(
      b, loc, m.f32({B, S, W}), m.f32({B, W}), conv.getResult(),
      m.weight(r + "input_gate_weight", {c.heads, block, block}),
      m.weight(r + "input_gate_bias", {c.heads, block}),
      m.weight(r + "recurrent_gate_weight", {c.heads, block, block}),
      m.weight(r + "recurrent_gate_bias", {c.heads, block}),
      m.weight(r + "recurrent_param", {W}), lruState,
      m.carryState ? m.positions() : Value(), b.getF32FloatAttr(8.0f));
  if (m.carryState)
    m.stateOut(r + "recurrent_states", lru.getFinalState());
  return m.linear(m.mul(lru.getY(), y), p + "linear_out", c.hidden, true);
}

} // namespace

OwningOpRef<ModuleOp> frontend::importRecurrentGemma(MLIRContext *context,
                                                     HuggingFaceConfig &config,
                                                     const ModelInputShape &shape,
                                                     ModelInfo &info, std::string &error) {
  int64_t hidden, inter, layers, heads, kvHeads, vocab, window, lruWidth, convWidth;
  double eps, softCap;
  bool attnBias, tied;
  std::string act;
  std::vector<std::string> blockTypes;
  if (!config.positive("hidden_size", 2560, hidden) ||
      !config.positive("intermediate_size", 3 * 2560, inter) ||
      !config.positive("num_hidden_layers", 26, layers) ||
      !config.positive("num_attention_heads", 10, heads) ||
      !config.positive("vocab_size", 256000, vocab) ||
      !config.positive("attention_window_size", 2048, window) ||
      !config.positive("conv1d_width", 4, convWidth) ||
      !config.epsilon("rms_norm_eps", 1e-6, eps) ||
      !config.number("logits_soft_cap", 30.0, softCap) ||
      !config.boolean("attention_bias", false, attnBias) ||
      !config.boolean("tie_word_embeddings", true, tied) ||
      !config.string("hidden_activation", "gelu_pytorch_tanh", act) ||
      !config.strings("block_types", blockTypes)) {
    error = config.error;
    return nullptr;
  }
  // lru_width and num_key_value_heads default to hidden_size and
  // num_attention_heads (null too).
  if (!config.positiveOrNull("lru_width", hidden, hidden, lruWidth) ||
      !config.positiveOrNull("num_key_value_heads", heads, heads, kvHeads)) {
    error = config.error;
    return nullptr;
  }
  auto fail = [&](const std::string &message) {
    error = config.file() + ": recurrent_gemma: " + message;
    return nullptr;
  };
  if (!config.given("block_types"))
    blockTypes = {"recurrent", "recurrent", "attention"};
  if (blockTypes.empty())
    return fail("'block_types' is empty");
  for (size_t i = 0; i < blockTypes.size(); ++i)
    if (blockTypes[i] != "recurrent" && blockTypes[i] != "attention")
      return fail("block_types[" + std::to_string(i) + "] is '" + blockTypes[i] +
                  "'; expected recurrent or attention");
  if (act != "gelu_pytorch_tanh")
    return fail("hidden_activation '" + act +
                "' is not supported (RecurrentGemma uses gelu_pytorch_tanh)");
  if (!(softCap > 0))
    return fail("'logits_soft_cap' must be positive, got " + std::to_string(softCap));
  if (hidden % heads != 0)
    return fail("hidden_size (" + std::to_string(hidden) +
                ") must be a multiple of num_attention_heads (" + std::to_string(heads) + ")");
  if (lruWidth % heads != 0)
    return fail("lru_width (" + std::to_string(lruWidth) +
                ") must be a multiple of num_attention_heads (" + std::to_string(heads) +
                "): the RG-LRU's gates are one block per head");
  if (heads % kvHeads != 0)
    return fail("num_attention_heads (" + std::to_string(heads) +
                ") must be a multiple of num_key_value_heads (" + std::to_string(kvHeads) + ")");
  if (inter < 2)
    return fail("'intermediate_size' must be at least 2 (the MLP is half as wide), got " +
                std::to_string(inter));
  const int64_t headDim = hidden / heads, mlpWidth = inter / 2;
  RopeParameters rope;
  if (!readRopeParameters(config, headDim, "sliding_attention", 8192, rope,
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
  // HF's normalizer is a bfloat16 buffer: √hidden rounded to bf16.
  const float normalizer = bfloat16ToFloat(floatToBFloat16(float(std::sqrt(double(hidden)))));
  Value h = m.embed(embed, normalizer);
  const RecurrentBlockShape recurrent{hidden, lruWidth, heads, convWidth};
  auto split = [&](Value flat, int64_t n) { return m.splitHeads(flat, n, headDim); };
  for (int64_t i = 0; i < layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    const std::string t = p + "temporal_block.";
    m.beginLayer();
    Value n = m.rmsNorm(h, p + "temporal_pre_norm.weight", eps, /*unitOffset=*/true);
    Value mixed;
    if (blockTypes[i % blockTypes.size()] == "recurrent") {
      mixed = recurrentBlock(m, n, recurrent, t);
    } else {
      Value q = m.rope(split(m.linear(n, t + "q_proj", heads * headDim, attnBias), heads), rope);
      Value k = m.rope(split(m.linear(n, t + "k_proj", kvHeads * headDim, attnBias), kvHeads),
                       rope);
      Value v = split(m.linear(n, t + "v_proj", kvHeads * headDim, attnBias), kvHeads);
      Value o = m.causalAttention(q, k, v, window,
                                  b.getF32FloatAttr(float(1.0 / std::sqrt(double(headDim)))),
                                  FloatAttr(), t);
      Value merged = MergeHeadsOp::create(b, loc, m.f32({B, S, heads * headDim}), o);
      mixed = m.linear(merged, t + "o_proj", hidden, true);
    }
    h = m.add(h, mixed);
    Value f = m.rmsNorm(h, p + "channel_pre_norm.weight", eps, /*unitOffset=*/true);
    const std::string mlp = p + "mlp_block.";
    Value gate = ActivationOp::create(b, loc, m.f32({B, S, mlpWidth}),
                                      m.linear(f, mlp + "gate_proj", mlpWidth, true),
                                      ActivationAttr::get(context, Activation::gelu_tanh));
    Value up = m.linear(f, mlp + "up_proj", mlpWidth, true);
    h = m.add(h, m.linear(m.mul(gate, up), mlp + "down_proj", hidden, true));
    m.endLayer();
  }
  Value normed = m.rmsNorm(h, "model.final_norm.weight", eps, /*unitOffset=*/true);
  Value head = tied ? embed : m.weight("lm_head.weight", {vocab, hidden});
  Value logits = LinearOp::create(b, loc, m.f32({B, S, vocab}), normed, head, Value());
  logits = SoftcapOp::create(b, loc, logits.getType(), logits, b.getF32FloatAttr(float(softCap)));
  return m.finish(logits);
}
