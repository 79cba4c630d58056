//===- BuildingBlockOps.cpp - Projections, norms, MLPs: verifiers, folds --===//

#include "ShapeChecks.h"
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::detail;

namespace {
/// `input [..., D]` -> result `[..., out]`: the leading dims are carried over.
LogicalResult checkLeadingDimsKept(Operation *op, Value input, Value result,
                                   int64_t outLast, StringRef outWhat,
                                   StringRef outSource) {
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<Dim> dims;
  for (int64_t d = 0; d + 1 < inputType.getRank(); ++d)
    dims.push_back({inputType.getDimSize(d), "leading", "input"});
  dims.push_back({outLast, outWhat, outSource});
  return checkShape(op, "result", result, dims);
}
} // namespace

LogicalResult LinearOp::verify() {
  Operation *op = getOperation();
  FailureOr<int64_t> in = checkTrailingDim(op, "input", getInput(), "in");
  if (failed(in) ||
      failed(checkShape(op, "weight", getWeight(),
                        {anyDim("out"), {*in, "in", "input"}})))
    return failure();
  int64_t out = dimOf(getWeight(), 0);
  const Dim o[1] = {{out, "out", "weight"}};
  if ((getBias() && failed(checkShape(op, "bias", getBias(), o))) ||
      failed(checkLeadingDimsKept(op, getInput(), getResult(), out, "out",
                                  "weight")))
    return failure();
  return checkSameElementType(op, {{"input", getInput()},
                                   {"weight", getWeight()},
                                   {"bias", getBias()},
                                   {"result", getResult()}});
}

LogicalResult EmbeddingOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "table", getTable(),
                        {anyDim("vocab"), anyDim("hidden")})))
    return failure();
  auto idsType = cast<RankedTensorType>(getIds().getType());
  SmallVector<Dim> dims;
  for (int64_t size : idsType.getShape())
    dims.push_back({size, "index", "ids"});
  dims.push_back({dimOf(getTable(), 1), "hidden", "table"});
  if (failed(checkShape(op, "result", getResult(), dims)) ||
      failed(checkSameElementType(
          op, {{"table", getTable()}, {"result", getResult()}})))
    return failure();
  if (std::optional<APFloat> scale = getScale())
    if (!std::isfinite(scale->convertToDouble()))
      return emitOpError() << "'scale' must be finite";
  return success();
}

OpFoldResult EmbeddingOp::fold(FoldAdaptor) {
  // A unit scale is no scale: drop it so later passes see one form.
  std::optional<APFloat> scale = getScale();
  if (!scale || !scale->isExactlyValue(1.0))
    return {};
  removeScaleAttr();
  return getResult();
}

LogicalResult RMSNormOp::verify() {
  Operation *op = getOperation();
  FailureOr<int64_t> hidden =
      checkTrailingDim(op, "input", getInput(), "hidden");
  const Dim d[1] = {{hidden.value_or(0), "hidden", "input"}};
  if (failed(hidden) || failed(checkShape(op, "weight", getWeight(), d)) ||
      failed(checkPositive(op, "eps", getEps(), /*allowZero=*/true)))
    return failure();
  if (std::optional<int64_t> group = getGroupSize())
    if (*group < 1 || *hidden % *group != 0)
      return emitOpError() << "'group_size' must be a positive divisor of the "
                              "hidden size "
                           << *hidden << ", got " << *group;
  return checkSameElementType(
      op, {{"input", getInput()}, {"weight", getWeight()}});
}

LogicalResult LayerNormOp::verify() {
  Operation *op = getOperation();
  FailureOr<int64_t> hidden =
      checkTrailingDim(op, "input", getInput(), "hidden");
  if (failed(hidden))
    return failure();
  const Dim d[1] = {{*hidden, "hidden", "input"}};
  if ((getWeight() && failed(checkShape(op, "weight", getWeight(), d))) ||
      (getBias() && failed(checkShape(op, "bias", getBias(), d))) ||
      failed(checkPositive(op, "eps", getEps(), /*allowZero=*/true)))
    return failure();
  return checkSameElementType(op, {{"input", getInput()},
                                   {"weight", getWeight()},
                                   {"bias", getBias()}});
}

