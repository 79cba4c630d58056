//===- HybridModelMixers.cpp - Mixers and FFNs of the model format --------===//
//
// Each mixer and FFN of docs/model-format.md: its fields (with defaults and
// JSON-path errors) and the hybrid ops it builds.
//
//===----------------------------------------------------------------------===//

#include "HybridModelImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

bool HybridModelImporter::attention(JsonFields &f, const std::string &prefix,
                                    Value x, Value &out) {
  int64_t heads, kvHeads, headDim, window = 0, radius = 0;
  std::string mask;
  std::optional<double> softcap, ropeTheta, scale;
  bool bias;
  if (!f.integer("heads", std::nullopt, heads) ||
      !f.integer("kv_heads", heads, kvHeads) ||
      !f.integer("head_dim", hidden / heads, headDim) ||
      !f.choice("mask", {"causal", "none", "local"}, std::string("causal"), mask) ||
      !f.optionalPositive("softcap", softcap) ||
      !f.optionalPositive("rope_theta", ropeTheta) ||
      !f.optionalPositive("scale", scale) || !f.boolean("bias", false, bias))
    return false;
  if (heads % kvHeads != 0)
    return f.fail(f.pathOf("kv_heads"), "must divide heads (" +
                                            std::to_string(heads) + "), got " +
                                            std::to_string(kvHeads));
  if (headDim < 1)
    return f.fail(f.pathOf("heads"), "leaves no head_dim for hidden_size " +
                                         std::to_string(hidden));
  if (!f.has("head_dim") && hidden % heads != 0)
    return f.fail(f.pathOf("heads"), "must divide hidden_size (" + std::to_string(hidden) +
                                         "), or give head_dim");
  if (ropeTheta && headDim % 2 != 0)
    return f.fail(f.pathOf("heads"), "leaves an odd head_dim (" + std::to_string(headDim) +
                                         ") for hidden_size " + std::to_string(hidden) +
                                         "; RoPE (rope_theta) rotates pairs");
  MaskSpec spec = MaskSpec::causal();
  if (mask == "causal") {
    if (!f.integer("window", int64_t(0), window, 1)) // absent: unbounded
      return false;
    spec = MaskSpec::causal(window);
  } else if (mask == "local") {
    const Array *globals;
    if (!f.integer("radius", std::nullopt, radius, 0) ||
        !f.array("globals", false, globals))
      return false;
    std::vector<int64_t> positions;
    for (size_t g = 0; globals && g < globals->size(); ++g) {
      std::optional<int64_t> at = (*globals)[g].getAsInteger();
      if (!at || *at < 0)
        return f.fail(indexPath(f.pathOf("globals"), g),
                      "must be a token position >= 0");
      if (*at >= m.seq)
        return f.fail(indexPath(f.pathOf("globals"), g),
                      "is token " + std::to_string(*at) + ", outside the " +
                          std::to_string(m.seq) + " tokens the model is built for");
      positions.push_back(*at);
    }
    spec = MaskSpec::local(radius, positions);
  } else {
    spec = MaskSpec::none();
  }
  auto project = [&](const char *name, int64_t count) {
    Value flat = m.linear(x, prefix + name, count * headDim, bias);
    Value split = m.splitHeads(flat, count, headDim);
    if (ropeTheta && name[0] != 'v')
      split = m.rope(split, RopeParameters{*ropeTheta});
    return split;
  };
  if (m.carryState && mask != "causal")
    return f.fail(f.pathOf("mask"), "generating with carried state needs a causal "
                                    "mask, got \"" + mask + "\"");
  Value q = project("q_proj", heads), k = project("k_proj", kvHeads),
        v = project("v_proj", kvHeads);
  FloatAttr scaleAttr = scale ? b.getF32FloatAttr(*scale) : FloatAttr();
  FloatAttr softcapAttr = softcap ? b.getF32FloatAttr(*softcap) : FloatAttr();
  // Causal attention goes through the KV cache when generating.
  Value o = mask == "causal"
                ? m.causalAttention(q, k, v, window, scaleAttr, softcapAttr, prefix)
                : AttentionOp::create(b, loc, m.f32({m.batch, heads, m.seq, headDim}),
                                      q, k, v, Value(), MaskAttr::get(context, spec),
                                      scaleAttr, softcapAttr, b.getI64IntegerAttr(0))
                      .getResult();
  Value merged = MergeHeadsOp::create(b, loc, m.f32({m.batch, m.seq, heads * headDim}), o);
  out = m.linear(merged, prefix + "o_proj", hidden, bias);
  return true;
}

