//===- DeltaRule.cpp - Lowering the gated delta rule ----------------------===//
//
// q and k are normalised, scaled and laid out head-major once ([B, H, L, d]);
// then each (batch, value head) pair is one tile of an scf.forall (shared
// among threads), carrying its state S [dk, dv] through an scf.for.
//
// Recurrent form (decode, short calls): one step per iteration,
//   S = e^g·S;  δ = β(v − Sᵀk);  S += k ⊗ δ;  o = Sᵀq.
//
// Chunked form (prefill): chunks of n steps with G = cumsum(g) inside the
// chunk and D[i,j] = e^(G_i − G_j) (j ≤ i). Unrolling the rule over a chunk
// (the WY/UT form of Gated DeltaNet, HF's torch_chunk_gated_delta_rule):
//   (I + M)·U = β⊙V,  (I + M)·W = β⊙e^G⊙K,  M = strictly-lower(β⊙KKᵀ⊙D)
//   V' = U − W·S
//   O  = (e^G⊙Q)·S + lower(QKᵀ⊙D)·V'
//   S  = e^(G_n)·S + (e^(G_n − G)⊙K)ᵀ·V'
// The triangular system is solved by forward substitution, row by row, on
// both right-hand sides; everything else is a product within the chunk. A
// last, shorter chunk takes the same code at its own size.
//
//===----------------------------------------------------------------------===//

#include "ChunkedForms.h"
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

Value add(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
Value sub(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::SubFOp::create(b, loc, x, y);
}
Value mul(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
Value exp(OpBuilder &b, Location loc, Value x) { return math::ExpOp::create(b, loc, x); }

/// Row `r` of `x [n, d]` as `[d]`.
Value row(OpBuilder &b, Location loc, Value x, Value r) {
  RankedTensorType type = tensorType(x);
  const int64_t width = type.getDimSize(1);
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({width}, type.getElementType()), x,
      SmallVector<OpFoldResult>{r, b.getIndexAttr(0)},
      SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(width)},
      SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
}

/// Writes `r [d]` into row `at` of `into [n, d]`.
Value insertRow(OpBuilder &b, Location loc, Value r, Value into, Value at) {
  const int64_t width = tensorType(into).getDimSize(1);
  return tensor::InsertSliceOp::create(
      b, loc, r, into, SmallVector<OpFoldResult>{at, b.getIndexAttr(0)},
      SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(width)},
      SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
}

/// 1/√(Σ x² + 1e-6) over the last dimension of `x [B, L, H, d]`: `[B, L, H]`.
Value inverseNorms(OpBuilder &b, Location loc, Value x) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorType(x);
  Type t = type.getElementType();
  Value sums = generic(b, loc, x, filledTensor(b, loc, type.getShape().drop_back(), t, 0.0),
                       {projection(ctx, 4, {0, 1, 2, 3}), projection(ctx, 4, {0, 1, 2})},
                       "pppr", [](OpBuilder &nb, Location nl, ValueRange a) {
                         return add(nb, nl, a[1], mul(nb, nl, a[0], a[0]));
                       });
  return elementwise(b, loc, sums, [&](OpBuilder &nb, Location nl, ValueRange a) {
    return math::RsqrtOp::create(nb, nl, add(nb, nl, a[0], floatConstant(nb, nl, t, 1e-6)))
        .getResult();
  });
}

/// One head's operands, head-major: q, k [L, dk], v [L, dv], g, β [L].
struct HeadOperands {
  Value q, k, v, g, beta;
};

/// The plain recurrence over every step of one head, from `state [dk, dv]`:
/// (o [L, dv], final state).
std::pair<Value, Value> recurrentForm(OpBuilder &rewriter, Location loc, const HeadOperands &in,
                                      Value state) {
  MLIRContext *ctx = rewriter.getContext();
  RankedTensorType vt = tensorType(in.v);
  Type t = vt.getElementType();
  const int64_t seq = vt.getDimSize(0), dv = vt.getDimSize(1);
  Value o0 = tensor::EmptyOp::create(rewriter, loc, vt.getShape(), t);
  auto loop = scf::ForOp::create(
      rewriter, loc, indexConstant(rewriter, loc, 0), indexConstant(rewriter, loc, seq),
      indexConstant(rewriter, loc, 1), ValueRange{state, o0},
      [&](OpBuilder &b, Location l, Value step, ValueRange iter) {
        Value s = iter[0];
        Value kt = row(b, l, in.k, step), qt = row(b, l, in.q, step), v = row(b, l, in.v, step);
        Value decay = exp(b, l, tensor::ExtractOp::create(b, l, in.g, step));
        Value beta = tensor::ExtractOp::create(b, l, in.beta, step);
        // (Sᵀk)[j] over the undecayed state; δ = β(v − e^g·Sᵀk).
        Value remembered = generic(
            b, l, {s, kt}, filledTensor(b, l, {dv}, t, 0.0),
            {b.getMultiDimIdentityMap(2), projection(ctx, 2, {0}), projection(ctx, 2, {1})}, "rp",
            multiplyAdd);
        Value delta = elementwise(b, l, {v, remembered}, [&](OpBuilder &nb, Location nl,
                                                             ValueRange a) {
          return mul(nb, nl, beta, sub(nb, nl, a[0], mul(nb, nl, decay, a[1])));
        });
        // S = e^g·S + k ⊗ δ, in place.
        s = generic(b, l, {kt, delta}, s,
                    {projection(ctx, 2, {0}), projection(ctx, 2, {1}), b.getMultiDimIdentityMap(2)},
                    "pp", [&](OpBuilder &nb, Location nl, ValueRange a) {
                      return add(nb, nl, mul(nb, nl, decay, a[2]), mul(nb, nl, a[0], a[1]));
                    });
        Value out = generic(
            b, l, {s, qt}, filledTensor(b, l, {dv}, t, 0.0),
            {b.getMultiDimIdentityMap(2), projection(ctx, 2, {0}), projection(ctx, 2, {1})}, "rp",
            multiplyAdd);
        scf::YieldOp::create(b, l, ValueRange{s, insertRow(b, l, out, iter[1], step)});
      });
  return {loop.getResult(1), loop.getResult(0)};
}

