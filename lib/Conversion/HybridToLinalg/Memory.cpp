//===- Memory.cpp - Lowering content-addressed memory read and write ------===//

#include "LoweringUtils.h"
#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

namespace {

Value addMul(OpBuilder &b, Location l, ValueRange a) {
  return arith::AddFOp::create(b, l, a[2], arith::MulFOp::create(b, l, a[0], a[1]))
      .getResult();
}

/// ‖rows‖ of a [B, R, W] tensor: [B, R].
Value rowNorms(OpBuilder &b, Location loc, Value rows) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorType(rows);
  Value init = filledTensor(b, loc, {type.getDimSize(0), type.getDimSize(1)},
                            type.getElementType(), 0.0);
  Value sq = generic(b, loc, {rows, rows}, init,
                     {projection(ctx, 3, {0, 1, 2}), projection(ctx, 3, {0, 1, 2}),
                      projection(ctx, 3, {0, 1})},
                     "ppr", addMul);
  return elementwise(b, loc, sq, [](OpBuilder &nb, Location nl, ValueRange a) {
    return math::SqrtOp::create(nb, nl, a[0]).getResult();
  });
}

/// w[b,s,n] = softmax_n(strength[b,s]·cos(keys[b,s], memory[b,n])).
Value addressing(OpBuilder &b, Location loc, Value memory, Value keys,
                 Value strength, double eps) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType mt = tensorType(memory);
  Type t = mt.getElementType();
  const int64_t batch = mt.getDimSize(0), slots = mt.getDimSize(1),
                seq = tensorType(keys).getDimSize(1);
  Value memNorm = rowNorms(b, loc, memory), keyNorm = rowNorms(b, loc, keys);
  Value dotInit = filledTensor(b, loc, {batch, seq, slots}, t, 0.0);
  Value dot = generic(b, loc, {keys, memory}, dotInit,
                      {projection(ctx, 4, {0, 1, 3}), projection(ctx, 4, {0, 2, 3}),
                       projection(ctx, 4, {0, 1, 2})},
                      "pppr", addMul);
  AffineMap bsn = projection(ctx, 3, {0, 1, 2}), bs = projection(ctx, 3, {0, 1}),
            bn = projection(ctx, 3, {0, 2});
  Value logitsInit = tensor::EmptyOp::create(b, loc, {batch, seq, slots}, t);
  Value logits = generic(
      b, loc, {dot, strength, keyNorm, memNorm}, logitsInit, {bsn, bs, bs, bn, bsn},
      "ppp", [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value denom = arith::AddFOp::create(
            nb, nl, arith::MulFOp::create(nb, nl, a[2], a[3]),
            floatConstant(nb, nl, t, eps));
        return arith::MulFOp::create(nb, nl, a[1],
                                     arith::DivFOp::create(nb, nl, a[0], denom))
            .getResult();
      });
  Value maxInit = filledTensor(b, loc, {batch, seq}, t, -INFINITY);
  Value rowMax = generic(b, loc, logits, maxInit, {bsn, bs}, "ppr",
                         [](OpBuilder &nb, Location nl, ValueRange a) {
                           return arith::MaximumFOp::create(nb, nl, a[0], a[1])
                               .getResult();
                         });
  Value expInit = tensor::EmptyOp::create(b, loc, {batch, seq, slots}, t);
  Value e = generic(b, loc, {logits, rowMax}, expInit, {bsn, bs, bsn}, "ppp",
                    [](OpBuilder &nb, Location nl, ValueRange a) {
                      return math::ExpOp::create(
                                 nb, nl, arith::SubFOp::create(nb, nl, a[0], a[1]))
                          .getResult();
                    });
  Value sumInit = filledTensor(b, loc, {batch, seq}, t, 0.0);
  Value sum = generic(b, loc, e, sumInit, {bsn, bs}, "ppr",
                      [](OpBuilder &nb, Location nl, ValueRange a) {
                        return arith::AddFOp::create(nb, nl, a[0], a[1]).getResult();
                      });
  Value wInit = tensor::EmptyOp::create(b, loc, {batch, seq, slots}, t);
  return generic(b, loc, {e, sum}, wInit, {bsn, bs, bsn}, "ppp",
                 [](OpBuilder &nb, Location nl, ValueRange a) {
                   return arith::DivFOp::create(nb, nl, a[0], a[1]).getResult();
                 });
}

/// Slice [0, s, 0...] of size [B, 1, rest...] (the time dim kept).
Value stepSlice(OpBuilder &b, Location loc, Value source, Value s) {
  RankedTensorType type = tensorType(source);
  SmallVector<OpFoldResult> offs(type.getRank(), b.getIndexAttr(0)), sizes,
      strides(type.getRank(), b.getIndexAttr(1));
  offs[1] = s;
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(b.getIndexAttr(d == 1 ? 1 : type.getDimSize(d)));
  return tensor::ExtractSliceOp::create(b, loc, source, offs, sizes, strides);
}

/// out[b,s,d] = Σ_n w[b,s,n]·M[b,n,d] for the addressing w of `keys`.
Value readMemory(OpBuilder &b, Location loc, Value memory, Value keys,
                 Value strength, double eps) {
  MLIRContext *ctx = b.getContext();
  Value w = addressing(b, loc, memory, keys, strength, eps);
  RankedTensorType kt = tensorType(keys);
  Value init = filledTensor(b, loc, kt.getShape(), kt.getElementType(), 0.0);
  // dims (b, s, n, d): the memory row innermost and contiguous.
  return generic(b, loc, {w, memory}, init,
                 {projection(ctx, 4, {0, 1, 2}), projection(ctx, 4, {0, 2, 3}),
                  projection(ctx, 4, {0, 1, 3})},
                 "pprp", addMul);
}

