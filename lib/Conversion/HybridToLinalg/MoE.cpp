//===- MoE.cpp - Lowering the top-k mixture of experts --------------------===//
//
// Router softmax and exact top-k selection (ties to the lower expert) on
// [tokens, experts] tensors; then only the chosen experts are computed: per
// expert, the tokens routed to it are gathered into rows, run through the
// expert's gate, up and down projections as products with a runtime row
// count (hybrid-packed-gemm gives them the packed GEMM or the matrix-vector
// kernels, chosen at run time), and added back into their rows weighted by
// their routing weight. With top-k of E experts this does k/E of the dense
// form's expert work (Jamba: 2 of 16), and an expert no token chose costs
// nothing.
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

/// tensor<count x n x type> with a runtime `count`.
Value emptyRows(OpBuilder &b, Location loc, Value count, int64_t n, Type type) {
  return tensor::EmptyOp::create(b, loc, {ShapedType::kDynamic, n}, type,
                                 ValueRange{count});
}

/// The tokens routed to `expert` (chosen[t, expert] set), in token order:
/// a `[tokens]` index tensor whose first `count` entries are their rows.
std::pair<Value, Value> routedTokens(OpBuilder &b, Location loc, Value chosen,
                                     Value expert, int64_t tokens) {
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
  Value rows0 = tensor::EmptyOp::create(b, loc, {tokens}, b.getIndexType());
  auto collect = scf::ForOp::create(
      b, loc, zero, indexConstant(b, loc, tokens), one, ValueRange{rows0, zero},
      [&](OpBuilder &nb, Location nl, Value token, ValueRange iter) {
        Value flag = tensor::ExtractOp::create(nb, nl, chosen, ValueRange{token, expert});
        Value taken = arith::CmpFOp::create(
            nb, nl, arith::CmpFPredicate::OGT, flag,
            floatConstant(nb, nl, flag.getType(), 0.5));
        // Written at `count` always (count ≤ token < tokens); kept only when
        // taken, since count then moves past it.
        Value rows = tensor::InsertOp::create(nb, nl, token, iter[0], ValueRange{iter[1]});
        Value count = arith::AddIOp::create(
            nb, nl, iter[1], arith::SelectOp::create(nb, nl, taken, one, zero));
        scf::YieldOp::create(nb, nl, ValueRange{rows, count});
      });
  return {collect.getResult(0), collect.getResult(1)};
}

/// xe[i, d] = x[rows[i], d] for i < count.
Value gatherRows(OpBuilder &b, Location loc, Value x, Value rows, Value count) {
  RankedTensorType type = tensorType(x);
  return generic(b, loc, {}, emptyRows(b, loc, count, type.getDimSize(1), type.getElementType()),
                 {b.getMultiDimIdentityMap(2)}, "pp",
                 [&](OpBuilder &nb, Location nl, ValueRange) {
                   Value row = tensor::ExtractOp::create(
                       nb, nl, rows, ValueRange{linalg::IndexOp::create(nb, nl, 0)});
                   return tensor::ExtractOp::create(
                              nb, nl, x, ValueRange{row, linalg::IndexOp::create(nb, nl, 1)})
                       .getResult();
                 });
}

/// The [1, N, K] tensors that `stacked` [E, N, K] concatenates along dim 0
/// (an importer stacking per-expert checkpoint tensors), or none.
SmallVector<Value> stackedTensors(Value stacked) {
  auto concat = stacked.getDefiningOp<tensor::ConcatOp>();
  if (!concat || concat.getDim() != 0)
    return {};
  SmallVector<Value> parts;
  for (Value part : concat.getInputs()) {
    if (tensorType(part).getDimSize(0) != 1)
      return {};
    parts.push_back(part);
  }
  return parts;
}

/// [1, N, K] → [N, K], looking through the importer's expand_shape.
Value dropUnitDim(OpBuilder &b, Location loc, Value x) {
  if (auto expand = x.getDefiningOp<tensor::ExpandShapeOp>())
    if (tensorType(expand.getSrc()).getRank() == 2)
      return expand.getSrc();
  RankedTensorType type = tensorType(x);
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(type.getShape().drop_front(), type.getElementType()), x,
      SmallVector<ReassociationIndices>{{0, 1}, {2}});
}

