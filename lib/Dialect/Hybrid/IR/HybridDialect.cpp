//===- HybridDialect.cpp - The hybrid dialect -----------------------------===//

#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h"
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"

using namespace mlir;
using namespace mlir::hybrid;

#include "hybrid/Dialect/Hybrid/IR/HybridDialect.cpp.inc"

void HybridDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "hybrid/Dialect/Hybrid/IR/HybridOps.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "hybrid/Dialect/Hybrid/IR/HybridOps.cpp.inc"
