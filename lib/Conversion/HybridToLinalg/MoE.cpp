//===- MoE.cpp - Lowering the top-k mixture of experts --------------------===//
//
// The dense baseline: router softmax, exact top-k selection (ties to the
// lower expert), every expert evaluated for every token and weighted by its
// routing weight (zero for experts not chosen). Grouped GEMMs over tokens
// sorted by expert are the fast path to come.
//
//===----------------------------------------------------------------------===//

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

struct LowerMoE : OpRewritePattern<MoEOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MoEOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType inType = tensorType(op.getInput());
    Type t = inType.getElementType();
    const int64_t hidden = inType.getShape().back(),
                  tokens = inType.getNumElements() / hidden,
                  experts = tensorType(op.getRouter()).getDimSize(0),
                  inter = tensorType(op.getGate()).getDimSize(1);
    AffineMap te = projection(ctx, 2, {0, 1}), tOnly = projection(ctx, 2, {0});

    // Tokens as rows: [T, D].
    Value x = collapseToRows(rewriter, loc, op.getInput());

    // Router probabilities p[t, e] = softmax over all experts.
    Value logits = linearLayer(rewriter, loc, x, op.getRouter(), {});
    Value maxInit = filledTensor(rewriter, loc, {tokens}, t, -INFINITY);
    Value rowMax = generic(rewriter, loc, logits, maxInit, {te, tOnly}, "pr",
                           [](OpBuilder &b, Location l, ValueRange a) {
                             return arith::MaximumFOp::create(b, l, a[0], a[1])
                                 .getResult();
                           });
    Value e = generic(rewriter, loc, {logits, rowMax},
                      tensor::EmptyOp::create(rewriter, loc, {tokens, experts}, t),
                      {te, tOnly, te}, "pp",
                      [](OpBuilder &b, Location l, ValueRange a) {
                        return math::ExpOp::create(
                                   b, l, arith::SubFOp::create(b, l, a[0], a[1]))
                            .getResult();
                      });
    auto rowSum = [&](Value v) {
      return generic(rewriter, loc, v,
                     filledTensor(rewriter, loc, {tokens}, t, 0.0), {te, tOnly},
                     "pr", [](OpBuilder &b, Location l, ValueRange a) {
                       return arith::AddFOp::create(b, l, a[0], a[1]).getResult();
                     });
    };
    auto divideRows = [&](Value v, Value sums) {
      return generic(rewriter, loc, {v, sums},
                     tensor::EmptyOp::create(rewriter, loc, {tokens, experts}, t),
                     {te, tOnly, te}, "pp",
                     [](OpBuilder &b, Location l, ValueRange a) {
                       return arith::DivFOp::create(b, l, a[0], a[1]).getResult();
                     });
    };
    Value probs = divideRows(e, rowSum(e));

    // Top-k: k rounds of "best not yet chosen", ties to the lower index.
    Value chosen0 = filledTensor(rewriter, loc, {tokens, experts}, t, 0.0);
    Type i64 = rewriter.getI64Type();
    auto loop = scf::ForOp::create(
        rewriter, loc, indexConstant(rewriter, loc, 0),
        indexConstant(rewriter, loc, op.getTopK()), indexConstant(rewriter, loc, 1),
        ValueRange{chosen0},
        [&](OpBuilder &b, Location l, Value, ValueRange iter) {
          Value chosen = iter[0];
          Value best = generic(
              b, l, {probs, chosen}, filledTensor(b, l, {tokens}, t, -INFINITY),
              {te, te, tOnly}, "pr", [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value taken = arith::CmpFOp::create(
                    nb, nl, arith::CmpFPredicate::OGT, a[1], floatConstant(nb, nl, t, 0.5));
                Value candidate = arith::SelectOp::create(
                    nb, nl, taken, floatConstant(nb, nl, t, -INFINITY), a[0]);
                return arith::MaximumFOp::create(nb, nl, candidate, a[2]).getResult();
              });
          Value noneInit = linalg::FillOp::create(
                               b, l,
                               arith::ConstantOp::create(b, l, b.getI64IntegerAttr(experts))
                                   .getResult(),
                               tensor::EmptyOp::create(b, l, {tokens}, i64).getResult())
                               .getResult(0);
          Value index = generic(
              b, l, {probs, chosen, best}, noneInit, {te, te, tOnly, tOnly}, "pr",
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value notTaken = arith::CmpFOp::create(
                    nb, nl, arith::CmpFPredicate::OLT, a[1], floatConstant(nb, nl, t, 0.5));
                Value isBest = arith::AndIOp::create(
                    nb, nl, notTaken,
                    arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ, a[0], a[2]));
                Value eIdx = arith::IndexCastOp::create(
                    nb, nl, i64, linalg::IndexOp::create(nb, nl, 1));
                Value candidate = arith::SelectOp::create(
                    nb, nl, isBest, eIdx,
                    arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(experts)));
                return arith::MinSIOp::create(nb, nl, candidate, a[3]).getResult();
              });
          Value next = generic(
              b, l, {chosen, index},
              tensor::EmptyOp::create(b, l, {tokens, experts}, t), {te, tOnly, te}, "pp",
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value eIdx = arith::IndexCastOp::create(
                    nb, nl, i64, linalg::IndexOp::create(nb, nl, 1));
                Value hit = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                                  eIdx, a[1]);
                return arith::SelectOp::create(nb, nl, hit,
                                               floatConstant(nb, nl, t, 1.0), a[0])
                    .getResult();
              });
          scf::YieldOp::create(b, l, next);
        });
    Value weights = elementwise(rewriter, loc, {probs, loop.getResult(0)},
                                [](OpBuilder &b, Location l, ValueRange a) {
                                  return arith::MulFOp::create(b, l, a[0], a[1])
                                      .getResult();
                                });
    if (op.getNormalizeTopK())
      weights = divideRows(weights, rowSum(weights));

    // Every expert on every token: h[t,e,i] = act(x·gate_e) ⊙ (x·up_e).
    auto project = [&](Value w) {
      return generic(rewriter, loc, {x, w},
                     filledTensor(rewriter, loc, {tokens, experts, inter}, t, 0.0),
                     {projection(ctx, 4, {0, 3}), projection(ctx, 4, {1, 2, 3}),
                      projection(ctx, 4, {0, 1, 2})},
                     "pppr", [](OpBuilder &b, Location l, ValueRange a) {
                       return arith::AddFOp::create(
                                  b, l, a[2], arith::MulFOp::create(b, l, a[0], a[1]))
                           .getResult();
                     });
    };
    Activation act = op.getActivation();
    Value h = elementwise(rewriter, loc, {project(op.getGate()), project(op.getUp())},
                          [&](OpBuilder &b, Location l, ValueRange a) {
                            return arith::MulFOp::create(
                                       b, l, activate(b, l, act, a[0]), a[1])
                                .getResult();
                          });
    // out[t,d] = Σ_{e,i} w[t,e]·h[t,e,i]·down[e,d,i], dims (t, d, e, i).
    Value out = generic(
        rewriter, loc, {weights, h, op.getDown()},
        filledTensor(rewriter, loc, {tokens, hidden}, t, 0.0),
        {projection(ctx, 4, {0, 2}), projection(ctx, 4, {0, 2, 3}),
         projection(ctx, 4, {2, 1, 3}), projection(ctx, 4, {0, 1})},
        "pprr", [](OpBuilder &b, Location l, ValueRange a) {
          Value term = arith::MulFOp::create(
              b, l, a[0], arith::MulFOp::create(b, l, a[1], a[2]));
          return arith::AddFOp::create(b, l, a[3], term).getResult();
        });
    out = expandFromRows(rewriter, loc, out, inType);
    rewriter.replaceOp(op, out);
    return success();
  }
};

} // namespace

void lowering::populateMoELoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerMoE>(patterns.getContext());
}
