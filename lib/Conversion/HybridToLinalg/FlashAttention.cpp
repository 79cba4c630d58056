//===- FlashAttention.cpp - Tiled attention with mask-driven tile skipping -===//
//
// Attention as FlashAttention computes it (MATH.md §9): for each tile of
// queries, a loop over tiles of keys keeps a running max, sum and weighted
// accumulator (online softmax), so no S×S score matrix exists. Which key
// tiles to visit is decided at compile time by MaskSpec::classifyTile: empty
// tiles are skipped, full tiles run without a mask test, and only partial
// tiles (the diagonal of a causal mask, the edges of a window) test every
// element. Windowed attention therefore costs O(S·W). A bias operand (the KV
// cache's visibility, which depends on the session's position) is added to
// the scores, and its tiles are classified at run time: a tile whose bias is
// -inf throughout is skipped, so attention over a cache costs what the
// written slots cost, not the cache's capacity.
//
// Q, K and V are zero-padded to whole tiles; padded keys count as hidden and
// padded query rows are dropped from the result. The tile classes are a
// small constant table, (Sq/Tq)·(Sk/Tk) entries, not an N×N mask.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

namespace {

AffineExpr dim(MLIRContext *ctx, unsigned d) { return getAffineDimExpr(d, ctx); }

/// `x` with dim 2 zero-padded to `size`.
Value padSeq(OpBuilder &b, Location loc, Value x, int64_t size) {
  RankedTensorType type = tensorType(x);
  if (type.getDimSize(2) == size)
    return x;
  SmallVector<int64_t> shape(type.getShape());
  shape[2] = size;
  Value zeros = filledTensor(b, loc, shape, type.getElementType(), 0.0);
  SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)), sizes, strides(4, b.getIndexAttr(1));
  for (int64_t s : type.getShape())
    sizes.push_back(b.getIndexAttr(s));
  return tensor::InsertSliceOp::create(b, loc, x, zeros, offsets, sizes, strides);
}

/// Rows [offset, offset + size) of dim 2.
Value seqSlice(OpBuilder &b, Location loc, Value x, OpFoldResult offset,
               int64_t size) {
  RankedTensorType type = tensorType(x);
  SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)), sizes, strides(4, b.getIndexAttr(1));
  offsets[2] = offset;
  for (int64_t d = 0; d < 4; ++d)
    sizes.push_back(b.getIndexAttr(d == 2 ? size : type.getDimSize(d)));
  SmallVector<int64_t> shape(type.getShape());
  shape[2] = size;
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), x, offsets,
      sizes, strides);
}

/// The [1, 1, d, Tk] block of key tile `index` of one batch and key head,
/// from keys stored as [B, Hk, Sk/Tk, d, Tk].
Value keyBlock(OpBuilder &b, Location loc, Value blocks, Value batch, Value keyHead,
               Value index) {
  RankedTensorType type = tensorType(blocks);
  SmallVector<OpFoldResult> offsets{batch, keyHead, index, b.getIndexAttr(0), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes{b.getIndexAttr(1), b.getIndexAttr(1), b.getIndexAttr(1),
                                  b.getIndexAttr(type.getDimSize(3)),
                                  b.getIndexAttr(type.getDimSize(4))};
  auto blockType = RankedTensorType::get({1, 1, type.getDimSize(3), type.getDimSize(4)},
                                         type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, blockType, blocks, offsets, sizes,
                                        SmallVector<OpFoldResult>(5, b.getIndexAttr(1)));
}

/// `x` with each dim d in `sizes` padded at its end to sizes[d] with
/// `value` (dims not in `sizes` unchanged).
Value padDims(OpBuilder &b, Location loc, Value x, const llvm::SmallDenseMap<int64_t, int64_t> &sizes,
              double value) {
  RankedTensorType type = tensorType(x);
  SmallVector<int64_t> shape(type.getShape());
  for (auto [d, size] : sizes)
    shape[d] = size;
  if (shape == SmallVector<int64_t>(type.getShape()))
    return x;
  Value filled = filledTensor(b, loc, shape, type.getElementType(), value);
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)), extent,
      strides(type.getRank(), b.getIndexAttr(1));
  for (int64_t size : type.getShape())
    extent.push_back(b.getIndexAttr(size));
  return tensor::InsertSliceOp::create(b, loc, x, filled, offsets, extent, strides);
}

/// For a bias `[Bb, Hb, Qp|1, Kp|1]` padded to whole tiles: the largest
/// bias of every (query tile, key tile) over all batches and heads, a
/// `[Qp / Tq | 1, Kp / Tk | 1]` tensor computed at run time. A tile whose
/// largest bias is -inf hides every key from every query: it is skipped.
/// (A NaN bias is no -inf, so its tile is computed and the NaN propagates.)
Value biasTileMaxima(OpBuilder &b, Location loc, Value bias, int64_t queryTile,
                     int64_t keyTile) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorType(bias);
  Type t = type.getElementType();
  const int64_t tq = type.getDimSize(2) == 1 ? 1 : queryTile,
                tk = type.getDimSize(3) == 1 ? 1 : keyTile;
  const int64_t nq = type.getDimSize(2) / tq, nk = type.getDimSize(3) / tk;
  auto tiled = RankedTensorType::get(
      {type.getDimSize(0), type.getDimSize(1), nq, tq, nk, tk}, t);
  Value expanded = tensor::ExpandShapeOp::create(
      b, loc, tiled, bias, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4, 5}});
  // Loops (qt, kt, b, h, i, j).
  return generic(b, loc, expanded, filledTensor(b, loc, {nq, nk}, t, -INFINITY),
                 {projection(ctx, 6, {2, 3, 0, 4, 1, 5}), projection(ctx, 6, {0, 1})},
                 "pprrrr", [](OpBuilder &nb, Location nl, ValueRange a) {
                   return arith::MaximumFOp::create(nb, nl, a[0], a[1]).getResult();
                 });
}

