//===- ChunkedForms.cpp - Pieces of the chunked (matmul) scans ------------===//

#include "ChunkedForms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

Value lowering::multiplyAdd(OpBuilder &b, Location loc, ValueRange a) {
  return arith::AddFOp::create(b, loc, a[2], arith::MulFOp::create(b, loc, a[0], a[1]));
}

Value lowering::headMajor(OpBuilder &b, Location loc, Value x, Value rowScale, double scale) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorType(x);
  const int64_t rank = type.getRank();
  Type t = type.getElementType();
  SmallVector<int64_t> shape(type.getShape());
  std::swap(shape[1], shape[2]);
  SmallVector<unsigned> swapped{0, 2, 1};
  for (int64_t d = 3; d < rank; ++d)
    swapped.push_back(d);
  SmallVector<Value> inputs{x};
  SmallVector<AffineMap> maps{projection(ctx, rank, swapped)};
  if (rowScale) {
    inputs.push_back(rowScale);
    maps.push_back(projection(ctx, rank, {0, 2, 1}));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  return generic(b, loc, inputs, tensor::EmptyOp::create(b, loc, shape, t), maps,
                 std::string(rank, 'p'), [&](OpBuilder &nb, Location nl, ValueRange a) {
                   Value v = a[0];
                   if (rowScale)
                     v = arith::MulFOp::create(nb, nl, v, a[1]);
                   if (scale != 1.0)
                     v = arith::MulFOp::create(nb, nl, v, floatConstant(nb, nl, t, scale));
                   return v;
                 });
}

Value lowering::batchHeadSlice(OpBuilder &b, Location loc, Value x, Value batch, Value head) {
  RankedTensorType type = tensorType(x);
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)), sizes,
      strides(type.getRank(), b.getIndexAttr(1));
  offsets[0] = batch;
  offsets[1] = head;
  sizes = {b.getIndexAttr(1), b.getIndexAttr(1)};
  for (int64_t s : type.getShape().drop_front(2))
    sizes.push_back(b.getIndexAttr(s));
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(type.getShape().drop_front(2), type.getElementType()), x,
      offsets, sizes, strides);
}

SmallVector<Value> lowering::forEachBatchHead(
    OpBuilder &b, Location loc, RankedTensorType outType, RankedTensorType stateType,
    function_ref<std::pair<Value, Value>(OpBuilder &, Location, Value, Value)> body) {
  Type t = outType.getElementType();
  const int64_t batch = outType.getDimSize(0), seq = outType.getDimSize(1),
                heads = outType.getDimSize(2), width = outType.getDimSize(3);
  Value outAll = tensor::EmptyOp::create(b, loc, outType.getShape(), t);
  Value stateAll = tensor::EmptyOp::create(b, loc, stateType.getShape(), t);
  return forEachTile(
      b, loc, batch * heads, ValueRange{outAll, stateAll},
      [&](OpBuilder &tb, Location l, Value i) -> SmallVector<TileResult> {
        Value bi = arith::DivUIOp::create(tb, l, i, indexConstant(tb, l, heads));
        Value h = arith::RemUIOp::create(tb, l, i, indexConstant(tb, l, heads));
        auto [rows, state] = body(tb, l, bi, h);
        Value outTile = tensor::ExpandShapeOp::create(
            tb, l, RankedTensorType::get({1, seq, 1, width}, t), rows,
            SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
        Value stateTile = tensor::ExpandShapeOp::create(
            tb, l,
            RankedTensorType::get({1, 1, stateType.getDimSize(2), stateType.getDimSize(3)}, t),
            state, SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
        SmallVector<OpFoldResult> outOffsets(4, tb.getIndexAttr(0)),
            stateOffsets(4, tb.getIndexAttr(0));
        outOffsets[0] = bi;
        outOffsets[2] = h;
        stateOffsets[0] = bi;
        stateOffsets[1] = h;
        return {{outTile, outOffsets}, {stateTile, stateOffsets}};
      });
}

Value lowering::insertRows(OpBuilder &b, Location loc, Value part, Value into, Value offset) {
  RankedTensorType type = tensorType(part);
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)), sizes,
      strides(type.getRank(), b.getIndexAttr(1));
  offsets[0] = offset;
  for (int64_t s : type.getShape())
    sizes.push_back(b.getIndexAttr(s));
  return tensor::InsertSliceOp::create(b, loc, part, into, offsets, sizes, strides);
}

Value lowering::product(OpBuilder &b, Location loc, Value x, Value y, Value init,
                        bool xTransposed) {
  MLIRContext *ctx = b.getContext();
  return generic(b, loc, {x, y}, init,
                 {projection(ctx, 3, xTransposed ? ArrayRef<unsigned>{1, 0}
                                                 : ArrayRef<unsigned>{0, 1}),
                  projection(ctx, 3, {1, 2}), projection(ctx, 3, {0, 2})},
                 "prp", multiplyAdd);
}

Value lowering::inclusiveCumsum(OpBuilder &b, Location loc, Value g) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorType(g);
  Type t = type.getElementType();
  return generic(
      b, loc, g, filledTensor(b, loc, type.getShape(), t, 0.0),
      {projection(ctx, 2, {1}), projection(ctx, 2, {0})}, "pr",
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value earlier = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ule,
                                              linalg::IndexOp::create(nb, nl, 1),
                                              linalg::IndexOp::create(nb, nl, 0));
        return arith::AddFOp::create(
                   nb, nl, a[1],
                   arith::SelectOp::create(nb, nl, earlier, a[0], floatConstant(nb, nl, t, 0.0)))
            .getResult();
      });
}

Value lowering::decayedLower(OpBuilder &b, Location loc, Value x, Value cumulative,
                             bool diagonal, Value rowScale) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorType(x);
  Type t = type.getElementType();
  AffineMap i2 = projection(ctx, 2, {0}), j2 = projection(ctx, 2, {1}),
            all2 = b.getMultiDimIdentityMap(2);
  SmallVector<Value> inputs{x, cumulative, cumulative};
  SmallVector<AffineMap> maps{all2, i2, j2};
  if (rowScale) {
    inputs.push_back(rowScale);
    maps.push_back(i2);
  }
  maps.push_back(all2);
  return generic(b, loc, inputs, tensor::EmptyOp::create(b, loc, type.getShape(), t), maps, "pp",
                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                   Value visible = arith::CmpIOp::create(
                       nb, nl, diagonal ? arith::CmpIPredicate::ule : arith::CmpIPredicate::ult,
                       linalg::IndexOp::create(nb, nl, 1), linalg::IndexOp::create(nb, nl, 0));
                   Value decay = math::ExpOp::create(
                       nb, nl, arith::SubFOp::create(nb, nl, a[1], a[2]));
                   Value v = arith::MulFOp::create(nb, nl, a[0], decay);
                   if (rowScale)
                     v = arith::MulFOp::create(nb, nl, v, a[3]);
                   return arith::SelectOp::create(nb, nl, visible, v,
                                                  floatConstant(nb, nl, t, 0.0))
                       .getResult();
                 });
}
