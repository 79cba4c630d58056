//===- Attention.cpp - Lowering attention, relative and linear ------------===//
//
// The unfused baseline: scores, softcap, bias and mask, softmax, weighted
// sum, each a linalg.generic. The mask is index arithmetic derived from the
// #hybrid.mask structure (no N×N tensor), and a row with no visible key
// gives zeros.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

namespace {

AffineExpr dim(MLIRContext *ctx, unsigned d) { return getAffineDimExpr(d, ctx); }

/// softmax over keys of `scores [B, H, Sq, Sk]` (masked entries -inf) times
/// `value [B, Hkv, Sk, Dv]` → [B, H, Sq, Dv]; zero rows where nothing is
/// visible.
Value softmaxTimesValues(OpBuilder &b, Location loc, Value scores, Value value,
                         int64_t group) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType st = tensorType(scores);
  Type t = st.getElementType();
  const int64_t batch = st.getDimSize(0), heads = st.getDimSize(1),
                querySeq = st.getDimSize(2),
                valueDim = tensorType(value).getDimSize(3);
  AffineMap rows4 = projection(ctx, 4, {0, 1, 2});
  AffineMap id4 = b.getMultiDimIdentityMap(4);

  Value maxInit = filledTensor(b, loc, {batch, heads, querySeq}, t,
                               -std::numeric_limits<double>::infinity());
  Value rowMax = generic(b, loc, scores, maxInit, {id4, rows4}, "pppr",
                         [](OpBuilder &nb, Location nl, ValueRange a) {
                           return arith::MaximumFOp::create(nb, nl, a[0], a[1])
                               .getResult();
                         });
  // exp(s - m), with m = 0 for rows that see nothing (all -inf → 0).
  Value expInit = tensor::EmptyOp::create(b, loc, st.getShape(), t);
  Value probs = generic(
      b, loc, {scores, rowMax}, expInit, {id4, rows4, id4}, "pppp",
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value ninf = floatConstant(nb, nl, t, -INFINITY);
        Value empty = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ,
                                            a[1], ninf);
        Value m = arith::SelectOp::create(nb, nl, empty,
                                          floatConstant(nb, nl, t, 0.0), a[1]);
        return math::ExpOp::create(nb, nl,
                                   arith::SubFOp::create(nb, nl, a[0], m))
            .getResult();
      });
  Value sumInit = filledTensor(b, loc, {batch, heads, querySeq}, t, 0.0);
  Value rowSum = generic(b, loc, probs, sumInit, {id4, rows4}, "pppr",
                         [](OpBuilder &nb, Location nl, ValueRange a) {
                           return arith::AddFOp::create(nb, nl, a[0], a[1])
                               .getResult();
                         });
  // acc[b, h, i, e] = Σ_j p[b, h, i, j] · v[b, h / group, j, e], with dims
  // (b, h, i, j, e): the value row is innermost and contiguous.
  Value accInit = filledTensor(b, loc, {batch, heads, querySeq, valueDim}, t, 0.0);
  AffineMap pMap = projection(ctx, 5, {0, 1, 2, 3});
  AffineMap vMap = affineMap(
      ctx, 5, {dim(ctx, 0), dim(ctx, 1).floorDiv(group), dim(ctx, 3), dim(ctx, 4)});
  Value acc = generic(b, loc, {probs, value}, accInit,
                      {pMap, vMap, projection(ctx, 5, {0, 1, 2, 4})}, "ppprp",
                      [](OpBuilder &nb, Location nl, ValueRange a) {
                        Value prod = arith::MulFOp::create(nb, nl, a[0], a[1]);
                        return arith::AddFOp::create(nb, nl, a[2], prod).getResult();
                      });
  Value outInit = tensor::EmptyOp::create(b, loc, tensorType(acc).getShape(), t);
  return generic(b, loc, {acc, rowSum}, outInit, {id4, rows4, id4}, "pppp",
                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                   Value zero = floatConstant(nb, nl, t, 0.0);
                   // Zero for rows that see nothing (sum exactly 0); a NaN
                   // sum (a NaN score) is unordered and propagates.
                   Value any = arith::CmpFOp::create(
                       nb, nl, arith::CmpFPredicate::UNE, a[1], zero);
                   Value div = arith::DivFOp::create(nb, nl, a[0], a[1]);
                   return arith::SelectOp::create(nb, nl, any, div, zero)
                       .getResult();
                 });
}