/// Global flags for `count` positions from `offset` of `globals [B, Sk]`
/// (integers, nonzero = global) as 0/1 floats `[B, padded]`, zero past
/// `count`, and the largest flag of every tile of `tile` positions,
/// `[B, padded / tile]`: 1 where the tile holds a global token.
std::pair<Value, Value> globalFlags(OpBuilder &b, Location loc, Value globals,
                                    int64_t offset, int64_t count, int64_t padded,
                                    int64_t tile, Type t) {
  MLIRContext *ctx = b.getContext();
  const int64_t batch = tensorType(globals).getDimSize(0);
  Value flags = generic(
      b, loc, globals, tensor::EmptyOp::create(b, loc, {batch, count}, t),
      {affineMap(ctx, 2, {dim(ctx, 0), dim(ctx, 1) + offset}), b.getMultiDimIdentityMap(2)},
      "pp", [&](OpBuilder &nb, Location nl, ValueRange a) {
        return arith::SelectOp::create(nb, nl, isNonZero(nb, nl, a[0]),
                                       floatConstant(nb, nl, t, 1.0),
                                       floatConstant(nb, nl, t, 0.0))
            .getResult();
      });
  flags = padDims(b, loc, flags, {{1, padded}}, 0.0);
  Value tiled = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({batch, padded / tile, tile}, t), flags,
      SmallVector<ReassociationIndices>{{0}, {1, 2}});
  Value any = generic(b, loc, tiled, filledTensor(b, loc, {batch, padded / tile}, t, 0.0),
                      {b.getMultiDimIdentityMap(3), projection(ctx, 3, {0, 1})}, "ppr",
                      [](OpBuilder &nb, Location nl, ValueRange a) {
                        return arith::MaximumFOp::create(nb, nl, a[0], a[1]).getResult();
                      });
  return {flags, any};
}

/// The `[1, size]` slice of `[B, n]` flags at (batch, offset).
Value flagSlice(OpBuilder &b, Location loc, Value flags, Value batch, Value offset,
                int64_t size) {
  Type t = tensorType(flags).getElementType();
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({1, size}, t), flags,
      SmallVector<OpFoldResult>{batch, offset},
      SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(size)},
      SmallVector<OpFoldResult>(2, b.getIndexAttr(1)));
}

/// `combine` folded over the elements of the 1-D vector `v` as a tree:
/// halves combined while the length is even (shuffles, full-width ops; an
/// ordered reduction of 64 floats would be a chain of 64 dependent adds),
/// the odd rest in order.
Value treeReduce(OpBuilder &b, Location loc, Value v,
                 function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto type = cast<VectorType>(v.getType());
  int64_t n = type.getDimSize(0);
  while (n % 2 == 0) {
    n /= 2;
    Value lo = vector::ExtractStridedSliceOp::create(b, loc, v, ArrayRef<int64_t>{0},
                                                     ArrayRef<int64_t>{n}, ArrayRef<int64_t>{1});
    Value hi = vector::ExtractStridedSliceOp::create(b, loc, v, ArrayRef<int64_t>{n},
                                                     ArrayRef<int64_t>{n}, ArrayRef<int64_t>{1});
    v = combine(b, loc, lo, hi);
  }
  Value result = vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{0});
  for (int64_t i = 1; i < n; ++i)
    result = combine(b, loc, result, vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{i}));
  return result;
}

struct FlashShape {
  int64_t batch, heads, group, headDim, valueDim, querySeq, keySeq;
  int64_t queryTile, keyTile, queryTiles, keyTiles;
  /// K is given as one [d, Tk] block per key tile (transposed once), so
  /// that q·kᵀ is a product hybrid-register-tile-products takes.
  bool keysTransposed = false;
};

