//===- RegisterTileProducts.cpp - The hybrid-register-tile-products pass --===//
//
// See Passes.td for what and why. For a static product
// C[batch..., m, n] += A[batch..., m, k] * B[batch..., k, n] on buffers
// (flash attention's q·kᵀ, with K transposed once, and p·v inside a query
// tile), the loop nest is
//
//   for batch...:
//     for i0 in M step MR:                  (the last block may be shorter)
//       for n0 in N step NV·lanes:
//         acc[MR][NV] = C[i0.., n0..]
//         for k in K: acc[i][v] += bcast(A[i0+i, k]) * B[k, n0+v·lanes..]
//         C[i0.., n0..] = acc
//
// B's rows are read in place (no packing: the products are small and their
// B is reused from L1 by every row block).
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/GemmMatch.h"
#include "hybrid/Transforms/Passes.h"
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_REGISTERTILEPRODUCTS
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// The dims when `op` is a product (productDims) in f32 on static buffers,
/// with B and C contiguous along n.
std::optional<ProductDims> matchProduct(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics())
    return std::nullopt;
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || !type.hasStaticShape() || !type.getElementType().isF32() ||
        type.getRank() < 2)
      return std::nullopt;
  }
  std::optional<ProductDims> dims = productDims(op);
  if (!dims)
    return std::nullopt;
  if (!innermostContiguous(op.getDpsInputOperand(1)->get()) ||
      !innermostContiguous(op.getDpsInitOperand(0)->get()))
    return std::nullopt;
  // C is kept in registers across k: it must not be one of the inputs
  // (bufferization gives every product its own output buffer).
  Value cBuffer = op.getDpsInitOperand(0)->get();
  if (cBuffer == op.getDpsInputOperand(0)->get() || cBuffer == op.getDpsInputOperand(1)->get())
    return std::nullopt;
  return dims;
}

