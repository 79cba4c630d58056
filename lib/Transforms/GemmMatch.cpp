//===- GemmMatch.cpp - Recognise the linear layer's contraction -----------===//

#include "hybrid/Transforms/GemmMatch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;

bool mlir::hybrid::innermostContiguous(Value memref) {
  auto type = dyn_cast<MemRefType>(memref.getType());
  if (!type)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) && strides.back() == 1;
}

bool mlir::hybrid::isMultiplyAdd(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  Value a = body.getArgument(0), b = body.getArgument(1), c = body.getArgument(2);
  Operation *first = &body.front();
  size_t ops = 3;
  if (auto widen = dyn_cast<arith::ExtFOp>(first)) {
    if (widen.getIn() != b || !widen.getType().isF32())
      return false;
    b = widen.getResult();
    first = first->getNextNode();
    ops = 4;
  }
  if (body.getOperations().size() != ops)
    return false;
  auto mul = dyn_cast<arith::MulFOp>(first);
  auto add = dyn_cast_or_null<arith::AddFOp>(mul ? mul->getNextNode() : nullptr);
  auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
  if (!mul || !add || !yield || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != add.getResult())
    return false;
  bool products = (mul.getLhs() == a && mul.getRhs() == b) ||
                  (mul.getLhs() == b && mul.getRhs() == a);
  bool sum = (add.getLhs() == c && add.getRhs() == mul.getResult()) ||
             (add.getRhs() == c && add.getLhs() == mul.getResult());
  return products && sum;
}

bool mlir::hybrid::isTransposedBGemm(linalg::GenericOp op) {
  const unsigned loops = op.getNumLoops();
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || loops < 3)
    return false;
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  for (unsigned d = 0; d < loops; ++d)
    if (kinds[d] != (d + 1 == loops ? utils::IteratorType::reduction
                                    : utils::IteratorType::parallel))
      return false;
  // Loops (rows..., n, k): A is (rows..., k), W (n, k), C (rows..., n).
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineExpr> rows;
  for (unsigned d = 0; d + 2 < loops; ++d)
    rows.push_back(getAffineDimExpr(d, ctx));
  AffineExpr n = getAffineDimExpr(loops - 2, ctx), k = getAffineDimExpr(loops - 1, ctx);
  auto with = [&](AffineExpr last) {
    SmallVector<AffineExpr> results(rows);
    results.push_back(last);
    return AffineMap::get(loops, 0, results, ctx);
  };
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[0] != with(k) || maps[1] != AffineMap::get(loops, 0, {n, k}, ctx) ||
      maps[2] != with(n))
    return false;
  // W is static; A and C only in their last dim (k, n): the rows may be a
  // runtime count (the tokens routed to one expert).
  for (OpOperand &operand : op->getOpOperands()) {
    auto shaped = dyn_cast<ShapedType>(operand.get().getType());
    // W may be bf16 (widened in the body, which isMultiplyAdd checks).
    Type element = shaped ? shaped.getElementType() : Type();
    if (!shaped ||
        !(element.isF32() || (operand.getOperandNumber() == 1 && element.isBF16())) ||
        ShapedType::isDynamic(shaped.getShape().back()))
      return false;
    if (operand.getOperandNumber() == 1 && !shaped.hasStaticShape())
      return false;
  }
  return isMultiplyAdd(op);
}

int64_t mlir::hybrid::gemmRows(linalg::GenericOp op) {
  ArrayRef<int64_t> shape =
      cast<ShapedType>(op.getDpsInitOperand(0)->get().getType()).getShape();
  int64_t rows = 1;
  for (int64_t size : shape.drop_back()) {
    if (ShapedType::isDynamic(size))
      return ShapedType::kDynamic;
    rows *= size;
  }
  return rows;
}

namespace {
/// The loop dim of `map`'s result `r` when it is a plain dim.
std::optional<unsigned> dimOf(AffineMap map, int64_t r) {
  if (r < 0 || r >= int64_t(map.getNumResults()))
    return std::nullopt;
  if (auto d = dyn_cast<AffineDimExpr>(map.getResult(r)))
    return d.getPosition();
  return std::nullopt;
}
} // namespace

std::optional<mlir::hybrid::ProductDims> mlir::hybrid::productDims(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || !isMultiplyAdd(op))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap a = maps[0], b = maps[1], c = maps[2];
  auto m = dimOf(c, c.getNumResults() - 2), n = dimOf(c, c.getNumResults() - 1);
  auto am = dimOf(a, a.getNumResults() - 2), k = dimOf(a, a.getNumResults() - 1);
  auto bk = dimOf(b, b.getNumResults() - 2), bn = dimOf(b, b.getNumResults() - 1);
  // Three distinct loops, k absent from C: otherwise the op reads a
  // diagonal or sums over a dim the loops below would treat as a batch.
  if (!m || !n || !k || am != m || bk != k || bn != n || *m == *n || *k == *m ||
      *k == *n || c.isFunctionOfDim(*k))
    return std::nullopt;
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  for (unsigned d = 0; d < kinds.size(); ++d)
    if ((kinds[d] == utils::IteratorType::reduction) != (d == *k))
      return std::nullopt;
  // Batch results: any expression of the batch loops (h floordiv group).
  for (AffineMap map : {a, b, c})
    for (int64_t r = 0; r + 2 < int64_t(map.getNumResults()); ++r)
      for (unsigned d : {*m, *n, *k})
        if (map.getResult(r).isFunctionOfDim(d))
          return std::nullopt;
  // C's results must be every parallel loop once: each element is written
  // by one chain of k's.
  if (!c.isProjectedPermutation() || c.getNumResults() + 1 != op.getNumLoops())
    return std::nullopt;
  return ProductDims{*m, *n, *k};
}