/// One key tile of the online softmax for one head's query tile ([1, 1, ...]
/// tiles): updates (m, l, acc) with the scores of `qTile` against
/// `kTile`/`vTile`, and returns them and the [1, 1, Tq, Tk] `scratch` the
/// scores and then p were computed in (carried from tile to tile so that
/// every tile reuses one buffer: a fresh zero tensor and p per tile were two
/// mallocs and an 8 KiB copy). Where the i1 `masked` is set (partial tiles),
/// each score is tested against the mask and the padding (j < Sk), and,
/// given the tile's global flags (`queryFlags [1, Tq]`, `keyFlags [1, Tk]`,
/// 0/1 floats), against them: a global row or key is visible.
SmallVector<Value> onlineSoftmaxStep(OpBuilder &b, Location loc, AttentionOp op,
                                     const FlashShape &s, Value qTile,
                                     Value kTile, Value vTile, Value m, Value l,
                                     Value acc, Value scratch, Value queryStart,
                                     Value keyStart, Value masked,
                                     Value biasTile, Value queryFlags = {},
                                     Value keyFlags = {}) {
  MLIRContext *ctx = b.getContext();
  Type t = tensorType(qTile).getElementType();
  const double scale = op.getEffectiveScale();
  std::optional<double> softcap;
  if (op.getSoftcap())
    softcap = op.getSoftcap()->convertToDouble();
  MaskSpec mask = op.getMask().getSpec();
  const int64_t qOffset = op.getQOffset(), keySeq = s.keySeq;

  // q·kᵀ of the tile, into the scratch tile.
  Value zeros = linalg::FillOp::create(b, loc, floatConstant(b, loc, t, 0.0), scratch).getResult(0);
  Value raw = generic(
      b, loc, {qTile, kTile}, zeros,
      {projection(ctx, 5, {0, 1, 2, 4}),
       s.keysTransposed ? projection(ctx, 5, {0, 1, 4, 3}) : projection(ctx, 5, {0, 1, 3, 4}),
       projection(ctx, 5, {0, 1, 2, 3})},
      "ppppr", [](OpBuilder &nb, Location nl, ValueRange a) {
        return arith::AddFOp::create(nb, nl, a[2],
                                     arith::MulFOp::create(nb, nl, a[0], a[1]))
            .getResult();
      });
  // Per-element work before the softmax: scale, softcap, bias and mask, in
  // the unfused form's order (finishScores). Without a bias, full tiles
  // need no pass: the row loop below scales and caps their rows (values
  // are the same: the same ops on the same floats), and only partial tiles
  // get all of it (the mask must follow the softcap) in place, the row loop
  // taking their rows as they are. With a bias, one pass on every tile.
  const bool finishInRows = !biasTile;
  const bool rowsOnly = op.getGlobalRowsOnly();
  // `flags`: the query's and the key's global flags, or empty.
  auto visibleAt = [&](OpBuilder &nb, Location nl, ValueRange flags) -> Value {
    Value i = arith::AddIOp::create(
        nb, nl, linalg::IndexOp::create(nb, nl, 2),
        arith::AddIOp::create(nb, nl, queryStart, indexConstant(nb, nl, qOffset)));
    Value j = arith::AddIOp::create(nb, nl, linalg::IndexOp::create(nb, nl, 3), keyStart);
    Value visible = maskVisible(nb, nl, mask, i, j);
    if (!flags.empty()) {
      auto isSet = [&](Value flag) -> Value {
        return arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::ONE, flag,
                                     floatConstant(nb, nl, t, 0.0));
      };
      Value rowGlobal = isSet(flags[0]);
      visible = arith::OrIOp::create(nb, nl, visible,
                                     arith::OrIOp::create(nb, nl, rowGlobal, isSet(flags[1])));
      if (rowsOnly)
        visible = arith::AndIOp::create(nb, nl, visible, rowGlobal);
    }
    return arith::AndIOp::create(
        nb, nl, visible,
        arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, j,
                              indexConstant(nb, nl, keySeq)));
  };
  // Scale and softcap of a score or a vector of them.
  auto finish = [&](OpBuilder &nb, Location nl, Value v) -> Value {
    auto splat = [&](double value) -> Value {
      Value c = floatConstant(nb, nl, t, value);
      if (auto vt = dyn_cast<VectorType>(v.getType()))
        return vector::BroadcastOp::create(nb, nl, vt, c);
      return c;
    };
    v = arith::MulFOp::create(nb, nl, v, splat(scale));
    if (softcap) {
      Value inner = arith::MulFOp::create(nb, nl, v, splat(1 / *softcap));
      v = arith::MulFOp::create(nb, nl, math::TanhOp::create(nb, nl, inner), splat(*softcap));
    }
    return v;
  };
  AffineMap id4 = b.getMultiDimIdentityMap(4);
  Value scores;
  if (finishInRows) {
    auto partial = scf::IfOp::create(
        b, loc, masked,
        [&](OpBuilder &tb, Location tl) {
          SmallVector<Value> flagInputs;
          SmallVector<AffineMap> maps;
          if (queryFlags) {
            flagInputs = {queryFlags, keyFlags};
            maps = {projection(ctx, 4, {0, 2}), projection(ctx, 4, {0, 3})};
          }
          maps.push_back(id4);
          Value hidden = generic(tb, tl, flagInputs, raw, maps, "pppp",
                                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                                   return arith::SelectOp::create(
                                              nb, nl, visibleAt(nb, nl, a.drop_back()),
                                              finish(nb, nl, a.back()),
                                              floatConstant(nb, nl, t, -INFINITY))
                                       .getResult();
                                 });
          scf::YieldOp::create(tb, tl, hidden);
        },
        [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, raw); });
    scores = partial.getResult(0);
  } else {
    // The bias tile [1, 1, Tq|1, Tk|1], broadcast along its unit dims, and
    // the scores in place (in the carried scratch tile).
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < 4; ++d)
      exprs.push_back(tensorType(biasTile).getDimSize(d) == 1 ? getAffineConstantExpr(0, ctx)
                                                               : dim(ctx, d));
    scores = generic(b, loc, biasTile, raw, {affineMap(ctx, 4, exprs), id4}, "pppp",
                     [&](OpBuilder &nb, Location nl, ValueRange a) {
      Value v = arith::AddFOp::create(nb, nl, finish(nb, nl, a[1]), a[0]);
      // Full tiles need no test: the flag is uniform across the tile, so the
      // select costs one predictable branch-free op, and one copy of the tile
      // body (not two) keeps code size and compile time down.
      Value notMasked = arith::XOrIOp::create(
          nb, nl, masked, arith::ConstantIntOp::create(nb, nl, 1, 1));
      Value visible = arith::OrIOp::create(nb, nl, visibleAt(nb, nl, {}), notMasked);
      return arith::SelectOp::create(nb, nl, visible, v, floatConstant(nb, nl, t, -INFINITY))
          .getResult();
    });
  }

  // The online softmax, one query row at a time, the row's scores and
  // accumulator in registers (one pass over the tile, not five linalg
  // passes over [Tq, Tk] buffers):
  //   m' = max(m, max_j s)              (-inf while the row has seen nothing)
  //   α  = exp(m − m')                  (1 while m' is -inf)
  //   p  = exp(s − m')                  (0 while m' is -inf)
  //   l' = α·l + Σ_j p,   acc' = α·acc  (then acc' += p·v below)
  // The row max is maxnum, which skips a NaN score (cheaper than the
  // NaN-propagating maximum on x86): a NaN score still makes its p, and so
  // l and the output, NaN.
  const int64_t tq = s.queryTile, tk = s.keyTile, dv = s.valueDim;
  auto rowType = VectorType::get({tk}, t), accType = VectorType::get({dv}, t);
  // p overwrites the scores row by row, in place (each row read before it
  // is written): one [Tq, Tk] buffer per work item for scores and p.
  Value pInit = scores;
  // Rows are independent: `unroll` of them per iteration, each phase
  // emitted for all of them before the next, give the core parallel
  // chains (one row alone waits on its max, then its scalar exp, then its
  // sum).
  const int64_t unroll = tq % 4 == 0 ? 4 : tq % 2 == 0 ? 2 : 1;
  auto rows = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, tq), indexConstant(b, loc, unroll),
      ValueRange{pInit, m, l, acc},
      [&](OpBuilder &rb, Location rl, Value first, ValueRange it) {
        Value zero = indexConstant(rb, rl, 0);
        Value pad = floatConstant(rb, rl, t, 0.0);
        Value negInf = floatConstant(rb, rl, t, -INFINITY);
        SmallVector<SmallVector<Value>> rowAt, statAt;
        SmallVector<Value> sv, mOld, lOld, mNew, alpha, pv, lNew, accRow;
        for (int64_t u = 0; u < unroll; ++u) {
          Value row = u == 0 ? first
                             : arith::AddIOp::create(rb, rl, first, indexConstant(rb, rl, u));
          rowAt.push_back({zero, zero, row, zero});
          statAt.push_back({zero, zero, row});
          Value v = vector::TransferReadOp::create(rb, rl, rowType, it[0], rowAt[u], pad,
                                                   ArrayRef<bool>{true});
          if (finishInRows)
            v = arith::SelectOp::create(rb, rl, masked, v, finish(rb, rl, v));
          sv.push_back(v);
          mOld.push_back(tensor::ExtractOp::create(rb, rl, it[1], statAt[u]));
          lOld.push_back(tensor::ExtractOp::create(rb, rl, it[2], statAt[u]));
        }
        for (int64_t u = 0; u < unroll; ++u)
          mNew.push_back(arith::MaxNumFOp::create(
              rb, rl, mOld[u],
              treeReduce(rb, rl, sv[u],
                         [&](OpBuilder &cb, Location cl, Value x, Value y) -> Value {
                           return arith::MaxNumFOp::create(cb, cl, x, y);
                         })));
        for (int64_t u = 0; u < unroll; ++u) {
          Value empty = arith::CmpFOp::create(rb, rl, arith::CmpFPredicate::OEQ, mNew[u], negInf);
          alpha.push_back(arith::SelectOp::create(
              rb, rl, empty, floatConstant(rb, rl, t, 1.0),
              math::ExpOp::create(rb, rl, arith::SubFOp::create(rb, rl, mOld[u], mNew[u]))));
          Value offset =
              arith::SelectOp::create(rb, rl, empty, floatConstant(rb, rl, t, 0.0), mNew[u]);
          pv.push_back(math::ExpOp::create(
              rb, rl,
              arith::SubFOp::create(rb, rl, sv[u],
                                    vector::BroadcastOp::create(rb, rl, rowType, offset))));
        }
        for (int64_t u = 0; u < unroll; ++u) {
          Value rowSum =
              treeReduce(rb, rl, pv[u], [](OpBuilder &cb, Location cl, Value x, Value y) -> Value {
                return arith::AddFOp::create(cb, cl, x, y);
              });
          lNew.push_back(arith::AddFOp::create(
              rb, rl, arith::MulFOp::create(rb, rl, lOld[u], alpha[u]), rowSum));
          Value a = vector::TransferReadOp::create(rb, rl, accType, it[3], rowAt[u], pad,
                                                   ArrayRef<bool>{true});
          accRow.push_back(arith::MulFOp::create(
              rb, rl, a, vector::BroadcastOp::create(rb, rl, accType, alpha[u])));
        }
        Value pOut = it[0], mOut = it[1], lOut = it[2], accOut = it[3];
        for (int64_t u = 0; u < unroll; ++u) {
          pOut = vector::TransferWriteOp::create(rb, rl, pv[u], pOut, rowAt[u],
                                                 ArrayRef<bool>{true})
                     .getResult();
          mOut = tensor::InsertOp::create(rb, rl, mNew[u], mOut, statAt[u]);
          lOut = tensor::InsertOp::create(rb, rl, lNew[u], lOut, statAt[u]);
          accOut = vector::TransferWriteOp::create(rb, rl, accRow[u], accOut, rowAt[u],
                                                   ArrayRef<bool>{true})
                       .getResult();
        }
        scf::YieldOp::create(rb, rl, ValueRange{pOut, mOut, lOut, accOut});
      });
  Value p = rows.getResult(0), mNew = rows.getResult(1), lNew = rows.getResult(2),
        accScaled = rows.getResult(3);
  // acc' += p·v, the value row innermost.
  Value accNew = generic(
      b, loc, {p, vTile}, accScaled,
      {projection(ctx, 5, {0, 1, 2, 3}), projection(ctx, 5, {0, 1, 3, 4}),
       projection(ctx, 5, {0, 1, 2, 4})},
      "ppprp", [](OpBuilder &nb, Location nl, ValueRange a) {
        return arith::AddFOp::create(nb, nl, a[2],
                                     arith::MulFOp::create(nb, nl, a[0], a[1]))
            .getResult();
      });
  return {mNew, lNew, accNew, p};
}

