//===- HybridModel.cpp - The project's own JSON model format --------------===//
//
// docs/model-format.md: a stack of layers, each a token mixer (attention,
// Mamba, linear attention, causal conv, or several in parallel) and an FFN
// (gated MLP, MLP, MoE) with pre-, post- or sandwich norms, optionally
// applied repeatedly with shared weights (depth recurrence, with ACT). Every
// field is read through JsonFields, so a bad or unknown one is reported with
// its JSON path. Weight names are documented in docs/model-format.md.
//
//===----------------------------------------------------------------------===//

#include "Importers.h"
#include "JsonFields.h"
#include "ModelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;
using llvm::json::Array;
using llvm::json::Object;

namespace {

const std::vector<std::string> kActivations = {"silu", "gelu", "gelu_tanh",
                                               "relu", "quick_gelu"};

Activation activationNamed(const std::string &name) {
  if (name == "silu")
    return Activation::silu;
  if (name == "gelu")
    return Activation::gelu;
  if (name == "gelu_tanh")
    return Activation::gelu_tanh;
  if (name == "quick_gelu")
    return Activation::quick_gelu;
  return Activation::relu;
}

/// The pixels an image model takes and the tokens its convolutional stem
/// makes of them (read before the function exists: its signature needs both).
struct ImageGeometry {
  std::vector<int64_t> pixels; // [B, C, H, W]; empty for token models
  int64_t tokens = 0;
};

bool readImageGeometry(const Object &top, const ModelInputShape &shape,
                       ImageGeometry &geometry, std::string &error) {
  const llvm::json::Value *input = top.get("input");
  if (!input) {
    if (!shape.image.empty()) {
      error = "input: this model takes token ids, got pixels";
      return false;
    }
    return true;
  }
  const Object *object = input->getAsObject();
  if (!object) {
    error = "input: must be an object";
    return false;
  }
  JsonFields f(*object, "input", error);
  std::string type;
  int64_t channels, height, width;
  if (!f.choice("type", {"image"}, std::nullopt, type) ||
      !f.integer("channels", int64_t(3), channels) ||
      !f.integer("height", std::nullopt, height) ||
      !f.integer("width", std::nullopt, width) || !f.noOtherFields())
    return false;
  std::vector<int64_t> chw = {channels, height, width};
  if (!shape.image.empty() && shape.image != chw) {
    auto text = [](ArrayRef<int64_t> d) {
      return std::to_string(d[0]) + "x" + std::to_string(d[1]) + "x" +
             std::to_string(d[2]);
    };
    error = "input: the model takes " + text(chw) + " pixels, got " +
            text(shape.image);
    return false;
  }
  const llvm::json::Value *stem = top.get("stem");
  const Array *stages = stem ? stem->getAsArray() : nullptr;
  if (!stages || stages->empty()) {
    error = "stem: an image model needs a list of convolutions";
    return false;
  }
  for (size_t k = 0; k < stages->size(); ++k) {
    const std::string path = indexPath("stem", k);
    const Object *stage = (*stages)[k].getAsObject();
    if (!stage) {
      error = path + ": must be an object";
      return false;
    }
    JsonFields g(*stage, path, error);
    int64_t out, kernel, stride, padding;
    std::string act;
    if (!g.integer("channels", std::nullopt, out) ||
        !g.integer("kernel", std::nullopt, kernel) ||
        !g.integer("stride", int64_t(1), stride) ||
        !g.integer("padding", int64_t(0), padding, 0) ||
        !g.choice("activation", kActivations, std::string("relu"), act) ||
        !g.noOtherFields())
      return false;
    height = (height + 2 * padding - kernel) / stride + 1;
    width = (width + 2 * padding - kernel) / stride + 1;
    if (height < 1 || width < 1)
      return g.fail(g.pathOf("kernel"), "leaves no pixels (kernel " +
                                            std::to_string(kernel) +
                                            " larger than the padded input)");
  }
  geometry.pixels = {shape.batch, chw[0], chw[1], chw[2]};
  geometry.tokens = height * width;
  return true;
}

class HybridModelImporter {
public:
  HybridModelImporter(ModelBuilder &m, std::string &error)
      : m(m), b(m.b), loc(m.loc), context(b.getContext()), error(error) {}

