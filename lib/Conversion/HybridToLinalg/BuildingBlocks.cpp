//===- BuildingBlocks.cpp - Lowering projections, norms, MLPs -------------===//

#include "LoweringUtils.h"
#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

namespace {

/// Maps of a row-wise reduction over the last dim of a rank-`rank` tensor:
/// the input (identity) and the per-row result (last dim dropped).
SmallVector<AffineMap> rowReductionMaps(MLIRContext *ctx, int64_t rank) {
  SmallVector<unsigned> leading;
  for (int64_t d = 0; d + 1 < rank; ++d)
    leading.push_back(d);
  return {AffineMap::getMultiDimIdentityMap(rank, ctx),
          projection(ctx, rank, leading)};
}

/// Σ over the last dim of f(x): [..., D] -> [...].
Value rowSum(OpBuilder &b, Location loc, Value x, Value rowBroadcast,
             function_ref<Value(OpBuilder &, Location, Value, Value)> f) {
  RankedTensorType type = tensorType(x);
  const int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  Value init = filledTensor(b, loc, type.getShape().drop_back(),
                            type.getElementType(), 0.0);
  SmallVector<AffineMap> maps = rowReductionMaps(ctx, rank);
  SmallVector<Value> inputs{x};
  if (rowBroadcast) {
    inputs.push_back(rowBroadcast);
    maps.insert(maps.begin() + 1, maps.back());
  }
  std::string kinds(rank - 1, 'p');
  kinds += 'r';
  return generic(b, loc, inputs, init, maps, kinds,
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   Value term = f(nb, nl, args[0],
                                  rowBroadcast ? args[1] : Value());
                   return arith::AddFOp::create(nb, nl, args.back(), term)
                       .getResult();
                 });
}

/// Elementwise over [..., D] with per-row values [...] and per-column
/// values [D] broadcast in.
Value rowwise(OpBuilder &b, Location loc, Value x, ValueRange perRow,
              ValueRange perColumn, BodyBuilder body) {
  RankedTensorType type = tensorType(x);
  const int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<Value> inputs{x};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  for (Value v : perRow) {
    inputs.push_back(v);
    maps.push_back(rowReductionMaps(ctx, rank)[1]);
  }
  for (Value v : perColumn) {
    inputs.push_back(v);
    maps.push_back(projection(ctx, rank, {unsigned(rank - 1)}));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType());
  return generic(b, loc, inputs, init, maps, std::string(rank, 'p'),
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   return body(nb, nl, args.drop_back());
                 });
}

struct LowerActivation : OpRewritePattern<ActivationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ActivationOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    rewriter.replaceOp(
        op, elementwise(rewriter, op.getLoc(), op.getInput(),
                        [&](OpBuilder &b, Location loc, ValueRange args) {
                          return activate(b, loc, op.getKind(), args[0]);
                        }));
    return success();
  }
};

struct LowerSoftcap : OpRewritePattern<SoftcapOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SoftcapOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    const double cap = op.getCap().convertToDouble();
    rewriter.replaceOp(
        op, elementwise(rewriter, op.getLoc(), op.getInput(),
                        [&](OpBuilder &b, Location loc, ValueRange args) {
                          Type t = args[0].getType();
                          Value scaled = arith::MulFOp::create(
                              b, loc, args[0], floatConstant(b, loc, t, 1 / cap));
                          Value tanh = math::TanhOp::create(b, loc, scaled);
                          return arith::MulFOp::create(
                                     b, loc, tanh, floatConstant(b, loc, t, cap))
                              .getResult();
                        }));
    return success();
  }
};

struct LowerLinear : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    rewriter.replaceOp(op, linearLayer(rewriter, op.getLoc(), op.getInput(),
                                       op.getWeight(), op.getBias()));
    return success();
  }
};

struct LowerGatedMLP : OpRewritePattern<GatedMLPOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatedMLPOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    Value gate = linearLayer(rewriter, loc, op.getInput(), op.getGate(), {});
    Value up = linearLayer(rewriter, loc, op.getInput(), op.getUp(), {});
    Value hidden = elementwise(
        rewriter, loc, {gate, up},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value act = activate(b, l, op.getActivation(), args[0]);
          return arith::MulFOp::create(b, l, act, args[1]).getResult();
        });
    rewriter.replaceOp(op, linearLayer(rewriter, loc, hidden, op.getDown(), {}));
    return success();
  }
};