/// acc / l row by row (acc [B, H, rows, dv], l [B, H, rows]), zero for rows
/// that saw nothing (l exactly 0); a NaN l (a NaN score) is unordered and
/// propagates.
Value normalizeRows(OpBuilder &b, Location loc, Value acc, Value sums) {
  RankedTensorType type = tensorType(acc);
  Type t = type.getElementType();
  AffineMap id4 = b.getMultiDimIdentityMap(4);
  return generic(b, loc, {acc, sums},
                 tensor::EmptyOp::create(b, loc, type.getShape(), t),
                 {id4, projection(b.getContext(), 4, {0, 1, 2}), id4}, "pppp",
                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                   Value zero = floatConstant(nb, nl, t, 0.0);
                   Value any = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::UNE, a[1], zero);
                   return arith::SelectOp::create(nb, nl, any,
                                                  arith::DivFOp::create(nb, nl, a[0], a[1]), zero)
                       .getResult();
                 });
}

/// Split-KV (flash decoding): how many chunks of key tiles each (batch,
/// head) of a call with one query tile is cut into. Such a call (decode; a
/// prompt's short last chunks) has only batch × heads work items, fewer than
/// a many-core host's threads, each walking a whole long cache; and the
/// query heads of a GQA group, consecutive items, each read their key head's
/// whole cache, which past the caches comes from memory once per head.
/// Chunks of at most `chunkBytes` of K and V are read by every head of the
/// group from L2. `requested`: 1 never splits, n > 1 asks for n (at most one
/// chunk per key tile the mask lets a query see, `spanTiles`), 0 or less
/// picks the larger of enough chunks for 32 work items and (with GQA)
/// enough to keep a chunk within `chunkBytes`, with at least 4 of those key
/// tiles each, so a short cache or window is not split at all.
int64_t kvSplitCount(const FlashShape &s, bool hasGlobals, int64_t requested,
                     int64_t chunkBytes, int64_t spanTiles, int64_t elementBytes) {
  const int64_t items = s.batch * s.heads;
  if (s.queryTiles != 1 || hasGlobals || requested == 1 || items == 0 || spanTiles < 2)
    return 1;
  if (requested > 1)
    return std::min(requested, spanTiles);
  constexpr int64_t kTargetItems = 32, kMinChunkTiles = 4;
  int64_t wanted = llvm::divideCeil(kTargetItems, items);
  if (s.group > 1 && chunkBytes > 0) {
    const int64_t tileBytes = s.keyTile * (s.headDim + s.valueDim) * elementBytes;
    wanted = std::max<int64_t>(wanted, llvm::divideCeil(spanTiles * tileBytes, chunkBytes));
  }
  return std::max<int64_t>(1, std::min(wanted, spanTiles / kMinChunkTiles));
}

/// The key tiles the mask lets a one-query-tile call see, [first, end):
/// from the first to the last whose class is not empty (end <= first: none).
std::pair<int64_t, int64_t> maskKeySpan(ArrayRef<int32_t> classes) {
  int64_t lo = static_cast<int64_t>(classes.size()), hi = 0;
  for (auto [k, c] : llvm::enumerate(classes))
    if (c != static_cast<int32_t>(TileClass::Empty)) {
      lo = std::min<int64_t>(lo, k);
      hi = static_cast<int64_t>(k) + 1;
    }
  return {lo, hi};
}

/// The key tiles a one-query-tile call may visit, as (first, count) index
/// values: the mask's span [lo, hi) (maskKeySpan, known now), narrowed at
/// run time to the tiles whose largest bias is not -inf (`biasMax`, the KV
/// cache's written slots), so that the chunks of a split share the keys
/// that exist, not the cache's capacity.
std::pair<Value, Value> visitedKeySpan(OpBuilder &b, Location loc, int64_t lo, int64_t hi,
                                       Value biasMax) {
  if (hi <= lo)
    return {indexConstant(b, loc, 0), indexConstant(b, loc, 0)};
  if (!biasMax || tensorType(biasMax).getDimSize(1) == 1)
    return {indexConstant(b, loc, lo), indexConstant(b, loc, hi - lo)};
  // (first, end) over the tiles with a bias above -inf (a NaN bias counts:
  // its tile is computed and the NaN propagates); none: end <= first.
  Type t = tensorType(biasMax).getElementType();
  auto scan = scf::ForOp::create(
      b, loc, indexConstant(b, loc, lo), indexConstant(b, loc, hi), indexConstant(b, loc, 1),
      ValueRange{indexConstant(b, loc, hi), indexConstant(b, loc, lo)},
      [&](OpBuilder &nb, Location nl, Value k, ValueRange span) {
        Value largest =
            tensor::ExtractOp::create(nb, nl, biasMax, ValueRange{indexConstant(nb, nl, 0), k});
        Value shown = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::UNE, largest,
                                            floatConstant(nb, nl, t, -INFINITY));
        Value first = arith::SelectOp::create(nb, nl, shown,
                                              arith::MinSIOp::create(nb, nl, span[0], k), span[0]);
        Value end = arith::SelectOp::create(
            nb, nl, shown, arith::AddIOp::create(nb, nl, k, indexConstant(nb, nl, 1)), span[1]);
        scf::YieldOp::create(nb, nl, ValueRange{first, end});
      });
  Value first = scan.getResult(0);
  Value count = arith::MaxSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, scan.getResult(1), first), indexConstant(b, loc, 0));
  return {first, count};
}

