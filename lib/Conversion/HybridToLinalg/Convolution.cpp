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

/// Rows [row, row + count) of a [B, T, C] tensor.
Value rowsOf(OpBuilder &b, Location loc, Value x, int64_t row, int64_t count) {
  RankedTensorType type = tensorType(x);
  SmallVector<OpFoldResult> offs{b.getIndexAttr(0), b.getIndexAttr(row), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes{b.getIndexAttr(type.getDimSize(0)), b.getIndexAttr(count),
                                  b.getIndexAttr(type.getDimSize(2))};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, x, offs, sizes, strides);
}

/// y[b, t, c] = act(bias[c] + Σ_k wᵀ[k, c]·source[b, t + k, c]) for t <
/// `rows`: one elementwise pass with the K taps unrolled (K source
/// operands, each shifted by its tap), channels innermost along the
/// lanes. Before, x' = [state; x] was built whole (a fill and a copy), then
/// the bias, a reduction over the taps and the activation each made a pass:
/// 25-40% slower at 2048 × 1536.
Value convolveRows(OpBuilder &b, Location loc, Value source, Value weightT, Value bias,
                   Activation act, int64_t rows, Value into, int64_t row0) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType st = tensorType(source);
  Type t = st.getElementType();
  const int64_t kernel = tensorType(weightT).getDimSize(0);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  // Each tap as its own slice of `rows` rows (a view): linalg infers the
  // row loop from the first operand, so a shifted map over all of
  // `source` would not verify.
  for (int64_t k = 0; k < kernel; ++k) {
    inputs.push_back(rowsOf(b, loc, source, k, rows));
    maps.push_back(b.getMultiDimIdentityMap(3));
  }
  for (int64_t k = 0; k < kernel; ++k) {
    inputs.push_back(weightT);
    maps.push_back(affineMap(ctx, 3, {getAffineConstantExpr(k, ctx), dim(ctx, 2)}));
  }
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(projection(ctx, 3, {2}));
  }
  maps.push_back(b.getMultiDimIdentityMap(3));
  // Computed into rows [row0, row0 + rows) of `into`. (After tiling, the
  // bulk of the rows still goes through a buffer of its own and one copy,
  // ~20% of the time at 2048 × 1536: bufferizing it in place is open.)
  Value init = rowsOf(b, loc, into, row0, rows);
  Value y = generic(b, loc, inputs, init, maps, "ppp",
                 [&](OpBuilder &nb, Location l, ValueRange a) {
                   Value sum = bias ? a[2 * kernel] : floatConstant(nb, l, t, 0.0);
                   for (int64_t k = 0; k < kernel; ++k)
                     sum = arith::AddFOp::create(
                         nb, l, sum, arith::MulFOp::create(nb, l, a[k], a[kernel + k]));
                   return act == Activation::identity ? sum : activate(nb, l, act, sum);
                 });
  return insertAt(b, loc, y, into, {0, row0, 0});
}

struct LowerCausalConv1D : OpRewritePattern<CausalConv1DOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CausalConv1DOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType xt = tensorType(op.getInput());
    Type t = xt.getElementType();
    const int64_t batch = xt.getDimSize(0), seq = xt.getDimSize(1),
                  channels = xt.getDimSize(2),
                  kernel = tensorType(op.getWeight()).getDimSize(1),
                  carried = kernel - 1;
    Value x = op.getInput();
    Value weightT = transpose(rewriter, loc, op.getWeight());
    Activation act = op.getActivation();
    // x' = [carried state; x] along time. Only its first rows, whose taps
    // reach into the state, are built: head = [state; x[0, h)] with h =
    // min(L, K-1); rows from K-1 on read x itself.
    const int64_t h = std::min(seq, carried);
    Value head = filledTensor(rewriter, loc, {batch, carried + h, channels}, t, 0.0);
    if (op.getState() && carried > 0)
      head = insertAt(rewriter, loc, transpose(rewriter, loc, op.getState(), {0, 2, 1}),
                      head, {0, 0, 0});
    if (h > 0)
      head = insertAt(rewriter, loc, rowsOf(rewriter, loc, x, 0, h), head, {0, carried, 0});
    Value y = tensor::EmptyOp::create(rewriter, loc, xt.getShape(), t);
    if (h > 0)
      y = convolveRows(rewriter, loc, head, weightT, op.getBias(), act, h, y, 0);
    if (seq > carried)
      y = convolveRows(rewriter, loc, x, weightT, op.getBias(), act, seq - carried, y, carried);
    // The last K-1 rows of x' carry into the next call: x's own when it has
    // that many, else the head's last.
    Value tail = seq >= carried ? rowsOf(rewriter, loc, x, seq - carried, carried)
                                : rowsOf(rewriter, loc, head, seq, carried);
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
