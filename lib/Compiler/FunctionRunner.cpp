//===- FunctionRunner.cpp - Run one function of a .mlir file --------------===//

#include "hybrid/Compiler/FunctionRunner.h"
#include "hybrid/Compiler/JitModule.h"

#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"
#include "hybrid/Dialect/Hybrid/IR/Signature.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Reference/Interpreter.h"
#include "hybrid/Support/Checkpoint.h"
#include "hybrid/Support/IRNestingDepth.h"
#include "hybrid/Support/RandomWeights.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::hybrid;

namespace {
std::string typeToString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

} // namespace

std::string mlir::hybrid::opPrefix(Operation *op) {
  std::string where;
  if (auto file = dyn_cast<FileLineColLoc>(op->getLoc()))
    where = file.getFilename().str() + ":" + std::to_string(file.getLine()) + ":" +
            std::to_string(file.getColumn()) + ": ";
  return where + "'" + op->getName().getStringRef().str() + "': ";
}


bool mlir::hybrid::checkArgument(unsigned index, Type type, const HostTensor &value,
                   const std::string &source, std::string &error) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  std::string prefix = "argument " + std::to_string(index) + " (" +
                       typeToString(type) + ") from " + source + ": ";
  if (!tensorType) {
    error = prefix + "only ranked tensor arguments are supported";
    return false;
  }
  Type element = tensorType.getElementType();
  if (!isa<FloatType>(element) && !isa<IntegerType>(element)) {
    error = prefix + "elements of type " + typeToString(element) +
            " are not supported (floats and integers are)";
    return false;
  }
  bool wantFloat = isa<FloatType>(element);
  if (wantFloat != value.isFloat()) {
    error = prefix + "expected " + (wantFloat ? "floating-point" : "integer") +
            " elements, got " + stringifyDType(value.dtype());
    return false;
  }
  // Integers must fit the function's width (an int64 .npy of ids may feed
  // an i32 argument only where every value fits).
  if (auto integer = dyn_cast<IntegerType>(tensorType.getElementType());
      integer && integer.getWidth() < 64) {
    const int64_t limit = int64_t(1) << (integer.getWidth() - 1);
    for (int64_t n = 0; n < value.numel(); ++n)
      if (value.ints()[n] < -limit || value.ints()[n] >= limit) {
        error = prefix + "value " + std::to_string(n) + " (" + std::to_string(value.ints()[n]) +
                ") does not fit " + typeToString(integer);
        return false;
      }
  }
  if (tensorType.getRank() != value.rank()) {
    error = prefix + "expected rank " + std::to_string(tensorType.getRank()) +
            ", got " + value.typeString();
    return false;
  }
  for (int64_t d = 0; d < value.rank(); ++d)
    if (!tensorType.isDynamicDim(d) && tensorType.getDimSize(d) != value.dim(d)) {
      error = prefix + "dim " + std::to_string(d) + " is " +
              std::to_string(value.dim(d)) + ", expected " +
              std::to_string(tensorType.getDimSize(d)) + " (got " +
              value.typeString() + ")";
      return false;
    }
  return true;
}

SmallVector<func::FuncOp> mlir::hybrid::reachableFunctions(func::FuncOp entry) {
  SmallVector<func::FuncOp> reached{entry};
  llvm::SmallPtrSet<Operation *, 8> seen{entry};
  for (size_t i = 0; i < reached.size(); ++i)
    reached[i].walk([&](func::CallOp call) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
      if (callee && seen.insert(callee).second)
        reached.push_back(callee);
    });
  return reached;
}