struct LowerEmbedding : OpRewritePattern<EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType outType = cast<RankedTensorType>(op.getType());
    const int64_t rank = outType.getRank(),
                  vocab = tensorType(op.getTable()).getDimSize(0);
    SmallVector<unsigned> idDims;
    for (int64_t d = 0; d + 1 < rank; ++d)
      idDims.push_back(d);
    Value init = tensor::EmptyOp::create(rewriter, loc, outType.getShape(),
                                         outType.getElementType());
    std::optional<double> scale;
    if (op.getScale())
      scale = op.getScale()->convertToDouble();
    Value table = op.getTable();
    // A table kept in bfloat16 (hybrid-bf16-weights): the gathered
    // elements are widened, the table is never widened whole.
    Value narrowTable = bfloat16Source(table);
    if (narrowTable)
      table = narrowTable;
    Type elementType = outType.getElementType();
    Value result = generic(
        rewriter, loc, op.getIds(), init,
        {projection(getContext(), rank, idDims),
         rewriter.getMultiDimIdentityMap(rank)},
        std::string(rank, 'p'),
        [&](OpBuilder &b, Location l, ValueRange args) {
          // Ids are validated by the runtime; clamping keeps a bad id from
          // reading outside the table.
          Value id = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          id = arith::MaxSIOp::create(b, l, id, indexConstant(b, l, 0));
          id = arith::MinSIOp::create(b, l, id, indexConstant(b, l, vocab - 1));
          Value d = linalg::IndexOp::create(b, l, rank - 1);
          Value v = tensor::ExtractOp::create(b, l, table, ValueRange{id, d});
          if (narrowTable)
            v = arith::ExtFOp::create(b, l, elementType, v);
          if (!scale)
            return v;
          return arith::MulFOp::create(
                     b, l, v, floatConstant(b, l, v.getType(), *scale))
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerRMSNorm : OpRewritePattern<RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RMSNormOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType type = tensorType(op.getInput());
    const int64_t hidden = type.getShape().back();
    const int64_t group = op.getGroupSize().value_or(hidden);
    const double eps = op.getEps().convertToDouble();
    const bool unitOffset = op.getUnitOffset();
    // Grouped: [..., D] is viewed as [..., D/g, g] and the weight [D] as
    // [D/g, g], so each group's mean is a row sum like the plain form's.
    Value x = op.getInput(), weight = op.getWeight();
    const int64_t rank = type.getRank();
    SmallVector<ReassociationIndices> rows;
    for (int64_t d = 0; d + 1 < rank; ++d)
      rows.push_back({d});
    rows.push_back({rank - 1, rank});
    if (group != hidden) {
      SmallVector<int64_t> shape(type.getShape().drop_back());
      shape.append({hidden / group, group});
      x = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, type.getElementType()), x,
          rows);
      weight = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get({hidden / group, group}, type.getElementType()),
          weight, SmallVector<ReassociationIndices>{{0, 1}});
    }
    Value sumSquares = rowSum(rewriter, loc, x, {},
                              [](OpBuilder &b, Location l, Value v, Value) {
                                return arith::MulFOp::create(b, l, v, v)
                                    .getResult();
                              });
    auto normalise = [&](OpBuilder &b, Location l, ValueRange args) {
      Type t = args[0].getType();
      Value mean = arith::MulFOp::create(b, l, args[1],
                                         floatConstant(b, l, t, 1.0 / group));
      Value inv = math::RsqrtOp::create(
          b, l, arith::AddFOp::create(b, l, mean, floatConstant(b, l, t, eps)));
      Value w = args[2];
      if (unitOffset)
        w = arith::AddFOp::create(b, l, w, floatConstant(b, l, t, 1.0));
      return arith::MulFOp::create(
                 b, l, arith::MulFOp::create(b, l, args[0], inv), w)
          .getResult();
    };
    if (group == hidden) {
      rewriter.replaceOp(op, rowwise(rewriter, loc, x, sumSquares, weight,
                                     normalise));
      return success();
    }
    auto grouped = cast<RankedTensorType>(x.getType());
    const int64_t groupedRank = grouped.getRank();
    SmallVector<AffineMap> maps{
        rewriter.getMultiDimIdentityMap(groupedRank),
        rowReductionMaps(getContext(), groupedRank)[1],
        projection(getContext(), groupedRank,
                   {unsigned(groupedRank - 2), unsigned(groupedRank - 1)}),
        rewriter.getMultiDimIdentityMap(groupedRank)};
    Value init = tensor::EmptyOp::create(rewriter, loc, grouped.getShape(),
                                         grouped.getElementType());
    Value result =
        generic(rewriter, loc, {x, sumSquares, weight}, init, maps,
                std::string(groupedRank, 'p'),
                [&](OpBuilder &b, Location l, ValueRange args) {
                  return normalise(b, l, args.drop_back());
                });
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, type, result, rows);
    return success();
  }
};

