//===- WeightPanels.h - Weights stored in the GEMM kernel's panels --*- C++ -*-===//
//
// A weight W [N, K] in panels of P rows is stored as [N / P, K, P]: W[n][k]
// at ((n / P)·K + k)·P + n % P, the layout the packed GEMM's micro-kernel
// reads (P = its NR). The compiled code says which weights it takes so
// (TensorSignature::panelRows); the runtime packs them once, at load.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_SUPPORT_WEIGHTPANELS_H
#define HYBRID_SUPPORT_WEIGHTPANELS_H

#include "hybrid/Support/HostTensor.h"

namespace mlir::hybrid {

/// `rows` (an f32 [N, K], N a multiple of `panelRows`) in panels, in a
/// tensor of the same shape [N, K] (its elements reordered).
HostTensor packWeightPanels(const HostTensor &rows, int64_t panelRows);

/// The inverse: W's rows back from its panels.
HostTensor unpackWeightPanels(const HostTensor &panels, int64_t panelRows);

} // namespace mlir::hybrid

#endif // HYBRID_SUPPORT_WEIGHTPANELS_H