class ProductEmitter {
public:
  ProductEmitter(OpBuilder &b, Location loc, linalg::GenericOp op, ProductDims dims,
                 int64_t lanes, int64_t maxVectors)
      : b(b), loc(loc), op(op), dims(dims), lanes(lanes) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    rows = ranges[dims.m];
    cols = ranges[dims.n];
    depth = ranges[dims.k];
    vectors = maxVectors;
    while ((cols / lanes) % vectors != 0)
      --vectors;
    // A row block that divides M avoids a tail kernel (attention's query
    // tile of 16: four blocks of 4).
    mr = rows % 6 == 0 ? 6 : rows % 4 == 0 ? 4 : 6;
    vectorType = VectorType::get({lanes}, b.getF32Type());
    a = op.getDpsInputOperand(0)->get();
    w = op.getDpsInputOperand(1)->get();
    c = op.getDpsInitOperand(0)->get();
    loopRanges = ranges;
  }

  void emit() {
    SmallVector<unsigned> batchDims;
    for (unsigned d = 0; d < loopRanges.size(); ++d)
      if (d != dims.m && d != dims.n && d != dims.k)
        batchDims.push_back(d);
    SmallVector<Value> ivs(loopRanges.size(), index(0));
    emitBatch(batchDims, ivs);
  }

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, int64_t v) {
    return v == 0 ? x : arith::AddIOp::create(b, loc, x, index(v)).getResult();
  }

  void loop(int64_t from, int64_t to, int64_t step, llvm::function_ref<void(Value)> body) {
    scf::ForOp::create(b, loc, index(from), index(to), index(step), ValueRange{},
                       [&](OpBuilder &, Location, Value i, ValueRange) {
                         body(i);
                         scf::YieldOp::create(b, loc);
                       });
  }

  /// The indices of `map`'s batch results (all but the last two) at `ivs`.
  SmallVector<Value> batchIndices(AffineMap map, ArrayRef<Value> ivs) {
    SmallVector<Value> indices;
    for (int64_t r = 0; r + 2 < int64_t(map.getNumResults()); ++r) {
      AffineExpr e = map.getResult(r);
      if (auto d = dyn_cast<AffineDimExpr>(e))
        indices.push_back(ivs[d.getPosition()]);
      else if (auto cst = dyn_cast<AffineConstantExpr>(e))
        indices.push_back(index(cst.getValue()));
      else
        indices.push_back(affine::AffineApplyOp::create(
            b, loc, AffineMap::get(map.getNumDims(), 0, e), ivs));
    }
    return indices;
  }

  void emitBatch(ArrayRef<unsigned> batchDims, SmallVector<Value> &ivs) {
    if (!batchDims.empty()) {
      loop(0, loopRanges[batchDims.front()], 1, [&](Value i) {
        ivs[batchDims.front()] = i;
        emitBatch(batchDims.drop_front(), ivs);
      });
      return;
    }
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<Value> aAt = batchIndices(maps[0], ivs), wAt = batchIndices(maps[1], ivs),
                       cAt = batchIndices(maps[2], ivs);
    const int64_t fullRows = rows - rows % mr;
    auto columns = [&](int64_t blockRows, Value row0) {
      loop(0, cols, vectors * lanes, [&](Value col0) {
        microKernel(blockRows, row0, col0, aAt, wAt, cAt);
      });
    };
    if (fullRows > 0)
      loop(0, fullRows, mr, [&](Value row0) { columns(mr, row0); });
    if (rows > fullRows)
      columns(rows - fullRows, index(fullRows));
  }

  void microKernel(int64_t blockRows, Value row0, Value col0, ArrayRef<Value> aAt,
                   ArrayRef<Value> wAt, ArrayRef<Value> cAt) {
    auto at = [](ArrayRef<Value> batch, Value row, Value col) {
      SmallVector<Value> indices(batch);
      indices.push_back(row);
      indices.push_back(col);
      return indices;
    };
    SmallVector<Value> acc;
    for (int64_t i = 0; i < blockRows; ++i)
      for (int64_t v = 0; v < vectors; ++v)
        acc.push_back(vector::LoadOp::create(b, loc, vectorType, c,
                                             at(cAt, add(row0, i), add(col0, v * lanes))));
    auto kLoop = scf::ForOp::create(
        b, loc, index(0), index(depth), index(1), acc,
        [&](OpBuilder &, Location, Value p, ValueRange sums) {
          SmallVector<Value> weights, next;
          for (int64_t v = 0; v < vectors; ++v)
            weights.push_back(vector::LoadOp::create(b, loc, vectorType, w,
                                                     at(wAt, p, add(col0, v * lanes))));
          for (int64_t i = 0; i < blockRows; ++i) {
            Value x = memref::LoadOp::create(b, loc, a, at(aAt, add(row0, i), p));
            Value splat = vector::BroadcastOp::create(b, loc, vectorType, x);
            for (int64_t v = 0; v < vectors; ++v)
              next.push_back(
                  vector::FMAOp::create(b, loc, splat, weights[v], sums[i * vectors + v]));
          }
          scf::YieldOp::create(b, loc, next);
        });
    for (int64_t i = 0; i < blockRows; ++i)
      for (int64_t v = 0; v < vectors; ++v)
        vector::StoreOp::create(b, loc, kLoop.getResult(i * vectors + v), c,
                                at(cAt, add(row0, i), add(col0, v * lanes)));
  }

  OpBuilder &b;
  Location loc;
  linalg::GenericOp op;
  ProductDims dims;
  int64_t lanes, vectors, mr, rows, cols, depth;
  SmallVector<int64_t> loopRanges;
  VectorType vectorType;
  Value a, w, c;
};

struct RegisterTileProductsPass
    : hybrid::impl::RegisterTileProductsBase<RegisterTileProductsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    const CPUTarget target = getCPUTarget(module);
    const int64_t lanes = target.lanes();
    // MR·NV accumulators, NV loaded B vectors and a broadcast fit the
    // register file: 6×4 of 32 with AVX-512, 6×2 of 16 with AVX2.
    const int64_t maxVectors = target.vectorBits >= 512 ? 4 : 2;
    if (lanes < 2)
      return;
    SmallVector<std::pair<linalg::GenericOp, ProductDims>> products;
    module.walk([&](linalg::GenericOp op) {
      std::optional<ProductDims> dims = matchProduct(op);
      if (!dims)
        return;
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (ranges[dims->n] % lanes != 0 || ranges[dims->k] < 1)
        return;
      products.push_back({op, *dims});
    });
    for (auto [op, dims] : products) {
      OpBuilder b(op);
      ProductEmitter(b, op.getLoc(), op, dims, lanes, maxVectors).emit();
      op.erase();
    }
  }
};

} // namespace