struct LowerLayerNorm : OpRewritePattern<LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LayerNormOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType type = tensorType(op.getInput());
    Type t = type.getElementType();
    const int64_t hidden = type.getShape().back();
    const double eps = op.getEps().convertToDouble();
    Value sum = rowSum(rewriter, loc, op.getInput(), {},
                       [](OpBuilder &, Location, Value x, Value) { return x; });
    Value mean = elementwise(rewriter, loc, sum,
                             [&](OpBuilder &b, Location l, ValueRange args) {
                               return arith::MulFOp::create(
                                          b, l, args[0],
                                          floatConstant(b, l, t, 1.0 / hidden))
                                   .getResult();
                             });
    Value sumSq = rowSum(rewriter, loc, op.getInput(), mean,
                         [](OpBuilder &b, Location l, Value x, Value m) {
                           Value d = arith::SubFOp::create(b, l, x, m);
                           return arith::MulFOp::create(b, l, d, d).getResult();
                         });
    SmallVector<Value> columns;
    if (op.getWeight())
      columns.push_back(op.getWeight());
    if (op.getBias())
      columns.push_back(op.getBias());
    const bool hasWeight = bool(op.getWeight()), hasBias = bool(op.getBias());
    Value result = rowwise(
        rewriter, loc, op.getInput(), {mean, sumSq}, columns,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value centred = arith::SubFOp::create(b, l, args[0], args[1]);
          Value var = arith::MulFOp::create(b, l, args[2],
                                            floatConstant(b, l, t, 1.0 / hidden));
          Value inv = math::RsqrtOp::create(
              b, l, arith::AddFOp::create(b, l, var, floatConstant(b, l, t, eps)));
          Value y = arith::MulFOp::create(b, l, centred, inv);
          unsigned next = 3;
          if (hasWeight)
            y = arith::MulFOp::create(b, l, y, args[next++]);
          if (hasBias)
            y = arith::AddFOp::create(b, l, y, args[next++]);
          return y;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The length of a rope call (an i64 scalar): its extent operand, else
/// max(positions) + 1 over the whole batch, else `staticLength`.
static Value callLength(OpBuilder &b, Location loc, Value extent, Value positions,
                        int64_t staticLength) {
  Type i64 = b.getI64Type();
  if (extent) {
    Value e = tensor::ExtractOp::create(b, loc, extent,
                                        ValueRange{indexConstant(b, loc, 0)});
    return e.getType() == i64 ? e : arith::ExtSIOp::create(b, loc, i64, e).getResult();
  }
  if (!positions)
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(staticLength));
  MLIRContext *ctx = b.getContext();
  // Positions may be i32; the maximum is taken at that width and widened.
  auto intType = cast<IntegerType>(tensorType(positions).getElementType());
  Value init = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, intType);
  init = linalg::FillOp::create(
             b, loc,
             ValueRange{arith::ConstantOp::create(
                 b, loc, b.getIntegerAttr(intType, APInt::getSignedMinValue(
                                                       intType.getWidth())))},
             ValueRange{init})
             .getResult(0);
  Value max = generic(b, loc, positions, init,
                      {b.getMultiDimIdentityMap(2), AffineMap::get(2, 0, {}, ctx)},
                      "rr", [](OpBuilder &b, Location l, ValueRange args) {
                        return arith::MaxSIOp::create(b, l, args[0], args[1]).getResult();
                      });
  Value last = tensor::ExtractOp::create(b, loc, max, ValueRange{});
  if (intType != i64)
    last = arith::ExtSIOp::create(b, loc, i64, last);
  return arith::AddIOp::create(b, loc, last,
                               arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(1)));
}