/// Applies scale, softcap, bias and mask to raw q·k scores in place of a new
/// tensor. `biasValue` may be null; so may `globals` ([B, Sk] flags that
/// widen the mask; with `rowsOnly` the rows of other queries hide all).
Value finishScores(OpBuilder &b, Location loc, Value raw, double scale,
                   std::optional<double> softcap, Value biasValue,
                   const MaskSpec &mask, int64_t qOffset, Value globals = {},
                   bool rowsOnly = false) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType st = tensorType(raw);
  Type t = st.getElementType();
  SmallVector<Value> inputs{raw};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(4)};
  if (biasValue) {
    // Broadcast [B|1, H|1, Sq|1, Sk|1].
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < 4; ++d)
      exprs.push_back(tensorType(biasValue).getDimSize(d) == 1
                          ? getAffineConstantExpr(0, ctx)
                          : dim(ctx, d));
    inputs.push_back(biasValue);
    maps.push_back(affineMap(ctx, 4, exprs));
  }
  if (globals) {
    // The query's flag at its position q_offset + i, and the key's.
    inputs.append({globals, globals});
    maps.push_back(affineMap(ctx, 4, {dim(ctx, 0), dim(ctx, 2) + qOffset}));
    maps.push_back(projection(ctx, 4, {0, 3}));
  }
  maps.push_back(b.getMultiDimIdentityMap(4));
  Value init = tensor::EmptyOp::create(b, loc, st.getShape(), t);
  return generic(
      b, loc, inputs, init, maps, "pppp",
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value s = arith::MulFOp::create(nb, nl, a[0], floatConstant(nb, nl, t, scale));
        if (softcap) {
          Value inner = arith::MulFOp::create(nb, nl, s,
                                              floatConstant(nb, nl, t, 1 / *softcap));
          s = arith::MulFOp::create(nb, nl, math::TanhOp::create(nb, nl, inner),
                                    floatConstant(nb, nl, t, *softcap));
        }
        if (biasValue)
          s = arith::AddFOp::create(nb, nl, s, a[1]);
        if (mask.kind == MaskKind::None && !rowsOnly)
          return s;
        Value visible;
        if (mask.kind == MaskKind::None) {
          visible = arith::ConstantOp::create(nb, nl, nb.getBoolAttr(true));
        } else {
          Value i = arith::AddIOp::create(nb, nl, linalg::IndexOp::create(nb, nl, 2),
                                          indexConstant(nb, nl, qOffset));
          Value j = linalg::IndexOp::create(nb, nl, 3);
          visible = maskVisible(nb, nl, mask, i, j);
        }
        if (globals) {
          Value rowGlobal = isNonZero(nb, nl, a[a.size() - 3]);
          Value keyGlobal = isNonZero(nb, nl, a[a.size() - 2]);
          visible = arith::OrIOp::create(
              nb, nl, visible, arith::OrIOp::create(nb, nl, rowGlobal, keyGlobal));
          if (rowsOnly)
            visible = arith::AndIOp::create(nb, nl, visible, rowGlobal);
        }
        return arith::SelectOp::create(nb, nl, visible, s,
                                       floatConstant(nb, nl, t, -INFINITY))
            .getResult();
      });
}

