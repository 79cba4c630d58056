//===- Mamba.cpp - Hugging Face MambaForCausalLM, FalconMambaForCausalLM --===//
//
// HF transformers' modeling_mamba.py (MambaMixer.slow_forward, MambaBlock,
// MambaModel, MambaForCausalLM) and configuration_mamba.py defaults, read
// from transformers 4.46: use_bias=False, use_conv_bias=True, expand=2,
// conv_kernel=4, state_size=16, time_step_rank="auto" = ceil(hidden/16),
// layer_norm_epsilon=1e-5, tie_word_embeddings=True. MATH.md §1.
//
// modeling_falcon_mamba.py (4.46 and 5.x) is the same model with one change:
// Δ, B and C are RMS-normalised without a weight (rms_forward, eps
// mixer_rms_eps = 1e-6) right after x_proj.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

Value frontend::buildMambaMixer(ModelBuilder &m, Value n,
                                const MambaMixerConfig &c, const std::string &p,
                                int64_t hidden) {
  OpBuilder &b = m.b;
  Location loc = m.loc;
  auto tensor = [&](ArrayRef<int64_t> dims) { return m.f32(dims); };
  const int64_t B = m.batch, S = m.seq;
  Value xz = m.linear(n, p + "in_proj", 2 * c.inner, c.projBias);
  Value x = m.lastDimSlice(xz, 0, c.inner), z = m.lastDimSlice(xz, c.inner, c.inner);
  // conv1d.weight is [E, 1, K] in the checkpoint.
  Value convW3 = m.weight(p + "conv1d.weight", {c.inner, 1, c.kernel});
  Value convW = tensor::CollapseShapeOp::create(
      b, loc, tensor({c.inner, c.kernel}), convW3,
      SmallVector<ReassociationIndices>{{0}, {1, 2}});
  Value convB = c.convBias ? m.weight(p + "conv1d.bias", {c.inner}) : Value();
  // Generation: the conv's last K−1 inputs and the SSM state carry over
  // (HF's MambaCache conv_states and ssm_states).
  Value convState = m.carryState
                        ? m.stateIn(p + "conv_state", {B, c.inner, c.kernel - 1})
                        : Value();
  Value ssmState =
      m.carryState ? m.stateIn(p + "ssm_state", {B, c.inner, c.state}) : Value();
  auto conv = CausalConv1DOp::create(b, loc, tensor({B, S, c.inner}),
                                     tensor({B, c.inner, c.kernel - 1}), x, convW,
                                     convB, convState, Activation::silu);
  if (m.carryState)
    m.stateOut(p + "conv_state", conv.getFinalState());
  Value xc = conv.getResult();
  Value dbc = m.linear(xc, p + "x_proj", c.rank + 2 * c.state, false);
  Value dt = m.lastDimSlice(dbc, 0, c.rank);
  Value bs = m.lastDimSlice(dbc, c.rank, c.state);
  Value cs = m.lastDimSlice(dbc, c.rank + c.state, c.state);
  if (c.weightlessInnerNorms) {
    dt = m.weightlessRmsNorm(dt, c.normEps);
    bs = m.weightlessRmsNorm(bs, c.normEps);
    cs = m.weightlessRmsNorm(cs, c.normEps);
  } else if (c.innerNorms) {
    dt = m.rmsNorm(dt, p + "dt_layernorm.weight", c.normEps);
    bs = m.rmsNorm(bs, p + "b_layernorm.weight", c.normEps);
    cs = m.rmsNorm(cs, p + "c_layernorm.weight", c.normEps);
  }
  // Δ = softplus(dt_proj(dt)): the projection here, its bias in the scan.
  Value delta = LinearOp::create(b, loc, tensor({B, S, c.inner}), dt,
                                 m.weight(p + "dt_proj.weight", {c.inner, c.rank}),
                                 Value());
  Value deltaBias = m.weight(p + "dt_proj.bias", {c.inner});
  // A = -exp(A_log)
  Value aLog = m.weight(p + "A_log", {c.inner, c.state});
  Value a = arith::NegFOp::create(b, loc, math::ExpOp::create(b, loc, aLog));
  Value d = m.weight(p + "D", {c.inner});
  auto scan = SelectiveScanOp::create(
      b, loc, tensor({B, S, c.inner}), tensor({B, c.inner, c.state}), xc, delta, a,
      bs, cs, d, z, deltaBias, ssmState, /*delta_softplus=*/true);
  if (m.carryState)
    m.stateOut(p + "ssm_state", scan.getFinalState());
  return m.linear(scan.getY(), p + "out_proj", hidden, c.projBias);
}

OwningOpRef<ModuleOp> frontend::importMamba(MLIRContext *context,
                                            HuggingFaceConfig &config,
                                            const ModelInputShape &shape,
                                            ModelInfo &info,
                                            std::string &error) {
  const bool falcon = config.json().getString("model_type") == "falcon_mamba";
  const char *type = falcon ? "falcon_mamba" : "mamba";
  int64_t hidden, layers, vocab, state, kernel;
  double eps, mixerEps;
  bool useBias, useConvBias, tied;
  std::string act;
  if (!config.positive("hidden_size", 768, hidden) ||
      !config.positive("num_hidden_layers", 32, layers) ||
      !config.positive("vocab_size", 50280, vocab) ||
      !config.positive("state_size", 16, state) ||
      !config.convWidth("conv_kernel", 4, kernel) ||
      !config.epsilon("layer_norm_epsilon", 1e-5, eps) ||
      !config.boolean("use_bias", false, useBias) ||
      !config.boolean("use_conv_bias", true, useConvBias) ||
      !config.boolean("tie_word_embeddings", true, tied) ||
      !config.epsilon("mixer_rms_eps", 1e-6, mixerEps) ||
      !config.string("hidden_act", "silu", act)) {
    error = config.error;
    return nullptr;
  }
  if (act != "silu") {
    error = config.file() + ": " + type + ": hidden_act '" + act +
            "' is not supported (HF's Mamba uses silu)";
    return nullptr;
  }
  int64_t inner;
  if (!config.scaledWidth("expand", 2, hidden, inner)) {
    error = config.error;
    return nullptr;
  }
  int64_t rank = (hidden + 15) / 16; // "auto"
  if (!config.autoOrPositive("time_step_rank", rank, rank)) {
    error = config.error;
    return nullptr;
  }
  info.vocabSize = vocab;

  ModelBuilder m(context, shape);
  Value embeddings = m.weight("backbone.embeddings.weight", {vocab, hidden});
  Value h = m.embed(embeddings);
  MambaMixerConfig mixer{inner, state, kernel, rank, useBias, useConvBias};
  mixer.weightlessInnerNorms = falcon;
  mixer.normEps = mixerEps;
  for (int64_t i = 0; i < layers; ++i) {
    const std::string p = "backbone.layers." + std::to_string(i) + ".";
    // h = h + Mixer(RMSNorm(h))
    m.beginLayer();
    Value n = m.rmsNorm(h, p + "norm.weight", eps);
    h = m.add(h, buildMambaMixer(m, n, mixer, p + "mixer.", hidden));
    m.endLayer();
  }
  Value normed = m.rmsNorm(h, "backbone.norm_f.weight", eps);
  Value head = tied ? embeddings : m.weight("lm_head.weight", {vocab, hidden});
  return m.finish(LinearOp::create(m.b, m.loc, m.f32({m.batch, m.seq, vocab}),
                                   normed, head, Value()));
}
