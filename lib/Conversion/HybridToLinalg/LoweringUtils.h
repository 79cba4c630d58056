//===- LoweringUtils.h - Helpers of the hybrid-to-linalg lowering -*- C++ -*-//
//
// Every lowering pattern builds linalg.generic ops on static-shaped tensors;
// these helpers keep each pattern to the math it implements.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_CONVERSION_HYBRIDTOLINALG_LOWERINGUTILS_H
#define HYBRID_LIB_CONVERSION_HYBRIDTOLINALG_LOWERINGUTILS_H

#include "hybrid/Dialect/Hybrid/IR/HybridOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::hybrid::lowering {

using BodyBuilder =
    function_ref<Value(OpBuilder &b, Location loc, ValueRange args)>;

RankedTensorType tensorType(Value value);

/// One tile of an independent loop: the tile and where it goes in the
/// result (sizes: the tile's shape; unit strides).
struct TileResult {
  Value tile;
  SmallVector<OpFoldResult> offsets;
};

/// `into` with `count` tiles written into disjoint slices of it, tile i by
/// `body(b, loc, i)`, which must not read what another tile writes. An
/// scf.forall: on buffers it becomes scf.parallel and then OpenMP threads
/// (hybrid-cpu-pipeline), and each tile is computed the same whichever
/// thread runs it.
Value forEachTile(OpBuilder &b, Location loc, int64_t count, Value into,
                  function_ref<TileResult(OpBuilder &, Location, Value)> body);

/// The same with several results: `body` returns one tile per tensor of
/// `into`, in order.
SmallVector<Value>
forEachTile(OpBuilder &b, Location loc, int64_t count, ValueRange into,
            function_ref<SmallVector<TileResult>(OpBuilder &, Location, Value)> body);

/// For i in [0, n): 0, n-1, 1, n-2, ... (i/2 for even i, n-1-i/2 for odd).
/// Iterations taking tiles in this order pair cheap tiles with dear ones
/// when a tile's cost grows with its index (causal attention), so static
/// blocks of iterations cost about the same.
Value mirroredOrder(OpBuilder &b, Location loc, Value i, int64_t n);

/// Fails the match unless every operand and result has a static shape.
LogicalResult requireStaticShapes(Operation *op, PatternRewriter &rewriter);

Value floatConstant(OpBuilder &b, Location loc, Type type, double value);
Value indexConstant(OpBuilder &b, Location loc, int64_t value);

/// `x` [.., size along `dim`, ..] from `offset`.
Value sliceDim(OpBuilder &b, Location loc, Value x, unsigned dim, Value offset,
               int64_t size);
/// `x` with its dims permuted (linalg.transpose): result dim i is `x`'s dim
/// `perm[i]`; `{1, 0}` by default, a matrix transposed.
Value transpose(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> perm = {1, 0});
/// A tensor of `shape` filled with `value`.
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Type elementType, double value);

/// `(d0, ..., dn-1) -> (exprs)`.
AffineMap affineMap(MLIRContext *ctx, unsigned numDims,
                    ArrayRef<AffineExpr> exprs);
/// `(d0, ..., dn-1) -> (d[dims[0]], ...)`.
AffineMap projection(MLIRContext *ctx, unsigned numDims,
                     ArrayRef<unsigned> dims);

/// Iterator types from a string: 'p' parallel, 'r' reduction.
SmallVector<utils::IteratorType> iterators(StringRef kinds);

/// A linalg.generic with one result: `body` receives the scalars of the
/// inputs and of `init` and returns the value to yield.
Value generic(OpBuilder &b, Location loc, ValueRange inputs, Value init,
              ArrayRef<AffineMap> maps, StringRef kinds, BodyBuilder body);

/// An elementwise map of same-shaped tensors into a new tensor.
Value elementwise(OpBuilder &b, Location loc, ValueRange inputs,
                  BodyBuilder body);

/// `[..., D]` as `[rows, D]` (a reshape; rank 1 gains a unit row dim).
Value collapseToRows(OpBuilder &b, Location loc, Value x);
/// The inverse for a result `[rows, N]` of an input shaped `like`:
/// `[..., N]` with the leading dims of `like`.
Value expandFromRows(OpBuilder &b, Location loc, Value rows,
                     RankedTensorType like);

/// `x[..., K] · w[N, K]ᵀ` (+ `bias[N]`) → `[..., N]`: the linear layer. A
/// 2-D `x` may have a dynamic row count. A `w` widened from bf16 is read
/// in bf16 (bfloat16Source).
Value linearLayer(OpBuilder &b, Location loc, Value x, Value w, Value bias);

/// The bf16 tensor `value` is `arith.extf` of (a weight hybrid-bf16-weights
/// keeps in bfloat16), or null.
Value bfloat16Source(Value value);

/// The activation function on a scalar.
Value activate(OpBuilder &b, Location loc, Activation kind, Value x);

/// 1 / (1 + exp(-x)) and x·σ(x) on a scalar.
/// Whether the integer `flag` is nonzero (an i1), for per-token flag tensors.
Value isNonZero(OpBuilder &b, Location loc, Value flag);

Value sigmoid(OpBuilder &b, Location loc, Value x);
Value silu(OpBuilder &b, Location loc, Value x);
/// log(1 + exp(x)), returning x itself above 20 as PyTorch does.
Value softplus(OpBuilder &b, Location loc, Value x);

/// Whether the query at absolute position `i` sees key `j` (index values),
/// emitted as comparisons from the structure of `mask`.
Value maskVisible(OpBuilder &b, Location loc, const MaskSpec &mask, Value i,
                  Value j);

/// Attention as tiled online softmax with mask-driven tile skipping
/// (FlashAttention.cpp); fails where it does not apply (a single key tile,
/// or global flags with a bias), leaving the unfused form. `kvSplits`: the
/// split-KV chunks of a call with one query tile (1: none; 0 or less: chosen
/// from the shape, GQA's chunks of K and V at most `kvChunkBytes`).
FailureOr<Value> lowerFlashAttention(PatternRewriter &rewriter, AttentionOp op,
                                     int64_t queryTile, int64_t keyTile, int64_t kvSplits,
                                     int64_t kvChunkBytes);

} // namespace mlir::hybrid::lowering

#endif // HYBRID_LIB_CONVERSION_HYBRIDTOLINALG_LOWERINGUTILS_H