struct LowerRope : OpRewritePattern<RopeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RopeOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType type = tensorType(op.getInput());
    Type t = type.getElementType();
    const int64_t headDim = type.getDimSize(3), half = headDim / 2;
    const double logTheta = std::log(op.getTheta().convertToDouble());
    const int64_t offset = op.getPositionOffset();
    const bool interleaved = op.getInterleaved();
    Value input = op.getInput(), positions = op.getPositions();
    MLIRContext *ctx = getContext();

    SmallVector<Value> inputs{input};
    SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(4)};
    if (positions) {
      inputs.push_back(positions);
      maps.push_back(projection(ctx, 4, {0, 2}));
    }
    // Given frequencies (scaled RoPE) are a constant read at the pair index
    // k of element d: d mod D/2 (half-split) or d floordiv 2 (interleaved).
    std::optional<ArrayRef<float>> invFreq = op.getInvFreq();
    const unsigned freqArg = inputs.size();
    if (invFreq) {
      auto freqType = RankedTensorType::get({half}, rewriter.getF32Type());
      inputs.push_back(arith::ConstantOp::create(
          rewriter, loc, DenseElementsAttr::get(freqType, *invFreq)));
      AffineExpr d = rewriter.getAffineDimExpr(3);
      maps.push_back(AffineMap::get(4, 0, interleaved ? d.floorDiv(2) : d % half,
                                    ctx));
    }
    // LongRoPE and dynamic NTK depend on the call's length L (max position
    // + 1): `useLong` (i1) picks the long frequencies, `logTheta` (f32)
    // is ln of the rescaled θ. Both are scalars computed once here.
    const int64_t context = op.getOriginalContext();
    std::optional<ArrayRef<float>> longFreq = op.getLongInvFreq();
    Value useLong, scaledLogTheta;
    unsigned longFreqArg = 0;
    if (context > 0) {
      Value length = callLength(rewriter, loc, op.getExtent(), positions,
                                offset + type.getDimSize(2));
      Value contextC = arith::ConstantOp::create(rewriter, loc,
                                                 rewriter.getI64IntegerAttr(context));
      if (longFreq) {
        useLong = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sgt,
                                        length, contextC);
        auto freqType = RankedTensorType::get({half}, rewriter.getF32Type());
        longFreqArg = inputs.size();
        inputs.push_back(arith::ConstantOp::create(
            rewriter, loc, DenseElementsAttr::get(freqType, *longFreq)));
        maps.push_back(maps[freqArg]);
      }
      if (std::optional<APFloat> ntk = op.getNtkFactor()) {
        // ln θ' = ln θ + D/(D−2) · ln(f·max(L, C)/C − (f − 1)).
        const double f = ntk->convertToDouble();
        Type f32 = rewriter.getF32Type();
        Value l = arith::SIToFPOp::create(
            rewriter, loc, f32, arith::MaxSIOp::create(rewriter, loc, length, contextC));
        Value ratio = arith::SubFOp::create(
            rewriter, loc,
            arith::MulFOp::create(rewriter, loc, l, floatConstant(rewriter, loc, f32, f / context)),
            floatConstant(rewriter, loc, f32, f - 1));
        scaledLogTheta = arith::AddFOp::create(
            rewriter, loc, floatConstant(rewriter, loc, f32, logTheta),
            arith::MulFOp::create(
                rewriter, loc, math::LogOp::create(rewriter, loc, ratio),
                floatConstant(rewriter, loc, f32, double(headDim) / (headDim - 2))));
        if (t != f32)
          scaledLogTheta = arith::TruncFOp::create(rewriter, loc, t, scaledLogTheta);
      }
    }
    const double scaling = op.getAttentionScaling().convertToDouble();
    maps.push_back(rewriter.getMultiDimIdentityMap(4));
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), t);
    Value result = generic(
        rewriter, loc, inputs, init, maps, "pppp",
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value bIdx = linalg::IndexOp::create(b, l, 0);
          Value hIdx = linalg::IndexOp::create(b, l, 1);
          Value sIdx = linalg::IndexOp::create(b, l, 2);
          Value d = linalg::IndexOp::create(b, l, 3);
          Value pos;
          if (positions) {
            pos = arith::SIToFPOp::create(b, l, t, args[1]);
          } else {
            Value p = arith::AddIOp::create(b, l, sIdx, indexConstant(b, l, offset));
            pos = arith::SIToFPOp::create(
                b, l, t, arith::IndexCastOp::create(b, l, b.getI64Type(), p));
          }
          // Pair index k, partner element and sign of the rotation.
          Value two = indexConstant(b, l, 2), halfC = indexConstant(b, l, half);
          Value k, partner, first;
          if (interleaved) {
            k = arith::DivUIOp::create(b, l, d, two);
            Value rem = arith::RemUIOp::create(b, l, d, two);
            first = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, rem,
                                          indexConstant(b, l, 0));
            partner = arith::SelectOp::create(
                b, l, first, arith::AddIOp::create(b, l, d, indexConstant(b, l, 1)),
                arith::SubIOp::create(b, l, d, indexConstant(b, l, 1)));
          } else {
            first = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, d, halfC);
            k = arith::SelectOp::create(b, l, first, d,
                                        arith::SubIOp::create(b, l, d, halfC));
            partner = arith::SelectOp::create(
                b, l, first, arith::AddIOp::create(b, l, d, halfC),
                arith::SubIOp::create(b, l, d, halfC));
          }
          Value freq;
          if (invFreq) {
            freq = args[freqArg];
            if (useLong)
              freq = arith::SelectOp::create(b, l, useLong, args[longFreqArg], freq);
            if (t != freq.getType())
              freq = arith::TruncFOp::create(b, l, t, freq);
          } else if (scaledLogTheta) {
            Value kf = arith::SIToFPOp::create(
                b, l, t, arith::IndexCastOp::create(b, l, b.getI64Type(), k));
            freq = math::ExpOp::create(
                b, l,
                arith::MulFOp::create(
                    b, l, kf,
                    arith::MulFOp::create(b, l, scaledLogTheta,
                                          floatConstant(b, l, t, -2.0 / headDim))));
          } else {
            // inv_freq = θ^(-2k/D) = exp(-2k·ln θ / D).
            Value kf = arith::SIToFPOp::create(
                b, l, t, arith::IndexCastOp::create(b, l, b.getI64Type(), k));
            freq = math::ExpOp::create(
                b, l,
                arith::MulFOp::create(
                    b, l, kf, floatConstant(b, l, t, -2.0 * logTheta / headDim)));
          }
          Value angle = arith::MulFOp::create(b, l, pos, freq);
          Value cos = math::CosOp::create(b, l, angle);
          Value sin = math::SinOp::create(b, l, angle);
          if (scaling != 1.0) {
            Value a = floatConstant(b, l, t, scaling);
            cos = arith::MulFOp::create(b, l, cos, a);
            sin = arith::MulFOp::create(b, l, sin, a);
          }
          Value other = tensor::ExtractOp::create(
              b, l, input, ValueRange{bIdx, hIdx, sIdx, partner});
          // First of a pair: x·c − x'·s; second: x·c + x'·s.
          Value signedOther = arith::SelectOp::create(
              b, l, first, arith::NegFOp::create(b, l, other), other);
          return arith::AddFOp::create(
                     b, l, arith::MulFOp::create(b, l, args[0], cos),
                     arith::MulFOp::create(b, l, signedOther, sin))
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerSplitHeads : OpRewritePattern<SplitHeadsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SplitHeadsOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType in = tensorType(op.getInput());
    RankedTensorType out = cast<RankedTensorType>(op.getType());
    auto expanded = RankedTensorType::get(
        {in.getDimSize(0), in.getDimSize(1), out.getDimSize(1), out.getDimSize(3)},
        in.getElementType());
    Value e = tensor::ExpandShapeOp::create(
        rewriter, loc, expanded, op.getInput(),
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    Value init = tensor::EmptyOp::create(rewriter, loc, out.getShape(),
                                         out.getElementType());
    rewriter.replaceOp(
        op, linalg::TransposeOp::create(rewriter, loc, e, init,
                                        ArrayRef<int64_t>{0, 2, 1, 3})
                .getResult()[0]);
    return success();
  }
};

