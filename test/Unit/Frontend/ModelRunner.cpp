//===- ModelRunner.cpp - Importing and running a model description --------===//

#include "ModelRunner.h"
#include "../TestUtils.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Reference/Interpreter.h"
#include "hybrid/Runtime/JitModule.h"
#include "hybrid/Support/SafeTensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/ADT/Hashing.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir;
using namespace mlir::hybrid;

HostTensor mlir::hybrid::testing::namedWeight(const std::string &name,
                                              const std::vector<int64_t> &shape) {
  std::mt19937 rng(unsigned(llvm::hash_value(llvm::StringRef(name))));
  bool isNorm = llvm::StringRef(name).contains("norm.weight");
  return randomTensor(shape, rng, isNorm ? 0.8 : -0.3, isNorm ? 1.2 : 0.3);
}

bool mlir::hybrid::testing::writeModelWeights(const std::string &path,
                                              const ModelInputShape &shape,
                                              const std::string &file) {
  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  MLIRContext context(registry);
  ModelInfo info;
  std::string error;
  OwningOpRef<ModuleOp> module = importModel(&context, path, shape, info, error);
  EXPECT_TRUE(module) << error;
  if (!module)
    return false;
  auto func = module->lookupSymbol<func::FuncOp>("forward");
  std::vector<std::pair<std::string, HostTensor>> tensors;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (auto name = func.getArgAttrOfType<StringAttr>(i, "hybrid.weight")) {
      auto type = cast<RankedTensorType>(func.getArgumentTypes()[i]);
      tensors.push_back({name.str(), namedWeight(name.str(), {type.getShape().begin(),
                                                              type.getShape().end()})});
    }
  bool ok = SafeTensors::write(file, tensors, error);
  EXPECT_TRUE(ok) << error;
  return ok;
}

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
    args.push_back(namedWeight(
        name.str(), std::vector<int64_t>(type.getShape().begin(), type.getShape().end())));
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
