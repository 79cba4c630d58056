//===- ModelBuilder.cpp - Building a whole-model function -----------------===//

#include "ModelBuilder.h"

#include "hybrid/Dialect/Hybrid/IR/Signature.h"
#include "hybrid/Transforms/OutlineLayers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::frontend;

ArrayRef<int64_t> frontend::shapeOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getShape();
}

ModelBuilder::ModelBuilder(MLIRContext *context, const ModelInputShape &shape)
    : ModelBuilder(context, shape, shape.seq, {}) {}

ModelBuilder::ModelBuilder(MLIRContext *context, const ModelInputShape &shape,
                           int64_t tokens, ArrayRef<int64_t> pixels)
    : carryState(shape.carryState), maxTokens(shape.maxTokens),
      firstCall(shape.carryState && shape.firstCall), b(context),
      loc(UnknownLoc::get(context)), batch(shape.batch), seq(tokens) {
  // Ops are built directly, not parsed: their dialects must be loaded.
  context->loadDialect<HybridDialect, arith::ArithDialect, func::FuncDialect,
                       linalg::LinalgDialect, math::MathDialect, tensor::TensorDialect>();
  module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  Type inputType = pixels.empty()
                       ? Type(RankedTensorType::get({batch, seq}, b.getI64Type()))
                       : Type(RankedTensorType::get(pixels, b.getF32Type()));
  func = func::FuncOp::create(b, loc, "forward", b.getFunctionType({inputType}, {}));
  func.setArgAttr(0, signature::kInput,
                  b.getStringAttr(pixels.empty() ? "input_ids" : "pixel_values"));
  b.setInsertionPointToStart(func.addEntryBlock());
}

Value ModelBuilder::insertInput(Type type, ArrayRef<NamedAttribute> attrs) {
  // Inputs come before every weight: after the ids and earlier inputs.
  unsigned index = 1;
  while (index < func.getNumArguments() && func.getArgAttr(index, signature::kInput))
    ++index;
  if (failed(func.insertArgument(index, type, b.getDictionaryAttr(attrs), loc)))
    return {};
  return func.getArgument(index);
}

Value ModelBuilder::optionalTokenInput(const std::string &name) {
  return insertInput(RankedTensorType::get({batch, seq}, b.getI64Type()),
                     {b.getNamedAttr(signature::kInput, b.getStringAttr(name)),
                      b.getNamedAttr(signature::kZerosByDefault, b.getUnitAttr())});
}

Value ModelBuilder::stateInput(const std::string &name, ArrayRef<int64_t> shape) {
  return insertInput(f32(shape),
                     {b.getNamedAttr(signature::kInput, b.getStringAttr(name))});
}

Value ModelBuilder::stateIn(const std::string &name, ArrayRef<int64_t> shape,
                            const std::string &initialWeight) {
  SmallVector<NamedAttribute> attrs{
      b.getNamedAttr(signature::kInput, b.getStringAttr(name)),
      b.getNamedAttr(signature::kState, b.getStringAttr(name))};
  if (initialWeight.empty()) {
    attrs.push_back(b.getNamedAttr(signature::kZerosByDefault, b.getUnitAttr()));
  } else {
    // The start is a weight of the model like any other.
    weight(initialWeight, shape.drop_front());
    attrs.push_back(
        b.getNamedAttr(signature::kStateInit, b.getStringAttr(initialWeight)));
  }
  return insertInput(f32(shape), attrs);
}

void ModelBuilder::stateOut(const std::string &name, Value next) {
  stateResults.push_back({name, next});
}

Value ModelBuilder::positions() {
  if (!positionsInput)
    positionsInput =
        insertInput(RankedTensorType::get({batch, seq}, b.getI64Type()),
                    {b.getNamedAttr(signature::kInput, b.getStringAttr("positions")),
                     b.getNamedAttr(signature::kPositions, b.getUnitAttr())});
  return positionsInput;
}

Value ModelBuilder::extent() {
  if (!extentInput)
    extentInput =
        insertInput(RankedTensorType::get({1}, b.getI64Type()),
                    {b.getNamedAttr(signature::kInput, b.getStringAttr("extent")),
                     b.getNamedAttr(signature::kExtent, b.getUnitAttr())});
  return extentInput;
}

