//===- FunctionRunner.h - Run one function of a .mlir file ------*- C++ -*-===//
//
// What hybrid-run does with a .mlir file, as a library for the Python
// package (hm.load("model.mlir")): parse and verify, pick the function,
// read the arguments marked {hybrid.weight = "NAME"} from a checkpoint (or
// draw them), compile for the CPU through the JIT or keep the reference
// evaluator, then run it on the other arguments. The checks both share
// (argument types, token ids and cache positions) live here too.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_COMPILER_FUNCTIONRUNNER_H
#define HYBRID_COMPILER_FUNCTIONRUNNER_H

#include "hybrid/Compiler/ModelCompiler.h"
#include "hybrid/Support/HostTensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::hybrid {

class JitModule;

/// "file:line:col: 'op.name': " for messages about `op`, as the reference
/// evaluator writes them.
std::string opPrefix(Operation *op);

/// Checks `value` against argument `index`'s declared `type` (rank, static
/// dims, float or integer, integers within the width); `source` says where
/// the value came from.
bool checkArgument(unsigned index, Type type, const HostTensor &value, const std::string &source,
                   std::string &error);

/// Every value the IR makes must fit in memory (a tensor.empty or a
/// constant of 10^10 elements aborted in an allocation, or compiled for
/// minutes): false with `error` naming the op when one cannot.
bool checkResultSizes(ModuleOp module, std::string &error);

/// An integer `value` (checked by checkArgument) with the width of the
/// parameter's type: int64 ids fed to an i32 parameter are i32 from here
/// on, on both targets. An f32 value for a bf16 parameter (a weight kept
/// in bfloat16) is rounded to it. Other values unchanged.
HostTensor withParameterWidth(Type type, HostTensor value);

/// `entry` and every function it calls, directly or not, entry first.
SmallVector<func::FuncOp> reachableFunctions(func::FuncOp entry);

/// Token ids and cache positions, checked before either target runs: the
/// compiled code does not bounds-check them, so both targets refuse bad ones
/// with the reference evaluator's message; on the cpu, ids or positions the
/// function computes itself are refused.
bool checkIndexArguments(func::FuncOp func, const std::vector<HostTensor> &args, Target target,
                         std::string &error);

/// A copy of `func`'s module holding what compiling `func` needs: the public
/// functions it calls made private (the pipeline gives public functions a C
/// interface, not a callable body), the others erased.
OwningOpRef<ModuleOp> moduleForFunction(func::FuncOp func);

class FunctionRunner {
public:
  struct Options {
    Target target = Target::CPU;
    std::string function; ///< empty: the only public function
    std::string weights;  ///< .safetensors (or shard index) for hybrid.weight arguments
    int randomWeights = -1; ///< >= 0: draw them from this seed instead
  };
  ~FunctionRunner();

  /// Null with `error` (parse errors included, with their locations).
  static std::unique_ptr<FunctionRunner> load(const std::string &path, const Options &options,
                                              std::string &error);

  /// Runs the function on `inputs`, its arguments that are not weights, in
  /// order (trailing ones marked hybrid.zeros_by_default may be left out).
  bool run(const std::vector<HostTensor> &inputs, std::vector<HostTensor> &results,
           std::string &error);

  const std::string &functionName() const { return name_; }
  /// How many arguments run takes (weights excluded).
  unsigned inputCount() const { return static_cast<unsigned>(inputIndices_.size()); }

private:
  FunctionRunner();
  std::unique_ptr<MLIRContext> context_;
  OwningOpRef<ModuleOp> module_;
  func::FuncOp func_;
  std::string name_;
  Target target_ = Target::CPU;
  /// The arguments by index: the weights, read once; the inputs' slots are
  /// filled for a run and emptied after it.
  std::vector<HostTensor> arguments_;
  std::vector<bool> isWeight_;
  std::vector<unsigned> inputIndices_;
  unsigned optionalInputs_ = 0; ///< those marked hybrid.zeros_by_default
  std::unique_ptr<JitModule> jit_;
};

} // namespace mlir::hybrid

#endif // HYBRID_COMPILER_FUNCTIONRUNNER_H
