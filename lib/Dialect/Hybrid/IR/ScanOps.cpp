//===- ScanOps.cpp - State-space scan ops: verifiers ----------------------===//

#include "ShapeChecks.h"
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::detail;

LogicalResult SelectiveScanOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "x", getX(),
                        {anyDim("batch"), anyDim("seq"), anyDim("channels")})))
    return failure();
  int64_t batch = dimOf(getX(), 0), seq = dimOf(getX(), 1),
          channels = dimOf(getX(), 2);
  const Dim bLE[3] = {{batch, "batch", "x"},
                      {seq, "seq", "x"},
                      {channels, "channels", "x"}};
  if (failed(checkShape(op, "delta", getDelta(), bLE)) ||
      failed(checkShape(op, "A", getA(),
                        {{channels, "channels", "x"}, anyDim("state")})))
    return failure();
  int64_t state = dimOf(getA(), 1);
  const Dim bLN[3] = {{batch, "batch", "x"},
                      {seq, "seq", "x"},
                      {state, "state", "A"}};
  const Dim bEN[3] = {{batch, "batch", "x"},
                      {channels, "channels", "x"},
                      {state, "state", "A"}};
  const Dim e[1] = {{channels, "channels", "x"}};
  if (failed(checkShape(op, "B", getB(), bLN)) ||
      failed(checkShape(op, "C", getC(), bLN)) ||
      (getD() && failed(checkShape(op, "D", getD(), e))) ||
      (getZ() && failed(checkShape(op, "z", getZ(), bLE))) ||
      (getDeltaBias() &&
       failed(checkShape(op, "delta_bias", getDeltaBias(), e))) ||
      (getInitialState() &&
       failed(checkShape(op, "initial_state", getInitialState(), bEN))) ||
      failed(checkShape(op, "y", getY(), bLE)) ||
      failed(checkShape(op, "final_state", getFinalState(), bEN)))
    return failure();
  return checkSameElementType(op, {{"x", getX()},
                                   {"delta", getDelta()},
                                   {"A", getA()},
                                   {"B", getB()},
                                   {"C", getC()},
                                   {"D", getD()},
                                   {"z", getZ()},
                                   {"delta_bias", getDeltaBias()},
                                   {"initial_state", getInitialState()},
                                   {"y", getY()},
                                   {"final_state", getFinalState()}});
}

LogicalResult SSDScanOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "x", getX(),
                        {anyDim("batch"), anyDim("seq"), anyDim("heads"),
                         anyDim("head_dim")})))
    return failure();
  int64_t batch = dimOf(getX(), 0), seq = dimOf(getX(), 1),
          heads = dimOf(getX(), 2), headDim = dimOf(getX(), 3);
  const Dim h[1] = {{heads, "heads", "x"}};
  if (failed(checkShape(op, "dt", getDt(),
                        {{batch, "batch", "x"},
                         {seq, "seq", "x"},
                         {heads, "heads", "x"}})) ||
      failed(checkShape(op, "A", getA(), h)) ||
      failed(checkShape(op, "B", getB(),
                        {{batch, "batch", "x"},
                         {seq, "seq", "x"},
                         anyDim("groups"),
                         anyDim("state")})))
    return failure();
  int64_t groups = dimOf(getB(), 2), state = dimOf(getB(), 3);
  const Dim bLHP[4] = {{batch, "batch", "x"},
                       {seq, "seq", "x"},
                       {heads, "heads", "x"},
                       {headDim, "head_dim", "x"}};
  const Dim bHPN[4] = {{batch, "batch", "x"},
                       {heads, "heads", "x"},
                       {headDim, "head_dim", "x"},
                       {state, "state", "B"}};
  if (failed(checkShape(op, "C", getC(),
                        {{batch, "batch", "x"},
                         {seq, "seq", "x"},
                         {groups, "groups", "B"},
                         {state, "state", "B"}})) ||
      (getD() && failed(checkShape(op, "D", getD(), h))) ||
      (getZ() && failed(checkShape(op, "z", getZ(), bLHP))) ||
      (getDtBias() && failed(checkShape(op, "dt_bias", getDtBias(), h))) ||
      (getInitialState() &&
       failed(checkShape(op, "initial_state", getInitialState(), bHPN))) ||
      failed(checkShape(op, "y", getY(), bLHP)) ||
      failed(checkShape(op, "final_state", getFinalState(), bHPN)))
    return failure();
  if (!ShapedType::isDynamic(heads) && !ShapedType::isDynamic(groups) &&
      (groups == 0 || heads % groups != 0))
    return emitOpError() << "heads (" << heads
                         << ") must be a multiple of B/C groups (" << groups
                         << ")";
  if (getChunkSize() < 1)
    return emitOpError() << "'chunk_size' must be >= 1, got "
                         << getChunkSize();
  if (failed(checkPositive(op, "dt_min", getDtMin(), /*allowZero=*/true)) ||
      failed(checkPositive(op, "dt_max", getDtMax())))
    return failure();
  if (getDtMin() && getDtMax() &&
      getDtMin()->convertToDouble() > getDtMax()->convertToDouble())
    return emitOpError() << "'dt_min' ("
                         << formatNumber(getDtMin()->convertToDouble())
                         << ") must not exceed 'dt_max' ("
                         << formatNumber(getDtMax()->convertToDouble()) << ")";
  return checkSameElementType(op, {{"x", getX()},
                                   {"dt", getDt()},
                                   {"A", getA()},
                                   {"B", getB()},
                                   {"C", getC()},
                                   {"D", getD()},
                                   {"z", getZ()},
                                   {"dt_bias", getDtBias()},
                                   {"initial_state", getInitialState()},
                                   {"y", getY()},
                                   {"final_state", getFinalState()}});
}