/// The attention of `splits` chunks of keys merged: each chunk's running
/// max m, sum l and unnormalised accumulator acc ([B, H, P·Tq] and
/// [B, H, P·Tq, dv], chunk p's rows at p·Tq) rescaled to the largest max,
/// out = Σ_p e^(m_p − M)·acc_p / Σ_p e^(m_p − M)·l_p, zero for rows no
/// chunk saw (all m_p = -inf, so the sum is exactly 0).
Value mergeKeyChunks(OpBuilder &b, Location loc, Value accParts, Value maxParts, Value sumParts,
                     int64_t splits) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType at = tensorType(accParts);
  Type t = at.getElementType();
  const int64_t batch = at.getDimSize(0), heads = at.getDimSize(1),
                rows = at.getDimSize(2) / splits, valueDim = at.getDimSize(3);
  auto split = [&](Value x) -> Value {
    RankedTensorType type = tensorType(x);
    SmallVector<int64_t> shape{batch, heads, splits, rows};
    SmallVector<ReassociationIndices> groups{{0}, {1}, {2, 3}};
    if (type.getRank() == 4) {
      shape.push_back(valueDim);
      groups.push_back({4});
    }
    return tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(shape, t), x, groups);
  };
  Value acc = split(accParts), m = split(maxParts), l = split(sumParts);
  // Loops (b, h, i, p): the largest max of each row.
  Value largest = generic(b, loc, m, filledTensor(b, loc, {batch, heads, rows}, t, -INFINITY),
                          {projection(ctx, 4, {0, 1, 3, 2}), projection(ctx, 4, {0, 1, 2})},
                          "pppr", [](OpBuilder &nb, Location nl, ValueRange a) {
                            return arith::MaximumFOp::create(nb, nl, a[0], a[1]).getResult();
                          });
  // Loops (b, h, p, i): each chunk's weight, 0 for a chunk that saw nothing.
  Value weights = generic(
      b, loc, {m, largest}, tensor::EmptyOp::create(b, loc, {batch, heads, splits, rows}, t),
      {b.getMultiDimIdentityMap(4), projection(ctx, 4, {0, 1, 3}), b.getMultiDimIdentityMap(4)},
      "pppp", [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value none = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ, a[0],
                                           floatConstant(nb, nl, t, -INFINITY));
        Value scale = math::ExpOp::create(nb, nl, arith::SubFOp::create(nb, nl, a[0], a[1]));
        return arith::SelectOp::create(nb, nl, none, floatConstant(nb, nl, t, 0.0), scale)
            .getResult();
      });
  auto weightedSum = [](OpBuilder &nb, Location nl, ValueRange a) {
    return arith::AddFOp::create(nb, nl, a[2], arith::MulFOp::create(nb, nl, a[0], a[1]))
        .getResult();
  };
  // Loops (b, h, i, p) and (b, h, i, e, p).
  Value sum = generic(b, loc, {l, weights}, filledTensor(b, loc, {batch, heads, rows}, t, 0.0),
                      {projection(ctx, 4, {0, 1, 3, 2}), projection(ctx, 4, {0, 1, 3, 2}),
                       projection(ctx, 4, {0, 1, 2})},
                      "pppr", weightedSum);
  Value total = generic(
      b, loc, {acc, weights}, filledTensor(b, loc, {batch, heads, rows, valueDim}, t, 0.0),
      {projection(ctx, 5, {0, 1, 4, 2, 3}), projection(ctx, 5, {0, 1, 4, 2}),
       projection(ctx, 5, {0, 1, 2, 3})},
      "ppppr", weightedSum);
  return normalizeRows(b, loc, total, sum);
}

} // namespace

