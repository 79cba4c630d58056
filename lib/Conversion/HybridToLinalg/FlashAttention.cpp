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
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

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

/// Key tile `index`'s [B, Hk, d, Tk] block of keys stored as
/// [B, Hk, Sk/Tk, d, Tk].
Value keyBlock(OpBuilder &b, Location loc, Value blocks, Value index) {
  RankedTensorType type = tensorType(blocks);
  SmallVector<OpFoldResult> offsets(5, b.getIndexAttr(0)), sizes, strides(5, b.getIndexAttr(1));
  offsets[2] = index;
  for (int64_t d = 0; d < 5; ++d)
    sizes.push_back(b.getIndexAttr(d == 2 ? 1 : type.getDimSize(d)));
  auto blockType = RankedTensorType::get({type.getDimSize(0), type.getDimSize(1),
                                          type.getDimSize(3), type.getDimSize(4)},
                                         type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, blockType, blocks, offsets, sizes, strides);
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

struct FlashShape {
  int64_t batch, heads, group, headDim, valueDim, querySeq, keySeq;
  int64_t queryTile, keyTile, queryTiles, keyTiles;
  /// K is given as one [d, Tk] block per key tile (transposed once), so
  /// that q·kᵀ is a product hybrid-register-tile-products takes.
  bool keysTransposed = false;
};

/// One key tile of the online softmax: updates (m, l, acc) with the scores
/// of `qTile` against `kTile`/`vTile`. Where the i1 `masked` is set (partial
/// tiles), each score is tested against the mask and the padding (j < Sk).
SmallVector<Value> onlineSoftmaxStep(OpBuilder &b, Location loc, AttentionOp op,
                                     const FlashShape &s, Value qTile,
                                     Value kTile, Value vTile, Value m, Value l,
                                     Value acc, Value queryStart,
                                     Value keyStart, Value masked,
                                     Value biasTile) {
  MLIRContext *ctx = b.getContext();
  Type t = tensorType(qTile).getElementType();
  const double scale = op.getEffectiveScale();
  std::optional<double> softcap;
  if (op.getSoftcap())
    softcap = op.getSoftcap()->convertToDouble();
  MaskSpec mask = op.getMask().getSpec();
  const int64_t qOffset = op.getQOffset(), keySeq = s.keySeq;

  // Scores of the tile: scale·q·k, softcap, mask.
  Value raw = generic(
      b, loc, {qTile, kTile},
      filledTensor(b, loc, {s.batch, s.heads, s.queryTile, s.keyTile}, t, 0.0),
      {projection(ctx, 5, {0, 1, 2, 4}),
       s.keysTransposed
           ? affineMap(ctx, 5, {dim(ctx, 0), dim(ctx, 1).floorDiv(s.group), dim(ctx, 4), dim(ctx, 3)})
           : affineMap(ctx, 5, {dim(ctx, 0), dim(ctx, 1).floorDiv(s.group), dim(ctx, 3), dim(ctx, 4)}),
       projection(ctx, 5, {0, 1, 2, 3})},
      "ppppr", [](OpBuilder &nb, Location nl, ValueRange a) {
        return arith::AddFOp::create(nb, nl, a[2],
                                     arith::MulFOp::create(nb, nl, a[0], a[1]))
            .getResult();
      });
  SmallVector<Value> inputs{raw};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(4)};
  if (biasTile) {
    // [B|1, H|1, Tq|1, Tk|1], broadcast along its unit dims.
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < 4; ++d)
      exprs.push_back(tensorType(biasTile).getDimSize(d) == 1 ? getAffineConstantExpr(0, ctx)
                                                               : dim(ctx, d));
    inputs.push_back(biasTile);
    maps.push_back(affineMap(ctx, 4, exprs));
  }
  maps.push_back(b.getMultiDimIdentityMap(4));
  Value scoresInit = tensor::EmptyOp::create(b, loc, tensorType(raw).getShape(), t);
  Value scores = generic(b, loc, inputs, scoresInit, maps, "pppp",
                         [&](OpBuilder &nb, Location nl, ValueRange a) {
    Value v = arith::MulFOp::create(nb, nl, a[0], floatConstant(nb, nl, t, scale));
    if (softcap) {
      Value inner = arith::MulFOp::create(nb, nl, v, floatConstant(nb, nl, t, 1 / *softcap));
      v = arith::MulFOp::create(nb, nl, math::TanhOp::create(nb, nl, inner),
                                floatConstant(nb, nl, t, *softcap));
    }
    // Scale, softcap, bias, mask: the unfused form's order (finishScores).
    if (biasTile)
      v = arith::AddFOp::create(nb, nl, v, a[1]);
    Value i = arith::AddIOp::create(
        nb, nl, linalg::IndexOp::create(nb, nl, 2),
        arith::AddIOp::create(nb, nl, queryStart, indexConstant(nb, nl, qOffset)));
    Value j = arith::AddIOp::create(nb, nl, linalg::IndexOp::create(nb, nl, 3), keyStart);
    Value visible = arith::AndIOp::create(
        nb, nl, maskVisible(nb, nl, mask, i, j),
        arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, j,
                              indexConstant(nb, nl, keySeq)));
    // Full tiles need no test: the flag is uniform across the tile, so the
    // select costs one predictable branch-free op, and one copy of the tile
    // body (not two) keeps code size and compile time down.
    Value notMasked = arith::XOrIOp::create(
        nb, nl, masked, arith::ConstantIntOp::create(nb, nl, 1, 1));
    visible = arith::OrIOp::create(nb, nl, visible, notMasked);
    return arith::SelectOp::create(nb, nl, visible, v,
                                   floatConstant(nb, nl, t, -INFINITY))
        .getResult();
  });

  AffineMap id4 = b.getMultiDimIdentityMap(4), rows4 = projection(ctx, 4, {0, 1, 2});
  AffineMap id3 = b.getMultiDimIdentityMap(3);
  // m' = max(m, rowmax(s)): a reduction initialised with m.
  Value mNew = generic(b, loc, scores, m, {id4, rows4}, "pppr",
                       [](OpBuilder &nb, Location nl, ValueRange a) {
                         return arith::MaximumFOp::create(nb, nl, a[0], a[1]).getResult();
                       });
  auto isEmptyRow = [&](OpBuilder &nb, Location nl, Value mv) {
    return arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ, mv,
                                 floatConstant(nb, nl, t, -INFINITY));
  };
  // α = exp(m − m'), 1 while the row has seen nothing.
  Value alpha = generic(
      b, loc, {m, mNew}, tensor::EmptyOp::create(b, loc, {s.batch, s.heads, s.queryTile}, t),
      {id3, id3, id3}, "ppp", [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value e = math::ExpOp::create(nb, nl, arith::SubFOp::create(nb, nl, a[0], a[1]));
        return arith::SelectOp::create(nb, nl, isEmptyRow(nb, nl, a[1]),
                                       floatConstant(nb, nl, t, 1.0), e)
            .getResult();
      });
  // p = exp(s − m'), 0 where the row has seen nothing.
  Value p = generic(
      b, loc, {scores, mNew},
      tensor::EmptyOp::create(b, loc, {s.batch, s.heads, s.queryTile, s.keyTile}, t),
      {id4, rows4, id4}, "pppp", [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value safe = arith::SelectOp::create(nb, nl, isEmptyRow(nb, nl, a[1]),
                                             floatConstant(nb, nl, t, 0.0), a[1]);
        return math::ExpOp::create(nb, nl, arith::SubFOp::create(nb, nl, a[0], safe))
            .getResult();
      });
  // l' = α·l + rowsum(p)
  Value lScaled = elementwise(b, loc, {l, alpha}, [](OpBuilder &nb, Location nl, ValueRange a) {
    return arith::MulFOp::create(nb, nl, a[0], a[1]).getResult();
  });
  Value lNew = generic(b, loc, p, lScaled, {id4, rows4}, "pppr",
                       [](OpBuilder &nb, Location nl, ValueRange a) {
                         return arith::AddFOp::create(nb, nl, a[0], a[1]).getResult();
                       });
  // acc' = α·acc + p·v, the value row innermost.
  Value accScaled = generic(
      b, loc, {acc, alpha},
      tensor::EmptyOp::create(b, loc, {s.batch, s.heads, s.queryTile, s.valueDim}, t),
      {id4, rows4, id4}, "pppp", [](OpBuilder &nb, Location nl, ValueRange a) {
        return arith::MulFOp::create(nb, nl, a[0], a[1]).getResult();
      });
  Value accNew = generic(
      b, loc, {p, vTile}, accScaled,
      {projection(ctx, 5, {0, 1, 2, 3}),
       affineMap(ctx, 5, {dim(ctx, 0), dim(ctx, 1).floorDiv(s.group), dim(ctx, 3), dim(ctx, 4)}),
       projection(ctx, 5, {0, 1, 2, 4})},
      "ppprp", [](OpBuilder &nb, Location nl, ValueRange a) {
        return arith::AddFOp::create(nb, nl, a[2],
                                     arith::MulFOp::create(nb, nl, a[0], a[1]))
            .getResult();
      });
  return {mNew, lNew, accNew};
}

} // namespace