  bool importTop(const Object &top, Value &logits, int64_t &vocabOut);
  /// CvT's convolutional token embedding: convolutions (each but the last
  /// followed by its activation), pixels to tokens, a norm.
  bool imageStem(const Array &stages, Value &tokens);
  /// The mean over tokens [B, S, D] → [B, D].
  Value meanPool(Value h);

private:
  Value norm(Value x, const std::string &name);
  bool layer(const Object &object, const std::string &path,
             const std::string &prefix, Value h, Value &out);
  bool mixer(const Object &object, const std::string &path,
             const std::string &prefix, Value x, Value &out);
  bool attention(JsonFields &f, const std::string &prefix, Value x, Value &out);
  bool relAttention(JsonFields &f, const std::string &prefix, Value x,
                    Value &out);
  bool memoryMixer(JsonFields &f, const std::string &prefix, Value x,
                   Value &out);
  bool mamba(JsonFields &f, const std::string &prefix, Value x, Value &out);
  bool linearAttention(JsonFields &f, const std::string &prefix, Value x,
                       Value &out);
  bool conv(JsonFields &f, const std::string &prefix, Value x, Value &out);
  bool parallel(JsonFields &f, const std::string &prefix, Value x, Value &out);
  bool ffn(const Object &object, const std::string &path,
           const std::string &prefix, Value x, Value &out);
  bool stack(const Array *layers, const Array *pattern, int64_t numLayers,
             Value h, Value &out);

  ModelBuilder &m;
  OpBuilder &b;
  Location loc;
  MLIRContext *context;
  std::string &error;
  int64_t hidden = 0;
  std::string normKind;
  double normEps = 1e-5;
  /// Transformer-XL: rows of memory given (m) and kept (memory_length).
  int64_t memoryRows = 0, memoryLength = 0;
  /// The carried memory of each rel_attention or memory layer, returned
  /// after the logits.
  std::vector<Value> newMemories;
  /// The memory input of the layer being built (null: none given).
  Value layerMemory;

public:
  void setMemoryRows(int64_t rows) { memoryRows = rows; }
  ArrayRef<Value> memories() const { return newMemories; }
};

Value HybridModelImporter::norm(Value x, const std::string &name) {
  if (normKind == "layer")
    return m.layerNorm(x, name, normEps);
  return m.rmsNorm(x, name + ".weight", normEps, normKind == "rms_unit_offset");
}

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
      split = RopeOp::create(b, loc, split.getType(), split, Value(),
                             b.getF32FloatAttr(*ropeTheta), b.getI64IntegerAttr(0));
    return split;
  };
  Value q = project("q_proj", heads), k = project("k_proj", kvHeads),
        v = project("v_proj", kvHeads);
  Value o = AttentionOp::create(
      b, loc, m.f32({m.batch, heads, m.seq, headDim}), q, k, v, Value(),
      MaskAttr::get(context, spec), scale ? b.getF32FloatAttr(*scale) : FloatAttr(),
      softcap ? b.getF32FloatAttr(*softcap) : FloatAttr(), b.getI64IntegerAttr(0));
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
  Value o = RelAttentionOp::create(
      b, loc, m.f32({m.batch, heads, m.seq, headDim}), q, k, v, r,
      m.weight(prefix + "r_w_bias", {heads, headDim}),
      m.weight(prefix + "r_r_bias", {heads, headDim}),
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
  // Read what earlier segments wrote (causal: no token sees this segment's
  // writes), then write this segment for the next call.
  Value read = MemoryReadOp::create(
      b, loc, m.f32({m.batch, m.seq, width}), memory,
      m.linear(x, prefix + "read_key", width, false),
      tokenScalar(m, x, prefix + "read_strength", Activation::softplus),
      b.getF32FloatAttr(1e-6));
  Value erase = m.linear(x, prefix + "erase", width, true);
  erase = ActivationOp::create(b, loc, erase.getType(), erase,
                               ActivationAttr::get(context, Activation::sigmoid));
  newMemories.push_back(MemoryWriteOp::create(
      b, loc, memory.getType(), memory, m.linear(x, prefix + "write_key", width, false),
      tokenScalar(m, x, prefix + "write_strength", Activation::softplus), erase,
      m.linear(x, prefix + "add", width, false),
      tokenScalar(m, x, prefix + "write_gate", Activation::sigmoid),
      b.getF32FloatAttr(1e-6)));
  out = m.linear(read, prefix + "out_proj", hidden, false);
  return true;
}

