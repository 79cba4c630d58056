//===- ModelRunner.cpp - Importing and running a model description --------===//

#include "ModelRunner.h"
#include "../TestUtils.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Reference/Interpreter.h"
#include "hybrid/Runtime/JitModule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/ADT/Hashing.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir;
using namespace mlir::hybrid;

std::vector<HostTensor> mlir::hybrid::testing::runModel(
    const std::string &path, const ModelInputShape &shape,
    const std::vector<HostTensor> &inputs, bool compiled) {
  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  MLIRContext context(registry);
  ModelInfo info;
  std::string error;
  OwningOpRef<ModuleOp> module = importModel(&context, path, shape, info, error);
  EXPECT_TRUE(module) << error;
  if (!module)
    return {};
  auto func = module->lookupSymbol<func::FuncOp>("forward");
  std::vector<HostTensor> args = inputs;
  for (unsigned i = args.size(); i < func.getNumArguments(); ++i) {
    auto name = func.getArgAttrOfType<StringAttr>(i, "hybrid.weight");
    EXPECT_TRUE(name) << "argument " << i << " is neither input nor weight";
    if (!name)
      return {};
    auto type = cast<RankedTensorType>(func.getArgumentTypes()[i]);
    std::mt19937 rng(unsigned(llvm::hash_value(name.getValue())));
    bool isNorm = name.getValue().contains("norm.weight");
    args.push_back(randomTensor(
        std::vector<int64_t>(type.getShape().begin(), type.getShape().end()), rng,
        isNorm ? 0.8 : -0.3, isNorm ? 1.2 : 0.3));
  }
  std::vector<HostTensor> results;
  if (compiled) {
    std::unique_ptr<JitModule> jit = JitModule::compile(*module, error);
    EXPECT_TRUE(jit) << error;
    if (!jit || !jit->run("forward", args, results, error))
      ADD_FAILURE() << error;
  } else if (!reference::interpret(func, args, results, error)) {
    ADD_FAILURE() << error;
  }
  return results;
}