struct LowerMergeHeads : OpRewritePattern<MergeHeadsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MergeHeadsOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType in = tensorType(op.getInput());
    Value init = tensor::EmptyOp::create(
        rewriter, loc,
        {in.getDimSize(0), in.getDimSize(2), in.getDimSize(1), in.getDimSize(3)},
        in.getElementType());
    Value t = linalg::TransposeOp::create(rewriter, loc, op.getInput(), init,
                                          ArrayRef<int64_t>{0, 2, 1, 3})
                  .getResult()[0];
    rewriter.replaceOp(op, tensor::CollapseShapeOp::create(
                               rewriter, loc, op.getType(), t,
                               SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}}));
    return success();
  }
};

struct LowerSelectTokens : OpRewritePattern<SelectTokensOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SelectTokensOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    MLIRContext *ctx = getContext();
    Location loc = op.getLoc();
    RankedTensorType rt = op.getType();
    Value init = tensor::EmptyOp::create(rewriter, loc, rt.getShape(),
                                         rt.getElementType());
    AffineMap id3 = rewriter.getMultiDimIdentityMap(3);
    rewriter.replaceOp(
        op, generic(rewriter, loc, {op.getFlags(), op.getOnTrue(), op.getOnFalse()},
                    init, {projection(ctx, 3, {0, 1}), id3, id3, id3}, "ppp",
                    [](OpBuilder &nb, Location nl, ValueRange a) {
                      return arith::SelectOp::create(nb, nl, isNonZero(nb, nl, a[0]),
                                                     a[1], a[2])
                          .getResult();
                    }));
    return success();
  }
};

