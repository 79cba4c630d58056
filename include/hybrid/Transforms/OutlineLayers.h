//===- OutlineLayers.h - One function per distinct layer --------*- C++ -*-===//
//
// The core of hybrid-outline-layers (Passes.td), callable without a pass
// manager: the importers run it on every model they build.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TRANSFORMS_OUTLINELAYERS_H
#define HYBRID_TRANSFORMS_OUTLINELAYERS_H

#include "hybrid/Dialect/Hybrid/IR/Signature.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::hybrid {

/// The discardable attribute `hybrid.layer = N : i64` that tags the ops of
/// layer N for outlining.
inline constexpr llvm::StringLiteral kLayerAttrName = signature::kLayer;

/// Outlines every run of top-level ops tagged with the same layer into a
/// call of a private function, one function per distinct layer body.
void outlineLayers(ModuleOp module);

} // namespace mlir::hybrid

#endif // HYBRID_TRANSFORMS_OUTLINELAYERS_H