bool mlir::hybrid::checkIndexArguments(func::FuncOp func, const std::vector<HostTensor> &args, Target target,
                         std::string &error) {
  std::vector<std::unique_ptr<HostTensor>> constants;
  // The values of `v` when they are known before running; null otherwise.
  auto knownValue = [&](Value v) -> const HostTensor * {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() != &func.getBody().front() || arg.getArgNumber() >= args.size() ||
          args[arg.getArgNumber()].isFloat())
        return nullptr;
      return &args[arg.getArgNumber()];
    }
    DenseIntElementsAttr dense;
    if (!matchPattern(v, m_Constant(&dense)))
      return nullptr;
    std::vector<int64_t> shape(dense.getType().getShape().begin(),
                               dense.getType().getShape().end()),
        values;
    for (const APInt &value : dense.getValues<APInt>())
      values.push_back(value.getSExtValue());
    constants.push_back(std::make_unique<HostTensor>(
        HostTensor::fromInts(std::move(shape), std::move(values))));
    return constants.back().get();
  };
  auto computed = [&](Operation *op, const char *what) {
    error = opPrefix(op) + "its " + what +
            " are computed by the function; --target=cpu checks them only when they are "
            "arguments or constants (compiled code does not bounds-check them), so pass "
            "them as an argument or run on --target=reference";
    return WalkResult::interrupt();
  };
  auto check = [&](Operation *op) {
    if (auto embedding = dyn_cast<EmbeddingOp>(op)) {
      const HostTensor *ids = knownValue(embedding.getIds());
      const int64_t vocab = cast<RankedTensorType>(embedding.getTable().getType()).getDimSize(0);
      // Padding-aware position ids (RoBERTa, Longformer) are bounded by
      // their shape: padding_idx .. padding_idx + S.
      if (auto positions = embedding.getIds().getDefiningOp<PositionIdsOp>();
          positions && !ids) {
        const int64_t padding = positions.getPaddingIdx(),
                      seq = cast<RankedTensorType>(positions.getType()).getShape().back();
        if (!ShapedType::isDynamic(vocab) && !ShapedType::isDynamic(seq) &&
            (padding < 0 || padding + seq >= vocab)) {
          error = opPrefix(op) + "position ids reach " + std::to_string(padding + seq) +
                  " (padding_idx " + std::to_string(padding) + " + " + std::to_string(seq) +
                  " tokens), outside the table [0, " + std::to_string(vocab) + ")";
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      }
      if (!ids && target == Target::CPU)
        return computed(op, "token ids");
      if (ids && !ShapedType::isDynamic(vocab))
        for (int64_t n = 0; n < ids->numel(); ++n)
          if (int64_t id = ids->ints()[n]; id < 0 || id >= vocab) {
            error = opPrefix(op) + "token id " + std::to_string(id) + " at position " +
                    std::to_string(n) + " is outside the vocabulary [0, " +
                    std::to_string(vocab) + ")";
            return WalkResult::interrupt();
          }
    }
    if (auto write = dyn_cast<CacheWriteOp>(op)) {
      const HostTensor *positions = knownValue(write.getPositions());
      if (!positions && target == Target::CPU)
        return computed(op, "cache positions");
      auto cacheType = cast<RankedTensorType>(write.getCache().getType());
      const int64_t slots = cacheType.getDimSize(2),
                    tokens = cast<RankedTensorType>(write.getNewValues().getType()).getDimSize(2);
      if (positions && positions->rank() == 2 && !ShapedType::isDynamic(slots))
        for (int64_t b = 0; b < positions->dim(0); ++b) {
          const int64_t first = positions->ints()[b * positions->dim(1)];
          if (first < 0 || (!write.getRing() && first > slots - tokens)) {
            error = opPrefix(op) + "sequence " + std::to_string(b) + " writes positions [" +
                    std::to_string(first) + ", " + std::to_string(first + tokens) +
                    ") outside the cache's " + std::to_string(slots) + " slots" +
                    (write.getRing() ? " (a ring takes positions >= 0)" : "");
            return WalkResult::interrupt();
          }
        }
    }
    return WalkResult::advance();
  };
  // The function and every function it calls: a callee's ids come from
  // its caller, so in a callee only constants are known.
  for (func::FuncOp f : reachableFunctions(func))
    if (f.walk(check).wasInterrupted())
      return false;
  return true;
}

