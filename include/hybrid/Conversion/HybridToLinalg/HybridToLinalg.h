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
  /// Split-KV chunks per (batch, head) of attention with one query tile
  /// (decode): 1 never splits; 0 or less chooses from the shape (enough for
  /// 32 work items and, with GQA not grouped into one query tile, for
  /// chunks of K and V of at most attentionKVChunkBytes; each chunk at
  /// least 4 of the key tiles the mask leaves visible).
  int64_t attentionKVSplits = 0;
  int64_t attentionKVChunkBytes = 512 * 1024;
};

/// The patterns that lower every hybrid op to linalg/tensor/scf on tensors.
void populateHybridToLinalgPatterns(RewritePatternSet &patterns,
                                    const HybridToLinalgOptions &options = {});

} // namespace hybrid
} // namespace mlir

#endif // HYBRID_CONVERSION_HYBRIDTOLINALG_HYBRIDTOLINALG_H
