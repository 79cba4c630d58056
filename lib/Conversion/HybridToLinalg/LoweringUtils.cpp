//===- LoweringUtils.cpp - Helpers of the hybrid-to-linalg lowering -------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

RankedTensorType lowering::tensorType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

LogicalResult lowering::requireStaticShapes(Operation *op,
                                            PatternRewriter &rewriter) {
  auto isStatic = [](Type type) {
    auto shaped = dyn_cast<ShapedType>(type);
    return !shaped || shaped.hasStaticShape();
  };
  if (llvm::all_of(op->getOperandTypes(), isStatic) &&
      llvm::all_of(op->getResultTypes(), isStatic))
    return success();
  return rewriter.notifyMatchFailure(op, "dynamic shapes are not lowered yet");
}

Value lowering::floatConstant(OpBuilder &b, Location loc, Type type,
                              double value) {
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, value));
}

Value lowering::indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value lowering::filledTensor(OpBuilder &b, Location loc,
                             ArrayRef<int64_t> shape, Type elementType,
                             double value) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, elementType);
  Value scalar = floatConstant(b, loc, elementType, value);
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

AffineMap lowering::affineMap(MLIRContext *ctx, unsigned numDims,
                              ArrayRef<AffineExpr> exprs) {
  return AffineMap::get(numDims, 0, exprs, ctx);
}

AffineMap lowering::projection(MLIRContext *ctx, unsigned numDims,
                               ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return affineMap(ctx, numDims, exprs);
}

SmallVector<utils::IteratorType> lowering::iterators(StringRef kinds) {
  SmallVector<utils::IteratorType> result;
  for (char kind : kinds)
    result.push_back(kind == 'r' ? utils::IteratorType::reduction
                                 : utils::IteratorType::parallel);
  return result;
}

Value lowering::generic(OpBuilder &b, Location loc, ValueRange inputs,
                        Value init, ArrayRef<AffineMap> maps, StringRef kinds,
                        BodyBuilder body) {
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators(kinds), [&](OpBuilder &nested, Location nestedLoc,
                            ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                body(nested, nestedLoc, args));
      });
  return op.getResult(0);
}

Value lowering::elementwise(OpBuilder &b, Location loc, ValueRange inputs,
                            BodyBuilder body) {
  RankedTensorType type = tensorType(inputs.front());
  Value init =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<AffineMap> maps(inputs.size() + 1, identity);
  return generic(b, loc, inputs, init, maps,
                 std::string(type.getRank(), 'p'),
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   return body(nb, nl, args.drop_back());
                 });
}

namespace {
/// {0..rank-2}, {rank-1}: the leading dims and the last.
SmallVector<ReassociationIndices> rowGroups(int64_t rank) {
  SmallVector<ReassociationIndices> groups(2);
  for (int64_t d = 0; d + 1 < rank; ++d)
    groups[0].push_back(d);
  groups[1].push_back(rank - 1);
  return groups;
}
} // namespace

Value lowering::collapseToRows(OpBuilder &b, Location loc, Value x) {
  RankedTensorType type = tensorType(x);
  const int64_t rank = type.getRank();
  if (rank == 2)
    return x;
  if (rank == 1)
    return tensor::ExpandShapeOp::create(
        b, loc,
        RankedTensorType::get({1, type.getDimSize(0)}, type.getElementType()),
        x, SmallVector<ReassociationIndices>{{0, 1}});
  return tensor::CollapseShapeOp::create(b, loc, x, rowGroups(rank));
}

Value lowering::expandFromRows(OpBuilder &b, Location loc, Value rows,
                               RankedTensorType like) {
  const int64_t rank = like.getRank();
  if (rank == 2 && tensorType(rows).getDimSize(0) == like.getDimSize(0))
    return rows;
  SmallVector<int64_t> shape(like.getShape());
  shape.back() = tensorType(rows).getDimSize(1);
  auto type = RankedTensorType::get(shape, like.getElementType());
  if (rank == 1)
    return tensor::CollapseShapeOp::create(
        b, loc, type, rows, SmallVector<ReassociationIndices>{{0, 1}});
  return tensor::ExpandShapeOp::create(b, loc, type, rows, rowGroups(rank));
}

Value lowering::bfloat16Source(Value value) {
  auto ext = value.getDefiningOp<arith::ExtFOp>();
  if (!ext || !tensorType(ext.getIn()).getElementType().isBF16())
    return Value();
  return ext.getIn();
}

