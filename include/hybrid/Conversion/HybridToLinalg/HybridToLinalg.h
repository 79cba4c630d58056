//===- HybridToLinalg.h - Lowering hybrid ops to linalg ---------*- C++ -*-===//

#ifndef HYBRID_CONVERSION_HYBRIDTOLINALG_HYBRIDTOLINALG_H
#define HYBRID_CONVERSION_HYBRIDTOLINALG_HYBRIDTOLINALG_H

#include <cstdint>

namespace mlir {
class RewritePatternSet;
namespace hybrid {

struct HybridToLinalgOptions {
  /// Attention tile sizes (FlashAttention form); a query tile of 0 keeps
  /// attention unfused.
  int64_t attentionQueryTile = 32;
  int64_t attentionKeyTile = 64;
};

/// The patterns that lower every hybrid op to linalg/tensor/scf on tensors.
void populateHybridToLinalgPatterns(RewritePatternSet &patterns,
                                    const HybridToLinalgOptions &options = {});

} // namespace hybrid
} // namespace mlir

#endif // HYBRID_CONVERSION_HYBRIDTOLINALG_HYBRIDTOLINALG_H