/// One chunk of `n` steps at row `offset` of one head (the WY form in the
/// file comment): the chunk's outputs written into `out [L, dv]`, and the
/// state after it.
std::pair<Value, Value> chunkStep(OpBuilder &b, Location loc, const HeadOperands &in,
                                  Value offset, int64_t n, Value state, Value out) {
  MLIRContext *ctx = b.getContext();
  Type t = tensorType(in.v).getElementType();
  const int64_t dk = tensorType(in.k).getDimSize(1), dv = tensorType(in.v).getDimSize(1);
  auto rows = [&](Value x) { return sliceDim(b, loc, x, 0, offset, n); };
  Value q = rows(in.q), k = rows(in.k), v = rows(in.v), g = rows(in.g), beta = rows(in.beta);
  AffineMap i2 = projection(ctx, 2, {0}), all2 = b.getMultiDimIdentityMap(2);
  Value cumulative = inclusiveCumsum(b, loc, g);
  // Kᵀ once, so both score products also run along rows.
  Value keysT = transpose(b, loc, k);
  Value keyScores = product(b, loc, k, keysT, filledTensor(b, loc, {n, n}, t, 0.0));
  Value queryScores = product(b, loc, q, keysT, filledTensor(b, loc, {n, n}, t, 0.0));
  Value m = decayedLower(b, loc, keyScores, cumulative, /*diagonal=*/false, beta);
  Value p = decayedLower(b, loc, queryScores, cumulative, /*diagonal=*/true, Value());
  // Right-hand sides β⊙V and β⊙e^G⊙K.
  Value betaV = generic(b, loc, {v, beta}, tensor::EmptyOp::create(b, loc, {n, dv}, t),
                        {all2, i2, all2}, "pp", [&](OpBuilder &nb, Location nl, ValueRange a) {
                          return mul(nb, nl, a[0], a[1]);
                        });
  Value betaK = generic(b, loc, {k, beta, cumulative}, tensor::EmptyOp::create(b, loc, {n, dk}, t),
                        {all2, i2, i2, all2}, "pp", [&](OpBuilder &nb, Location nl, ValueRange a) {
                          return mul(nb, nl, mul(nb, nl, a[0], a[1]), exp(nb, nl, a[2]));
                        });
  // Forward substitution: row r of U and W minus Σ_j M[r, j]·row j. Rows
  // from r on still hold the right-hand side, and M is zero there.
  auto substitution = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, n), indexConstant(b, loc, 1),
      ValueRange{betaV, betaK}, [&](OpBuilder &nb, Location nl, Value r, ValueRange iter) {
        Value coefficients = row(nb, nl, m, r);
        SmallVector<Value> updated;
        for (Value x : iter) {
          Value solved = generic(nb, nl, {coefficients, x}, row(nb, nl, x, r),
                                 {projection(ctx, 2, {0}), nb.getMultiDimIdentityMap(2),
                                  projection(ctx, 2, {1})},
                                 "rp", [](OpBuilder &bb, Location bl, ValueRange a) {
                                   return sub(bb, bl, a[2], mul(bb, bl, a[0], a[1]));
                                 });
          updated.push_back(insertRow(nb, nl, solved, x, r));
        }
        scf::YieldOp::create(nb, nl, updated);
      });
  Value u = substitution.getResult(0), w = substitution.getResult(1);
  // V' = U − W·S.
  Value newValues = generic(b, loc, {w, state}, u,
                            {projection(ctx, 3, {0, 1}), projection(ctx, 3, {1, 2}),
                             projection(ctx, 3, {0, 2})},
                            "prp", [](OpBuilder &nb, Location nl, ValueRange a) {
                              return sub(nb, nl, a[2], mul(nb, nl, a[0], a[1]));
                            });
  // O = (e^G⊙Q)·S + P·V'.
  Value decayedQ = generic(b, loc, {q, cumulative}, tensor::EmptyOp::create(b, loc, {n, dk}, t),
                           {all2, i2, all2}, "pp", [&](OpBuilder &nb, Location nl, ValueRange a) {
                             return mul(nb, nl, a[0], exp(nb, nl, a[1]));
                           });
  Value o = product(b, loc, decayedQ, state, filledTensor(b, loc, {n, dv}, t, 0.0));
  o = product(b, loc, p, newValues, o);
  // S = e^(G_n)·S + (e^(G_n − G)⊙K)ᵀ·V'.
  Value last = tensor::ExtractOp::create(b, loc, cumulative, indexConstant(b, loc, n - 1));
  Value lastDecay = exp(b, loc, last);
  Value keysToEnd = generic(b, loc, {k, cumulative}, tensor::EmptyOp::create(b, loc, {n, dk}, t),
                            {all2, i2, all2}, "pp", [&](OpBuilder &nb, Location nl, ValueRange a) {
                              return mul(nb, nl, a[0], exp(nb, nl, sub(nb, nl, last, a[1])));
                            });
  Value scaled = elementwise(b, loc, state, [&](OpBuilder &nb, Location nl, ValueRange a) {
    return mul(nb, nl, lastDecay, a[0]);
  });
  Value next = product(b, loc, keysToEnd, newValues, scaled, /*xTransposed=*/true);
  return {next, insertRows(b, loc, o, out, offset)};
}