LogicalResult RopeOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "input", getInput(),
                        {anyDim("batch"), anyDim("heads"), anyDim("seq"),
                         anyDim("head_dim")})))
    return failure();
  int64_t headDim = dimOf(getInput(), 3);
  if (!ShapedType::isDynamic(headDim) && headDim % 2 != 0)
    return emitOpError() << "head_dim must be even to rotate pairs, got "
                         << headDim;
  if (getPositions() &&
      failed(checkShape(op, "positions", getPositions(),
                        {{dimOf(getInput(), 0), "batch", "input"},
                         {dimOf(getInput(), 2), "seq", "input"}})))
    return failure();
  if (std::optional<ArrayRef<float>> freqs = getInvFreq()) {
    if (!ShapedType::isDynamic(headDim) && int64_t(freqs->size()) != headDim / 2)
      return emitOpError() << "'inv_freq' has " << freqs->size()
                           << " frequencies, expected head_dim / 2 = "
                           << headDim / 2;
    for (float f : *freqs)
      if (!std::isfinite(f))
        return emitOpError() << "'inv_freq' must be finite, got " << f;
  }
  if (float a = getAttentionScaling().convertToFloat(); !(a > 0) || !std::isfinite(a))
    return emitOpError() << "'attention_scaling' must be a positive finite "
                            "number, got "
                         << a;
  if (getPositions() && getPositionOffset() != 0)
    return emitOpError() << "'position_offset' is only used without "
                            "'positions'; fold it into the positions";
  if (getPositionOffset() < 0)
    return emitOpError() << "'position_offset' must be >= 0, got "
                         << getPositionOffset();
  // The length-dependent scalings (LongRoPE, dynamic NTK) need the context
  // they switch at; without one, original_context means nothing.
  std::optional<ArrayRef<float>> longFreqs = getLongInvFreq();
  std::optional<float> ntk;
  if (std::optional<APFloat> f = getNtkFactor())
    ntk = f->convertToFloat();
  if ((longFreqs || ntk) != (getOriginalContext() != 0))
    return emitOpError() << "'original_context' (got " << getOriginalContext()
                         << ") is given exactly when 'long_inv_freq' or "
                            "'ntk_factor' is";
  if (getOriginalContext() < 0)
    return emitOpError() << "'original_context' must be positive, got "
                         << getOriginalContext();
  if (getExtent()) {
    if (failed(checkShape(op, "extent", getExtent(), {{1, "one value"}})))
      return failure();
    if (getOriginalContext() == 0)
      return emitOpError() << "'extent' is only read by the length-dependent "
                              "scalings ('long_inv_freq', 'ntk_factor')";
  }
  if (longFreqs) {
    if (!getInvFreq())
      return emitOpError() << "'long_inv_freq' needs 'inv_freq', the "
                              "frequencies within the original context";
    if (longFreqs->size() != getInvFreq()->size())
      return emitOpError() << "'long_inv_freq' has " << longFreqs->size()
                           << " frequencies, 'inv_freq' "
                           << getInvFreq()->size();
    for (float f : *longFreqs)
      if (!std::isfinite(f))
        return emitOpError() << "'long_inv_freq' must be finite, got " << f;
  }
  if (ntk) {
    if (getInvFreq())
      return emitOpError() << "'ntk_factor' scales θ; it cannot be combined "
                              "with 'inv_freq'";
    if (!(*ntk > 0) || !std::isfinite(*ntk))
      return emitOpError() << "'ntk_factor' must be a positive finite number, got "
                           << *ntk;
    if (!ShapedType::isDynamic(headDim) && headDim <= 2)
      return emitOpError() << "'ntk_factor' needs head_dim > 2 (θ is raised "
                              "to D/(D−2)), got "
                           << headDim;
  }
  return checkPositive(op, "theta", getTheta());
}