Value ModelBuilder::rope(Value x, const RopeParameters &rope) {
  const int64_t dims = shapeOf(x).back();
  if (rope.rotaryDim > 0 && rope.rotaryDim < dims) {
    // Partial: rotate [..., :r], pass [..., r:] through.
    RopeParameters whole = rope;
    whole.rotaryDim = 0;
    Value rotated = this->rope(slice(x, 3, 0, rope.rotaryDim), whole);
    return concat(rotated, slice(x, 3, rope.rotaryDim, dims - rope.rotaryDim), 3);
  }
  // A session's call may be a chunk of a longer request: the scalings that
  // depend on the length read the request's extent.
  const bool lengthDependent = rope.originalContext > 0;
  return RopeOp::create(
      b, loc, x.getType(), x, carryState ? positions() : Value(),
      carryState && lengthDependent ? extent() : Value(),
      b.getF32FloatAttr(rope.theta), b.getI64IntegerAttr(0), UnitAttr(),
      rope.invFreq.empty() ? DenseF32ArrayAttr()
                           : b.getDenseF32ArrayAttr(rope.invFreq),
      b.getF32FloatAttr(rope.attentionScaling),
      rope.longInvFreq.empty() ? DenseF32ArrayAttr()
                               : b.getDenseF32ArrayAttr(rope.longInvFreq),
      rope.ntkFactor > 0 ? b.getF32FloatAttr(rope.ntkFactor) : FloatAttr(),
      b.getI64IntegerAttr(rope.originalContext));
}

Value ModelBuilder::selfAttention(Value x, const std::string &prefix, int64_t heads,
                                  int64_t kvHeads, int64_t headDim, bool bias,
                                  FloatAttr scale,
                                  llvm::function_ref<void(Value &, Value &)> shape,
                                  int64_t outDim, const std::string &outProj) {
  Value q = splitHeads(linear(x, prefix + "q_proj", heads * headDim, bias), heads, headDim);
  Value k =
      splitHeads(linear(x, prefix + "k_proj", kvHeads * headDim, bias), kvHeads, headDim);
  Value v =
      splitHeads(linear(x, prefix + "v_proj", kvHeads * headDim, bias), kvHeads, headDim);
  if (shape)
    shape(q, k);
  Value o = causalAttention(q, k, v, /*window=*/0, scale, FloatAttr(), prefix);
  Value merged = MergeHeadsOp::create(b, loc, f32({batch, seq, heads * headDim}), o);
  return linear(merged, prefix + outProj, outDim, bias);
}

Value ModelBuilder::causalAttention(Value q, Value k, Value v, int64_t window,
                                    FloatAttr scale, FloatAttr softcap,
                                    const std::string &prefix) {
  ArrayRef<int64_t> qShape = shapeOf(q), kShape = shapeOf(k);
  auto resultType = f32({qShape[0], qShape[1], qShape[2], shapeOf(v)[3]});
  if (!carryState)
    return AttentionOp::create(b, loc, resultType, q, k, v, Value(),
                               MaskAttr::get(b.getContext(), MaskSpec::causal(window)),
                               scale, softcap, b.getI64IntegerAttr(0));
  // Keys: [cache; new]. A sliding layer's cache is a ring of exactly its
  // window; cache_bias hides empty slots, future and out-of-window keys.
  const bool ring = window > 0;
  const int64_t capacity = ring ? window : maxTokens;
  Value kCache = stateIn(prefix + "k_cache", {batch, kShape[1], capacity, kShape[3]});
  Value vCache =
      stateIn(prefix + "v_cache", {batch, kShape[1], capacity, shapeOf(v)[3]});
  Value pos = positions();
  UnitAttr ringAttr = ring ? b.getUnitAttr() : UnitAttr();
  Value kWritten = CacheWriteOp::create(b, loc, kCache.getType(), kCache, k, pos, ringAttr);
  Value vWritten = CacheWriteOp::create(b, loc, vCache.getType(), vCache, v, pos, ringAttr);
  stateOut(prefix + "k_cache", kWritten);
  stateOut(prefix + "v_cache", vWritten);
  Value o;
  if (firstCall) {
    // Empty caches: plain causal attention over the prompt (tiled kernel).
    o = AttentionOp::create(b, loc, resultType, q, k, v, Value(),
                            MaskAttr::get(b.getContext(), MaskSpec::causal(window)),
                            scale, softcap, b.getI64IntegerAttr(0));
  } else if (!ring || seq == 1) {
    // Attention over the written cache itself: no [cache; new] copy. A
    // ring written with several tokens would have lost keys its earlier
    // queries see, so it only takes this form for one token (decode).
    Value bias = CacheBiasOp::create(b, loc, f32({batch, 1, seq, capacity}), pos,
                                     b.getI64IntegerAttr(capacity),
                                     b.getI64IntegerAttr(window), ringAttr, UnitAttr(),
                                     b.getUnitAttr());
    o = AttentionOp::create(b, loc, resultType, q, kWritten, vWritten, bias,
                            MaskAttr::get(b.getContext(), MaskSpec::none()), scale,
                            softcap, b.getI64IntegerAttr(0));
  } else {
    // A ring chunk: [cache; new] before the write.
    Value bias = CacheBiasOp::create(b, loc, f32({batch, 1, seq, capacity + seq}), pos,
                                     b.getI64IntegerAttr(capacity),
                                     b.getI64IntegerAttr(window), ringAttr, UnitAttr(),
                                     UnitAttr());
    o = AttentionOp::create(b, loc, resultType, q, concat(kCache, k, 2),
                            concat(vCache, v, 2), bias,
                            MaskAttr::get(b.getContext(), MaskSpec::none()), scale,
                            softcap, b.getI64IntegerAttr(0));
  }
  return o;
}