/// The tiled form of `op` (lowerFlashAttention without the grouped decode).
static FailureOr<Value> lowerTiledAttention(PatternRewriter &rewriter, AttentionOp op,
                                            int64_t queryTile, int64_t keyTile,
                                            int64_t kvSplits, int64_t kvChunkBytes) {
  RankedTensorType qt = tensorType(op.getQuery()), kt = tensorType(op.getKey()),
                   vt = tensorType(op.getValue());
  FlashShape s;
  s.batch = qt.getDimSize(0);
  s.heads = qt.getDimSize(1);
  s.group = s.heads / kt.getDimSize(1);
  s.querySeq = qt.getDimSize(2);
  s.headDim = qt.getDimSize(3);
  s.keySeq = kt.getDimSize(2);
  s.valueDim = vt.getDimSize(3);
  s.queryTile = std::min(queryTile, s.querySeq);
  s.keyTile = keyTile;
  // One key tile has nothing to skip: the unfused form is as good. Global
  // flags together with a bias (no importer makes both) take the unfused
  // form too.
  if (queryTile < 1 || keyTile < 1 || s.keySeq <= keyTile ||
      (op.getBias() && op.getGlobals()))
    return failure();
  s.queryTiles = (s.querySeq + s.queryTile - 1) / s.queryTile;
  s.keyTiles = (s.keySeq + s.keyTile - 1) / s.keyTile;

  // The class of every (query tile, key tile), decided now.
  MaskSpec mask = op.getMask().getSpec();
  const int64_t qOffset = op.getQOffset();
  std::vector<int32_t> classes;
  int64_t visited = 0;
  for (int64_t q = 0; q < s.queryTiles; ++q)
    for (int64_t k = 0; k < s.keyTiles; ++k) {
      int64_t q0 = q * s.queryTile, q1 = std::min(q0 + s.queryTile, s.querySeq);
      int64_t k0 = k * s.keyTile, k1 = std::min(k0 + s.keyTile, s.keySeq);
      TileClass c = mask.classifyTile(qOffset + q0, qOffset + q1, k0, k1);
      // A tile that reaches into the key padding needs the j < Sk test.
      if (c == TileClass::Full && k0 + s.keyTile > s.keySeq)
        c = TileClass::Partial;
      classes.push_back(static_cast<int32_t>(c));
      visited += c != TileClass::Empty;
    }

  Location loc = op.getLoc();
  Type t = qt.getElementType();
  const int64_t paddedQ = s.queryTiles * s.queryTile, paddedK = s.keyTiles * s.keyTile;
  Value q = padSeq(rewriter, loc, op.getQuery(), paddedQ);
  Value k = padSeq(rewriter, loc, op.getKey(), paddedK);
  Value v = padSeq(rewriter, loc, op.getValue(), paddedK);
  // K as one [d, Tk] block per key tile ([B, Hk, Sk/Tk, d, Tk]), copied
  // once, when several query tiles will read it: q·kᵀ then reads rows of
  // keys, the form whose register-blocked kernel needs no packing, from one
  // contiguous block (a [d, Sk] layout would put a tile's rows Sk·4 bytes
  // apart, 4 KiB for 1024 keys: every row in the same L1 sets). Not over a
  // KV cache (a bias): copying its whole capacity would cost what tile
  // skipping saves.
  s.keysTransposed = !op.getBias() && s.queryTiles >= 2;
  if (s.keysTransposed) {
    RankedTensorType kType = tensorType(k);
    const int64_t b0 = kType.getDimSize(0), h0 = kType.getDimSize(1);
    Value tiles = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get({b0, h0, s.keyTiles, s.keyTile, s.headDim}, t), k,
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});
    Value blocks0 = tensor::EmptyOp::create(
        rewriter, loc, {b0, h0, s.keyTiles, s.headDim, s.keyTile}, t);
    k = linalg::TransposeOp::create(rewriter, loc, tiles, blocks0,
                                    ArrayRef<int64_t>{0, 1, 2, 4, 3})
            .getResult()[0];
  }
  // Otherwise (over a KV cache, or one query tile) each visited key tile is
  // transposed where the work item reads it, when the query tile is tall
  // enough to pay for it (chunked prefill; not decode's one row): the copy
  // is Tk·d floats against Tq·Tk·d FMAs, and it lets the register-blocked
  // kernel do q·kᵀ.
  const bool transposeEachTile = !s.keysTransposed && s.queryTile >= 8;
  // A bias (the KV cache's: which slots hold which positions, known only at
  // run time) is padded with -inf, and its tiles that hide everything are
  // found at run time: chunked prefill and decode then visit only the keys
  // written so far, not the cache's whole capacity.
  Value bias, biasMax;
  if (Value given = op.getBias()) {
    RankedTensorType bt = tensorType(given);
    llvm::SmallDenseMap<int64_t, int64_t> padded;
    if (bt.getDimSize(2) != 1)
      padded[2] = paddedQ;
    if (bt.getDimSize(3) != 1)
      padded[3] = paddedK;
    bias = padDims(rewriter, loc, given, padded, -INFINITY);
    biasMax = biasTileMaxima(rewriter, loc, bias, s.queryTile, s.keyTile);
  }
  // Global flags (Longformer's, given with the input): each tile's flags
  // and whether it holds a global token. A tile the mask leaves empty is
  // visited, with the element test, when its query or key tile holds one:
  // with g global tokens that adds O(g) tiles per query tile column and
  // row, not O(S). With global_rows_only, query tiles without a global row
  // are skipped whole.
  Value queryFlags, queryAny, keyFlags, keyAny;
  const bool rowsOnly = op.getGlobalRowsOnly();
  if (Value globals = op.getGlobals()) {
    std::tie(queryFlags, queryAny) = globalFlags(rewriter, loc, globals, qOffset, s.querySeq,
                                                 paddedQ, s.queryTile, t);
    std::tie(keyFlags, keyAny) =
        globalFlags(rewriter, loc, globals, 0, s.keySeq, paddedK, s.keyTile, t);
  }
  auto tableType = RankedTensorType::get({s.queryTiles, s.keyTiles}, rewriter.getI32Type());
  Value table = arith::ConstantOp::create(
      rewriter, loc, tableType,
      DenseElementsAttr::get(tableType, llvm::ArrayRef<int32_t>(classes)));
  Value out0 = tensor::EmptyOp::create(rewriter, loc,
                                       {s.batch, s.heads, paddedQ, s.valueDim}, t);
  // Split-KV: with one query tile, each (batch, head) may become `splits`
  // work items, chunk c visiting its share of the span of key tiles that
  // can be seen; their (m, l, acc) are merged after the loop.
  auto [spanLo, spanHi] = maskKeySpan(classes);
  const int64_t spanTiles = s.queryTiles == 1 ? std::max<int64_t>(spanHi - spanLo, 0) : 0;
  const int64_t splits =
      kvSplitCount(s, static_cast<bool>(op.getGlobals()), kvSplits, kvChunkBytes, spanTiles,
                   std::max<int64_t>(1, t.getIntOrFloatBitWidth() / 8));
  Value spanFirst, spanCount, accParts, maxParts, sumParts;
  if (splits > 1) {
    std::tie(spanFirst, spanCount) = visitedKeySpan(rewriter, loc, spanLo, spanHi, biasMax);
    accParts = tensor::EmptyOp::create(rewriter, loc,
                                       {s.batch, s.heads, splits * s.queryTile, s.valueDim}, t);
    maxParts = tensor::EmptyOp::create(rewriter, loc, {s.batch, s.heads, splits * s.queryTile}, t);
    sumParts = tensor::EmptyOp::create(rewriter, loc, {s.batch, s.heads, splits * s.queryTile}, t);
  }

  // Work items are (batch, key head, query tile, key chunk, query head of
  // the group), the last innermost: each item's tiles are one head's, [Tq, Tk] scores
  // that stay in L1 through the softmax's passes (all heads at once were
  // 16× that, streamed through L2), the heads of a GQA group visit the same
  // key blocks one after another, and consecutive items are one key head's,
  // rereading its keys from L2. Items are independent and shared among the
  // threads; within a key head the query tiles go 0, n-1, 1, n-2, ... so
  // that any run of items mixes cheap and dear ones (a causal tile's cost
  // grows with its index) without alternating between two heads' keys
  // (at 2048 keys two heads' K, K blocks and V are 3 MiB, past L2).
  const int64_t keyHeads = s.heads / s.group;
  FlashShape step = s;
  step.keysTransposed = s.keysTransposed || transposeEachTile;
  auto headSlice = [](OpBuilder &b, Location l, Value x, Value batch, Value head,
                      OpFoldResult seqOffset, int64_t seqSize) -> Value {
    RankedTensorType type = tensorType(x);
    SmallVector<OpFoldResult> offsets{batch, head, seqOffset, b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes{b.getIndexAttr(1), b.getIndexAttr(1),
                                    b.getIndexAttr(seqSize), b.getIndexAttr(type.getDimSize(3))};
    SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(
        b, l, RankedTensorType::get({1, 1, seqSize, type.getDimSize(3)}, type.getElementType()),
        x, offsets, sizes, strides);
  };
  SmallVector<Value> into{out0};
  if (splits > 1)
    into = {accParts, maxParts, sumParts};
  SmallVector<Value> results = forEachTile(
      rewriter, loc, s.batch * keyHeads * s.queryTiles * splits * s.group, into,
      [&](OpBuilder &b, Location l, Value item) -> SmallVector<TileResult> {
        auto divRem = [&](Value x, int64_t n) -> std::pair<Value, Value> {
          if (n == 1)
            return {x, indexConstant(b, l, 0)};
          Value c = indexConstant(b, l, n);
          return {arith::DivUIOp::create(b, l, x, c), arith::RemUIOp::create(b, l, x, c)};
        };
        auto [rest0, member] = divRem(item, s.group);
        auto [restC, chunk] = divRem(rest0, splits);
        auto [rest1, qOrder] = divRem(restC, s.queryTiles);
        Value qIndex = mirroredOrder(b, l, qOrder, s.queryTiles);
        auto [batch, keyHead] = divRem(rest1, keyHeads);
        Value head = arith::AddIOp::create(
            b, l, arith::MulIOp::create(b, l, keyHead, indexConstant(b, l, s.group)), member);
        Value qStart = arith::MulIOp::create(b, l, qIndex, indexConstant(b, l, s.queryTile));
        Value qTile = headSlice(b, l, q, batch, head, qStart, s.queryTile);
        Value m0 = filledTensor(b, l, {1, 1, s.queryTile}, t, -INFINITY);
        Value l0 = filledTensor(b, l, {1, 1, s.queryTile}, t, 0.0);
        Value acc0 = filledTensor(b, l, {1, 1, s.queryTile, s.valueDim}, t, 0.0);
        // The scratch tiles are alloc_tensor, not tensor.empty: CSE merges
        // equal tensor.empty ops (the two scratch tiles have one type when
        // Tq = d), and one-shot bufferization then gave two iter_args of one
        // init a single buffer, both written in place.
        auto scratchTile = [&](int64_t rows) -> Value {
          return bufferization::AllocTensorOp::create(
              b, l, RankedTensorType::get({1, 1, rows, s.keyTile}, t), ValueRange{});
        };
        SmallVector<Value> keyLoopInit{m0, l0, acc0, scratchTile(s.queryTile)};
        if (transposeEachTile)
          keyLoopInit.push_back(scratchTile(s.headDim));
        // This item's key tiles: all of them, or chunk c's share of the
        // span, [first + count·c / P, first + count·(c + 1) / P).
        Value keyBegin = indexConstant(b, l, 0), keyEnd = indexConstant(b, l, s.keyTiles);
        if (splits > 1) {
          auto bound = [&](Value c) -> Value {
            Value share = arith::DivUIOp::create(b, l, arith::MulIOp::create(b, l, spanCount, c),
                                                 indexConstant(b, l, splits));
            return arith::AddIOp::create(b, l, spanFirst, share);
          };
          keyBegin = bound(chunk);
          keyEnd = bound(arith::AddIOp::create(b, l, chunk, indexConstant(b, l, 1)));
        }
        auto keyLoop = scf::ForOp::create(
            b, l, keyBegin, keyEnd, indexConstant(b, l, 1), keyLoopInit,
            [&](OpBuilder &kb, Location kl, Value kIndex, ValueRange iter) {
              Value cls = tensor::ExtractOp::create(kb, kl, table, ValueRange{qIndex, kIndex});
              auto isClass = [&](OpBuilder &cb, Location cl, TileClass c) {
                return arith::CmpIOp::create(
                    cb, cl, arith::CmpIPredicate::eq, cls,
                    arith::ConstantIntOp::create(cb, cl, static_cast<int64_t>(c), 32));
              };
              // Empty: skip. Full or partial: one tile body, the mask test
              // enabled only on partial tiles.
              Value skip = isClass(kb, kl, TileClass::Empty);
              Value masked;
              if (queryFlags) {
                auto holdsGlobal = [&](Value any, Value index) -> Value {
                  Value flag = tensor::ExtractOp::create(kb, kl, any, ValueRange{batch, index});
                  return arith::CmpFOp::create(kb, kl, arith::CmpFPredicate::ONE, flag,
                                               floatConstant(kb, kl, t, 0.0));
                };
                Value queryGlobal = holdsGlobal(queryAny, qIndex);
                Value anyGlobal =
                    arith::OrIOp::create(kb, kl, queryGlobal, holdsGlobal(keyAny, kIndex));
                // An empty tile with a global token is visited, masked.
                masked = arith::OrIOp::create(
                    kb, kl, isClass(kb, kl, TileClass::Partial),
                    arith::AndIOp::create(kb, kl, skip, anyGlobal));
                skip = arith::AndIOp::create(
                    kb, kl, skip, arith::XOrIOp::create(kb, kl, anyGlobal,
                                                        arith::ConstantIntOp::create(kb, kl, 1, 1)));
                if (rowsOnly) {
                  // Every tile needs the row test; tiles of no global row go.
                  masked = arith::ConstantIntOp::create(kb, kl, 1, 1);
                  skip = arith::OrIOp::create(
                      kb, kl, skip,
                      arith::XOrIOp::create(kb, kl, queryGlobal,
                                            arith::ConstantIntOp::create(kb, kl, 1, 1)));
                }
              }
              if (bias) {
                auto tileIndex = [&](Value index, int64_t d) -> Value {
                  return tensorType(bias).getDimSize(d) == 1 ? indexConstant(kb, kl, 0) : index;
                };
                Value largest = tensor::ExtractOp::create(
                    kb, kl, biasMax, ValueRange{tileIndex(qIndex, 2), tileIndex(kIndex, 3)});
                Value hidesAll = arith::CmpFOp::create(
                    kb, kl, arith::CmpFPredicate::OEQ, largest,
                    floatConstant(kb, kl, t, -INFINITY));
                skip = arith::OrIOp::create(kb, kl, skip, hidesAll);
              }
              auto visit = scf::IfOp::create(
                  kb, kl, skip,
                  [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, iter); },
                  [&](OpBuilder &sb, Location sl) {
                    Value kStart = arith::MulIOp::create(
                        sb, sl, kIndex, indexConstant(sb, sl, s.keyTile));
                    Value biasTile;
                    if (bias) {
                      // [1, 1, Tq|1, Tk|1]: this item's batch and head
                      // unless the bias broadcasts along them.
                      RankedTensorType bt = tensorType(bias);
                      SmallVector<OpFoldResult> offsets(4, sb.getIndexAttr(0)), sizes,
                          strides(4, sb.getIndexAttr(1));
                      SmallVector<int64_t> shape(bt.getShape());
                      shape[0] = shape[1] = 1;
                      if (bt.getDimSize(0) != 1)
                        offsets[0] = batch;
                      if (bt.getDimSize(1) != 1)
                        offsets[1] = head;
                      if (bt.getDimSize(2) != 1) {
                        offsets[2] = qStart;
                        shape[2] = s.queryTile;
                      }
                      if (bt.getDimSize(3) != 1) {
                        offsets[3] = kStart;
                        shape[3] = s.keyTile;
                      }
                      for (int64_t size : shape)
                        sizes.push_back(sb.getIndexAttr(size));
                      biasTile = tensor::ExtractSliceOp::create(
                          sb, sl, RankedTensorType::get(shape, t), bias, offsets, sizes,
                          strides);
                    }
                    Value kTile = s.keysTransposed
                                      ? keyBlock(sb, sl, k, batch, keyHead, kIndex)
                                      : headSlice(sb, sl, k, batch, keyHead, kStart, s.keyTile);
                    if (transposeEachTile)
                      kTile = linalg::TransposeOp::create(sb, sl, kTile, iter[4],
                                                          ArrayRef<int64_t>{0, 1, 3, 2})
                                  .getResult()[0];
                    SmallVector<Value> next = onlineSoftmaxStep(
                        sb, sl, op, step, qTile, kTile,
                        headSlice(sb, sl, v, batch, keyHead, kStart, s.keyTile), iter[0],
                        iter[1], iter[2], iter[3], qStart, kStart,
                        masked ? masked : isClass(sb, sl, TileClass::Partial).getResult(),
                        biasTile,
                        queryFlags ? flagSlice(sb, sl, queryFlags, batch, qStart, s.queryTile)
                                   : Value(),
                        keyFlags ? flagSlice(sb, sl, keyFlags, batch, kStart, s.keyTile)
                                 : Value());
                    if (transposeEachTile)
                      next.push_back(kTile);
                    scf::YieldOp::create(sb, sl, next);
                  });
              scf::YieldOp::create(kb, kl, visit.getResults());
            });
        if (splits > 1) {
          // The chunk's state, unnormalised, at rows c·Tq of its (batch, head).
          Value row = arith::MulIOp::create(b, l, chunk, indexConstant(b, l, s.queryTile));
          SmallVector<OpFoldResult> rows{batch, head, row};
          SmallVector<OpFoldResult> rowsAndColumns{batch, head, row, b.getIndexAttr(0)};
          return {{keyLoop.getResult(2), rowsAndColumns},
                  {keyLoop.getResult(0), rows},
                  {keyLoop.getResult(1), rows}};
        }
        Value outTile = normalizeRows(b, l, keyLoop.getResult(2), keyLoop.getResult(1));
        SmallVector<OpFoldResult> offsets{batch, head, qStart, b.getIndexAttr(0)};
        return {{outTile, offsets}};
      });
  (void)visited;
  Value result = splits > 1 ? mergeKeyChunks(rewriter, loc, results[0], results[1], results[2],
                                             splits)
                            : results[0];
  return seqSlice(rewriter, loc, result, rewriter.getIndexAttr(0),
                  s.querySeq);
}

