//===- Recurrence.cpp - Lowering depth recurrence and ACT -----------------===//
//
// A fixed recurrence is an scf.for whose body is a copy of the region. ACT
// runs the same loop up to max_steps times, each step guarded by "is any
// position still running" (tensor2tensor's loop condition), with the
// halting bookkeeping as elementwise ops over [B, S].
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

namespace {

/// Copies the body of `op` at the builder's point with the state and step
/// bound; returns the values it yields.
SmallVector<Value> cloneBody(OpBuilder &b, RecurrentDepthOp op, Value state,
                             Value step) {
  Block &body = op.getBody().front();
  IRMapping mapping;
  mapping.map(body.getArgument(0), state);
  mapping.map(body.getArgument(1), step);
  for (Operation &inner : body.without_terminator())
    b.clone(inner, mapping);
  SmallVector<Value> yielded;
  for (Value v : body.getTerminator()->getOperands())
    yielded.push_back(mapping.lookupOrDefault(v));
  return yielded;
}

struct LowerRecurrentDepth : OpRewritePattern<RecurrentDepthOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RecurrentDepthOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    Value lb = indexConstant(rewriter, loc, 0),
          ub = indexConstant(rewriter, loc, op.getMaxSteps()),
          one = indexConstant(rewriter, loc, 1);
    if (!op.isAdaptive()) {
      auto loop = scf::ForOp::create(
          rewriter, loc, lb, ub, one, ValueRange{op.getInit()},
          [&](OpBuilder &b, Location l, Value step, ValueRange iter) {
            scf::YieldOp::create(b, l, cloneBody(b, op, iter[0], step)[0]);
          });
      rewriter.replaceOp(op, loop.getResult(0));
      return success();
    }

    MLIRContext *ctx = getContext();
    RankedTensorType stateType = tensorType(op.getInit());
    Type t = stateType.getElementType();
    const int64_t batch = stateType.getDimSize(0), seq = stateType.getDimSize(1);
    const double theta = op.getHaltThreshold()->convertToDouble();
    const double maxSteps = double(op.getMaxSteps());
    Value zeros = filledTensor(rewriter, loc, {batch, seq}, t, 0.0);
    Value prev0 = filledTensor(rewriter, loc, stateType.getShape(), t, 0.0);
    AffineMap bs2 = projection(ctx, 2, {0, 1});

