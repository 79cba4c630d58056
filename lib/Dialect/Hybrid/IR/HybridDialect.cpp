//===- HybridDialect.cpp - The hybrid dialect -----------------------------===//

#include "hybrid/Dialect/Hybrid/IR/HybridDialect.h"
#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"

#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace mlir::hybrid;

namespace {
/// Every hybrid op is pure data flow on tensors (a depth recurrence's body
/// too), so any of them may be inlined: `hybrid-opt --inline` flattens a
/// model's outlined layers back into one function.
struct HybridInlinerInterface : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Operation *, bool) const final { return true; }
  bool isLegalToInline(Region *, Region *, bool, IRMapping &) const final {
    return true;
  }
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

#include "hybrid/Dialect/Hybrid/IR/HybridDialect.cpp.inc"

void HybridDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "hybrid/Dialect/Hybrid/IR/HybridOps.cpp.inc"
      >();
  addInterfaces<HybridInlinerInterface>();
}

#define GET_OP_CLASSES
#include "hybrid/Dialect/Hybrid/IR/HybridOps.cpp.inc"