FailureOr<Value> lowering::lowerFlashAttention(PatternRewriter &rewriter,
                                               AttentionOp op, int64_t queryTile,
                                               int64_t keyTile) {
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
  // One key tile has nothing to skip: the unfused form is as good.
  if (queryTile < 1 || keyTile < 1 || s.keySeq <= keyTile)
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
  auto tableType = RankedTensorType::get({s.queryTiles, s.keyTiles}, rewriter.getI32Type());
  Value table = arith::ConstantOp::create(
      rewriter, loc, tableType,
      DenseElementsAttr::get(tableType, llvm::ArrayRef<int32_t>(classes)));
  Value out0 = tensor::EmptyOp::create(rewriter, loc,
                                       {s.batch, s.heads, paddedQ, s.valueDim}, t);

  // Query tiles are independent: shared among the threads, cheap and dear
  // tiles interleaved (a causal tile's cost grows with its index).
  Value result = forEachTile(
      rewriter, loc, s.queryTiles, out0,
      [&](OpBuilder &b, Location l, Value qIndex) -> TileResult {
        Value qStart = arith::MulIOp::create(b, l, qIndex, indexConstant(b, l, s.queryTile));
        Value qTile = seqSlice(b, l, q, qStart, s.queryTile);
        Value m0 = filledTensor(b, l, {s.batch, s.heads, s.queryTile}, t, -INFINITY);
        Value l0 = filledTensor(b, l, {s.batch, s.heads, s.queryTile}, t, 0.0);
        Value acc0 = filledTensor(b, l, {s.batch, s.heads, s.queryTile, s.valueDim}, t, 0.0);
        auto keyLoop = scf::ForOp::create(
            b, l, indexConstant(b, l, 0), indexConstant(b, l, s.keyTiles),
            indexConstant(b, l, 1), ValueRange{m0, l0, acc0},
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
                      RankedTensorType bt = tensorType(bias);
                      SmallVector<OpFoldResult> offsets(4, sb.getIndexAttr(0)), sizes,
                          strides(4, sb.getIndexAttr(1));
                      SmallVector<int64_t> shape(bt.getShape());
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
                    SmallVector<Value> next = onlineSoftmaxStep(
                        sb, sl, op, s, qTile,
                        s.keysTransposed ? keyBlock(sb, sl, k, kIndex)
                                         : seqSlice(sb, sl, k, kStart, s.keyTile),
                        seqSlice(sb, sl, v, kStart, s.keyTile), iter[0], iter[1],
                        iter[2], qStart, kStart, isClass(sb, sl, TileClass::Partial),
                        biasTile);
                    scf::YieldOp::create(sb, sl, next);
                  });
              scf::YieldOp::create(kb, kl, visit.getResults());
            });
        // out = acc / l, zero for rows that saw nothing (l exactly 0); a NaN
        // l (a NaN score) is unordered and propagates.
        AffineMap id4 = b.getMultiDimIdentityMap(4);
        AffineMap rows4 = projection(b.getContext(), 4, {0, 1, 2});
        Value outTile = generic(
            b, l, {keyLoop.getResult(2), keyLoop.getResult(1)},
            tensor::EmptyOp::create(b, l, {s.batch, s.heads, s.queryTile, s.valueDim}, t),
            {id4, rows4, id4}, "pppp", [&](OpBuilder &nb, Location nl, ValueRange a) {
              Value zero = floatConstant(nb, nl, t, 0.0);
              Value any = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::UNE, a[1], zero);
              return arith::SelectOp::create(nb, nl, any,
                                             arith::DivFOp::create(nb, nl, a[0], a[1]), zero)
                  .getResult();
            });
        SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
        offsets[2] = qStart;
        return {outTile, offsets};
      },
      /*balanceGrowingCost=*/true);
  (void)visited;
  return seqSlice(rewriter, loc, result, rewriter.getIndexAttr(0),
                  s.querySeq);
}
