//===- Differential.cpp - Compiled code against the reference -------------===//

#include "Differential.h"

#include "../TestUtils.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Reference/Interpreter.h"
#include "hybrid/Compiler/JitModule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <random>

using namespace mlir;
using namespace mlir::hybrid;
using mlir::hybrid::testing::closeTo;
using mlir::hybrid::testing::randomTensor;

std::string mlir::hybrid::testing::format(std::string text,
                            const std::map<std::string, std::string> &values) {
  for (const auto &[key, value] : values) {
    std::string pattern = "{" + key + "}";
    for (size_t at = text.find(pattern); at != std::string::npos;
         at = text.find(pattern, at + value.size()))
      text.replace(at, pattern.size(), value);
  }
  return text;
}

namespace {
bool emulateGPUKernels = false;
} // namespace

void mlir::hybrid::testing::setEmulateGPUKernels(bool emulate) { emulateGPUKernels = emulate; }

::testing::AssertionResult
mlir::hybrid::testing::matchesReference(const std::string &source, const std::string &function,
                          unsigned seed,
    const std::map<unsigned, testing::ArgRange> &ranges,
                          double tolerance, const CPUPipelineOptions *pipeline) {
  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  MLIRContext context(registry);
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagnostics += diag.str() + "\n";
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  if (!module)
    return ::testing::AssertionFailure() << "parse failed:\n"
                                         << diagnostics << source;
  auto func = module->lookupSymbol<func::FuncOp>(function);
  if (!func)
    return ::testing::AssertionFailure() << "no @" << function;

  std::mt19937 rng(seed);
  std::vector<HostTensor> args;
  for (auto [index, type] : llvm::enumerate(func.getArgumentTypes())) {
    auto tensor = cast<RankedTensorType>(type);
    std::vector<int64_t> shape(tensor.getShape().begin(), tensor.getShape().end());
    testing::ArgRange range =
        ranges.count(index) ? ranges.at(index) : testing::ArgRange();
    if (isa<FloatType>(tensor.getElementType())) {
      args.push_back(randomTensor(shape, rng, range.lo, range.hi));
    } else {
      std::uniform_int_distribution<int64_t> dist(int64_t(range.lo),
                                                  int64_t(range.hi) - 1);
      std::vector<int64_t> values(numElements(shape));
      for (int64_t &v : values)
        v = dist(rng);
      args.push_back(HostTensor::fromInts(
          shape, values,
          tensor.getElementType().isInteger(32) ? DType::I32 : DType::I64));
    }
  }

  std::vector<HostTensor> expected, actual;
  std::string error;
  if (!reference::interpret(func, args, expected, error))
    return ::testing::AssertionFailure() << "reference: " << error;
  OwningOpRef<ModuleOp> lowered = module->clone();
  CPUPipelineOptions emulated;
  if (emulateGPUKernels) {
    if (pipeline)
      emulated.copyOptionValuesFrom(*pipeline);
    emulated.emulateGPUKernels = true;
    pipeline = &emulated;
  }
  std::unique_ptr<JitModule> jit = JitModule::compile(*lowered, error, pipeline);
  if (!jit)
    return ::testing::AssertionFailure() << "compile: " << error << "\n"
                                         << diagnostics << source;
  // Weights the code reads in panels (weights-in-panels) are passed
  // packed, as the runtime packs them at load; the reference reads rows.
  if (const FunctionSignature *signature = jit->signature(function))
    args = packPanelArguments(*signature, std::move(args));
  if (!jit->run(function, args, actual, error))
    return ::testing::AssertionFailure() << "run: " << error;
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure() << "result count differs";
  for (size_t r = 0; r < expected.size(); ++r) {
    ::testing::AssertionResult close = closeTo(actual[r], expected[r], tolerance);
    if (!close)
      return ::testing::AssertionFailure()
             << "result " << r << ": " << close.message() << "\n" << source;
  }
  return ::testing::AssertionSuccess();
}
