//===- ChunkedForms.h - Pieces of the chunked (matmul) scans -----*- C++ -*-===//
//
// Linear recurrences with a decay (the gated delta rule, Mamba-2's SSD) are
// evaluated for prefill in chunks: within a chunk, products of [n, ·] tiles
// weighted by e^(G_i − G_j), G the cumulative log-decay; across chunks, the
// state. These helpers build those pieces on one head's head-major tiles.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_CONVERSION_HYBRIDTOLINALG_CHUNKEDFORMS_H
#define HYBRID_LIB_CONVERSION_HYBRIDTOLINALG_CHUNKEDFORMS_H

#include "LoweringUtils.h"

namespace mlir::hybrid::lowering {

/// acc + a·b on (a, b, acc): the body of every product.
Value multiplyAdd(OpBuilder &b, Location loc, ValueRange a);

/// `x [B, L, H, d...]` as `[B, H, L, d...]`, each row times `rowScale
/// [B, L, H]` (when given) and `scale`.
Value headMajor(OpBuilder &b, Location loc, Value x, Value rowScale, double scale);

/// Slice [batch, head] of `x [B, H, L, rest...]`: `[L, rest...]`.
Value batchHeadSlice(OpBuilder &b, Location loc, Value x, Value batch, Value head);

/// `out [B, L, H, d]` and `state [B, H, a, b]` (the types given), one
/// (batch, head) per tile of an scf.forall shared among the threads:
/// `body(b, loc, batch, head)` returns that head's rows `[L, d]` and its
/// state `[a, b]`.
SmallVector<Value> forEachBatchHead(
    OpBuilder &b, Location loc, RankedTensorType outType, RankedTensorType stateType,
    function_ref<std::pair<Value, Value>(OpBuilder &, Location, Value, Value)> body);

/// Writes `part [n, rest...]` into rows [offset, offset + n) of `into`.
Value insertRows(OpBuilder &b, Location loc, Value part, Value into, Value offset);

/// `init + x · y` for y [r, m] (x [n, r], or [r, n] with `xTransposed`):
/// loops (i, r, j), so the innermost runs along rows of y and of the result
/// (vector lanes, no reduction across them). Untransposed, it is the A·B
/// shape hybrid-register-tile-products gives its register kernels.
Value product(OpBuilder &b, Location loc, Value x, Value y, Value init,
              bool xTransposed = false);

/// G[i] = Σ_{j ≤ i} g[j] for `g [n]`.
Value inclusiveCumsum(OpBuilder &b, Location loc, Value g);

/// x[i, j] · e^(G_i − G_j) (· rowScale[i] when given) where j is before i
/// (or j ≤ i with `diagonal`), else 0, for `x [n, n]` and G `[n]`. The
/// select keeps the exp of positive differences out.
Value decayedLower(OpBuilder &b, Location loc, Value x, Value cumulative, bool diagonal,
                   Value rowScale);

} // namespace mlir::hybrid::lowering

#endif // HYBRID_LIB_CONVERSION_HYBRIDTOLINALG_CHUNKEDFORMS_H