struct LowerAttention : OpRewritePattern<AttentionOp> {
  LowerAttention(MLIRContext *ctx, const HybridToLinalgOptions &options)
      : OpRewritePattern(ctx), options(options) {}
  HybridToLinalgOptions options;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    if (options.attentionQueryTile > 0) {
      FailureOr<Value> flash = lowerFlashAttention(
          rewriter, op, options.attentionQueryTile, options.attentionKeyTile,
          options.attentionKVSplits, options.attentionKVChunkBytes);
      if (succeeded(flash)) {
        rewriter.replaceOp(op, *flash);
        return success();
      }
    }
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType qt = tensorType(op.getQuery()), kt = tensorType(op.getKey());
    Type t = qt.getElementType();
    const int64_t group = qt.getDimSize(1) / kt.getDimSize(1);
    Value init = filledTensor(rewriter, loc,
                              {qt.getDimSize(0), qt.getDimSize(1),
                               qt.getDimSize(2), kt.getDimSize(2)},
                              t, 0.0);
    // raw[b, h, i, j] = Σ_d q[b, h, i, d] · k[b, h / group, j, d].
    AffineMap qMap = projection(ctx, 5, {0, 1, 2, 4});
    AffineMap kMap = affineMap(
        ctx, 5, {dim(ctx, 0), dim(ctx, 1).floorDiv(group), dim(ctx, 3), dim(ctx, 4)});
    Value raw = generic(rewriter, loc, {op.getQuery(), op.getKey()}, init,
                        {qMap, kMap, projection(ctx, 5, {0, 1, 2, 3})}, "ppppr",
                        [](OpBuilder &b, Location l, ValueRange a) {
                          Value prod = arith::MulFOp::create(b, l, a[0], a[1]);
                          return arith::AddFOp::create(b, l, a[2], prod).getResult();
                        });
    std::optional<double> softcap;
    if (op.getSoftcap())
      softcap = op.getSoftcap()->convertToDouble();
    Value scores = finishScores(rewriter, loc, raw, op.getEffectiveScale(),
                                softcap, op.getBias(), op.getMask().getSpec(),
                                op.getQOffset(), op.getGlobals(), op.getGlobalRowsOnly());
    rewriter.replaceOp(op, softmaxTimesValues(rewriter, loc, scores,
                                              op.getValue(), group));
    return success();
  }
};

struct LowerRelAttention : OpRewritePattern<RelAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RelAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType qt = tensorType(op.getQuery()), kt = tensorType(op.getKey());
    Type t = qt.getElementType();
    const int64_t querySeq = qt.getDimSize(2), keySeq = kt.getDimSize(2);
    const double scale = op.getScale()
                             ? op.getScale()->convertToDouble()
                             : 1.0 / std::sqrt(double(qt.getDimSize(3)));
    Value pos = op.getPos();
    Value init = filledTensor(
        rewriter, loc, {qt.getDimSize(0), qt.getDimSize(1), querySeq, keySeq}, t, 0.0);
    // raw[b,h,i,j] = Σ_d (q+u)·k + (q+v)·pos[h, j + Sq - 1 - i, d]; the row
    // is clamped for the (masked) keys after the query.
    Value raw = generic(
        rewriter, loc,
        {op.getQuery(), op.getKey(), op.getContentBias(), op.getPositionBias()},
        init,
        {projection(ctx, 5, {0, 1, 2, 4}), projection(ctx, 5, {0, 1, 3, 4}),
         projection(ctx, 5, {1, 4}), projection(ctx, 5, {1, 4}),
         projection(ctx, 5, {0, 1, 2, 3})},
        "ppppr", [&](OpBuilder &b, Location l, ValueRange a) {
          Value h = linalg::IndexOp::create(b, l, 1);
          Value i = linalg::IndexOp::create(b, l, 2);
          Value j = linalg::IndexOp::create(b, l, 3);
          Value d = linalg::IndexOp::create(b, l, 4);
          Value m = arith::SubIOp::create(
              b, l, arith::AddIOp::create(b, l, j, indexConstant(b, l, querySeq - 1)), i);
          m = arith::MinSIOp::create(b, l, m, indexConstant(b, l, keySeq - 1));
          Value r = tensor::ExtractOp::create(b, l, pos, ValueRange{h, m, d});
          Value ac = arith::MulFOp::create(
              b, l, arith::AddFOp::create(b, l, a[0], a[2]), a[1]);
          Value bd = arith::MulFOp::create(
              b, l, arith::AddFOp::create(b, l, a[0], a[3]), r);
          return arith::AddFOp::create(b, l, a[4],
                                       arith::AddFOp::create(b, l, ac, bd))
              .getResult();
        });
    Value scores = finishScores(rewriter, loc, raw, scale, std::nullopt, op.getBias(),
                                op.getMask().getSpec(), keySeq - querySeq);
    rewriter.replaceOp(op, softmaxTimesValues(rewriter, loc, scores,
                                              op.getValue(), 1));
    return success();
  }
};