Value ModelBuilder::concat(Value a, Value c, int64_t dim) {
  return tensor::ConcatOp::create(b, loc, dim, ValueRange{a, c});
}

/// Elements [offset, offset + size) of dimension `dim` of `x`.
static Value sliceDim(OpBuilder &b, Location loc, Value x, size_t dim,
                      int64_t offset, int64_t size) {
  ArrayRef<int64_t> shape = shapeOf(x);
  SmallVector<OpFoldResult> offsets(shape.size(), b.getIndexAttr(0)), sizes,
      strides(shape.size(), b.getIndexAttr(1));
  for (int64_t d : shape)
    sizes.push_back(b.getIndexAttr(d));
  offsets[dim] = b.getIndexAttr(offset);
  sizes[dim] = b.getIndexAttr(size);
  return tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, strides);
}

Value ModelBuilder::seqSlice(Value x, int64_t offset, int64_t size) {
  return sliceDim(b, loc, x, 1, offset, size);
}

Value ModelBuilder::slice(Value x, size_t dim, int64_t offset, int64_t size) {
  return sliceDim(b, loc, x, dim, offset, size);
}

Value ModelBuilder::weight(const std::string &name, ArrayRef<int64_t> shape) {
  auto it = weights.find(name);
  if (it != weights.end())
    return it->second;
  // Appended to the entry block only: the function's type and argument
  // attributes are set once in finish(). Growing the type per weight made a
  // new FunctionType each time (all uniqued, never freed): memory quadratic
  // in the layers, 5 GB at 2048 Mamba layers.
  Value arg = func.getBody().front().addArgument(
      RankedTensorType::get(shape, b.getF32Type()), loc);
  weightNames.push_back(b.getStringAttr(name));
  weights[name] = arg;
  return arg;
}

Value ModelBuilder::linear(Value x, const std::string &name, int64_t out,
                           bool bias) {
  ArrayRef<int64_t> in = shapeOf(x);
  Value w = weight(name + ".weight", {out, in.back()});
  Value bv = bias ? weight(name + ".bias", {out}) : Value();
  SmallVector<int64_t> shape(in);
  shape.back() = out;
  return LinearOp::create(b, NameLoc::get(b.getStringAttr(name)),
                          RankedTensorType::get(shape, b.getF32Type()), x, w, bv);
}

Value ModelBuilder::rmsNorm(Value x, const std::string &name, double eps,
                            bool unitOffset, std::optional<int64_t> groupSize) {
  Value w = weight(name, {shapeOf(x).back()});
  llvm::StringRef module = llvm::StringRef(name).rsplit('.').first; // "….norm"
  return RMSNormOp::create(b, NameLoc::get(b.getStringAttr(module)), x.getType(), x, w,
                           b.getF32FloatAttr(eps),
                           unitOffset ? b.getUnitAttr() : UnitAttr(),
                           groupSize ? b.getI64IntegerAttr(*groupSize)
                                     : IntegerAttr());
}

