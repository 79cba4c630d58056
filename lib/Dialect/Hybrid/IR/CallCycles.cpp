//===- CallCycles.cpp - Refusing recursive functions ----------------------===//
//
// A hybrid function has no control flow to end a recursion, so a call
// cycle runs forever (the reference evaluator) or until the stack
// overflows (compiled code): it is refused before either runs.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Dialect/Hybrid/IR/Signature.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

#include <functional>

using namespace mlir;

LogicalResult mlir::hybrid::verifyNoCallCycles(ModuleOp module) {
  enum class State { Unvisited, OnPath, Done };
  llvm::DenseMap<Operation *, State> state;
  std::function<LogicalResult(func::FuncOp)> visit = [&](func::FuncOp fn) -> LogicalResult {
    state[fn] = State::OnPath;
    WalkResult walk = fn.walk([&](func::CallOp call) {
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCalleeAttr());
      if (!callee)
        return WalkResult::advance();
      State &s = state[callee];
      if (s == State::OnPath) {
        call.emitError() << "@" << callee.getSymName()
                         << " is called again while it runs: a recursion, which "
                            "nothing could end";
        return WalkResult::interrupt();
      }
      if (s == State::Unvisited && failed(visit(callee)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    state[fn] = State::Done;
    return failure(walk.wasInterrupted());
  };
  for (func::FuncOp fn : module.getOps<func::FuncOp>())
    if (state.lookup(fn) == State::Unvisited && failed(visit(fn)))
      return failure();
  return success();
}