/// `weights` read in bfloat16 when hybrid-bf16-weights kept them so: the
/// bf16 tensor under its arith.extf, or the same slice of it (a fused
/// gate_up tensor's half); else none. Slicing the bf16 tensor first keeps
/// the widening per expert, inside each product, instead of a widened copy
/// of every expert on every call.
Value bfloat16Experts(OpBuilder &b, Location loc, Value weights) {
  if (Value narrow = bfloat16Source(weights))
    return narrow;
  auto slice = weights.getDefiningOp<tensor::ExtractSliceOp>();
  Value narrow = slice ? bfloat16Source(slice.getSource()) : Value();
  if (!narrow)
    return Value();
  RankedTensorType type = slice.getType();
  return tensor::ExtractSliceOp::create(
      b, loc, type.clone(tensorType(narrow).getElementType()), narrow,
      slice.getMixedOffsets(), slice.getMixedSizes(), slice.getMixedStrides());
}

/// weights[expert]: `[E, N, K]` → `[N, K]`, a linear layer's [out, in]; a
/// bf16 `narrow` (bfloat16Experts) is sliced and then widened, which
/// linearLayer folds into its contraction.
Value expertWeight(OpBuilder &b, Location loc, Value weights, Value narrow, Value expert) {
  Value source = narrow ? narrow : weights;
  RankedTensorType type = tensorType(source);
  auto slice = RankedTensorType::get(type.getShape().drop_front(), type.getElementType());
  SmallVector<OpFoldResult> offsets{expert, b.getIndexAttr(0), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes{b.getIndexAttr(1), b.getIndexAttr(type.getDimSize(1)),
                                  b.getIndexAttr(type.getDimSize(2))};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  Value w = tensor::ExtractSliceOp::create(b, loc, slice, source, offsets, sizes, strides);
  if (!narrow)
    return w;
  return arith::ExtFOp::create(b, loc, slice.clone(tensorType(weights).getElementType()), w);
}

/// out[rows[i], :] += weights[rows[i], expert] · y[i, :] for i < count.
Value addRows(OpBuilder &b, Location loc, Value out, Value y, Value rows, Value count,
              Value weights, Value expert) {
  const int64_t hidden = tensorType(out).getDimSize(1);
  auto rowType = RankedTensorType::get({1, hidden}, tensorType(out).getElementType());
  SmallVector<OpFoldResult> sizes{b.getIndexAttr(1), b.getIndexAttr(hidden)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  auto scatter = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), count, indexConstant(b, loc, 1), ValueRange{out},
      [&](OpBuilder &nb, Location nl, Value i, ValueRange iter) {
        Value row = tensor::ExtractOp::create(nb, nl, rows, ValueRange{i});
        Value weight = tensor::ExtractOp::create(nb, nl, weights, ValueRange{row, expert});
        SmallVector<OpFoldResult> at{row, nb.getIndexAttr(0)}, from{i, nb.getIndexAttr(0)};
        Value outRow = tensor::ExtractSliceOp::create(nb, nl, rowType, iter[0], at, sizes, strides);
        Value yRow = tensor::ExtractSliceOp::create(nb, nl, rowType, y, from, sizes, strides);
        Value sum = generic(nb, nl, {yRow}, outRow,
                            SmallVector<AffineMap>(2, nb.getMultiDimIdentityMap(2)), "pp",
                            [&](OpBuilder &eb, Location el, ValueRange a) {
                              return math::FmaOp::create(eb, el, weight, a[0], a[1])
                                  .getResult();
                            });
        Value next = tensor::InsertSliceOp::create(nb, nl, sum, iter[0], at, sizes, strides);
        scf::YieldOp::create(nb, nl, next);
      });
  return scatter.getResult(0);
}

