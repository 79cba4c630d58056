//===- Mamba2.cpp - Hugging Face Mamba2ForCausalLM ------------------------===//
//
// HF transformers' modeling_mamba2.py (Mamba2Mixer's torch path, Mamba2Block,
// Mamba2Model, Mamba2ForCausalLM) and configuration_mamba2.py defaults. Per
// layer, h = h + Mixer(RMSNorm(h)) with the mixer
//
//   in_proj(x) = [gate (I) | xBC (I + 2·G·N) | dt (H)]
//   xBC        = silu(causal_conv1d(xBC))            conv state [B, I+2GN, K−1]
//   x, B, C    = xBC split as [I | G·N | G·N]        x viewed [.., H, P]
//   y          = ssd_scan(x, dt, −exp(A_log), B, C, D, dt_bias, softplus)
//   y          = RMSNorm_grouped(y · silu(gate)) · norm.weight
//   out_proj(y)
//
// with I = expand·hidden = H·P, the norm taken per group of I/G channels
// (MambaRMSNormGated's group_size), and Δ clamped to time_step_limit.
//
// These are transformers 5's semantics, which are also mamba_ssm's (the CUDA
// kernels HF calls when present), and they are used for files of every
// version: transformers 4.46's torch path departs from its own CUDA path in
// four ways (it normalises over all I channels, clamps Δ at time_step_min,
// gives head h group h mod G in prefill, and sums the inter-chunk recurrence
// over the wrong index once an input spans several chunks), none of them a
// model anyone trained. HF clamps Δ only on its chunked path, not in its
// one-token cache step (mamba2_selective_state_update, like mamba_ssm's
// step), so where the limit binds HF's cached generate departs from its own
// forward pass; we clamp every token (prompts run here in chunks of any
// size, so HF's split cannot be reproduced) and match the forward pass.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "ModelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <sstream>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