Value lowering::linearLayer(OpBuilder &b, Location loc, Value x, Value w,
                            Value bias) {
  MLIRContext *ctx = b.getContext();
  Value x2 = collapseToRows(b, loc, x);
  Type elementType = tensorType(x).getElementType();
  const int64_t out = tensorType(w).getDimSize(0);
  // The rows may be a runtime count (a mixture of experts' tokens).
  SmallVector<OpFoldResult> shape{tensor::getMixedSize(b, loc, x2, 0), b.getIndexAttr(out)};
  Value empty = tensor::EmptyOp::create(b, loc, shape, elementType);

  // The accumulator starts at the bias (or zero).
  Value init;
  if (bias) {
    init = generic(b, loc, bias, empty,
                   {projection(ctx, 2, {1}), projection(ctx, 2, {0, 1})},
                   "pp", [](OpBuilder &, Location, ValueRange args) {
                     return args[0];
                   });
  } else {
    init = linalg::FillOp::create(b, loc, floatConstant(b, loc, elementType, 0.0), empty)
               .getResult(0);
  }
  // A weight kept in bfloat16 (hybrid-bf16-weights) is read as such and
  // widened element by element in the contraction, which the packed GEMM
  // then streams at half the bytes.
  bool widen = false;
  if (Value narrow = bfloat16Source(w)) {
    w = narrow;
    widen = true;
  }
  Value y2 = generic(
      b, loc, {x2, w}, init,
      {projection(ctx, 3, {0, 2}), projection(ctx, 3, {1, 2}),
       projection(ctx, 3, {0, 1})},
      "ppr", [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value weight = widen ? arith::ExtFOp::create(nb, nl, elementType, args[1]).getResult()
                             : args[1];
        Value product = arith::MulFOp::create(nb, nl, args[0], weight);
        return arith::AddFOp::create(nb, nl, args[2], product).getResult();
      });
  return expandFromRows(b, loc, y2, tensorType(x));
}

Value lowering::sigmoid(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value one = floatConstant(b, loc, t, 1.0);
  Value neg = arith::NegFOp::create(b, loc, x);
  Value e = math::ExpOp::create(b, loc, neg);
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

Value lowering::silu(OpBuilder &b, Location loc, Value x) {
  return arith::MulFOp::create(b, loc, x, sigmoid(b, loc, x));
}

Value lowering::softplus(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value big = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                    floatConstant(b, loc, t, 20.0));
  Value soft = math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
  return arith::SelectOp::create(b, loc, big, x, soft);
}

Value lowering::activate(OpBuilder &b, Location loc, Activation kind,
                         Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return floatConstant(b, loc, t, v); };
  auto mul = [&](Value l, Value r) {
    return arith::MulFOp::create(b, loc, l, r).getResult();
  };
  auto add = [&](Value l, Value r) {
    return arith::AddFOp::create(b, loc, l, r).getResult();
  };
  switch (kind) {
  case Activation::identity:
    return x;
  case Activation::relu:
    return arith::MaximumFOp::create(b, loc, x, c(0.0));
  case Activation::gelu: {
    Value erf = math::ErfOp::create(b, loc, mul(x, c(M_SQRT1_2)));
    return mul(mul(c(0.5), x), add(c(1.0), erf));
  }
  case Activation::gelu_tanh: {
    Value cube = mul(mul(x, x), x);
    Value inner = mul(c(std::sqrt(2.0 / M_PI)), add(x, mul(c(0.044715), cube)));
    Value tanh = math::TanhOp::create(b, loc, inner);
    return mul(mul(c(0.5), x), add(c(1.0), tanh));
  }
  case Activation::quick_gelu:
    return mul(x, sigmoid(b, loc, mul(c(1.702), x)));
  case Activation::silu:
    return silu(b, loc, x);
  case Activation::sigmoid:
    return sigmoid(b, loc, x);
  case Activation::tanh:
    return math::TanhOp::create(b, loc, x);
  case Activation::softplus:
    return softplus(b, loc, x);
  case Activation::elu_plus_one: {
    Value positive =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(0.0));
    return arith::SelectOp::create(b, loc, positive, add(x, c(1.0)),
                                   math::ExpOp::create(b, loc, x));
  }
  }
  return x;
}