/// The top `k` of each row of `scores [R, N]` as a 1/0 mask: k rounds of
/// "best not yet chosen", ties to the lower index.
static Value topKMask(OpBuilder &rewriter, Location loc, Value scores, int64_t k) {
  MLIRContext *ctx = rewriter.getContext();
  RankedTensorType type = tensorType(scores);
  Type t = type.getElementType();
  const int64_t tokens = type.getDimSize(0), experts = type.getDimSize(1);
  AffineMap te = projection(ctx, 2, {0, 1}), tOnly = projection(ctx, 2, {0});
    Value chosen0 = filledTensor(rewriter, loc, {tokens, experts}, t, 0.0);
    Type i64 = rewriter.getI64Type();
    auto loop = scf::ForOp::create(
        rewriter, loc, indexConstant(rewriter, loc, 0),
        indexConstant(rewriter, loc, k), indexConstant(rewriter, loc, 1),
        ValueRange{chosen0},
        [&](OpBuilder &b, Location l, Value, ValueRange iter) {
          Value chosen = iter[0];
          Value best = generic(
              b, l, {scores, chosen}, filledTensor(b, l, {tokens}, t, -INFINITY),
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
              b, l, {scores, chosen, best}, noneInit, {te, te, tOnly, tOnly}, "pr",
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
  return loop.getResult(0);
}

/// `scores [T, E]` with −inf for the experts outside the `topGroups` of
/// `groups` groups (E/G consecutive experts each) whose two best scores sum
/// highest (ties to the lower group).
static Value maskUnchosenGroups(OpBuilder &b, Location loc, Value scores,
                                int64_t groups, int64_t topGroups) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorType(scores);
  Type t = type.getElementType(), i64 = b.getI64Type();
  const int64_t tokens = type.getDimSize(0), size = type.getDimSize(1) / groups;
  // Scores as [T, G, E/G]: iterations (t, g, j) read expert g·size + j.
  Value grouped = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({tokens, groups, size}, t), scores,
      SmallVector<ReassociationIndices>{{0}, {1, 2}});
  AffineMap member = b.getMultiDimIdentityMap(3);
  AffineMap perGroup = projection(ctx, 3, {0, 1});
  Value best = generic(b, loc, grouped, filledTensor(b, loc, {tokens, groups}, t, -INFINITY),
                       {member, perGroup}, "ppr", [](OpBuilder &nb, Location l, ValueRange a) {
                         return arith::MaximumFOp::create(nb, l, a[0], a[1]).getResult();
                       });
  // The first member at the best score, then the best of the others: the
  // second of a top-2 (equal to the best when two members tie).
  Value noneInit = linalg::FillOp::create(
                       b, loc, arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(size)).getResult(),
                       tensor::EmptyOp::create(b, loc, {tokens, groups}, i64).getResult())
                       .getResult(0);
  Value first = generic(b, loc, {grouped, best}, noneInit, {member, perGroup, perGroup}, "ppr",
                        [&](OpBuilder &nb, Location l, ValueRange a) {
                          Value jIdx = arith::IndexCastOp::create(
                              nb, l, i64, linalg::IndexOp::create(nb, l, 2));
                          Value isBest = arith::CmpFOp::create(
                              nb, l, arith::CmpFPredicate::OEQ, a[0], a[1]);
                          Value candidate = arith::SelectOp::create(
                              nb, l, isBest, jIdx,
                              arith::ConstantOp::create(nb, l, nb.getI64IntegerAttr(size)));
                          return arith::MinSIOp::create(nb, l, candidate, a[2]).getResult();
                        });
  Value second = generic(b, loc, {grouped, first},
                         filledTensor(b, loc, {tokens, groups}, t, -INFINITY),
                         {member, perGroup, perGroup}, "ppr",
                         [&](OpBuilder &nb, Location l, ValueRange a) {
                           Value jIdx = arith::IndexCastOp::create(
                               nb, l, i64, linalg::IndexOp::create(nb, l, 2));
                           Value isFirst = arith::CmpIOp::create(
                               nb, l, arith::CmpIPredicate::eq, jIdx, a[1]);
                           Value candidate = arith::SelectOp::create(
                               nb, l, isFirst, floatConstant(nb, l, t, -INFINITY), a[0]);
                           return arith::MaximumFOp::create(nb, l, candidate, a[2]).getResult();
                         });
  Value groupScore = elementwise(b, loc, {best, second},
                                 [](OpBuilder &nb, Location l, ValueRange a) {
                                   return arith::AddFOp::create(nb, l, a[0], a[1]).getResult();
                                 });
  Value chosenGroups = topKMask(b, loc, groupScore, topGroups);
  AffineMap te = projection(ctx, 2, {0, 1});
  AffineMap groupOf = AffineMap::get(
      2, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx).floorDiv(size)}, ctx);
  return generic(b, loc, {scores, chosenGroups},
                 tensor::EmptyOp::create(b, loc, type.getShape(), t), {te, groupOf, te}, "pp",
                 [&](OpBuilder &nb, Location l, ValueRange a) {
                   Value kept = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, a[1],
                                                      floatConstant(nb, l, t, 0.5));
                   return arith::SelectOp::create(nb, l, kept, a[0],
                                                  floatConstant(nb, l, t, -INFINITY))
                       .getResult();
                 });
}

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

    // Router probabilities p[t, e]: softmax over all experts, or sigmoid,
    // of the router input's rows (the tokens' own by default).
    Value routed = op.getRouterInput() ? collapseToRows(rewriter, loc, op.getRouterInput()) : x;
    Value logits = linearLayer(rewriter, loc, routed, op.getRouter(), {});
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
    Value probs =
        op.getSigmoidRouter()
            ? elementwise(rewriter, loc, logits,
                          [&](OpBuilder &b, Location l, ValueRange a) {
                            Value one = floatConstant(b, l, t, 1.0);
                            Value decay = math::ExpOp::create(
                                b, l, arith::NegFOp::create(b, l, a[0]));
                            return arith::DivFOp::create(
                                       b, l, one, arith::AddFOp::create(b, l, one, decay))
                                .getResult();
                          })
            : divideRows(e, rowSum(e));
    // Selection scores: p plus the selection bias, which only selects.
    Value scores = probs;
    if (Value bias = op.getSelectionBias())
      scores = generic(rewriter, loc, {probs, bias},
                       tensor::EmptyOp::create(rewriter, loc, {tokens, experts}, t),
                       {te, projection(ctx, 2, {1}), te}, "pp",
                       [](OpBuilder &b, Location l, ValueRange a) {
                         return arith::AddFOp::create(b, l, a[0], a[1]).getResult();
                       });

    // Group-limited choice: each group of E/G experts scores the sum of its
    // two best; experts outside the top_groups best groups cannot win.
    if (const int64_t groups = op.getExpertGroups(); groups > 1)
      scores = maskUnchosenGroups(rewriter, loc, scores, groups, op.getTopGroups());

    Value chosen = topKMask(rewriter, loc, scores, op.getTopK());
    Value weights = elementwise(rewriter, loc, {probs, chosen},
                                [](OpBuilder &b, Location l, ValueRange a) {
                                  return arith::MulFOp::create(b, l, a[0], a[1])
                                      .getResult();
                                });
    if (op.getNormalizeTopK()) {
      Value sums = rowSum(weights);
      if (const double eps = op.getNormalizeEpsilon().convertToDouble(); eps != 0)
        sums = elementwise(rewriter, loc, sums,
                           [&](OpBuilder &b, Location l, ValueRange a) {
                             return arith::AddFOp::create(
                                        b, l, a[0], floatConstant(b, l, t, eps))
                                 .getResult();
                           });
      weights = divideRows(weights, sums);
    }
    if (const double scale = op.getRoutedScaling().convertToDouble(); scale != 1.0)
      weights = elementwise(rewriter, loc, weights,
                            [&](OpBuilder &b, Location l, ValueRange a) {
                              return arith::MulFOp::create(
                                         b, l, a[0], floatConstant(b, l, t, scale))
                                  .getResult();
                            });

    // One expert's contribution added into `out`, its weights [N, K] given.
    Activation act = op.getActivation();
    // Ungated experts are written gate = up (Nemotron-H's relu², relu(u)·u):
    // one projection serves both.
    const bool sharedGateUp = op.getGate() == op.getUp();
    auto addExpert = [&](OpBuilder &b, Location l, Value expert, Value out, Value gateW,
                         Value upW, Value downW) -> Value {
      auto [rows, count] = routedTokens(b, l, chosen, expert, tokens);
      Value any = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, count,
                                        indexConstant(b, l, 0));
      auto ifAny = scf::IfOp::create(b, l, TypeRange{out.getType()}, any,
                                     /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifAny.elseBlock());
      scf::YieldOp::create(b, l, out);
      b.setInsertionPointToStart(ifAny.thenBlock());
      Value xe = gatherRows(b, l, x, rows, count);
      Value g = linearLayer(b, l, xe, gateW, Value());
      Value u = sharedGateUp ? g : linearLayer(b, l, xe, upW, Value());
      Value h = generic(b, l, {g, u}, emptyRows(b, l, count, inter, t),
                        SmallVector<AffineMap>(3, b.getMultiDimIdentityMap(2)), "pp",
                        [&](OpBuilder &nb, Location nl, ValueRange a) {
                          return arith::MulFOp::create(
                                     nb, nl, activate(nb, nl, act, a[0]), a[1])
                              .getResult();
                        });
      Value y = linearLayer(b, l, h, downW, Value());
      scf::YieldOp::create(b, l, addRows(b, l, out, y, rows, count, weights, expert));
      return ifAny.getResult(0);
    };

    Value out = filledTensor(rewriter, loc, {tokens, hidden}, t, 0.0);
    SmallVector<Value> gates = stackedTensors(op.getGate()), ups = stackedTensors(op.getUp()),
                       downs = stackedTensors(op.getDown());
    if (!gates.empty() && !ups.empty() && !downs.empty()) {
      // Per-expert checkpoint tensors stacked by the importer: each expert
      // reads its own tensors (the stacked copy, every expert's weights on
      // every call, is never made), so the experts are unrolled.
      for (int64_t e = 0; e < experts; ++e)
        out = addExpert(rewriter, loc, indexConstant(rewriter, loc, e), out,
                        dropUnitDim(rewriter, loc, gates[e]), dropUnitDim(rewriter, loc, ups[e]),
                        dropUnitDim(rewriter, loc, downs[e]));
    } else {
      Value narrowGate = bfloat16Experts(rewriter, loc, op.getGate());
      Value narrowUp = sharedGateUp ? narrowGate : bfloat16Experts(rewriter, loc, op.getUp());
      Value narrowDown = bfloat16Experts(rewriter, loc, op.getDown());
      auto perExpert = scf::ForOp::create(
          rewriter, loc, indexConstant(rewriter, loc, 0), indexConstant(rewriter, loc, experts),
          indexConstant(rewriter, loc, 1), ValueRange{out},
          [&](OpBuilder &b, Location l, Value expert, ValueRange iter) {
            Value gateW = expertWeight(b, l, op.getGate(), narrowGate, expert);
            Value upW = sharedGateUp ? gateW : expertWeight(b, l, op.getUp(), narrowUp, expert);
            Value next = addExpert(b, l, expert, iter[0], gateW, upW,
                                   expertWeight(b, l, op.getDown(), narrowDown, expert));
            scf::YieldOp::create(b, l, next);
          });
      out = perExpert.getResult(0);
    }
    // A token whose routing is NaN chose no expert above; as in the dense
    // definition (NaN weights), its output is NaN: out + 0·Σ_e p[t, e].
    Value probsSum = rowSum(probs);
    out = generic(rewriter, loc, {out, probsSum},
                  tensor::EmptyOp::create(rewriter, loc, {tokens, hidden}, t),
                  {te, tOnly, te}, "pp", [&](OpBuilder &b, Location l, ValueRange a) {
                    Value poison = arith::MulFOp::create(b, l, a[1], floatConstant(b, l, t, 0.0));
                    return arith::AddFOp::create(b, l, a[0], poison).getResult();
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