/// The write operands of a memory op, read one token at a time.
struct WriteOperands {
  Value keys, strength, erase, add, gate;
  double eps;
};

/// The memory after token s's write: M ⊙ (1 − w·erase) + w·add with the
/// (gated) addressing w of the memory as it is.
Value writeStep(OpBuilder &b, Location l, Value memory, Value s,
                const WriteOperands &op) {
  MLIRContext *ctx = b.getContext();
  Value w = addressing(b, l, memory, stepSlice(b, l, op.keys, s),
                       stepSlice(b, l, op.strength, s), op.eps);
  SmallVector<Value> inputs{memory, w, stepSlice(b, l, op.erase, s),
                            stepSlice(b, l, op.add, s)};
  // dims (b, n, d); the step slices keep a unit time dim.
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
             d2 = getAffineDimExpr(2, ctx);
  SmallVector<AffineMap> maps{projection(ctx, 3, {0, 1, 2}),
                              affineMap(ctx, 3, {d0, zero, d1}),
                              affineMap(ctx, 3, {d0, zero, d2}),
                              affineMap(ctx, 3, {d0, zero, d2})};
  if (op.gate) {
    inputs.push_back(stepSlice(b, l, op.gate, s));
    maps.push_back(affineMap(ctx, 3, {d0, zero}));
  }
  maps.push_back(projection(ctx, 3, {0, 1, 2}));
  Value init = tensor::EmptyOp::create(b, l, tensorType(memory).getShape(),
                                       tensorType(memory).getElementType());
  const bool gated = bool(op.gate);
  return generic(b, l, inputs, init, maps, "ppp",
                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                   Value wn = a[1];
                   if (gated)
                     wn = arith::MulFOp::create(nb, nl, wn, a[4]);
                   Value one = floatConstant(nb, nl, wn.getType(), 1.0);
                   Value keep = arith::SubFOp::create(
                       nb, nl, one, arith::MulFOp::create(nb, nl, wn, a[2]));
                   return arith::AddFOp::create(
                              nb, nl, arith::MulFOp::create(nb, nl, a[0], keep),
                              arith::MulFOp::create(nb, nl, wn, a[3]))
                       .getResult();
                 });
}

/// scf.for over the tokens (writes apply in order), carrying `carried`.
scf::ForOp tokenLoop(OpBuilder &b, Location loc, int64_t seq, ValueRange carried,
                     scf::ForOp::BodyBuilderFn body) {
  return scf::ForOp::create(b, loc, indexConstant(b, loc, 0),
                            indexConstant(b, loc, seq), indexConstant(b, loc, 1),
                            carried, body);
}

struct LowerMemoryRead : OpRewritePattern<MemoryReadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MemoryReadOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    rewriter.replaceOp(op, readMemory(rewriter, op.getLoc(), op.getMemory(),
                                      op.getKeys(), op.getStrength(),
                                      op.getEps().convertToDouble()));
    return success();
  }
};

struct LowerMemoryWrite : OpRewritePattern<MemoryWriteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MemoryWriteOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    WriteOperands w{op.getKeys(), op.getStrength(), op.getErase(),
                    op.getAdd(),  op.getGate(),     op.getEps().convertToDouble()};
    auto loop = tokenLoop(rewriter, op.getLoc(), tensorType(op.getKeys()).getDimSize(1),
                          op.getMemory(),
                          [&](OpBuilder &b, Location l, Value s, ValueRange iter) {
                            scf::YieldOp::create(b, l, writeStep(b, l, iter[0], s, w));
                          });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

/// Per token: the read of the memory so far goes into row s of the reads,
/// then the token's write moves the memory on.
struct LowerMemoryReadWrite : OpRewritePattern<MemoryReadWriteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MemoryReadWriteOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    const double eps = op.getEps().convertToDouble();
    WriteOperands w{op.getKeys(), op.getStrength(), op.getErase(), op.getAdd(),
                    op.getGate(), eps};
    RankedTensorType rt = op.getReads().getType();
    Value reads = tensor::EmptyOp::create(rewriter, loc, rt.getShape(), rt.getElementType());
    auto loop = tokenLoop(
        rewriter, loc, rt.getDimSize(1), ValueRange{op.getMemory(), reads},
        [&](OpBuilder &b, Location l, Value s, ValueRange iter) {
          Value read = readMemory(b, l, iter[0], stepSlice(b, l, op.getReadKeys(), s),
                                  stepSlice(b, l, op.getReadStrength(), s), eps);
          SmallVector<OpFoldResult> offs{b.getIndexAttr(0), s, b.getIndexAttr(0)},
              sizes{b.getIndexAttr(rt.getDimSize(0)), b.getIndexAttr(1),
                    b.getIndexAttr(rt.getDimSize(2))},
              strides(3, b.getIndexAttr(1));
          Value placed =
              tensor::InsertSliceOp::create(b, l, read, iter[1], offs, sizes, strides);
          scf::YieldOp::create(b, l, ValueRange{writeStep(b, l, iter[0], s, w), placed});
        });
    rewriter.replaceOp(op, {loop.getResult(1), loop.getResult(0)});
    return success();
  }
};

} // namespace

void lowering::populateMemoryLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerMemoryRead, LowerMemoryWrite, LowerMemoryReadWrite>(
      patterns.getContext());
}
