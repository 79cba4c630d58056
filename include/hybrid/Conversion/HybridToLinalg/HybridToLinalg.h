//===- HybridToLinalg.h - Lowering hybrid ops to linalg ---------*- C++ -*-===//

#ifndef HYBRID_CONVERSION_HYBRIDTOLINALG_HYBRIDTOLINALG_H
#define HYBRID_CONVERSION_HYBRIDTOLINALG_HYBRIDTOLINALG_H

namespace mlir {
class RewritePatternSet;
namespace hybrid {

/// The patterns that lower every hybrid op to linalg/tensor/scf on tensors.
void populateHybridToLinalgPatterns(RewritePatternSet &patterns);

} // namespace hybrid
} // namespace mlir

#endif // HYBRID_CONVERSION_HYBRIDTOLINALG_HYBRIDTOLINALG_H