Value frontend::buildMamba2Mixer(ModelBuilder &m, Value n,
                                 const Mamba2MixerConfig &c, const std::string &p,
                                 int64_t hidden) {
  OpBuilder &b = m.b;
  Location loc = m.loc;
  const int64_t B = m.batch, S = m.seq;
  const int64_t groupWidth = c.groups * c.state;
  const int64_t convDim = c.inner + 2 * groupWidth;
  Value proj = m.linear(m.scale(n, c.inScale), p + "in_proj",
                        c.inner + convDim + c.heads, c.projBias);
  const auto &mup = c.sectionScales;
  Value gate = m.scale(m.lastDimSlice(proj, 0, c.inner), mup[0]);
  Value xbc = m.lastDimSlice(proj, c.inner, convDim);
  Value dt = m.scale(m.lastDimSlice(proj, c.inner + convDim, c.heads), mup[4]);
  if (mup[1] != 1 || mup[2] != 1 || mup[3] != 1) {
    // Falcon-H1's muP scales x, B and C apart before the conv.
    Value xs = m.scale(m.lastDimSlice(xbc, 0, c.inner), mup[1]);
    Value bsec = m.scale(m.lastDimSlice(xbc, c.inner, groupWidth), mup[2]);
    Value csec = m.scale(m.lastDimSlice(xbc, c.inner + groupWidth, groupWidth), mup[3]);
    xbc = m.concat(m.concat(xs, bsec, 2), csec, 2);
  }

  // conv1d.weight is [C, 1, K] in the checkpoint.
  Value convW = tensor::CollapseShapeOp::create(
      b, loc, m.f32({convDim, c.kernel}),
      m.weight(p + "conv1d.weight", {convDim, 1, c.kernel}),
      SmallVector<ReassociationIndices>{{0}, {1, 2}});
  Value convB = c.convBias ? m.weight(p + "conv1d.bias", {convDim}) : Value();
  // Generation carries the conv's last K−1 inputs and the SSM state (HF's
  // conv and recurrent states; HF keeps K conv inputs, the oldest unused).
  Value convState =
      m.carryState ? m.stateIn(p + "conv_state", {B, convDim, c.kernel - 1}) : Value();
  Value ssmState =
      m.carryState ? m.stateIn(p + "ssm_state", {B, c.heads, c.headDim, c.state})
                   : Value();
  auto conv = CausalConv1DOp::create(b, loc, m.f32({B, S, convDim}),
                                     m.f32({B, convDim, c.kernel - 1}), xbc, convW,
                                     convB, convState, Activation::silu);
  if (m.carryState)
    m.stateOut(p + "conv_state", conv.getFinalState());
  Value xc = conv.getResult();
  auto heads = [&](Value flat, int64_t count, int64_t width) -> Value {
    return tensor::ExpandShapeOp::create(
        b, loc, m.f32({B, S, count, width}), flat,
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  };
  Value x = heads(m.lastDimSlice(xc, 0, c.inner), c.heads, c.headDim);
  Value bs = heads(m.lastDimSlice(xc, c.inner, groupWidth), c.groups, c.state);
  Value cs = heads(m.lastDimSlice(xc, c.inner + groupWidth, groupWidth), c.groups,
                   c.state);
  // A = −exp(A_log) [H]
  Value a = arith::NegFOp::create(
      b, loc, math::ExpOp::create(b, loc, m.weight(p + "A_log", {c.heads})));
  auto f32Attr = [&](std::optional<double> v) {
    return v ? b.getF32FloatAttr(float(*v)) : FloatAttr();
  };
  Value dtBias = m.weight(p + "dt_bias", {c.heads});
  Value d = m.weight(p + "D", {c.heads});
  auto scan = SSDScanOp::create(
      b, loc, m.f32({B, S, c.heads, c.headDim}),
      m.f32({B, c.heads, c.headDim, c.state}), x, dt, a, bs, cs, d, /*z=*/Value(),
      dtBias, ssmState, /*dt_softplus=*/b.getUnitAttr(), b.getI64IntegerAttr(c.chunk),
      f32Attr(c.dtMin), f32Attr(c.dtMax));
  if (m.carryState)
    m.stateOut(p + "ssm_state", scan.getFinalState());
  Value y = tensor::CollapseShapeOp::create(
      b, loc, m.f32({B, S, c.inner}), scan.getY(),
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  // MambaRMSNormGated: y · silu(gate), then RMSNorm per group.
  Value silu = ActivationOp::create(b, loc, gate.getType(), gate,
                                    ActivationAttr::get(b.getContext(), Activation::silu));
  const std::optional<int64_t> groupSize =
      c.groups > 1 ? std::optional<int64_t>(c.inner / c.groups) : std::nullopt;
  using GatedNorm = Mamba2MixerConfig::GatedNorm;
  if (c.gatedNorm == GatedNorm::AfterGate)
    y = m.rmsNorm(m.mul(y, silu), p + "norm.weight", c.normEps, false, groupSize);
  else if (c.gatedNorm == GatedNorm::BeforeGate)
    y = m.mul(m.rmsNorm(y, p + "norm.weight", c.normEps, false, groupSize), silu);
  else
    y = m.mul(y, silu);
  return m.linear(y, p + "out_proj", hidden, c.outBias.value_or(c.projBias));
}

namespace {
std::string numberText(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}
} // namespace

bool frontend::readStepLimit(HuggingFaceConfig &config, const std::string &type,
                             Mamba2MixerConfig &out, std::string &error) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> limit;
  if (!config.numbers("time_step_limit", {0.0, inf}, 2, limit)) {
    error = config.error;
    return false;
  }
  if (!(limit[0] <= limit[1])) {
    error = config.file() + ": " + type + ": time_step_limit [" + numberText(limit[0]) +
            ", " + numberText(limit[1]) + "] is empty";
    return false;
  }
  // Δ is clamped to [min, max]: an infinite minimum leaves no finite step
  // (the scan's verifier refused it, naming the op).
  if (!std::isfinite(limit[0])) {
    error = config.file() + ": " + type + ": time_step_limit's minimum must be finite, got " +
            numberText(limit[0]);
    return false;
  }
  out.dtMin = limit[0] > 0 ? std::optional<double>(limit[0]) : std::nullopt;
  out.dtMax = limit[1] < inf ? std::optional<double>(limit[1]) : std::nullopt;
  return true;
}

bool frontend::readMamba2Keys(HuggingFaceConfig &config, const std::string &type,
                              int64_t inner, const std::string &width, double normEps,
                              Mamba2MixerConfig &out, std::string &error) {
  out.inner = inner;
  out.normEps = normEps;
  if (!config.positive("mamba_n_heads", 128, out.heads) ||
      !config.positive("mamba_n_groups", 1, out.groups) ||
      !config.positive("mamba_d_state", 256, out.state) ||
      !config.convWidth("mamba_d_conv", 4, out.kernel) ||
      !config.positive("mamba_chunk_size", 256, out.chunk) ||
      !config.boolean("mamba_conv_bias", true, out.convBias) ||
      !config.boolean("mamba_proj_bias", false, out.projBias)) {
    error = config.error;
    return false;
  }
  auto fail = [&](const std::string &message) {
    error = config.file() + ": " + type + ": " + message;
    return false;
  };
  const std::string heads = "mamba_n_heads (" + std::to_string(out.heads) + ")";
  const std::string widthText = width + " (" + std::to_string(inner) + ")";
  if (inner % out.heads != 0)
    return fail(heads + " must divide " + widthText);
  if (!config.autoOrPositive("mamba_d_head", inner / out.heads, out.headDim)) {
    error = config.error;
    return false;
  }
  if (out.headDim * out.heads != inner)
    return fail("mamba_d_head (" + std::to_string(out.headDim) + ") * " + heads +
                " must equal " + widthText);
  if (out.heads % out.groups != 0)
    return fail(heads + " must be a multiple of mamba_n_groups (" +
                std::to_string(out.groups) + ")");
  return readStepLimit(config, type, out, error);
}

OwningOpRef<ModuleOp> frontend::importMamba2(MLIRContext *context,
                                             HuggingFaceConfig &config,
                                             const ModelInputShape &shape,
                                             ModelInfo &info, std::string &error) {
  int64_t hidden, layers, vocab, heads, headDim, state, groups, kernel, chunk;
  double expand, eps;
  bool useBias, useConvBias, tied;
  std::string act;
  if (!config.positive("hidden_size", 4096, hidden) ||
      !config.positive("num_hidden_layers", 64, layers) ||
      !config.positive("vocab_size", 32768, vocab) ||
      !config.positive("num_heads", 128, heads) ||
      !config.positive("head_dim", 64, headDim) ||
      !config.positive("state_size", 128, state) ||
      !config.positive("n_groups", 8, groups) ||
      !config.convWidth("conv_kernel", 4, kernel) ||
      !config.positive("chunk_size", 256, chunk) ||
      !config.number("expand", 2, expand) ||
      !config.epsilon("layer_norm_epsilon", 1e-5, eps) ||
      !config.boolean("use_bias", false, useBias) ||
      !config.boolean("use_conv_bias", true, useConvBias) ||
      !config.boolean("tie_word_embeddings", false, tied) ||
      !config.string("hidden_act", "silu", act)) {
    error = config.error;
    return nullptr;
  }
  auto fail = [&](const std::string &message) {
    error = config.file() + ": mamba2: " + message;
    return nullptr;
  };
  if (act != "silu")
    return fail("hidden_act '" + act + "' is not supported (HF's Mamba-2 torch "
                "path applies silu)");
  const int64_t inner = int64_t(expand * hidden);
  if (double(inner) != expand * hidden || inner != heads * headDim)
    return fail("hidden_size * expand (" + numberText(expand * hidden) +
                ") must equal num_heads * head_dim (" +
                std::to_string(heads * headDim) + ")");
  if (heads % groups != 0)
    return fail("num_heads (" + std::to_string(heads) +
                ") must be a multiple of n_groups (" + std::to_string(groups) + ")");
  Mamba2MixerConfig mixer{inner, heads,   headDim,     groups, state,
                          kernel, chunk,  useBias, useConvBias, eps};
  if (!readStepLimit(config, "mamba2", mixer, error))
    return nullptr;
  info.vocabSize = vocab;

  ModelBuilder m(context, shape);
  // Checkpoints converted from mamba_ssm name the table backbone.embedding
  // (HF renames it on load).
  const std::string table = config.checkpointHas("backbone.embedding.weight")
                                ? "backbone.embedding.weight"
                                : "backbone.embeddings.weight";
  Value embeddings = m.weight(table, {vocab, hidden});
  Value h = m.embed(embeddings);
  for (int64_t i = 0; i < layers; ++i) {
    const std::string p = "backbone.layers." + std::to_string(i) + ".";
    m.beginLayer();
    Value n = m.rmsNorm(h, p + "norm.weight", eps);
    h = m.add(h, buildMamba2Mixer(m, n, mixer, p + "mixer.", hidden));
    m.endLayer();
  }
  Value normed = m.rmsNorm(h, "backbone.norm_f.weight", eps);
  Value head = tied ? embeddings : m.weight("lm_head.weight", {vocab, hidden});
  return m.finish(LinearOp::create(m.b, m.loc, m.f32({m.batch, m.seq, vocab}),
                                   normed, head, Value()));
}