bool HybridModelImporter::mamba(JsonFields &f, const std::string &prefix,
                                Value x, Value &out) {
  int64_t state, kernel, expand, rank = (hidden + 15) / 16;
  bool bias, convBias, innerNorms;
  if (!f.integer("state", int64_t(16), state) ||
      !f.integer("conv_kernel", int64_t(4), kernel) ||
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
  Value o = LinearAttentionOp::create(
      b, loc, m.f32({m.batch, heads, m.seq, headDim}), project("q_proj"),
      project("k_proj"), project("v_proj"),
      MaskAttr::get(context, causal ? MaskSpec::causal() : MaskSpec::none()),
      b.getF32FloatAttr(1e-6));
  Value merged = MergeHeadsOp::create(b, loc, m.f32({m.batch, m.seq, hidden}), o);
  out = m.linear(merged, prefix + "o_proj", hidden, false);
  return true;
}

bool HybridModelImporter::conv(JsonFields &f, const std::string &prefix,
                               Value x, Value &out) {
  int64_t kernel;
  if (!f.integer("kernel", int64_t(4), kernel))
    return false;
  auto conv = CausalConv1DOp::create(
      b, loc, TypeRange{x.getType(), m.f32({m.batch, hidden, kernel - 1})}, x,
      m.weight(prefix + "conv.weight", {hidden, kernel}),
      m.weight(prefix + "conv.bias", {hidden}), Value(),
      ActivationAttr::get(context, Activation::silu));
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
  if (m.carryState && type != "mamba")
    return f.fail(f.pathOf("type"),
                  "generating with carried state is built for mamba mixers only "
                  "so far (a KV cache for '" + type + "' is not built yet)");
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
                      b.getI64IntegerAttr(topK),
                      renormalize ? b.getUnitAttr() : UnitAttr(), activation);
  return f.noOtherFields();
}

bool HybridModelImporter::layer(const Object &object, const std::string &path,
                                const std::string &prefix, Value h, Value &out) {
  JsonFields f(object, path, error);
  const Object *mixerObject, *ffnObject;
  std::string placement;
  if (!f.nested("mixer", true, mixerObject) || !f.nested("ffn", false, ffnObject) ||
      !f.choice("norm", {"pre", "post", "sandwich"}, std::string("pre"), placement) ||
      !f.noOtherFields())
    return false;
  // A Transformer-XL layer reads [memory; h]: its memory (an input when the
  // caller carries some) is this layer's input over the previous segments.
  const llvm::json::Value *mixerType = mixerObject->get("type");
  const std::string layerIndex = prefix.substr(7, prefix.size() - 8);
  Value memory;
  layerMemory = Value();
  if (mixerType && mixerType->getAsString() == llvm::StringRef("memory") &&
      memoryRows > 0) {
    // A memory-augmented layer's state: the memory matrix [B, slots, width].
    int64_t width = hidden;
    if (const llvm::json::Value *w = mixerObject->get("width"); w && w->getAsInteger())
      width = *w->getAsInteger();
    layerMemory = m.stateInput("memory." + layerIndex, {m.batch, memoryRows, width});
  }
  if (mixerType && mixerType->getAsString() == llvm::StringRef("rel_attention")) {
    if (memoryRows > 0)
      memory = m.stateInput("memory." + layerIndex, {m.batch, memoryRows, hidden});
    Value all = memory ? m.concat(memory, h, 1) : h;
    const int64_t rows = memoryRows + m.seq;
    const int64_t kept = std::min(rows, memoryLength > 0 ? memoryLength : rows);
    newMemories.push_back(m.seqSlice(all, rows - kept, kept));
  }
  // pre:      h + F(norm(h));  post: norm(h + F(h));  sandwich: h + norm'(F(norm(h)))
  auto sublayer = [&](const std::string &name, auto build) -> bool {
    const std::string n = prefix + name + "_norm";
    Value source = name == "mixer" && memory ? m.concat(memory, h, 1) : h;
    Value in = placement == "post" ? source : norm(source, n);
    Value y;
    if (!build(in, y))
      return false;
    if (placement == "sandwich")
      y = norm(y, prefix + name + "_post_norm");
    h = m.add(h, y);
    if (placement == "post")
      h = norm(h, n);
    return true;
  };
  if (!sublayer("mixer", [&](Value in, Value &y) {
        return mixer(*mixerObject, f.pathOf("mixer"), prefix + "mixer.", in, y);
      }))
    return false;
  if (ffnObject && !sublayer("ffn", [&](Value in, Value &y) {
        return ffn(*ffnObject, f.pathOf("ffn"), prefix + "ffn.", in, y);
      }))
    return false;
  out = h;
  return true;
}