LogicalResult RGLRUOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "x", getX(),
                        {anyDim("batch"), anyDim("seq"), anyDim("width")})) ||
      failed(checkShape(op, "input_gate", getInputGate(),
                        {anyDim("heads"), anyDim("block_width"), anyDim("block_width")})))
    return failure();
  const int64_t batch = dimOf(getX(), 0), seq = dimOf(getX(), 1), width = dimOf(getX(), 2),
                heads = dimOf(getInputGate(), 0), block = dimOf(getInputGate(), 1);
  if (failed(checkShape(op, "input_gate", getInputGate(),
                        {anyDim("heads"), anyDim("block_width"),
                         {block, "block_width", "input_gate dim 1"}})))
    return failure();
  if (isStatic(width) && isStatic(heads) && isStatic(block) && heads * block != width)
    return emitOpError() << "heads × block_width of 'input_gate' (" << heads << " × " << block
                         << ") must be x's width (" << width << ")";
  const Dim gate[3] = {{heads, "heads", "input_gate"},
                       {block, "block_width", "input_gate"},
                       {block, "block_width", "input_gate"}};
  const Dim bias[2] = {{heads, "heads", "input_gate"}, {block, "block_width", "input_gate"}};
  const Dim w[1] = {{width, "width", "x"}};
  const Dim bW[2] = {{batch, "batch", "x"}, {width, "width", "x"}};
  const Dim bLW[3] = {{batch, "batch", "x"}, {seq, "seq", "x"}, {width, "width", "x"}};
  if (failed(checkShape(op, "input_gate_bias", getInputGateBias(), bias)) ||
      failed(checkShape(op, "recurrent_gate", getRecurrentGate(), gate)) ||
      failed(checkShape(op, "recurrent_gate_bias", getRecurrentGateBias(), bias)) ||
      failed(checkShape(op, "recurrent_param", getRecurrentParam(), w)) ||
      (getInitialState() &&
       failed(checkShape(op, "initial_state", getInitialState(), bW))) ||
      (getPositions() &&
       failed(checkShape(op, "positions", getPositions(),
                         {{batch, "batch", "x"}, {seq, "seq", "x"}}))) ||
      failed(checkShape(op, "y", getY(), bLW)) ||
      failed(checkShape(op, "final_state", getFinalState(), bW)))
    return failure();
  if (failed(checkPositive(op, "c", getCAttr().getValue())))
    return failure();
  return checkSameElementType(op, {{"x", getX()},
                                   {"input_gate", getInputGate()},
                                   {"input_gate_bias", getInputGateBias()},
                                   {"recurrent_gate", getRecurrentGate()},
                                   {"recurrent_gate_bias", getRecurrentGateBias()},
                                   {"recurrent_param", getRecurrentParam()},
                                   {"initial_state", getInitialState()},
                                   {"y", getY()},
                                   {"final_state", getFinalState()}});
}

LogicalResult GatedDeltaRuleOp::verify() {
  Operation *op = getOperation();
  if (failed(checkShape(op, "query", getQuery(),
                        {anyDim("batch"), anyDim("seq"), anyDim("key_heads"),
                         anyDim("key_dim")})) ||
      failed(checkShape(op, "value", getValue(),
                        {{dimOf(getQuery(), 0), "batch", "query"},
                         {dimOf(getQuery(), 1), "seq", "query"},
                         anyDim("value_heads"),
                         anyDim("value_dim")})))
    return failure();
  const int64_t batch = dimOf(getQuery(), 0), seq = dimOf(getQuery(), 1),
                keyHeads = dimOf(getQuery(), 2), keyDim = dimOf(getQuery(), 3),
                valueHeads = dimOf(getValue(), 2), valueDim = dimOf(getValue(), 3);
  if (isStatic(keyHeads) && isStatic(valueHeads) && keyHeads > 0 &&
      valueHeads % keyHeads != 0)
    return emitOpError() << "value heads (" << valueHeads
                         << ") must be a multiple of query and key heads (" << keyHeads << ")";
  const Dim qk[4] = {{batch, "batch", "query"},
                     {seq, "seq", "query"},
                     {keyHeads, "key_heads", "query"},
                     {keyDim, "key_dim", "query"}};
  const Dim perHead[3] = {{batch, "batch", "query"},
                          {seq, "seq", "query"},
                          {valueHeads, "value_heads", "value"}};
  const Dim state[4] = {{batch, "batch", "query"},
                        {valueHeads, "value_heads", "value"},
                        {keyDim, "key_dim", "query"},
                        {valueDim, "value_dim", "value"}};
  const Dim out[4] = {{batch, "batch", "query"},
                      {seq, "seq", "query"},
                      {valueHeads, "value_heads", "value"},
                      {valueDim, "value_dim", "value"}};
  if (failed(checkShape(op, "key", getKey(), qk)) ||
      failed(checkShape(op, "g", getG(), perHead)) ||
      failed(checkShape(op, "beta", getBeta(), perHead)) ||
      (getInitialState() &&
       failed(checkShape(op, "initial_state", getInitialState(), state))) ||
      failed(checkShape(op, "result", getResult(), out)) ||
      failed(checkShape(op, "final_state", getFinalState(), state)))
    return failure();
  if (getChunkSize() < 1)
    return emitOpError() << "chunk_size must be at least 1, got " << getChunkSize();
  if (failed(checkPositive(op, "scale", getScale())))
    return failure();
  return checkSameElementType(op, {{"query", getQuery()},
                                   {"key", getKey()},
                                   {"value", getValue()},
                                   {"g", getG()},
                                   {"beta", getBeta()},
                                   {"initial_state", getInitialState()},
                                   {"result", getResult()},
                                   {"final_state", getFinalState()}});
}