Value ModelBuilder::weightlessRmsNorm(Value x, double eps) {
  RankedTensorType ones = f32({shapeOf(x).back()});
  Value w = arith::ConstantOp::create(
      b, loc, ones, DenseElementsAttr::get(ones, b.getF32FloatAttr(1.0f)));
  return RMSNormOp::create(b, loc, x.getType(), x, w, b.getF32FloatAttr(eps),
                           UnitAttr(), IntegerAttr());
}

Value ModelBuilder::scale(Value x, double factor) {
  if (factor == 1.0)
    return x;
  auto type = cast<RankedTensorType>(x.getType());
  Value splat = arith::ConstantOp::create(
      b, loc, type, DenseElementsAttr::get(type, b.getF32FloatAttr(float(factor))));
  return arith::MulFOp::create(b, loc, x, splat);
}

Value ModelBuilder::stackedExperts(const std::string &prefix, const std::string &name,
                                   int64_t experts, int64_t rows, int64_t cols) {
  SmallVector<Value> parts;
  auto one = f32({1, rows, cols});
  for (int64_t e = 0; e < experts; ++e) {
    Value w = weight(prefix + "experts." + std::to_string(e) + "." + name + ".weight",
                     {rows, cols});
    parts.push_back(tensor::ExpandShapeOp::create(
        b, loc, one, w, SmallVector<ReassociationIndices>{{0, 1}, {2}}));
  }
  return tensor::ConcatOp::create(b, loc, /*dim=*/0, parts);
}

ModelBuilder::Experts ModelBuilder::gatedExperts(const std::string &prefix, bool fused,
                                                 int64_t experts, int64_t inter, int64_t hidden,
                                                 const std::string &gateName,
                                                 const std::string &upName,
                                                 const std::string &downName) {
  Experts out;
  if (fused) {
    Value gateUp = weight(prefix + "experts.gate_up_proj", {experts, 2 * inter, hidden});
    out.gate = slice(gateUp, 1, 0, inter);
    out.up = slice(gateUp, 1, inter, inter);
    out.down = weight(prefix + "experts.down_proj", {experts, hidden, inter});
    return out;
  }
  out.gate = stackedExperts(prefix, gateName, experts, inter, hidden);
  out.up = stackedExperts(prefix, upName, experts, inter, hidden);
  out.down = stackedExperts(prefix, downName, experts, hidden, inter);
  return out;
}

Value ModelBuilder::mul(Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}

Value ModelBuilder::layerNorm(Value x, const std::string &name, double eps) {
  int64_t hidden = shapeOf(x).back();
  // Named locals: argument order (weight before bias) must not depend on
  // the compiler's evaluation order.
  Value w = weight(name + ".weight", {hidden});
  Value bias = weight(name + ".bias", {hidden});
  return LayerNormOp::create(b, loc, x.getType(), x, w, bias, b.getF32FloatAttr(eps));
}

Value ModelBuilder::lastDimSlice(Value x, int64_t offset, int64_t size) {
  return sliceDim(b, loc, x, shapeOf(x).size() - 1, offset, size);
}

Value ModelBuilder::broadcastTo(Value x, ArrayRef<int64_t> shape, ArrayRef<int64_t> added) {
  SmallVector<int64_t> dims(added);
  if (dims.empty())
    for (size_t d = 0; d < shape.size() - shapeOf(x).size(); ++d)
      dims.push_back(int64_t(d));
  Value init = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  return linalg::BroadcastOp::create(b, loc, x, init, dims).getResult()[0];
}

Value ModelBuilder::add(Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}

RankedTensorType ModelBuilder::f32(ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, b.getF32Type());
}

Value ModelBuilder::splitHeads(Value flat, int64_t heads, int64_t headDim) {
  ArrayRef<int64_t> shape = shapeOf(flat);
  return SplitHeadsOp::create(b, loc, f32({shape[0], heads, shape[1], headDim}), flat,
                              b.getI64IntegerAttr(heads));
}

Value ModelBuilder::embed(Value table, std::optional<float> scale) {
  return EmbeddingOp::create(b, loc, f32({batch, seq, shapeOf(table)[1]}), ids(),
                             table, scale ? b.getF32FloatAttr(*scale) : FloatAttr());
}

void ModelBuilder::beginLayer() {
  layerBlock = b.getInsertionBlock();
  layerStart = layerBlock->empty() ? nullptr : &layerBlock->back();
}