Value lowering::maskVisible(OpBuilder &b, Location loc, const MaskSpec &mask,
                            Value i, Value j) {
  auto cmp = [&](arith::CmpIPredicate pred, Value l, Value r) {
    return arith::CmpIOp::create(b, loc, pred, l, r).getResult();
  };
  auto orI = [&](Value l, Value r) {
    return arith::OrIOp::create(b, loc, l, r).getResult();
  };
  switch (mask.kind) {
  case MaskKind::None:
    return arith::ConstantIntOp::create(b, loc, 1, 1);
  case MaskKind::Causal: {
    Value visible = cmp(arith::CmpIPredicate::sle, j, i);
    if (mask.window == 0)
      return visible;
    // i - W < j  <=>  i < j + W
    Value jPlusW = arith::AddIOp::create(b, loc, j,
                                         indexConstant(b, loc, mask.window));
    return arith::AndIOp::create(b, loc, visible,
                                 cmp(arith::CmpIPredicate::slt, i, jPlusW));
  }
  case MaskKind::Local: {
    Value diff = arith::SubIOp::create(b, loc, i, j);
    Value w = indexConstant(b, loc, mask.localRadius);
    Value negW = indexConstant(b, loc, -mask.localRadius);
    Value visible =
        arith::AndIOp::create(b, loc, cmp(arith::CmpIPredicate::sle, diff, w),
                              cmp(arith::CmpIPredicate::sge, diff, negW));
    for (int64_t g : mask.globalTokens) {
      Value pos = indexConstant(b, loc, g);
      visible = orI(visible, orI(cmp(arith::CmpIPredicate::eq, i, pos),
                                 cmp(arith::CmpIPredicate::eq, j, pos)));
    }
    return visible;
  }
  }
  return arith::ConstantIntOp::create(b, loc, 1, 1);
}

Value lowering::isNonZero(OpBuilder &b, Location loc, Value flag) {
  Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(flag.getType(), 0));
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, flag, zero);
}

Value mlir::hybrid::lowering::mirroredOrder(OpBuilder &b, Location loc, Value i, int64_t n) {
  Value half = arith::DivUIOp::create(b, loc, i, indexConstant(b, loc, 2));
  Value odd = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ne,
      arith::RemUIOp::create(b, loc, i, indexConstant(b, loc, 2)), indexConstant(b, loc, 0));
  Value mirrored = arith::SubIOp::create(b, loc, indexConstant(b, loc, n - 1), half);
  return arith::SelectOp::create(b, loc, odd, mirrored, half);
}

SmallVector<Value> mlir::hybrid::lowering::forEachTile(
    OpBuilder &b, Location loc, int64_t count, ValueRange into,
    function_ref<SmallVector<TileResult>(OpBuilder &, Location, Value)> body) {
  auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(count)},
                                      into, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value i = forall.getInductionVars()[0];
  SmallVector<TileResult> results = body(b, loc, i);
  assert(results.size() == into.size() && "one tile per result");
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  for (auto [result, destination] : llvm::zip(results, forall.getRegionIterArgs())) {
    RankedTensorType type = tensorType(result.tile);
    SmallVector<OpFoldResult> sizes, strides(type.getRank(), b.getIndexAttr(1));
    for (int64_t size : type.getShape())
      sizes.push_back(b.getIndexAttr(size));
    tensor::ParallelInsertSliceOp::create(b, loc, result.tile, destination, result.offsets,
                                          sizes, strides);
  }
  return SmallVector<Value>(forall.getResults());
}

Value mlir::hybrid::lowering::forEachTile(
    OpBuilder &b, Location loc, int64_t count, Value into,
    function_ref<TileResult(OpBuilder &, Location, Value)> body) {
  return forEachTile(b, loc, count, ValueRange{into},
                     [&](OpBuilder &nb, Location nl, Value i) -> SmallVector<TileResult> {
                       return {body(nb, nl, i)};
                     })[0];
}

Value lowering::transpose(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> perm) {
  RankedTensorType type = tensorType(x);
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(b, loc, x, init, perm).getResult()[0];
}

Value lowering::sliceDim(OpBuilder &b, Location loc, Value x, unsigned dim, Value offset,
                         int64_t size) {
  RankedTensorType type = tensorType(x);
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)), sizes,
      strides(type.getRank(), b.getIndexAttr(1));
  offsets[dim] = offset;
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = size;
  for (int64_t s : shape)
    sizes.push_back(b.getIndexAttr(s));
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), x, offsets, sizes,
      strides);
}