/// Decode with GQA (one query per head, mask `none`, no bias or one shared
/// by the heads, as a KV cache's is): the g query heads of a group become
/// the g rows of one query tile of their key head, [B, H, 1, d] →
/// [B, Hk, g, d], so each K and V tile is loaded once for the whole group
/// and q·kᵀ is a product of g rows, not g products of one row. The rows have
/// the same position and see the same keys, so nothing else changes. Only
/// where the group fits one query tile (so that split-KV still applies) and
/// the tiled form applies at all (more than one key tile).
static FailureOr<Value> lowerGroupedDecode(PatternRewriter &rewriter, AttentionOp op,
                                           int64_t queryTile, int64_t keyTile, int64_t kvSplits,
                                           int64_t kvChunkBytes) {
  RankedTensorType qt = tensorType(op.getQuery()), kt = tensorType(op.getKey());
  const int64_t batch = qt.getDimSize(0), heads = qt.getDimSize(1),
                keyHeads = kt.getDimSize(1), group = heads / keyHeads;
  if (group < 2 || group > queryTile || keyTile < 1 || kt.getDimSize(2) <= keyTile ||
      qt.getDimSize(2) != 1 || op.getGlobals() || op.getMask().getSpec().kind != MaskKind::None)
    return failure();
  if (Value bias = op.getBias())
    if (tensorType(bias).getDimSize(1) != 1 || tensorType(bias).getDimSize(2) != 1)
      return failure();
  Location loc = op.getLoc();
  Type t = qt.getElementType();
  const int64_t d = qt.getDimSize(3), dv = tensorType(op.getValue()).getDimSize(3);
  SmallVector<ReassociationIndices> middle{{0}, {1, 2}, {3}};
  // Head kh·g + m becomes row m of key head kh.
  Value rows = tensor::CollapseShapeOp::create(
      rewriter, loc, RankedTensorType::get({batch, heads, d}, t), op.getQuery(), middle);
  Value stackedQuery = tensor::ExpandShapeOp::create(
      rewriter, loc, RankedTensorType::get({batch, keyHeads, group, d}, t), rows, middle);
  auto stacked = cast<AttentionOp>(rewriter.clone(*op));
  stacked->setOperand(0, stackedQuery);
  stacked->getResult(0).setType(RankedTensorType::get({batch, keyHeads, group, dv}, t));
  FailureOr<Value> out =
      lowerTiledAttention(rewriter, stacked, queryTile, keyTile, kvSplits, kvChunkBytes);
  rewriter.eraseOp(stacked);
  if (failed(out))
    return failure();
  Value perHead = tensor::CollapseShapeOp::create(
      rewriter, loc, RankedTensorType::get({batch, heads, dv}, t), *out, middle);
  return tensor::ExpandShapeOp::create(
             rewriter, loc, RankedTensorType::get({batch, heads, 1, dv}, t), perHead, middle)
      .getResult();
}

FailureOr<Value> lowering::lowerFlashAttention(PatternRewriter &rewriter, AttentionOp op,
                                               int64_t queryTile, int64_t keyTile,
                                               int64_t kvSplits, int64_t kvChunkBytes) {
  if (queryTile > 0)
    if (FailureOr<Value> grouped =
            lowerGroupedDecode(rewriter, op, queryTile, keyTile, kvSplits, kvChunkBytes);
        succeeded(grouped))
      return grouped;
  return lowerTiledAttention(rewriter, op, queryTile, keyTile, kvSplits, kvChunkBytes);
}