void ModelBuilder::endLayer() {
  Block *block = b.getInsertionBlock();
  if (!layerBlock || block != layerBlock || block != &func.getBody().front()) {
    layerBlock = nullptr;
    return;
  }
  // Every op of the layer without a name of its own (a projection names
  // its weight) is named after the layer, so that a diagnostic on imported
  // IR says where it comes from.
  Location layerLoc = NameLoc::get(b.getStringAttr("layers." + std::to_string(layersTagged)));
  auto tag = b.getI64IntegerAttr(layersTagged++);
  for (auto it = layerStart ? std::next(layerStart->getIterator()) : block->begin();
       it != block->end(); ++it) {
    it->setAttr(kLayerAttrName, tag);
    it->walk([&](Operation *op) {
      if (isa<UnknownLoc>(op->getLoc()))
        op->setLoc(layerLoc);
    });
  }
  layerBlock = nullptr;
}

OwningOpRef<ModuleOp> ModelBuilder::finish(Value result) {
  return finish(ArrayRef<Value>{result});
}

OwningOpRef<ModuleOp> ModelBuilder::finish(ArrayRef<Value> results) {
  SmallVector<Value> all(results);
  for (const auto &[name, value] : stateResults)
    all.push_back(value);
  func::ReturnOp::create(b, loc, all);
  // Inputs first (in the function type so far), then the weights.
  SmallVector<DictionaryAttr> argAttrs;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    argAttrs.push_back(func.getArgAttrDict(i) ? func.getArgAttrDict(i) : b.getDictionaryAttr({}));
  for (StringAttr name : weightNames)
    argAttrs.push_back(b.getDictionaryAttr(b.getNamedAttr(signature::kWeight, name)));
  func.setFunctionType(b.getFunctionType(func.getBody().front().getArgumentTypes(),
                                         ValueRange(all).getTypes()));
  func.setAllArgAttrs(argAttrs);
  for (auto [index, state] : llvm::enumerate(stateResults))
    func.setResultAttr(results.size() + index, signature::kState,
                       b.getStringAttr(state.first));
  outlineLayers(*module);
  return std::move(module);
}

Value ModelBuilder::meanOverTokens(Value h) {
  // Attention with all-zero scores weighs every token 1/S: exactly the mean.
  ArrayRef<int64_t> shape = shapeOf(h);
  const int64_t tokens = shape[1], width = shape[2];
  auto zeros = [&](ArrayRef<int64_t> dims) {
    auto type = f32(dims);
    return arith::ConstantOp::create(b, loc, type,
                                     DenseElementsAttr::get(type, b.getF32FloatAttr(0)))
        .getResult();
  };
  Value values = tensor::ExpandShapeOp::create(
      b, loc, f32({batch, 1, tokens, width}), h,
      SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
  Value mean = AttentionOp::create(
      b, loc, f32({batch, 1, 1, width}), zeros({batch, 1, 1, width}),
      zeros({batch, 1, tokens, width}), values, Value(),
      MaskAttr::get(b.getContext(), MaskSpec::none()), FloatAttr(), FloatAttr(),
      b.getI64IntegerAttr(0));
  return tensor::CollapseShapeOp::create(b, loc, f32({batch, width}), mean,
                                         SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
}

Value ModelBuilder::imageToTokens(Value image) {
  // [B, C, H, W] → [B, C, H·W, 1] → merge_heads with C heads of size 1 →
  // [B, H·W, C], as HF's view(B, C, H·W).permute(0, 2, 1).
  ArrayRef<int64_t> shape = shapeOf(image);
  const int64_t n = shape[0], channels = shape[1], count = shape[2] * shape[3];
  Value flat = tensor::CollapseShapeOp::create(
      b, loc, f32({n, channels, count}), image,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  Value heads = tensor::ExpandShapeOp::create(
      b, loc, f32({n, channels, count, 1}), flat,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  return MergeHeadsOp::create(b, loc, f32({n, count, channels}), heads);
}

Value ModelBuilder::tokensToImage(Value tokens, int64_t height, int64_t width) {
  ArrayRef<int64_t> shape = shapeOf(tokens);
  const int64_t n = shape[0], channels = shape[2];
  Value heads = splitHeads(tokens, channels, 1); // [B, C, H·W, 1]
  Value flat = tensor::CollapseShapeOp::create(
      b, loc, f32({n, channels, height * width}), heads,
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  return tensor::ExpandShapeOp::create(b, loc, f32({n, channels, height, width}), flat,
                                       SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
}