bool HybridModelImporter::stack(const Array *layers, const Array *pattern,
                                int64_t numLayers, Value h, Value &out) {
  for (int64_t i = 0; i < numLayers; ++i) {
    const Array &list = layers ? *layers : *pattern;
    const size_t at = layers ? size_t(i) : size_t(i) % pattern->size();
    const std::string path = indexPath(layers ? "layers" : "pattern", at);
    const Object *object = list[at].getAsObject();
    if (!object) {
      error = path + ": must be an object";
      return false;
    }
    if (!layer(*object, path, "layers." + std::to_string(i) + ".", h, h))
      return false;
  }
  out = h;
  return true;
}

bool HybridModelImporter::imageStem(const Array &stages, Value &tokens) {
  Value x = m.ids();
  for (size_t k = 0; k < stages.size(); ++k) {
    const Object &stage = *stages[k].getAsObject(); // checked by readImageGeometry
    const std::string name = "stem." + std::to_string(k);
    auto get = [&](const char *key, int64_t fallback) {
      const llvm::json::Value *v = stage.get(key);
      return v ? *v->getAsInteger() : fallback;
    };
    const int64_t out = get("channels", 0), kernel = get("kernel", 0),
                  stride = get("stride", 1), padding = get("padding", 0);
    ArrayRef<int64_t> in = shapeOf(x);
    const int64_t height = (in[2] + 2 * padding - kernel) / stride + 1,
                  width = (in[3] + 2 * padding - kernel) / stride + 1;
    Value w = m.weight(name + ".weight", {out, in[1], kernel, kernel});
    Value bias = m.weight(name + ".bias", {out});
    x = Conv2DOp::create(b, loc, m.f32({m.batch, out, height, width}), x, w, bias,
                         b.getDenseI64ArrayAttr({stride, stride}),
                         b.getDenseI64ArrayAttr({padding, padding}),
                         b.getDenseI64ArrayAttr({1, 1}), b.getI64IntegerAttr(1));
    if (k + 1 < stages.size()) {
      std::string act = "relu";
      if (std::optional<llvm::StringRef> a = stage.getString("activation"))
        act = a->str();
      x = ActivationOp::create(b, loc, x.getType(), x,
                               ActivationAttr::get(context, activationNamed(act)));
    }
  }
  ArrayRef<int64_t> shape = shapeOf(x);
  if (shape[1] != hidden) {
    error = indexPath("stem", stages.size() - 1) + ".channels: the last convolution "
            "must give hidden_size (" + std::to_string(hidden) + ") channels, got " +
            std::to_string(shape[1]);
    return false;
  }
  // [B, D, H, W] → [B, D, H·W, 1] → merge_heads with D heads of size 1 →
  // [B, H·W, D]: token t = y·W + x, as CvT's rearrange 'b c h w -> b (h w) c'.
  const int64_t count = shape[2] * shape[3];
  Value flat = tensor::CollapseShapeOp::create(
      b, loc, m.f32({m.batch, hidden, count}), x,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  Value heads = tensor::ExpandShapeOp::create(
      b, loc, m.f32({m.batch, hidden, count, 1}), flat,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  tokens = norm(MergeHeadsOp::create(b, loc, m.f32({m.batch, count, hidden}), heads),
                "stem.norm");
  return true;
}

Value HybridModelImporter::meanPool(Value h) {
  // Attention with all-zero scores weighs every token 1/S: exactly the mean.
  auto zeros = [&](ArrayRef<int64_t> shape) {
    auto type = m.f32(shape);
    return arith::ConstantOp::create(b, loc, type,
                                     DenseElementsAttr::get(type, b.getF32FloatAttr(0)))
        .getResult();
  };
  Value values = tensor::ExpandShapeOp::create(
      b, loc, m.f32({m.batch, 1, m.seq, hidden}), h,
      SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
  Value mean = AttentionOp::create(
      b, loc, m.f32({m.batch, 1, 1, hidden}), zeros({m.batch, 1, 1, hidden}),
      zeros({m.batch, 1, m.seq, hidden}), values, Value(),
      MaskAttr::get(context, MaskSpec::none()), FloatAttr(), FloatAttr(),
      b.getI64IntegerAttr(0));
  return tensor::CollapseShapeOp::create(b, loc, m.f32({m.batch, hidden}), mean,
                                         SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
}

bool HybridModelImporter::importTop(const Object &top, Value &logits,
                                    int64_t &vocabOut) {
  JsonFields f(top, "", error);
  int64_t vocab = 0, numLayers = 0;
  const Array *layers, *pattern;
  const Object *recurrence;
  bool finalNorm, tied;
  std::optional<double> finalSoftcap;
  std::string format, output;
  f.touch("name");
  // Image models (checked by readImageGeometry) classify: num_classes, pool.
  const bool image = top.get("input") != nullptr;
  const Array *stem = nullptr;
  std::string pool;
  int64_t classes = 0;
  if (image) {
    f.touch("input");
    if (!f.array("stem", true, stem) ||
        !f.integer("num_classes", std::nullopt, classes) ||
        !f.choice("pool", {"mean", "none"}, std::string("mean"), pool))
      return false;
  }
  if (!f.choice("format", {"hybrid-model"}, std::nullopt, format) ||
      (!image && !f.integer("vocab_size", std::nullopt, vocab)) ||
      !f.integer("hidden_size", std::nullopt, hidden) ||
      !f.choice("norm", {"rms", "rms_unit_offset", "layer"}, std::string("rms"), normKind) ||
      !f.positiveNumber("norm_eps", 1e-5, normEps) ||
      !f.array("layers", false, layers) || !f.array("pattern", false, pattern) ||
      !f.nested("recurrence", false, recurrence) ||
      !f.boolean("final_norm", true, finalNorm) ||
      !f.boolean("tie_embeddings", !image, tied) ||
      !f.optionalPositive("final_softcap", finalSoftcap) ||
      !f.integer("memory_length", int64_t(0), memoryLength) ||
      !f.choice("output", {"logits", "hidden_states"}, std::string("logits"), output))
    return false;
  if (!layers == !pattern)
    return f.fail(layers ? "pattern" : "layers",
                  layers ? "give either 'layers' or 'pattern', not both"
                         : "required: a list of 'layers' or a 'pattern'");
  if (pattern) {
    if (pattern->empty())
      return f.fail("pattern", "must not be empty");
    if (!f.integer("num_layers", std::nullopt, numLayers))
      return false;
  } else {
    if (layers->empty())
      return f.fail("layers", "must not be empty");
    numLayers = int64_t(layers->size());
  }
  double embeddingScale = 1.0;
  if (const llvm::json::Value *scale = top.get("embedding_scale");
      scale && scale->getAsString() && *scale->getAsString() == "sqrt_hidden") {
    f.touch("embedding_scale");
    embeddingScale = std::sqrt(double(hidden));
  } else if (!f.positiveNumber("embedding_scale", 1.0, embeddingScale)) {
    error += " (or \"sqrt_hidden\")";
    return false;
  }
  if (!f.noOtherFields())
    return false;
  if (image && tied)
    return f.fail("tie_embeddings", "an image model has no embedding to tie");
  vocabOut = vocab;

  Value embed, h;
  if (image) {
    if (!imageStem(*stem, h))
      return false;
  } else {
    embed = m.weight("embed.weight", {vocab, hidden});
    h = m.embed(embed, embeddingScale == 1.0
                           ? std::nullopt
                           : std::optional<float>(float(embeddingScale)));
  }
  if (!recurrence) {
    if (!stack(layers, pattern, numLayers, h, h))
      return false;
  } else {
    // Universal Transformer: the stack is one block applied `steps` times
    // with shared weights, optionally with ACT halting.
    JsonFields r(*recurrence, "recurrence", error);
    int64_t steps;
    std::optional<double> threshold;
    if (!r.integer("steps", std::nullopt, steps) ||
        !r.optionalPositive("halt_threshold", threshold) || !r.noOtherFields())
      return false;
    if (threshold && *threshold >= 1.0)
      return r.fail("recurrence.halt_threshold", "must be < 1");
    auto depth = RecurrentDepthOp::create(
        b, loc, h.getType(), h, b.getI64IntegerAttr(steps),
        threshold ? b.getF32FloatAttr(*threshold) : FloatAttr());
    Block *body = new Block();
    depth.getBody().push_back(body);
    Value state = body->addArgument(h.getType(), loc);
    body->addArgument(b.getIndexType(), loc);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(body);
    Value next;
    if (!stack(layers, pattern, numLayers, state, next))
      return false;
    SmallVector<Value> yielded{next};
    if (threshold) {
      // p = sigmoid(halt(state)) per position, from the step's input as in
      // tensor2tensor.
      Value logit = m.linear(state, "recurrence.halt", 1, true);
      Value p = ActivationOp::create(b, loc, logit.getType(), logit,
                                     ActivationAttr::get(context, Activation::sigmoid));
      yielded.push_back(tensor::CollapseShapeOp::create(
          b, loc, m.f32({m.batch, m.seq}), p,
          SmallVector<ReassociationIndices>{{0}, {1, 2}}));
    }
    YieldOp::create(b, loc, yielded);
    h = depth.getResult();
  }
  if (finalNorm)
    h = norm(h, "final_norm");
  if (output == "hidden_states") {
    logits = h;
    return true;
  }
  if (image) {
    Value features = pool == "mean" ? meanPool(h) : h;
    logits = m.linear(features, "classifier", classes, true);
    return true;
  }
  Value head = tied ? embed : m.weight("lm_head.weight", {vocab, hidden});
  logits = LinearOp::create(b, loc, m.f32({m.batch, m.seq, vocab}), h, head, Value());
  if (finalSoftcap)
    logits = SoftcapOp::create(b, loc, logits.getType(), logits,
                               b.getF32FloatAttr(*finalSoftcap));
  return true;
}

} // namespace

OwningOpRef<ModuleOp> frontend::importHybridModel(MLIRContext *context,
                                                  const Object &top,
                                                  const std::string &path,
                                                  const ModelInputShape &shape,
                                                  ModelInfo &info,
                                                  std::string &error) {
  ImageGeometry image;
  if (!readImageGeometry(top, shape, image, error)) {
    error = path + ": " + error;
    return nullptr;
  }
  ModelBuilder m(context, shape.batch, image.pixels.empty() ? shape.seq : image.tokens,
                 image.pixels);
  m.carryState = shape.carryState;
  HybridModelImporter importer(m, error);
  importer.setMemoryRows(shape.memory);
  Value logits;
  if (!importer.importTop(top, logits, info.vocabSize)) {
    error = path + ": " + error;
    return nullptr;
  }
  if (shape.memory > 0 && importer.memories().empty()) {
    error = path + ": memory rows were given but the model has no rel_attention "
                   "or memory layer to carry them";
    return nullptr;
  }
  SmallVector<Value> results{logits};
  llvm::append_range(results, importer.memories());
  return m.finish(results);
}