/// Every chunk of one head, from `state`: (o [L, dv], final state).
std::pair<Value, Value> chunkedForm(OpBuilder &rewriter, Location loc, const HeadOperands &in,
                                    Value state, int64_t chunk) {
  RankedTensorType vt = tensorType(in.v);
  const int64_t seq = vt.getDimSize(0), full = seq / chunk, tail = seq % chunk;
  Value out = tensor::EmptyOp::create(rewriter, loc, vt.getShape(), vt.getElementType());
  auto loop = scf::ForOp::create(
      rewriter, loc, indexConstant(rewriter, loc, 0), indexConstant(rewriter, loc, full * chunk),
      indexConstant(rewriter, loc, chunk), ValueRange{state, out},
      [&](OpBuilder &b, Location l, Value offset, ValueRange iter) {
        auto [s, o] = chunkStep(b, l, in, offset, chunk, iter[0], iter[1]);
        scf::YieldOp::create(b, l, ValueRange{s, o});
      });
  state = loop.getResult(0);
  out = loop.getResult(1);
  if (tail)
    std::tie(state, out) = chunkStep(rewriter, loc, in, indexConstant(rewriter, loc, full * chunk),
                                     tail, state, out);
  return {out, state};
}

struct LowerGatedDeltaRule : OpRewritePattern<GatedDeltaRuleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatedDeltaRuleOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType qt = tensorType(op.getQuery()), vt = tensorType(op.getValue());
    Type t = vt.getElementType();
    const int64_t batch = qt.getDimSize(0), seq = qt.getDimSize(1), keyDim = qt.getDimSize(3),
                  heads = vt.getDimSize(2), valueDim = vt.getDimSize(3),
                  group = heads / qt.getDimSize(2), chunk = op.getChunkSize();
    const double scale =
        op.getScale() ? op.getScale()->convertToDouble() : 1.0 / std::sqrt(double(keyDim));
    const bool normalise = op.getQkL2norm();
    Value q = headMajor(rewriter, loc, op.getQuery(),
                        normalise ? inverseNorms(rewriter, loc, op.getQuery()) : Value(), scale);
    Value k = headMajor(rewriter, loc, op.getKey(),
                        normalise ? inverseNorms(rewriter, loc, op.getKey()) : Value(), 1.0);
    Value v = headMajor(rewriter, loc, op.getValue(), Value(), 1.0);
    Value g = headMajor(rewriter, loc, op.getG(), Value(), 1.0);
    Value beta = headMajor(rewriter, loc, op.getBeta(), Value(), 1.0);
    Value s0 = op.getInitialState();
    const bool chunked = chunk > 1 && seq >= chunk;
    // One tile per (batch, value head): its outputs [L, dv] and state.
    SmallVector<Value> results = forEachBatchHead(
        rewriter, loc, RankedTensorType::get(vt.getShape(), t),
        RankedTensorType::get({batch, heads, keyDim, valueDim}, t),
        [&](OpBuilder &b, Location l, Value bi, Value h) -> std::pair<Value, Value> {
          Value kh = arith::DivUIOp::create(b, l, h, indexConstant(b, l, group));
          HeadOperands in{batchHeadSlice(b, l, q, bi, kh), batchHeadSlice(b, l, k, bi, kh),
                          batchHeadSlice(b, l, v, bi, h), batchHeadSlice(b, l, g, bi, h),
                          batchHeadSlice(b, l, beta, bi, h)};
          Value state = s0 ? batchHeadSlice(b, l, s0, bi, h)
                           : filledTensor(b, l, {keyDim, valueDim}, t, 0.0);
          return chunked ? chunkedForm(b, l, in, state, chunk) : recurrentForm(b, l, in, state);
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void lowering::populateDeltaRuleLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerGatedDeltaRule>(patterns.getContext());
}
