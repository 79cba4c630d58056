//===- ModelRunner.cpp - Importing and running a model description --------===//

#include "ModelRunner.h"
#include "../TestUtils.h"
#include "hybrid/Dialect/Hybrid/IR/Signature.h"
#include "hybrid/Pipelines/Pipelines.h"
#include "hybrid/Reference/Interpreter.h"
#include "hybrid/Compiler/JitModule.h"
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

namespace {
/// A model imported for a test, with the context that owns it.
struct ImportedModel {
  std::unique_ptr<MLIRContext> context;
  OwningOpRef<ModuleOp> module;
  func::FuncOp forward() { return module->lookupSymbol<func::FuncOp>("forward"); }
};

ImportedModel importForTest(const std::string &path, const ModelInputShape &shape,
                            std::string &error) {
  DialectRegistry registry;
  registerCPUPipelineDialects(registry);
  ImportedModel imported{std::make_unique<MLIRContext>(registry), nullptr};
  ModelInfo info;
  imported.module = importModel(imported.context.get(), path, shape, info, error);
  EXPECT_TRUE(imported.module) << error;
  return imported;
}

/// The shape of argument `i` of `func`.
std::vector<int64_t> argumentShape(func::FuncOp func, unsigned i) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(func.getArgumentTypes()[i]).getShape();
  return {shape.begin(), shape.end()};
}
} // namespace

bool mlir::hybrid::testing::writeModelWeights(const std::string &path,
                                              const ModelInputShape &shape,
                                              const std::string &file) {
  std::string error;
  ImportedModel imported = importForTest(path, shape, error);
  if (!imported.module)
    return false;
  func::FuncOp func = imported.forward();
  std::vector<std::pair<std::string, HostTensor>> tensors;
  FunctionSignatureRoles roles = readSignature(func);
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (roles.arguments[i].role == ArgumentRole::Weight)
      tensors.push_back({roles.arguments[i].name,
                         namedWeight(roles.arguments[i].name, argumentShape(func, i))});
  bool ok = SafeTensors::write(file, tensors, error);
  EXPECT_TRUE(ok) << error;
  return ok;
}

std::vector<HostTensor> mlir::hybrid::testing::runModel(
    const std::string &path, const ModelInputShape &shape,
    const std::vector<HostTensor> &inputs, bool compiled) {
  std::string error;
  ImportedModel imported = importForTest(path, shape, error);
  if (!imported.module)
    return {};
  func::FuncOp func = imported.forward();
  std::vector<HostTensor> args = inputs;
  FunctionSignatureRoles roles = readSignature(func);
  for (unsigned i = args.size(); i < func.getNumArguments(); ++i) {
    const ArgumentSignature &arg = roles.arguments[i];
    EXPECT_EQ(arg.role, ArgumentRole::Weight)
        << "argument " << i << " is neither input nor weight";
    if (arg.role != ArgumentRole::Weight)
      return {};
    args.push_back(namedWeight(arg.name, argumentShape(func, i)));
  }
  std::vector<HostTensor> results;
  if (compiled) {
    std::unique_ptr<JitModule> jit = JitModule::compile(*imported.module, error);
    EXPECT_TRUE(jit) << error;
    if (!jit || !jit->run("forward", args, results, error))
      ADD_FAILURE() << error;
  } else if (!reference::interpret(func, args, results, error)) {
    ADD_FAILURE() << error;
  }
  return results;
}