/// φ(x) = elu(x) + 1 of every element.
Value featureMap(OpBuilder &b, Location loc, Value x) {
  return elementwise(b, loc, x, [](OpBuilder &nb, Location nl, ValueRange a) {
    return activate(nb, nl, Activation::elu_plus_one, a[0]);
  });
}

struct LowerLinearAttention : OpRewritePattern<LinearAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType qt = tensorType(op.getQuery()), kt = tensorType(op.getKey());
    Type t = qt.getElementType();
    const int64_t batch = qt.getDimSize(0), heads = qt.getDimSize(1),
                  seq = qt.getDimSize(2),
                  valueDim = tensorType(op.getValue()).getDimSize(3);
    const int64_t group = heads / kt.getDimSize(1);
    const bool causal = op.getMask().getKind() == MaskKind::Causal;
    const double eps = op.getEps().convertToDouble();
    // φ once per element (the contractions below would recompute it per
    // key or per query).
    Value query = featureMap(rewriter, loc, op.getQuery());
    Value key = featureMap(rewriter, loc, op.getKey());
    // w[b,h,i,j] = φ(q_i)·φ(k_j), zero for hidden keys.
    Value init = filledTensor(rewriter, loc, {batch, heads, seq, seq}, t, 0.0);
    AffineMap kMap = affineMap(
        ctx, 5, {dim(ctx, 0), dim(ctx, 1).floorDiv(group), dim(ctx, 3), dim(ctx, 4)});
    Value weights = generic(
        rewriter, loc, {query, key}, init,
        {projection(ctx, 5, {0, 1, 2, 4}), kMap, projection(ctx, 5, {0, 1, 2, 3})},
        "ppppr", [&](OpBuilder &b, Location l, ValueRange a) {
          Value term = arith::MulFOp::create(b, l, a[0], a[1]);
          if (causal) {
            Value visible = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::sle, linalg::IndexOp::create(b, l, 3),
                linalg::IndexOp::create(b, l, 2));
            term = arith::SelectOp::create(b, l, visible, term,
                                           floatConstant(b, l, t, 0.0));
          }
          return arith::AddFOp::create(b, l, a[2], term).getResult();
        });
    AffineMap id4 = rewriter.getMultiDimIdentityMap(4);
    AffineMap rows4 = projection(ctx, 4, {0, 1, 2});
    Value normInit = filledTensor(rewriter, loc, {batch, heads, seq}, t, 0.0);
    Value accInit = filledTensor(rewriter, loc, {batch, heads, seq, valueDim}, t, 0.0);
    if (op.getState()) {
      // Earlier calls' keys: the sums start at φ(q_i)·z₀ and φ(q_i)·S₀.
      auto featureTimes = [&](OpBuilder &b, Location l, ValueRange a) {
        return arith::AddFOp::create(b, l, a[2], arith::MulFOp::create(b, l, a[0], a[1]))
            .getResult();
      };
      // dims (b, h, i, d)
      normInit = generic(
          rewriter, loc, {query, op.getNormalizer()}, normInit,
          {id4, affineMap(ctx, 4, {dim(ctx, 0), dim(ctx, 1).floorDiv(group), dim(ctx, 3)}),
           rows4},
          "pppr", featureTimes);
      // dims (b, h, i, e, d)
      accInit = generic(
          rewriter, loc, {query, op.getState()}, accInit,
          {projection(ctx, 5, {0, 1, 2, 4}),
           affineMap(ctx, 5, {dim(ctx, 0), dim(ctx, 1).floorDiv(group), dim(ctx, 4),
                              dim(ctx, 3)}),
           projection(ctx, 5, {0, 1, 2, 3})},
          "ppppr", featureTimes);
    }
    Value norm = generic(rewriter, loc, weights, normInit, {id4, rows4}, "pppr",
                         [](OpBuilder &b, Location l, ValueRange a) {
                           return arith::AddFOp::create(b, l, a[0], a[1]).getResult();
                         });
    // dims (b, h, i, j, e): the value row innermost, as in softmax · V.
    AffineMap vMap = affineMap(
        ctx, 5, {dim(ctx, 0), dim(ctx, 1).floorDiv(group), dim(ctx, 3), dim(ctx, 4)});
    Value acc = generic(
        rewriter, loc, {weights, op.getValue()}, accInit,
        {projection(ctx, 5, {0, 1, 2, 3}), vMap, projection(ctx, 5, {0, 1, 2, 4})},
        "ppprp", [](OpBuilder &b, Location l, ValueRange a) {
          Value prod = arith::MulFOp::create(b, l, a[0], a[1]);
          return arith::AddFOp::create(b, l, a[2], prod).getResult();
        });
    Value outInit = tensor::EmptyOp::create(rewriter, loc,
                                            tensorType(acc).getShape(), t);
    rewriter.replaceOp(
        op, generic(rewriter, loc, {acc, norm}, outInit, {id4, rows4, id4}, "pppp",
                    [&](OpBuilder &b, Location l, ValueRange a) {
                      Value denom = arith::AddFOp::create(
                          b, l, a[1], floatConstant(b, l, t, eps));
                      return arith::DivFOp::create(b, l, a[0], denom).getResult();
                    }));
    return success();
  }
};

