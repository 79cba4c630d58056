//===- Interpreter.h - Run hybrid IR on the reference evaluator -*- C++ -*-===//
//
// Executes a func.func written in the hybrid dialect op by op with the
// reference implementations, so any function can be checked without
// compiling it. Besides the hybrid ops it understands the upstream ops that
// models are written with: elementwise arith and math (negf, exp, log, tanh,
// sqrt) on tensors, index arithmetic, constants, and tensor.extract_slice /
// concat / expand_shape / collapse_shape.
// Floats of every width are computed as f32 (in double inside the ops).
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_REFERENCE_INTERPRETER_H
#define HYBRID_REFERENCE_INTERPRETER_H

#include "hybrid/Support/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace mlir::hybrid::reference {

/// Runs `func` on `args` (one per function argument, already checked against
/// the signature). Returns false with `error` set, naming the op, when an op
/// is not supported or fails at run time (e.g. a token id out of range).
bool interpret(func::FuncOp func, const std::vector<HostTensor> &args,
               std::vector<HostTensor> &results, std::string &error);

} // namespace mlir::hybrid::reference

#endif // HYBRID_REFERENCE_INTERPRETER_H
