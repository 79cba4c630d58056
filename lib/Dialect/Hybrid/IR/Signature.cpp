//===- Signature.cpp - The signature attributes: checked and read ---------===//
//
// The dialect's verifier for the attributes that make up a model function's
// interface (Signature.h) and the module's target, and the one function that
// reads them.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Dialect/Hybrid/IR/Signature.h"
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"
#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;
using namespace mlir::hybrid;

namespace {
bool isStringAttr(llvm::StringRef name) {
  return name == signature::kWeight || name == signature::kInput ||
         name == signature::kState || name == signature::kStateInit;
}

bool isUnitAttr(llvm::StringRef name) {
  return name == signature::kPositions || name == signature::kExtent ||
         name == signature::kZerosByDefault;
}

/// The value's kind, and what it needs beside it on the same argument.
LogicalResult verifyArgumentAttribute(Operation *op, DictionaryAttr all,
                                      NamedAttribute attr, unsigned index) {
  llvm::StringRef name = attr.getName().strref();
  auto fail = [&]() {
    return op->emitOpError() << "argument " << index << ": '" << name << "' ";
  };
  if (!isStringAttr(name) && !isUnitAttr(name))
    return fail() << "is not an argument attribute of the hybrid dialect "
                     "(expected one of hybrid.input, hybrid.weight, "
                     "hybrid.state, hybrid.state_init, hybrid.positions, "
                     "hybrid.extent, hybrid.zeros_by_default)";
  if (isStringAttr(name)) {
    auto value = dyn_cast<StringAttr>(attr.getValue());
    if (!value || value.getValue().empty())
      return fail() << "must be a non-empty string";
  } else if (!isa<UnitAttr>(attr.getValue())) {
    return fail() << "takes no value";
  }
  auto has = [&](llvm::StringRef other) { return bool(all.get(other)); };
  if (name == signature::kWeight &&
      (has(signature::kInput) || has(signature::kState)))
    return fail() << "marks a weight, which is not also an input or state";
  if (name == signature::kStateInit && !has(signature::kState))
    return fail() << "needs 'hybrid.state' on the same argument";
  if ((name == signature::kPositions || name == signature::kExtent ||
       name == signature::kZerosByDefault ||
       name == signature::kState) &&
      !has(signature::kInput))
    return fail() << "needs 'hybrid.input' on the same argument";
  return success();
}
} // namespace

LogicalResult HybridDialect::verifyOperationAttribute(Operation *op,
                                                      NamedAttribute attr) {
  if (attr.getName() == signature::kLayer) {
    if (!isa<IntegerAttr>(attr.getValue()))
      return op->emitError() << "'hybrid.layer' must be an integer (the layer's index)";
    return success();
  }
  if (attr.getName() == signature::kMatmulPrecision) {
    auto precision = dyn_cast<StringAttr>(attr.getValue());
    if (!isa<ModuleOp>(op))
      return op->emitError() << "'hybrid.matmul_precision' belongs on a module";
    if (!precision || (precision.getValue() != "f32" && precision.getValue() != "bf16"))
      return op->emitError() << "'hybrid.matmul_precision' must be \"f32\" or \"bf16\"";
    return success();
  }
  if (attr.getName() == signature::kWeightsInPanels) {
    auto functions = dyn_cast<DictionaryAttr>(attr.getValue());
    if (!isa<ModuleOp>(op) || !functions ||
        !llvm::all_of(functions, [](NamedAttribute f) {
          return isa<DenseI64ArrayAttr>(f.getValue());
        }))
      return op->emitError() << "'hybrid.weights_in_panels' must be a module's "
                                "{function: array<i64: ...>}";
    return success();
  }
  if (attr.getName() != signature::kTarget)
    return op->emitError() << "'" << attr.getName().strref()
                           << "' is not an attribute of the hybrid dialect "
                              "(expected hybrid.target, hybrid.matmul_precision or "
                              "hybrid.weights_in_panels on a module, hybrid.layer on an op)";
  if (!isa<ModuleOp>(op))
    return op->emitError() << "'hybrid.target' belongs on a module";
  if (!isa<CPUTargetAttr>(attr.getValue()))
    return op->emitError()
           << "'hybrid.target' must be a #hybrid.cpu_target<…>";
  return success();
}

LogicalResult HybridDialect::verifyRegionArgAttribute(Operation *op,
                                                      unsigned regionIndex,
                                                      unsigned argIndex,
                                                      NamedAttribute attr) {
  // MLIR calls this from the function interface's verifier only.
  auto function = cast<FunctionOpInterface>(op);
  return verifyArgumentAttribute(op, function.getArgAttrDict(argIndex), attr,
                                 argIndex);
}

LogicalResult HybridDialect::verifyRegionResultAttribute(Operation *op,
                                                         unsigned regionIndex,
                                                         unsigned resultIndex,
                                                         NamedAttribute attr) {
  if (attr.getName() != signature::kState)
    return op->emitOpError()
           << "result " << resultIndex << ": '" << attr.getName().strref()
           << "' is not a result attribute of the hybrid dialect (expected "
              "hybrid.state)";
  auto value = dyn_cast<StringAttr>(attr.getValue());
  if (!value || value.getValue().empty())
    return op->emitOpError() << "result " << resultIndex
                             << ": 'hybrid.state' must be a non-empty string";
  return success();
}

unsigned FunctionSignatureRoles::count(ArgumentRole role) const {
  return llvm::count_if(arguments, [&](const ArgumentSignature &arg) {
    return arg.role == role;
  });
}

FunctionSignatureRoles mlir::hybrid::readSignature(func::FuncOp func) {
  FunctionSignatureRoles roles;
  auto text = [](Attribute attr) {
    auto value = dyn_cast_or_null<StringAttr>(attr);
    return value ? value.str() : std::string();
  };
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    ArgumentSignature arg;
    DictionaryAttr attrs = func.getArgAttrDict(i);
    auto get = [&](llvm::StringRef name) {
      return attrs ? attrs.get(name) : Attribute();
    };
    if (Attribute weight = get(signature::kWeight)) {
      arg.role = ArgumentRole::Weight;
      arg.name = text(weight);
    } else if (Attribute state = get(signature::kState)) {
      arg.role = ArgumentRole::State;
      arg.name = text(state);
      arg.initialWeight = text(get(signature::kStateInit));
      arg.zerosByDefault = bool(get(signature::kZerosByDefault));
    } else if (Attribute input = get(signature::kInput)) {
      arg.role = get(signature::kPositions) ? ArgumentRole::Positions
                 : get(signature::kExtent)  ? ArgumentRole::Extent
                                            : ArgumentRole::Input;
      arg.name = text(input);
      arg.zerosByDefault = bool(get(signature::kZerosByDefault));
    }
    roles.arguments.push_back(std::move(arg));
  }
  for (unsigned r = 0; r < func.getNumResults(); ++r)
    roles.resultStates.push_back(text(func.getResultAttr(r, signature::kState)));
  return roles;
}

bool mlir::hybrid::isSignatureAttribute(llvm::StringRef name) {
  return isStringAttr(name) || isUnitAttr(name);
}