/// S' = S + Σ_j φ(k_j) v_jᵀ and z' = z + Σ_j φ(k_j): two reductions over the
/// chunk's keys, each starting from the carried sums.
struct LowerLinearAttentionState : OpRewritePattern<LinearAttentionStateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearAttentionStateOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    Value key = featureMap(rewriter, loc, op.getKey());
    // dims (b, h, d, e, j)
    Value state = generic(
        rewriter, loc, {key, op.getValue()}, op.getState(),
        {projection(ctx, 5, {0, 1, 4, 2}), projection(ctx, 5, {0, 1, 4, 3}),
         projection(ctx, 5, {0, 1, 2, 3})},
        "ppppr", [](OpBuilder &b, Location l, ValueRange a) {
          return arith::AddFOp::create(b, l, a[2], arith::MulFOp::create(b, l, a[0], a[1]))
              .getResult();
        });
    // dims (b, h, d, j)
    Value normalizer = generic(
        rewriter, loc, key, op.getNormalizer(),
        {projection(ctx, 4, {0, 1, 3, 2}), projection(ctx, 4, {0, 1, 2})}, "pppr",
        [](OpBuilder &b, Location l, ValueRange a) {
          return arith::AddFOp::create(b, l, a[1], a[0]).getResult();
        });
    rewriter.replaceOp(op, {state, normalizer});
    return success();
  }
};

/// bias[b, 0, i, j] = 0 where the mask or either token's global flag shows
/// j to i, else -inf: one generic reading the flags of row and column.
struct LowerMaskBias : OpRewritePattern<MaskBiasOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MaskBiasOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    MLIRContext *ctx = getContext();
    Location loc = op.getLoc();
    RankedTensorType rt = op.getType();
    Type t = rt.getElementType();
    Value init = tensor::EmptyOp::create(rewriter, loc, rt.getShape(), t);
    const MaskSpec mask = op.getMask().getSpec();
    Value bias = generic(
        rewriter, loc, {op.getGlobals(), op.getGlobals()}, init,
        {projection(ctx, 4, {0, 2}), projection(ctx, 4, {0, 3}),
         rewriter.getMultiDimIdentityMap(4)},
        "pppp", [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value visible = arith::OrIOp::create(nb, nl, isNonZero(nb, nl, a[0]),
                                               isNonZero(nb, nl, a[1]));
          if (mask.kind != MaskKind::None)
            visible = arith::OrIOp::create(
                nb, nl, visible,
                maskVisible(nb, nl, mask, linalg::IndexOp::create(nb, nl, 2),
                            linalg::IndexOp::create(nb, nl, 3)));
          else
            visible = arith::ConstantOp::create(nb, nl, nb.getBoolAttr(true));
          return arith::SelectOp::create(nb, nl, visible,
                                         floatConstant(nb, nl, t, 0.0),
                                         floatConstant(nb, nl, t, -INFINITY))
              .getResult();
        });
    rewriter.replaceOp(op, bias);
    return success();
  }
};

