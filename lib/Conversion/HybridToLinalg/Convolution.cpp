//===- Convolution.cpp - Lowering causal conv1d and conv2d ----------------===//

#include "LoweringUtils.h"
#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

namespace {

AffineExpr dim(MLIRContext *ctx, unsigned d) { return getAffineDimExpr(d, ctx); }

/// An accumulator of `shape` holding `bias[channelDim]`, or zeros.
Value biasInit(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type t,
               Value bias, unsigned channelDim) {
  if (!bias)
    return filledTensor(b, loc, shape, t, 0.0);
  MLIRContext *ctx = b.getContext();
  const unsigned rank = shape.size();
  Value empty = tensor::EmptyOp::create(b, loc, shape, t);
  return generic(b, loc, bias, empty,
                 {projection(ctx, rank, {channelDim}),
                  b.getMultiDimIdentityMap(rank)},
                 std::string(rank, 'p'),
                 [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

Value insertAt(OpBuilder &b, Location loc, Value source, Value into,
               ArrayRef<int64_t> offsets) {
  RankedTensorType type = tensorType(source);
  SmallVector<OpFoldResult> offs, sizes, strides;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    offs.push_back(b.getIndexAttr(offsets[d]));
    sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
    strides.push_back(b.getIndexAttr(1));
  }
  return tensor::InsertSliceOp::create(b, loc, source, into, offs, sizes,
                                       strides);
}

struct LowerCausalConv1D : OpRewritePattern<CausalConv1DOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CausalConv1DOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType xt = tensorType(op.getInput());
    Type t = xt.getElementType();
    const int64_t batch = xt.getDimSize(0), seq = xt.getDimSize(1),
                  channels = xt.getDimSize(2),
                  kernel = tensorType(op.getWeight()).getDimSize(1),
                  carried = kernel - 1;
    // x' = [carried state; x] along time, as [B, K-1+L, C].
    Value padded =
        filledTensor(rewriter, loc, {batch, carried + seq, channels}, t, 0.0);
    if (op.getState() && carried > 0)
      padded = insertAt(rewriter, loc,
                        transpose(rewriter, loc, op.getState(), {0, 2, 1}),
                        padded, {0, 0, 0});
    padded = insertAt(rewriter, loc, op.getInput(), padded, {0, carried, 0});
    // y[b,t,c] = bias[c] + Σ_k w[c,k]·x'[b, t+k, c]
    Value init = biasInit(rewriter, loc, xt.getShape(), t, op.getBias(), 2);
    Value y = generic(
        rewriter, loc, {padded, op.getWeight()}, init,
        {affineMap(ctx, 4, {dim(ctx, 0), dim(ctx, 1) + dim(ctx, 3), dim(ctx, 2)}),
         projection(ctx, 4, {2, 3}), projection(ctx, 4, {0, 1, 2})},
        "pppr", [](OpBuilder &b, Location l, ValueRange a) {
          return arith::AddFOp::create(b, l, a[2],
                                       arith::MulFOp::create(b, l, a[0], a[1]))
              .getResult();
        });
    Activation act = op.getActivation();
    if (act != Activation::identity)
      y = elementwise(rewriter, loc, y,
                      [&](OpBuilder &b, Location l, ValueRange a) {
                        return activate(b, l, act, a[0]);
                      });
    // The last K-1 columns of x' carry into the next call.
    SmallVector<OpFoldResult> offs{rewriter.getIndexAttr(0),
                                   rewriter.getIndexAttr(seq),
                                   rewriter.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes{rewriter.getIndexAttr(batch),
                                    rewriter.getIndexAttr(carried),
                                    rewriter.getIndexAttr(channels)};
    SmallVector<OpFoldResult> strides(3, rewriter.getIndexAttr(1));
    Value tail = tensor::ExtractSliceOp::create(rewriter, loc, padded, offs,
                                                sizes, strides);
    rewriter.replaceOp(op, {y, transpose(rewriter, loc, tail, {0, 2, 1})});
    return success();
  }
};

/// A dense convolution as a linear layer (im2col): each output pixel's
/// receptive field, [C, kh, kw], is copied into a row of `patches[N, Ho, Wo,
/// C·kh·kw]`, and the rows times the weight as `[O, C·kh·kw]` are the
/// output in NHWC. The product is then the packed GEMM's (register-blocked,
/// threaded), where the direct loops had a 9–147 term reduction innermost
/// and ran at ~3 GFLOP/s; the copy reads each input kh·kw/(sh·sw) times
/// (about 2× for the usual stride-2 3×3 and stride-4 7×7 patch convs).
Value patchesTimesWeight(PatternRewriter &rewriter, Location loc, Conv2DOp op,
                         Value padded) {
  MLIRContext *ctx = rewriter.getContext();
  RankedTensorType wt = tensorType(op.getWeight());
  RankedTensorType out = cast<RankedTensorType>(op.getType());
  Type t = out.getElementType();
  ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations();
  const int64_t batch = out.getDimSize(0),
                rows = out.getDimSize(2), cols = out.getDimSize(3),
                channels = wt.getDimSize(1), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  // patches[n,y,x,c,a,b] = in[n, c, y·sh + a·dh, x·sw + b·dw], dims (n, y, x, c, a, b).
  AffineExpr n = dim(ctx, 0), y = dim(ctx, 1), x = dim(ctx, 2), c = dim(ctx, 3),
             a = dim(ctx, 4), bb = dim(ctx, 5);
  Value empty = tensor::EmptyOp::create(rewriter, loc,
                                        {batch, rows, cols, channels, kh, kw}, t);
  Value patches = generic(
      rewriter, loc, padded, empty,
      {affineMap(ctx, 6,
                 {n, c, y * strides[0] + a * dilations[0], x * strides[1] + bb * dilations[1]}),
       rewriter.getMultiDimIdentityMap(6)},
      "pppppp", [](OpBuilder &, Location, ValueRange v) { return v[0]; });
  patches = tensor::CollapseShapeOp::create(
      rewriter, loc, patches, SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4, 5}});
  Value weight = tensor::CollapseShapeOp::create(
      rewriter, loc, op.getWeight(), SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
  Value nhwc = linearLayer(rewriter, loc, patches, weight, op.getBias());
  return transpose(rewriter, loc, nhwc, {0, 3, 1, 2});
}

struct LowerConv2D : OpRewritePattern<Conv2DOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Conv2DOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType in = tensorType(op.getInput()), wt = tensorType(op.getWeight());
    RankedTensorType out = cast<RankedTensorType>(op.getType());
    Type t = in.getElementType();
    ArrayRef<int64_t> strides = op.getStrides(), padding = op.getPadding(),
                      dilations = op.getDilations();
    const int64_t groups = op.getGroups(), perGroup = wt.getDimSize(1),
                  outPerGroup = wt.getDimSize(0) / groups;
    // Zero padding.
    Value source = op.getInput();
    if (padding[0] || padding[1]) {
      Value zeros = filledTensor(
          rewriter, loc,
          {in.getDimSize(0), in.getDimSize(1), in.getDimSize(2) + 2 * padding[0],
           in.getDimSize(3) + 2 * padding[1]},
          t, 0.0);
      source = insertAt(rewriter, loc, source, zeros, {0, 0, padding[0], padding[1]});
    }
    if (groups == 1) {
      rewriter.replaceOp(op, patchesTimesWeight(rewriter, loc, op, source));
      return success();
    }
    // Grouped (and depthwise) convolutions: one generic.
    // out[n,o,y,x] = bias[o] + Σ_{c,a,b} w[o,c,a,b]·in[n, g(o)·Cg + c,
    //                                      y·sh + a·dh, x·sw + b·dw]
    // with dims (n, o, y, x, c, a, b).
    AffineExpr n = dim(ctx, 0), o = dim(ctx, 1), y = dim(ctx, 2), x = dim(ctx, 3),
               c = dim(ctx, 4), a = dim(ctx, 5), bb = dim(ctx, 6);
    AffineMap inMap = affineMap(
        ctx, 7,
        {n, o.floorDiv(outPerGroup) * perGroup + c, y * strides[0] + a * dilations[0],
         x * strides[1] + bb * dilations[1]});
    Value init = biasInit(rewriter, loc, out.getShape(), t, op.getBias(), 1);
    Value result = generic(
        rewriter, loc, {source, op.getWeight()}, init,
        {inMap, projection(ctx, 7, {1, 4, 5, 6}), projection(ctx, 7, {0, 1, 2, 3})},
        "pppprrr", [](OpBuilder &b, Location l, ValueRange v) {
          return arith::AddFOp::create(b, l, v[2],
                                       arith::MulFOp::create(b, l, v[0], v[1]))
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowering::populateConvLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerCausalConv1D, LowerConv2D>(patterns.getContext());
}
