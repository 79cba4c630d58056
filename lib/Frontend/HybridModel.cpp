//===- HybridModel.cpp - The project's own JSON model format --------------===//
//
// docs/model-format.md: a stack of layers, each a token mixer (attention,
// relative attention with memory, memory read/write, Mamba, linear attention,
// causal conv, or several in parallel) and an FFN (gated MLP, MLP, MoE) with
// pre-, post- or sandwich norms, optionally applied repeatedly with shared
// weights (depth recurrence, with ACT), on token ids or, through a
// convolutional stem, on pixels. Every field is read through JsonFields, so a
// bad or unknown one is reported with its JSON path. This file has the top
// level, the layers and their norms; the mixers and FFNs are in
// HybridModelMixers.cpp, the image path in HybridModelImage.cpp.
//
//===----------------------------------------------------------------------===//

#include "HybridModelImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

const std::vector<std::string> frontend::kActivations = {"silu", "gelu", "gelu_tanh",
                                               "relu", "quick_gelu"};

Activation frontend::activationNamed(const std::string &name) {
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

Value HybridModelImporter::norm(Value x, const std::string &name) {
  if (normKind == "layer")
    return m.layerNorm(x, name, normEps);
  return m.rmsNorm(x, name + ".weight", normEps, normKind == "rms_unit_offset");
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
      memoryRows > 0 && !m.carryState) {
    // A memory-augmented layer's state: the memory matrix [B, slots, width].
    int64_t width = hidden;
    if (const llvm::json::Value *w = mixerObject->get("width"); w && w->getAsInteger())
      width = *w->getAsInteger();
    layerMemory = m.stateInput("memory." + layerIndex, {m.batch, memoryRows, width});
  }
  if (mixerType && mixerType->getAsString() == llvm::StringRef("rel_attention")) {
    hasRelAttention = true;
    // Generating: a shift register of exactly memory_length rows (the rows
    // not filled yet are hidden by the mixer), carried as session state.
    const bool carried = m.carryState && memoryLength > 0;
    const std::string name = prefix + "mixer.memory";
    const int64_t given = carried ? memoryLength : memoryRows;
    if (carried)
      memory = m.stateIn(name, {m.batch, memoryLength, hidden});
    else if (memoryRows > 0)
      memory = m.stateInput("memory." + layerIndex, {m.batch, memoryRows, hidden});
    Value all = memory ? m.concat(memory, h, 1) : h;
    const int64_t rows = given + m.seq;
    const int64_t kept = std::min(rows, memoryLength > 0 ? memoryLength : rows);
    Value next = m.seqSlice(all, rows - kept, kept);
    if (carried)
      m.stateOut(name, next);
    else
      newMemories.push_back(next);
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
    m.beginLayer();
    if (!layer(*object, path, "layers." + std::to_string(i) + ".", h, h))
      return false;
    m.endLayer();
  }
  out = h;
  return true;
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
  // Generation runs token by token over a causal stack; these are not one.
  if (m.carryState && image)
    return f.fail("input", "an image classifier does not generate token by token");
  if (m.carryState && recurrence)
    return f.fail("recurrence",
                  "depth recurrence (Universal Transformer) does not generate with "
                  "carried state: each of its steps would need its own KV caches");
  if (!layers == !pattern)
    return f.fail(layers ? "pattern" : "layers",
                  layers ? "give either 'layers' or 'pattern', not both"
                         : "required: a list of 'layers' or a 'pattern'");
  if (pattern) {
    if (pattern->empty())
      return f.fail("pattern", "must not be empty");
    if (!f.integer("num_layers", std::nullopt, numLayers))
      return false;
    // Entries past num_layers would never be built: a mistake, not a no-op.
    if (int64_t(pattern->size()) > numLayers)
      return f.fail("pattern", "has " + std::to_string(pattern->size()) +
                                   " entries, more than num_layers (" +
                                   std::to_string(numLayers) + ")");
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
    const size_t memoriesBefore = newMemories.size();
    if (!stack(layers, pattern, numLayers, state, next))
      return false;
    // A memory written inside the loop would be a value of one step, not of
    // the call (and each step would need its own).
    if (newMemories.size() != memoriesBefore)
      return f.fail("recurrence",
                    "depth recurrence (Universal Transformer) cannot repeat a layer "
                    "that keeps memory between calls (memory, rel_attention)");
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
  if (memoryLength > 0 && !hasRelAttention)
    return f.fail("memory_length",
                  "only rel_attention layers (Transformer-XL) keep memory_length rows; "
                  "this model has none");
  if (finalNorm)
    h = norm(h, "final_norm");
  if (output == "hidden_states") {
    logits = h;
    return true;
  }
  if (image) {
    Value features = pool == "mean" ? m.meanOverTokens(h) : h;
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
  ModelBuilder m(context, shape, image.pixels.empty() ? shape.seq : image.tokens,
                 image.pixels);
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