/// n[b, s] = Σ_{k ≤ s} (ids[b, k] ≠ pad) as a reduction over (b, s, k) —
/// quadratic in S, but integer work that is tiny next to attention — then
/// the position or the padding index.
struct LowerPositionIds : OpRewritePattern<PositionIdsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PositionIdsOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    MLIRContext *ctx = getContext();
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type t = type.getElementType();
    const int64_t pad = op.getPaddingIdx();
    auto constant = [&](OpBuilder &nb, Location nl, int64_t v) {
      return arith::ConstantOp::create(nb, nl, nb.getIntegerAttr(t, v)).getResult();
    };
    Value zeros = linalg::FillOp::create(
                      rewriter, loc, constant(rewriter, loc, 0),
                      tensor::EmptyOp::create(rewriter, loc, type.getShape(), t).getResult())
                      .getResult(0);
    Value counts = generic(
        rewriter, loc, op.getIds(), zeros,
        {projection(ctx, 3, {0, 2}), projection(ctx, 3, {0, 1})}, "ppr",
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value s = linalg::IndexOp::create(nb, nl, 1);
          Value k = linalg::IndexOp::create(nb, nl, 2);
          Value upTo = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ule, k, s);
          Value real = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ne, a[0],
                                             constant(nb, nl, pad));
          Value counted = arith::AndIOp::create(nb, nl, upTo, real);
          return arith::AddIOp::create(
                     nb, nl, a[1],
                     arith::SelectOp::create(nb, nl, counted, constant(nb, nl, 1),
                                             constant(nb, nl, 0)))
              .getResult();
        });
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), t);
    AffineMap id2 = rewriter.getMultiDimIdentityMap(2);
    rewriter.replaceOp(
        op, generic(rewriter, loc, {op.getIds(), counts}, init, {id2, id2, id2}, "pp",
                    [&](OpBuilder &nb, Location nl, ValueRange a) {
                      Value padValue = constant(nb, nl, pad);
                      Value real = arith::CmpIOp::create(
                          nb, nl, arith::CmpIPredicate::ne, a[0], padValue);
                      return arith::SelectOp::create(
                                 nb, nl, real, arith::AddIOp::create(nb, nl, a[1], padValue),
                                 padValue)
                          .getResult();
                    }));
    return success();
  }
};

} // namespace

void lowering::populateBuildingBlockLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerActivation, LowerSoftcap, LowerLinear, LowerGatedMLP,
               LowerEmbedding, LowerRMSNorm, LowerLayerNorm, LowerRope,
               LowerSplitHeads, LowerMergeHeads, LowerSelectTokens,
               LowerPositionIds>(
      patterns.getContext());
}