/// Integer helpers on i64 values inside a generic body.
struct I64 {
  OpBuilder &b;
  Location loc;
  Value c(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v)).getResult();
  }
  Value of(Value v) { // index or any integer → i64
    if (v.getType().isIndex())
      return arith::IndexCastOp::create(b, loc, b.getI64Type(), v);
    if (v.getType().getIntOrFloatBitWidth() < 64)
      return arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
    return v;
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivSIOp::create(b, loc, x, y); }
  /// x mod m in [0, m) for m > 0, whatever the sign of x.
  Value mod(Value x, int64_t m) {
    Value r = arith::RemSIOp::create(b, loc, x, c(m));
    return arith::RemSIOp::create(b, loc, add(r, c(m)), c(m));
  }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
};

/// bias[b, 0, i, k]: the absolute position each key holds (cache slot or new
/// token, from p = positions[b, 0]) against the query's, as cache_bias says.
struct LowerCacheBias : OpRewritePattern<CacheBiasOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CacheBiasOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    MLIRContext *ctx = getContext();
    Location loc = op.getLoc();
    RankedTensorType rt = op.getType();
    Type t = rt.getElementType();
    const int64_t capacity = op.getCapacity(), window = op.getWindow();
    const bool ring = op.getRing(), shift = op.getShift(), written = op.getWritten();
    const int64_t tokens = rt.getDimSize(2);
    Value init = tensor::EmptyOp::create(rewriter, loc, rt.getShape(), t);
    AffineMap first = affineMap(ctx, 4, {dim(ctx, 0), getAffineConstantExpr(0, ctx)});
    Value bias = generic(
        rewriter, loc, op.getPositions(), init,
        {first, rewriter.getMultiDimIdentityMap(4)}, "pppp",
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          I64 i{nb, nl};
          using P = arith::CmpIPredicate;
          Value p = i.of(a[0]);
          Value q = i.add(p, i.of(linalg::IndexOp::create(nb, nl, 2)));
          Value k = i.of(linalg::IndexOp::create(nb, nl, 3));
          // The last position written: before this call's write, p - 1;
          // after it (written), p + n - 1.
          Value last = i.sub(p, i.c(written ? 1 - tokens : 1));
          Value slotAt =
              ring    ? i.sub(last, i.mod(i.sub(last, k), capacity))
              : shift ? i.add(i.sub(p, i.c(capacity)), k) // < 0: empty
                      : arith::SelectOp::create(nb, nl, i.cmp(P::sle, k, last), k, i.c(-1))
                            .getResult();
          Value at = slotAt;
          if (!written) {
            Value isNew = i.cmp(P::sge, k, i.c(capacity));
            Value newAt = i.add(p, i.sub(k, i.c(capacity)));
            at = arith::SelectOp::create(nb, nl, isNew, newAt, slotAt);
          }
          Value seen = arith::AndIOp::create(nb, nl, i.cmp(P::sge, at, i.c(0)),
                                             i.cmp(P::sle, at, q));
          if (window > 0)
            seen = arith::AndIOp::create(nb, nl, seen,
                                         i.cmp(P::slt, i.sub(q, at), i.c(window)));
          return arith::SelectOp::create(nb, nl, seen, floatConstant(nb, nl, t, 0.0),
                                         floatConstant(nb, nl, t, -INFINITY))
              .getResult();
        });
    rewriter.replaceOp(op, bias);
    return success();
  }
};