/// Transformer-XL's sinusoid R [1, klen, hidden] for pos_seq = [klen − 1, …,
/// 0]: a sin block then a cos block, f_k = 10000^(−2k/hidden) (MATH.md §6).
static Value relativePositions(ModelBuilder &m, int64_t klen, int64_t hidden) {
  std::vector<float> values(klen * hidden);
  for (int64_t row = 0; row < klen; ++row) {
    double pos = double(klen - 1 - row);
    for (int64_t k = 0; k < hidden / 2; ++k) {
      double angle = pos / std::pow(10000.0, 2.0 * k / double(hidden));
      values[row * hidden + k] = float(std::sin(angle));
      values[row * hidden + hidden / 2 + k] = float(std::cos(angle));
    }
  }
  auto type = m.f32({1, klen, hidden});
  return arith::ConstantOp::create(m.b, m.loc, type,
                                   DenseElementsAttr::get(type, ArrayRef(values)));
}

bool HybridModelImporter::relAttention(JsonFields &f, const std::string &prefix,
                                       Value x, Value &out) {
  int64_t heads, headDim, window = 0;
  if (!f.integer("heads", std::nullopt, heads) ||
      !f.integer("head_dim", hidden / heads, headDim) ||
      !f.integer("window", int64_t(0), window, 1))
    return false;
  // As attention: without head_dim, hidden / heads floored silently.
  if (!f.has("head_dim") && hidden % heads != 0)
    return f.fail(f.pathOf("heads"), "must divide hidden_size (" + std::to_string(hidden) +
                                         "), or give head_dim");
  if (memoryLength == 0)
    return f.fail(f.pathOf("type"),
                  "rel_attention needs the top-level 'memory_length'");
  if (hidden % 2 != 0)
    return f.fail(f.pathOf("type"), "rel_attention needs an even hidden_size");
  // x is [memory; segment] (already normed for pre-norm layers), as HF's
  // `cat`: keys and values over all of it, queries for the segment only.
  const int64_t klen = shapeOf(x)[1], inner = heads * headDim;
  Value qkv = m.linear(x, prefix + "qkv_net", 3 * inner, false);
  auto split = [&](Value flat, int64_t rows) {
    return SplitHeadsOp::create(
               b, loc, m.f32({shapeOf(flat)[0], heads, rows, headDim}), flat,
               b.getI64IntegerAttr(heads))
        .getResult();
  };
  Value q = split(m.seqSlice(m.lastDimSlice(qkv, 0, inner), klen - m.seq, m.seq), m.seq);
  Value k = split(m.lastDimSlice(qkv, inner, inner), klen);
  Value v = split(m.lastDimSlice(qkv, 2 * inner, inner), klen);
  Value r = split(m.linear(relativePositions(m, klen, hidden), prefix + "r_net", inner, false),
                  klen);
  r = tensor::CollapseShapeOp::create(b, loc, m.f32({heads, klen, headDim}), r,
                                      SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
  // Generation: memory rows not filled yet (the first memory_length tokens)
  // are hidden; the filled ones are the last positions before this call.
  Value bias;
  if (m.carryState)
    bias = CacheBiasOp::create(b, loc, m.f32({m.batch, 1, m.seq, klen}), m.positions(),
                               b.getI64IntegerAttr(klen - m.seq), b.getI64IntegerAttr(0),
                               UnitAttr(), b.getUnitAttr());
  Value o = RelAttentionOp::create(
      b, loc, m.f32({m.batch, heads, m.seq, headDim}), q, k, v, r,
      m.weight(prefix + "r_w_bias", {heads, headDim}),
      m.weight(prefix + "r_r_bias", {heads, headDim}), bias,
      MaskAttr::get(context, MaskSpec::causal(window)), FloatAttr());
  Value merged = MergeHeadsOp::create(b, loc, m.f32({m.batch, m.seq, inner}), o);
  out = m.linear(merged, prefix + "o_net", hidden, false);
  return true;
}

/// x ↦ act(x Wᵀ + b) [B, S, 1] ↦ [B, S]: a per-token scalar (strength, gate).
static Value tokenScalar(ModelBuilder &m, Value x, const std::string &name,
                         Activation activation) {
  Value logit = m.linear(x, name, 1, true);
  Value y = ActivationOp::create(m.b, m.loc, logit.getType(), logit,
                                 ActivationAttr::get(m.b.getContext(), activation));
  return tensor::CollapseShapeOp::create(m.b, m.loc, m.f32({m.batch, m.seq}), y,
                                         SmallVector<ReassociationIndices>{{0}, {1, 2}});
}

bool HybridModelImporter::memoryMixer(JsonFields &f, const std::string &prefix,
                                      Value x, Value &out) {
  int64_t slots, width;
  if (!f.integer("slots", std::nullopt, slots) || !f.integer("width", hidden, width))
    return false;
  Value memory = layerMemory;
  // Generating: the memory is session state that starts at memory_init.
  if (m.carryState)
    memory = m.stateIn(prefix + "memory", {m.batch, slots, width}, prefix + "memory_init");
  if (memory && shapeOf(memory)[1] != slots)
    return f.fail(f.pathOf("slots"), "is " + std::to_string(slots) + " but " +
                                         std::to_string(shapeOf(memory)[1]) +
                                         " rows of memory were given");
  if (!memory) {
    // The learned initial memory, the same for every sequence of the batch.
    Value init = tensor::ExpandShapeOp::create(
        b, loc, m.f32({1, slots, width}),
        m.weight(prefix + "memory_init", {slots, width}),
        SmallVector<ReassociationIndices>{{0, 1}, {2}});
    memory = init;
    for (int64_t copy = 1; copy < m.batch; ++copy)
      memory = m.concat(memory, init, 0);
  }
  // Token by token: read what the earlier tokens (of this call or earlier
  // ones) wrote, then write; the memory after the last write carries over.
  // One statement per projection: weights are added (and drawn) in order.
  Value readKey = m.linear(x, prefix + "read_key", width, false);
  Value readStrength = tokenScalar(m, x, prefix + "read_strength", Activation::softplus);
  Value erase = m.linear(x, prefix + "erase", width, true);
  erase = ActivationOp::create(b, loc, erase.getType(), erase,
                               ActivationAttr::get(context, Activation::sigmoid));
  Value writeKey = m.linear(x, prefix + "write_key", width, false);
  Value writeStrength = tokenScalar(m, x, prefix + "write_strength", Activation::softplus);
  Value add = m.linear(x, prefix + "add", width, false);
  Value gate = tokenScalar(m, x, prefix + "write_gate", Activation::sigmoid);
  auto step = MemoryReadWriteOp::create(
      b, loc, TypeRange{m.f32({m.batch, m.seq, width}), memory.getType()}, memory,
      readKey, readStrength, writeKey, writeStrength, erase, add, gate,
      b.getF32FloatAttr(1e-6));
  Value read = step.getReads();
  if (m.carryState)
    m.stateOut(prefix + "memory", step.getFinalMemory());
  else
    newMemories.push_back(step.getFinalMemory());
  out = m.linear(read, prefix + "out_proj", hidden, false);
  return true;
}

bool HybridModelImporter::mamba(JsonFields &f, const std::string &prefix,
                                Value x, Value &out) {
  int64_t state, kernel, expand, rank = (hidden + 15) / 16;
  bool bias, convBias, innerNorms;
  if (!f.integer("state", int64_t(16), state) ||
      !f.integer("conv_kernel", int64_t(4), kernel, 2) ||
      !f.integer("expand", int64_t(2), expand) ||
      !f.boolean("bias", false, bias) || !f.boolean("conv_bias", true, convBias) ||
      !f.boolean("inner_norms", false, innerNorms))
    return false;
  std::string autoRank;
  if (!f.choice("dt_rank", {"auto"}, std::string("auto"), autoRank)) {
    // Not "auto": an integer.
    error.clear();
    if (!f.integer("dt_rank", std::nullopt, rank))
      return f.fail(f.pathOf("dt_rank"), "must be \"auto\" or an integer >= 1");
  }
  MambaMixerConfig config{expand * hidden, state, kernel,     rank,
                          bias,            convBias, innerNorms, normEps};
  out = buildMambaMixer(m, x, config, prefix, hidden);
  return true;
}

bool HybridModelImporter::linearAttention(JsonFields &f,
                                          const std::string &prefix, Value x,
                                          Value &out) {
  int64_t heads;
  bool causal;
  if (!f.integer("heads", std::nullopt, heads) || !f.boolean("causal", true, causal))
    return false;
  if (hidden % heads != 0)
    return f.fail(f.pathOf("heads"), "must divide hidden_size (" +
                                         std::to_string(hidden) + "), got " +
                                         std::to_string(heads));
  const int64_t headDim = hidden / heads;
  auto project = [&](const char *name) {
    return m.splitHeads(m.linear(x, prefix + name, hidden, false), heads, headDim);
  };
  if (m.carryState && !causal)
    return f.fail(f.pathOf("causal"), "generating with carried state needs causal "
                                      "linear attention");
  Value q = project("q_proj"), k = project("k_proj"), v = project("v_proj");
  // Generation: the running sums S = Σ φ(k) vᵀ and z = Σ φ(k) carry over.
  Value state, normalizer;
  if (m.carryState) {
    state = m.stateIn(prefix + "state", {m.batch, heads, headDim, headDim});
    normalizer = m.stateIn(prefix + "normalizer", {m.batch, heads, headDim});
  }
  Value o = LinearAttentionOp::create(
      b, loc, m.f32({m.batch, heads, m.seq, headDim}), q, k, v, state, normalizer,
      MaskAttr::get(context, causal ? MaskSpec::causal() : MaskSpec::none()),
      b.getF32FloatAttr(1e-6));
  if (m.carryState) {
    auto next = LinearAttentionStateOp::create(
        b, loc, TypeRange{state.getType(), normalizer.getType()}, k, v, state,
        normalizer);
    m.stateOut(prefix + "state", next.getFinalState());
    m.stateOut(prefix + "normalizer", next.getFinalNormalizer());
  }
  Value merged = MergeHeadsOp::create(b, loc, m.f32({m.batch, m.seq, hidden}), o);
  out = m.linear(merged, prefix + "o_proj", hidden, false);
  return true;
}

bool HybridModelImporter::conv(JsonFields &f, const std::string &prefix,
                               Value x, Value &out) {
  int64_t kernel;
  if (!f.integer("kernel", int64_t(4), kernel, 2))
    return false;
  // Generation: the last K − 1 inputs carry over, as in a Mamba mixer.
  Value state = m.carryState
                    ? m.stateIn(prefix + "conv_state", {m.batch, hidden, kernel - 1})
                    : Value();
  auto conv = CausalConv1DOp::create(
      b, loc, TypeRange{x.getType(), m.f32({m.batch, hidden, kernel - 1})}, x,
      m.weight(prefix + "conv.weight", {hidden, kernel}),
      m.weight(prefix + "conv.bias", {hidden}), state,
      ActivationAttr::get(context, Activation::silu));
  if (m.carryState)
    m.stateOut(prefix + "conv_state", conv.getFinalState());
  out = m.linear(conv.getResult(), prefix + "out_proj", hidden, false);
  return true;
}

bool HybridModelImporter::parallel(JsonFields &f, const std::string &prefix,
                                   Value x, Value &out) {
  const Array *mixers;
  std::string combine;
  if (!f.array("mixers", true, mixers) ||
      !f.choice("combine", {"sum", "mean"}, std::string("sum"), combine))
    return false;
  if (mixers->size() < 2)
    return f.fail(f.pathOf("mixers"), "needs at least 2 mixers");
  for (size_t k = 0; k < mixers->size(); ++k) {
    const std::string path = indexPath(f.pathOf("mixers"), k);
    const Object *inner = (*mixers)[k].getAsObject();
    if (!inner)
      return f.fail(path, "must be an object");
    // A branch's output is summed: rel_attention's memory (its second
    // result) would be dropped, so it cannot be a branch.
    if (const llvm::json::Value *type = inner->get("type");
        type && type->getAsString() && *type->getAsString() == "rel_attention")
      return f.fail(path + ".type", "rel_attention cannot be a parallel branch (its "
                                    "memory would be dropped); use it as a layer's mixer");
    Value part;
    if (!mixer(*inner, path, prefix + std::to_string(k) + ".", x, part))
      return false;
    out = out ? m.add(out, part) : part;
  }
  if (combine == "mean") {
    auto type = cast<RankedTensorType>(out.getType());
    Value scale = arith::ConstantOp::create(
        b, loc, type,
        DenseElementsAttr::get(type, b.getF32FloatAttr(1.0f / mixers->size())));
    out = arith::MulFOp::create(b, loc, out, scale);
  }
  return true;
}

bool HybridModelImporter::mixer(const Object &object, const std::string &path,
                                const std::string &prefix, Value x, Value &out) {
  JsonFields f(object, path, error);
  std::string type;
  if (!f.choice("type",
                {"attention", "rel_attention", "memory", "mamba", "linear_attention",
                 "conv", "parallel"},
                std::nullopt, type))
    return false;
  if (type != "rel_attention" && shapeOf(x)[1] != m.seq)
    return f.fail(path, "only rel_attention reads the memory");
  bool ok = type == "attention"          ? attention(f, prefix, x, out)
            : type == "rel_attention"    ? relAttention(f, prefix, x, out)
            : type == "memory"           ? memoryMixer(f, prefix, x, out)
            : type == "mamba"            ? mamba(f, prefix, x, out)
            : type == "linear_attention" ? linearAttention(f, prefix, x, out)
            : type == "conv"             ? conv(f, prefix, x, out)
                                         : parallel(f, prefix, x, out);
  return ok && f.noOtherFields();
}

bool HybridModelImporter::ffn(const Object &object, const std::string &path,
                              const std::string &prefix, Value x, Value &out) {
  JsonFields f(object, path, error);
  std::string type, act;
  int64_t inter;
  if (!f.choice("type", {"gated_mlp", "mlp", "moe"}, std::nullopt, type) ||
      !f.integer("intermediate", std::nullopt, inter) ||
      !f.choice("activation", kActivations,
                std::string(type == "mlp" ? "gelu" : "silu"), act))
    return false;
  ActivationAttr activation = ActivationAttr::get(context, activationNamed(act));
  if (type == "mlp") {
    bool bias;
    if (!f.boolean("bias", true, bias))
      return false;
    Value up = m.linear(x, prefix + "fc1", inter, bias);
    up = ActivationOp::create(b, loc, up.getType(), up, activation);
    out = m.linear(up, prefix + "fc2", hidden, bias);
    return f.noOtherFields();
  }
  if (act != "silu" && act != "gelu" && act != "gelu_tanh")
    return f.fail(f.pathOf("activation"),
                  "a gated FFN takes silu, gelu or gelu_tanh, got \"" + act + "\"");
  if (type == "gated_mlp") {
    out = GatedMLPOp::create(b, loc, x.getType(), x,
                             m.weight(prefix + "gate_proj.weight", {inter, hidden}),
                             m.weight(prefix + "up_proj.weight", {inter, hidden}),
                             m.weight(prefix + "down_proj.weight", {hidden, inter}),
                             activation);
    return f.noOtherFields();
  }
  int64_t experts, topK;
  bool renormalize;
  if (!f.integer("experts", std::nullopt, experts) ||
      !f.integer("top_k", int64_t(2), topK) ||
      !f.boolean("renormalize", false, renormalize))
    return false;
  if (topK > experts)
    return f.fail(f.pathOf("top_k"), "must be <= experts (" +
                                         std::to_string(experts) + "), got " +
                                         std::to_string(topK));
  out = MoEOp::create(b, loc, x.getType(), x,
                      m.weight(prefix + "router.weight", {experts, hidden}),
                      m.weight(prefix + "experts.gate_proj", {experts, inter, hidden}),
                      m.weight(prefix + "experts.up_proj", {experts, inter, hidden}),
                      m.weight(prefix + "experts.down_proj", {experts, hidden, inter}),
                      /*selection_bias=*/Value(), /*router_input=*/Value(),
                      b.getI64IntegerAttr(topK),
                      renormalize ? b.getUnitAttr() : UnitAttr(), activation,
                      /*sigmoid_router=*/UnitAttr(), b.getF32FloatAttr(1.0f),
                      b.getF32FloatAttr(0.0f));
  return f.noOtherFields();
}