LogicalResult SplitHeadsOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "input", getInput(),
                        {anyDim("batch"), anyDim("seq"), anyDim("hidden")})))
    return failure();
  int64_t heads = getHeads(), hidden = dimOf(getInput(), 2);
  if (heads < 1)
    return emitOpError() << "'heads' must be >= 1, got " << heads;
  int64_t headDim = ShapedType::kDynamic;
  if (!ShapedType::isDynamic(hidden)) {
    if (hidden % heads != 0)
      return emitOpError() << "hidden size (" << hidden
                           << ") must be a multiple of heads (" << heads
                           << ")";
    headDim = hidden / heads;
  }
  if (failed(checkShape(op, "result", getResult(),
                        {{dimOf(getInput(), 0), "batch", "input"},
                         {heads, "heads", "heads attribute"},
                         {dimOf(getInput(), 1), "seq", "input"},
                         {headDim, "head_dim", "hidden / heads"}})))
    return failure();
  return checkSameElementType(
      op, {{"input", getInput()}, {"result", getResult()}});
}

LogicalResult MergeHeadsOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "input", getInput(),
                        {anyDim("batch"), anyDim("heads"), anyDim("seq"),
                         anyDim("head_dim")})))
    return failure();
  int64_t heads = dimOf(getInput(), 1), headDim = dimOf(getInput(), 3);
  int64_t hidden = ShapedType::isDynamic(heads) || ShapedType::isDynamic(headDim)
                       ? ShapedType::kDynamic
                       : heads * headDim;
  if (failed(checkShape(op, "result", getResult(),
                        {{dimOf(getInput(), 0), "batch", "input"},
                         {dimOf(getInput(), 2), "seq", "input"},
                         {hidden, "hidden", "heads x head_dim"}})))
    return failure();
  return checkSameElementType(
      op, {{"input", getInput()}, {"result", getResult()}});
}

OpFoldResult MergeHeadsOp::fold(FoldAdaptor) {
  // merge_heads(split_heads(x)) is x.
  if (auto split = getInput().getDefiningOp<SplitHeadsOp>())
    if (split.getInput().getType() == getType())
      return split.getInput();
  return {};
}

LogicalResult GatedMLPOp::verify() {
  Operation *op = getOperation();
  FailureOr<int64_t> hidden =
      checkTrailingDim(op, "input", getInput(), "hidden");
  if (failed(hidden) ||
      failed(checkShape(op, "gate", getGate(),
                        {anyDim("intermediate"), {*hidden, "hidden", "input"}})))
    return failure();
  int64_t intermediate = dimOf(getGate(), 0);
  if (failed(checkShape(op, "up", getUp(),
                        {{intermediate, "intermediate", "gate"},
                         {*hidden, "hidden", "input"}})) ||
      failed(checkShape(op, "down", getDown(),
                        {{*hidden, "hidden", "input"},
                         {intermediate, "intermediate", "gate"}})))
    return failure();
  if (failed(checkResultIsInputType(op, getInput(), getResult())) ||
      failed(checkGatedActivation(op, getActivation(), "activation")))
    return failure();
  return checkSameElementType(op, {{"input", getInput()},
                                   {"gate", getGate()},
                                   {"up", getUp()},
                                   {"down", getDown()}});
}

OpFoldResult ActivationOp::fold(FoldAdaptor) {
  if (getKind() == Activation::identity)
    return getInput();
  return {};
}

LogicalResult SoftcapOp::verify() {
  return checkPositive(getOperation(), "cap", getCap());
}

LogicalResult SelectTokensOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "flags", getFlags(), {anyDim("batch"), anyDim("seq")})))
    return failure();
  return checkShape(op, "on_true", getOnTrue(),
                    {{dimOf(getFlags(), 0), "batch", "flags"},
                     {dimOf(getFlags(), 1), "seq", "flags"},
                     anyDim("features")});
}

LogicalResult PositionIdsOp::verify() {
  return checkShape(getOperation(), "ids", getIds(), {anyDim("batch"), anyDim("seq")});
}
