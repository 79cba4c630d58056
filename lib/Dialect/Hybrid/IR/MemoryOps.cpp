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

/// The write operands of memory_write and memory_read_write: erase and add
/// [B, S, W], gate [B, S], and the memory after the writes [B, N, W] (the
/// result called `writtenName`).
static LogicalResult checkWrite(Operation *op, Value memory, Value erase, Value add,
                                Value gate, StringRef writtenName, Value written,
                                int64_t batch, int64_t seq, int64_t width) {
  const Dim bSW[3] = {{batch, "batch", "memory"},
                      {seq, "seq", "keys"},
                      {width, "width", "memory"}};
  return success(
      succeeded(checkShape(op, "erase", erase, bSW)) &&
      succeeded(checkShape(op, "add", add, bSW)) &&
      (!gate || succeeded(checkShape(op, "gate", gate,
                                     {{batch, "batch", "memory"}, {seq, "seq", "keys"}}))) &&
      succeeded(checkShape(op, writtenName, written,
                           {{batch, "batch", "memory"},
                            {dimOf(memory, 1), "slots", "memory"},
                            {width, "width", "memory"}})));
}

LogicalResult MemoryWriteOp::verify() {
  Operation *op = getOperation();
  int64_t batch, seq, width;
  if (failed(checkAddressing(op, getMemory(), getKeys(), getStrength(), batch,
                             seq, width)) ||
      failed(checkWrite(op, getMemory(), getErase(), getAdd(), getGate(), "result",
                        getResult(), batch, seq, width)) ||
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

LogicalResult MemoryReadWriteOp::verify() {
  Operation *op = getOperation();
  int64_t batch, seq, width;
  if (failed(checkAddressing(op, getMemory(), getKeys(), getStrength(), batch,
                             seq, width)) ||
      failed(checkWrite(op, getMemory(), getErase(), getAdd(), getGate(),
                        "final_memory", getFinalMemory(), batch, seq, width)) ||
      failed(checkShape(op, "read_strength", getReadStrength(),
                        {{batch, "batch", "memory"}, {seq, "seq", "keys"}})) ||
      failed(checkShape(op, "read_keys", getReadKeys(),
                        {{batch, "batch", "memory"},
                         {seq, "seq", "keys"},
                         {width, "width", "memory"}})) ||
      failed(checkShape(op, "reads", getReads(),
                        {{batch, "batch", "memory"},
                         {seq, "seq", "keys"},
                         {width, "width", "memory"}})) ||
      failed(checkPositive(op, "eps", getEps(), /*allowZero=*/true)))
    return failure();
  return checkSameElementType(op, {{"memory", getMemory()},
                                   {"read_keys", getReadKeys()},
                                   {"read_strength", getReadStrength()},
                                   {"keys", getKeys()},
                                   {"strength", getStrength()},
                                   {"erase", getErase()},
                                   {"add", getAdd()},
                                   {"gate", getGate()},
                                   {"reads", getReads()},
                                   {"final_memory", getFinalMemory()}});
}