/// The cache with each new token's row [H, D] inserted at its slot (p + j,
/// or (p + j) mod C for a ring, p = positions[b, 0]), tokens in order so the
/// last one written to a slot wins; a ring starts at the first of the last
/// C tokens (earlier ones would be overwritten), a plain cache skips slots
/// outside [0, C). On buffers this is one copy of the cache (its argument
/// is read-only) and n row copies, where a generic over every slot cost
/// integer arithmetic per element of the whole cache.
struct LowerCacheWrite : OpRewritePattern<CacheWriteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CacheWriteOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType rt = op.getType();
    RankedTensorType nt = tensorType(op.getNewValues());
    const int64_t batch = rt.getDimSize(0), heads = rt.getDimSize(1),
                  slots = rt.getDimSize(2), depth = rt.getDimSize(3),
                  tokens = nt.getDimSize(2);
    const bool ring = op.getRing();
    Value fresh = op.getNewValues();
    auto index = [&](OpBuilder &b, Location l, int64_t v) { return indexConstant(b, l, v); };
    auto rowType = RankedTensorType::get({1, heads, 1, depth}, rt.getElementType());
    SmallVector<OpFoldResult> sizes{rewriter.getIndexAttr(1), rewriter.getIndexAttr(heads),
                                    rewriter.getIndexAttr(1), rewriter.getIndexAttr(depth)};
    SmallVector<OpFoldResult> strides(4, rewriter.getIndexAttr(1));
    auto perBatch = scf::ForOp::create(
        rewriter, loc, index(rewriter, loc, 0), index(rewriter, loc, batch),
        index(rewriter, loc, 1), ValueRange{op.getCache()},
        [&](OpBuilder &b, Location l, Value bi, ValueRange cacheIn) {
          I64 i{b, l};
          Value p = i.of(tensor::ExtractOp::create(b, l, op.getPositions(),
                                                   ValueRange{bi, index(b, l, 0)}));
          const int64_t firstToken = ring ? std::max<int64_t>(0, tokens - slots) : 0;
          auto perToken = scf::ForOp::create(
              b, l, index(b, l, firstToken), index(b, l, tokens), index(b, l, 1), cacheIn,
              [&](OpBuilder &tb, Location tl, Value j, ValueRange cache) {
                I64 ti{tb, tl};
                Value at = ti.add(p, ti.of(j));
                Value slot = ring ? ti.mod(at, slots) : at;
                using P = arith::CmpIPredicate;
                Value inside = arith::AndIOp::create(tb, tl, ti.cmp(P::sge, slot, ti.c(0)),
                                                     ti.cmp(P::slt, slot, ti.c(slots)));
                auto write = scf::IfOp::create(
                    tb, tl, inside,
                    [&](OpBuilder &wb, Location wl) {
                      Value slotIndex =
                          arith::IndexCastOp::create(wb, wl, wb.getIndexType(), slot);
                      SmallVector<OpFoldResult> from{bi, wb.getIndexAttr(0), j,
                                                     wb.getIndexAttr(0)};
                      SmallVector<OpFoldResult> to{bi, wb.getIndexAttr(0), slotIndex,
                                                   wb.getIndexAttr(0)};
                      Value row = tensor::ExtractSliceOp::create(wb, wl, rowType, fresh, from,
                                                                 sizes, strides);
                      Value next = tensor::InsertSliceOp::create(wb, wl, row, cache[0], to,
                                                                 sizes, strides);
                      scf::YieldOp::create(wb, wl, next);
                    },
                    [&](OpBuilder &sb, Location sl) { scf::YieldOp::create(sb, sl, cache[0]); });
                scf::YieldOp::create(tb, tl, write.getResults());
              });
          scf::YieldOp::create(b, l, perToken.getResults());
        });
    rewriter.replaceOp(op, perBatch.getResults());
    return success();
  }
};

} // namespace

void lowering::populateAttentionLoweringPatterns(
    RewritePatternSet &patterns, const HybridToLinalgOptions &options) {
  patterns.add<LowerAttention>(patterns.getContext(), options);
  patterns.add<LowerRelAttention, LowerLinearAttention, LowerLinearAttentionState,
               LowerMaskBias,
               LowerCacheBias, LowerCacheWrite>(
      patterns.getContext());
}