    // iter: state, prev, halting prob, remainders, updates.
    auto loop = scf::ForOp::create(
        rewriter, loc, lb, ub, one,
        ValueRange{op.getInit(), prev0, zeros, zeros, zeros},
        [&](OpBuilder &b, Location l, Value step, ValueRange iter) {
          Value hp = iter[2], rem = iter[3], n = iter[4];
          // any(hp < θ and n < max_steps)
          Value flagInit = linalg::FillOp::create(
                               b, l, arith::ConstantIntOp::create(b, l, 0, 1).getResult(),
                               tensor::EmptyOp::create(b, l, ArrayRef<int64_t>{},
                                                       b.getI1Type())
                                   .getResult())
                               .getResult(0);
          Value flag = generic(
              b, l, {hp, n}, flagInit,
              {bs2, bs2, AffineMap::get(2, 0, {}, ctx)}, "rr",
              [&](OpBuilder &nb, Location nl, ValueRange a) {
                Value running = arith::AndIOp::create(
                    nb, nl,
                    arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLT, a[0],
                                          floatConstant(nb, nl, t, theta)),
                    arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLT, a[1],
                                          floatConstant(nb, nl, t, maxSteps)));
                return arith::OrIOp::create(nb, nl, running, a[2]).getResult();
              });
          Value any = tensor::ExtractOp::create(b, l, flag, ValueRange{});
          auto ifOp = scf::IfOp::create(
              b, l, any,
              [&](OpBuilder &tb, Location tl) {
                SmallVector<Value> yielded = cloneBody(tb, op, iter[0], step);
                Value out = yielded[0], p = yielded[1];
                // The tensor2tensor update, per position (MATH.md §7).
                auto update = [&](ValueRange inputs, auto fn) {
                  SmallVector<AffineMap> maps(inputs.size() + 1, bs2);
                  return generic(tb, tl, inputs,
                                 tensor::EmptyOp::create(tb, tl, {batch, seq}, t),
                                 maps, "pp", fn);
                };
                auto terms = [&](OpBuilder &nb, Location nl, Value hpV, Value pV) {
                  // 1.0 where `lhs pred rhs` holds, else 0.0.
                  auto indicator = [&](arith::CmpFPredicate pred, Value lhs,
                                       Value rhs) -> Value {
                    return arith::UIToFPOp::create(
                        nb, nl, t, arith::CmpFOp::create(nb, nl, pred, lhs, rhs));
                  };
                  Value c1 = floatConstant(nb, nl, t, 1.0);
                  Value thetaC = floatConstant(nb, nl, t, theta);
                  Value run0 = indicator(arith::CmpFPredicate::OLT, hpV, c1);
                  Value sum = arith::AddFOp::create(
                      nb, nl, hpV, arith::MulFOp::create(nb, nl, pV, run0));
                  Value halted = arith::MulFOp::create(
                      nb, nl, indicator(arith::CmpFPredicate::OGT, sum, thetaC),
                      run0);
                  Value run = arith::MulFOp::create(
                      nb, nl, indicator(arith::CmpFPredicate::OLE, sum, thetaC),
                      run0);
                  Value hp1 = arith::AddFOp::create(
                      nb, nl, hpV, arith::MulFOp::create(nb, nl, pV, run));
                  return std::make_tuple(halted, run, hp1);
                };
                Value newRem = update(
                    {hp, p, rem}, [&](OpBuilder &nb, Location nl, ValueRange a) {
                      auto [halted, run, hp1] = terms(nb, nl, a[0], a[1]);
                      Value left = arith::SubFOp::create(
                          nb, nl, floatConstant(nb, nl, t, 1.0), hp1);
                      return arith::AddFOp::create(
                                 nb, nl, a[2], arith::MulFOp::create(nb, nl, halted, left))
                          .getResult();
                    });
                Value newHp = update(
                    {hp, p, newRem}, [&](OpBuilder &nb, Location nl, ValueRange a) {
                      auto [halted, run, hp1] = terms(nb, nl, a[0], a[1]);
                      return arith::AddFOp::create(
                                 nb, nl, hp1, arith::MulFOp::create(nb, nl, halted, a[2]))
                          .getResult();
                    });
                Value newN = update(
                    {hp, p, n}, [&](OpBuilder &nb, Location nl, ValueRange a) {
                      auto [halted, run, hp1] = terms(nb, nl, a[0], a[1]);
                      return arith::AddFOp::create(
                                 nb, nl, a[2], arith::AddFOp::create(nb, nl, run, halted))
                          .getResult();
                    });
                Value weight = update(
                    {hp, p, newRem}, [&](OpBuilder &nb, Location nl, ValueRange a) {
                      auto [halted, run, hp1] = terms(nb, nl, a[0], a[1]);
                      return arith::AddFOp::create(
                                 nb, nl, arith::MulFOp::create(nb, nl, a[1], run),
                                 arith::MulFOp::create(nb, nl, halted, a[2]))
                          .getResult();
                    });
                // prev = out·w + prev·(1 − w)
                AffineMap bsd = projection(ctx, 3, {0, 1, 2}),
                          bs = projection(ctx, 3, {0, 1});
                Value newPrev = generic(
                    tb, tl, {out, iter[1], weight},
                    tensor::EmptyOp::create(tb, tl, stateType.getShape(), t),
                    {bsd, bsd, bs, bsd}, "ppp",
                    [&](OpBuilder &nb, Location nl, ValueRange a) {
                      Value keep = arith::SubFOp::create(
                          nb, nl, floatConstant(nb, nl, t, 1.0), a[2]);
                      return arith::AddFOp::create(
                                 nb, nl, arith::MulFOp::create(nb, nl, a[0], a[2]),
                                 arith::MulFOp::create(nb, nl, a[1], keep))
                          .getResult();
                    });
                scf::YieldOp::create(tb, tl,
                                     ValueRange{out, newPrev, newHp, newRem, newN});
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, iter);
              });
          scf::YieldOp::create(b, l, ifOp.getResults());
        });
    rewriter.replaceOp(op, loop.getResult(1));
    return success();
  }
};

} // namespace

void lowering::populateRecurrenceLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRecurrentDepth>(patterns.getContext());
}