bool mlir::hybrid::checkResultSizes(ModuleOp module, std::string &error) {
  // The memory is measured once; checkAllocation words the refusal.
  const double available = availableMemoryBytes();
  module->walk([&](Operation *op) {
    for (Type type : op->getResultTypes()) {
      auto tensor = dyn_cast<RankedTensorType>(type);
      if (!tensor || !tensor.hasStaticShape())
        continue;
      const std::vector<int64_t> shape(tensor.getShape().begin(), tensor.getShape().end());
      std::optional<int64_t> bytes = checkedByteCount(shape, 8);
      if ((!bytes || double(*bytes) > available) &&
          !checkAllocation(shape, 8, opPrefix(op) + "its result " + typeToString(type), error))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return error.empty();
}

HostTensor mlir::hybrid::withParameterWidth(Type type, HostTensor value) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (tensor && tensor.getElementType().isBF16() && value.dtype() == DType::F32)
    return value.roundedToBFloat16();
  auto integer = tensor ? dyn_cast<IntegerType>(tensor.getElementType()) : IntegerType();
  if (!integer || (integer.getWidth() != 32 && integer.getWidth() != 64))
    return value;
  const DType width = integer.getWidth() == 32 ? DType::I32 : DType::I64;
  if (value.dtype() == width)
    return value;
  return HostTensor::fromInts(
      value.shape(), std::vector<int64_t>(value.ints(), value.ints() + value.numel()), width);
}

OwningOpRef<ModuleOp> mlir::hybrid::moduleForFunction(func::FuncOp func) {
  llvm::StringSet<> reached;
  for (func::FuncOp f : reachableFunctions(func))
    reached.insert(f.getName());
  OwningOpRef<ModuleOp> lowered = cast<ModuleOp>(func->getParentOp()->clone());
  for (auto other : llvm::make_early_inc_range(lowered->getOps<func::FuncOp>()))
    if (other.getName() != func.getName() && other.isPublic()) {
      if (reached.contains(other.getName()))
        other.setPrivate();
      else
        other.erase();
    }
  return lowered;
}

//===----------------------------------------------------------------------===//
// FunctionRunner
//===----------------------------------------------------------------------===//

FunctionRunner::FunctionRunner() = default;
FunctionRunner::~FunctionRunner() = default;

std::unique_ptr<FunctionRunner> FunctionRunner::load(const std::string &path,
                                                     const Options &options,
                                                     std::string &error) {
  std::unique_ptr<FunctionRunner> runner(new FunctionRunner());
  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  runner->context_ = std::make_unique<MLIRContext>(registry);
  runner->target_ = options.target;

  std::string openError;
  std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(path, &openError);
  if (!file) {
    error = openError;
    return nullptr;
  }
  if (!checkIRNestingDepth(file->getBuffer(), error)) {
    error = path + ": " + error;
    return nullptr;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  // Diagnostics (with their source lines) become the error's text.
  std::string diagnostics;
  llvm::raw_string_ostream diagnosticStream(diagnostics);
  {
    SourceMgrDiagnosticHandler handler(sourceMgr, runner->context_.get(), diagnosticStream);
    runner->module_ = parseSourceFile<ModuleOp>(sourceMgr, runner->context_.get());
    if (!runner->module_ || failed(verifyNoCallCycles(*runner->module_))) {
      error = path + " is not valid IR:\n" + diagnostics;
      return nullptr;
    }
  }

  if (!checkResultSizes(*runner->module_, error))
    return nullptr;

  std::vector<func::FuncOp> candidates;
  std::string names;
  runner->module_->walk([&](func::FuncOp f) {
    names += " @" + f.getName().str();
    if (!f.isExternal() &&
        (options.function.empty() ? f.isPublic() : f.getName() == options.function))
      candidates.push_back(f);
  });
  if (candidates.size() != 1) {
    if (candidates.empty() && !options.function.empty())
      error = "no function named '" + options.function + "' in " + path + "; it has:" + names;
    else if (candidates.empty())
      error = path + " has no function with a body to run";
    else
      error = path + " has several functions; pick one (function=NAME):" + names;
    return nullptr;
  }
  func::FuncOp func = runner->func_ = candidates.front();
  runner->name_ = func.getName().str();
  const std::string at = "@" + runner->name_ + ": ";
  if (options.target == Target::CPU)
    for (Type type : llvm::concat<const Type>(func.getArgumentTypes(), func.getResultTypes()))
      if (auto tensor = dyn_cast<RankedTensorType>(type); tensor && tensor.getRank() == 0) {
        error = at + "takes or returns a rank-0 tensor (" + typeToString(type) +
                "), which the cpu target does not support yet; use a 1-element tensor, or "
                "the reference target";
        return nullptr;
      }

  // Weights: read or drawn once, here.
  const FunctionSignatureRoles roles = readSignature(func);
  std::unique_ptr<Checkpoint> checkpoint;
  if (!options.weights.empty() && !(checkpoint = Checkpoint::open(options.weights, error)))
    return nullptr;
  runner->arguments_.resize(func.getNumArguments());
  runner->isWeight_.assign(func.getNumArguments(), false);
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    const ArgumentSignature &argument = roles.arguments[i];
    if (argument.role != ArgumentRole::Weight) {
      runner->inputIndices_.push_back(i);
      runner->optionalInputs_ += argument.zerosByDefault;
      continue;
    }
    auto type = dyn_cast<RankedTensorType>(func.getArgumentTypes()[i]);
    if (!type || !type.hasStaticShape()) {
      error = at + "weight '" + argument.name + "' needs a static shape";
      return nullptr;
    }
    const std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
    HostTensor value;
    std::string source;
    if (checkpoint) {
      if (!checkpoint->read(argument.name, value, error, shape))
        return nullptr;
      source = options.weights + ":" + argument.name;
    } else if (options.randomWeights >= 0) {
      if (!checkAllocation(shape, 4, "weight '" + argument.name + "'", error))
        return nullptr;
      value = randomWeight(argument.name, shape, options.randomWeights);
      source = "random weights";
    } else {
      error = at + "reads " + std::to_string(roles.count(ArgumentRole::Weight)) +
              " weight(s) from a checkpoint: pass weights=FILE.safetensors (or "
              "random_weights=SEED)";
      return nullptr;
    }
    if (!checkArgument(i, type, value, source, error))
      return nullptr;
    runner->arguments_[i] = std::move(value);
    runner->isWeight_[i] = true;
  }

  if (options.target == Target::CPU) {
    OwningOpRef<ModuleOp> lowered = moduleForFunction(func);
    std::string compileError;
    {
      SourceMgrDiagnosticHandler handler(sourceMgr, runner->context_.get(), diagnosticStream);
      runner->jit_ = JitModule::compile(*lowered, compileError);
    }
    if (!runner->jit_) {
      error = compileError + (diagnostics.empty() ? "" : "\n" + diagnostics);
      return nullptr;
    }
  }
  return runner;
}

bool FunctionRunner::run(const std::vector<HostTensor> &inputs, std::vector<HostTensor> &results,
                         std::string &error) {
  if (inputs.size() > inputIndices_.size() ||
      inputs.size() + optionalInputs_ < inputIndices_.size()) {
    error = "@" + name_ + " takes " + std::to_string(inputIndices_.size()) +
            " input(s) besides its weights, got " + std::to_string(inputs.size());
    return false;
  }
  std::vector<HostTensor> &args = arguments_;
  // The inputs' slots hold this run's values only.
  struct ClearInputs {
    FunctionRunner &runner;
    ~ClearInputs() {
      for (unsigned i : runner.inputIndices_)
        runner.arguments_[i] = HostTensor();
    }
  } clearInputs{*this};
  for (unsigned n = 0; n < inputIndices_.size(); ++n) {
    const unsigned i = inputIndices_[n];
    auto type = dyn_cast<RankedTensorType>(func_.getArgumentTypes()[i]);
    HostTensor value;
    if (n < inputs.size()) {
      value = inputs[n];
    } else if (type && type.hasStaticShape()) {
      value = HostTensor::zeros(std::vector<int64_t>(type.getShape().begin(),
                                                     type.getShape().end()),
                                DType::I64);
    }
    if (!checkArgument(i, func_.getArgumentTypes()[i], value,
                       n < inputs.size() ? "input " + std::to_string(n) : "zeros", error))
      return false;
    args[i] = withParameterWidth(func_.getArgumentTypes()[i], std::move(value));
  }
  if (!checkIndexArguments(func_, args, target_, error))
    return false;
  results.clear();
  return jit_ ? jit_->run(name_, args, results, error)
              : reference::interpret(func_, args, results, error);
}
