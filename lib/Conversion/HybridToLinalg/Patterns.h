//===- Patterns.h - The lowering patterns, one set per op family -*- C++ -*-//

#ifndef HYBRID_LIB_CONVERSION_HYBRIDTOLINALG_PATTERNS_H
#define HYBRID_LIB_CONVERSION_HYBRIDTOLINALG_PATTERNS_H

#include "hybrid/Conversion/HybridToLinalg/HybridToLinalg.h"

namespace mlir {
class RewritePatternSet;
namespace hybrid::lowering {
void populateAttentionLoweringPatterns(RewritePatternSet &patterns,
                                       const HybridToLinalgOptions &options);
void populateBuildingBlockLoweringPatterns(RewritePatternSet &patterns);
void populateConvLoweringPatterns(RewritePatternSet &patterns);
void populateDeltaRuleLoweringPatterns(RewritePatternSet &patterns);
void populateMemoryLoweringPatterns(RewritePatternSet &patterns);
void populateMoELoweringPatterns(RewritePatternSet &patterns);
void populateRecurrenceLoweringPatterns(RewritePatternSet &patterns);
void populateScanLoweringPatterns(RewritePatternSet &patterns);
} // namespace hybrid::lowering
} // namespace mlir

#endif // HYBRID_LIB_CONVERSION_HYBRIDTOLINALG_PATTERNS_H
