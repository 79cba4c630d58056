//===- ConvOps.cpp - Convolution ops: verifiers ---------------------------===//

#include "ShapeChecks.h"
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::detail;

LogicalResult CausalConv1DOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "input", getInput(),
                        {anyDim("batch"), anyDim("seq"), anyDim("channels")})))
    return failure();
  int64_t batch = dimOf(getInput(), 0), seq = dimOf(getInput(), 1),
          channels = dimOf(getInput(), 2);
  if (failed(checkShape(op, "weight", getWeight(),
                        {{channels, "channels", "input"}, anyDim("kernel")})))
    return failure();
  // A kernel of width 0 is refused by HybridNonEmptyTensors.
  int64_t kernel = dimOf(getWeight(), 1);
  int64_t carried = isStatic(kernel) ? kernel - 1 : ShapedType::kDynamic;
  const Dim stateDims[3] = {{batch, "batch", "input"},
                            {channels, "channels", "input"},
                            {carried, "kernel - 1", "weight"}};
  const Dim c[1] = {{channels, "channels", "input"}};
  if ((getBias() && failed(checkShape(op, "bias", getBias(), c))) ||
      (getState() && failed(checkShape(op, "state", getState(), stateDims))) ||
      failed(checkShape(op, "result", getResult(),
                        {{batch, "batch", "input"},
                         {seq, "seq", "input"},
                         {channels, "channels", "input"}})) ||
      failed(checkShape(op, "final_state", getFinalState(), stateDims)) ||
      failed(checkSameElementType(op, {{"input", getInput()},
                                       {"weight", getWeight()},
                                       {"bias", getBias()},
                                       {"state", getState()},
                                       {"result", getResult()},
                                       {"final_state", getFinalState()}})))
    return failure();
  Activation act = getActivation();
  if (act != Activation::identity && act != Activation::silu)
    return emitOpError() << "supports activation identity or silu, got "
                         << stringifyActivation(act);
  return success();
}

LogicalResult Conv2DOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "input", getInput(),
                        {anyDim("batch"), anyDim("in_channels"), anyDim("height"),
                         anyDim("width")})) ||
      failed(checkShape(op, "weight", getWeight(),
                        {anyDim("out_channels"), anyDim("in_channels / groups"),
                         anyDim("kernel_h"), anyDim("kernel_w")})))
    return failure();
  ArrayRef<int64_t> strides = getStrides(), padding = getPadding(),
                    dilations = getDilations();
  for (auto [name, values, least] :
       {std::make_tuple("strides", strides, 1),
        std::make_tuple("padding", padding, 0),
        std::make_tuple("dilations", dilations, 1)}) {
    if (values.size() != 2)
      return emitOpError() << "'" << name
                           << "' must have 2 entries (height, width), got "
                           << values.size();
    for (int64_t v : values)
      if (v < least)
        return emitOpError() << "'" << name << "' entries must be >= "
                             << least << ", got " << v;
  }
  int64_t groups = getGroups();
  if (groups < 1)
    return emitOpError() << "'groups' must be >= 1, got " << groups;

  int64_t batch = dimOf(getInput(), 0), inChannels = dimOf(getInput(), 1);
  int64_t outChannels = dimOf(getWeight(), 0);
  for (auto [name, channels] : {std::make_pair("input channels", inChannels),
                                std::make_pair("output channels", outChannels)})
    if (isStatic(channels) && channels % groups != 0)
      return emitOpError() << name << " (" << channels
                           << ") must be a multiple of groups (" << groups
                           << ")";
  int64_t perGroup =
      isStatic(inChannels) ? inChannels / groups : ShapedType::kDynamic;
  if (failed(checkShape(op, "weight", getWeight(),
                        {anyDim("out_channels"),
                         {perGroup, "in_channels / groups", "input"},
                         anyDim("kernel_h"),
                         anyDim("kernel_w")})))
    return failure();
  const Dim cout[1] = {{outChannels, "out_channels", "weight"}};
  if (getBias() && failed(checkShape(op, "bias", getBias(), cout)))
    return failure();

  // Output extent: floor((in + 2p - d(k - 1) - 1) / s) + 1.
  int64_t out[2];
  for (int64_t axis = 0; axis < 2; ++axis) {
    int64_t in = dimOf(getInput(), 2 + axis),
            kernel = dimOf(getWeight(), 2 + axis);
    out[axis] = ShapedType::kDynamic;
    if (!isStatic(in) || !isStatic(kernel))
      continue;
    int64_t span = in + 2 * padding[axis] - dilations[axis] * (kernel - 1) - 1;
    if (span < 0)
      return emitOpError() << "kernel (" << kernel << ", dilation "
                           << dilations[axis] << ") does not fit the padded "
                           << (axis == 0 ? "height" : "width") << " ("
                           << in + 2 * padding[axis] << ")";
    out[axis] = span / strides[axis] + 1;
  }
  if (failed(checkShape(op, "result", getResult(),
                        {{batch, "batch", "input"},
                         {outChannels, "out_channels", "weight"},
                         {out[0], "height", "conv arithmetic"},
                         {out[1], "width", "conv arithmetic"}})))
    return failure();
  return checkSameElementType(op, {{"input", getInput()},
                                   {"weight", getWeight()},
                                   {"bias", getBias()},
                                   {"result", getResult()}});
}
