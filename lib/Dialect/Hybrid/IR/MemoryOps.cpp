//===- MemoryOps.cpp - Content-addressed memory ops: verifiers ------------===//

#include "ShapeChecks.h"
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::detail;

namespace {
/// Shapes shared by reads and writes: memory [B, N, W], keys [B, S, W],
/// strength [B, S]. Returns {B, S, W} through the out-parameters.
LogicalResult checkAddressing(Operation *op, Value memory, Value keys,
                              Value strength, int64_t &batch, int64_t &seq,
                              int64_t &width) {
  if (failed(checkShape(op, "memory", memory,
                        {anyDim("batch"), anyDim("slots"), anyDim("width")})))
    return failure();
  batch = dimOf(memory, 0);
  width = dimOf(memory, 2);
  if (failed(checkShape(op, "keys", keys,
                        {{batch, "batch", "memory"},
                         anyDim("seq"),
                         {width, "width", "memory"}})))
    return failure();
  seq = dimOf(keys, 1);
  return checkShape(op, "strength", strength,
                    {{batch, "batch", "memory"}, {seq, "seq", "keys"}});
}
} // namespace

LogicalResult MemoryReadOp::verify() {
  Operation *op = getOperation();
  int64_t batch, seq, width;
  if (failed(checkAddressing(op, getMemory(), getKeys(), getStrength(), batch,
                             seq, width)) ||
      failed(checkShape(op, "result", getResult(),
                        {{batch, "batch", "memory"},
                         {seq, "seq", "keys"},
                         {width, "width", "memory"}})) ||
      failed(checkPositive(op, "eps", getEps(), /*allowZero=*/true)))
    return failure();
  return checkSameElementType(op, {{"memory", getMemory()},
                                   {"keys", getKeys()},
                                   {"strength", getStrength()},
                                   {"result", getResult()}});
}

LogicalResult MemoryWriteOp::verify() {
  Operation *op = getOperation();
  int64_t batch, seq, width;
  if (failed(checkAddressing(op, getMemory(), getKeys(), getStrength(), batch,
                             seq, width)))
    return failure();
  const Dim bSW[3] = {{batch, "batch", "memory"},
                      {seq, "seq", "keys"},
                      {width, "width", "memory"}};
  if (failed(checkShape(op, "erase", getErase(), bSW)) ||
      failed(checkShape(op, "add", getAdd(), bSW)) ||
      (getGate() &&
       failed(checkShape(op, "gate", getGate(),
                         {{batch, "batch", "memory"}, {seq, "seq", "keys"}}))) ||
      failed(checkShape(op, "result", getResult(),
                        {{batch, "batch", "memory"},
                         {dimOf(getMemory(), 1), "slots", "memory"},
                         {width, "width", "memory"}})) ||
      failed(checkPositive(op, "eps", getEps(), /*allowZero=*/true)))
    return failure();
  return checkSameElementType(op, {{"memory", getMemory()},
                                   {"keys", getKeys()},
                                   {"strength", getStrength()},
                                   {"erase", getErase()},
                                   {"add", getAdd()},
                                   {"gate", getGate()},
                                   {"result", getResult()}});
}
