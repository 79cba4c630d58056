//===- Scans.cpp - Lowering the Mamba-1, Mamba-2 and RG-LRU scans ---------===//
//
// An scf.for over time carries the state as a tensor; each step is a
// linalg.generic that updates it in place, followed by the sum over the
// state for y. The Mamba-1 state is [B, N, E] (loops (batch, state,
// channels)), so the channels run along the vector lanes and y adds whole
// vectors; the SSD's recurrence keeps [B, H, P, N].
// Channels never interact, so the Mamba-1 scan and the RG-LRU run as
// independent chunks of channels (an scf.forall, shared among threads),
// each its own loop over time. The RG-LRU's gates, decay and normalised
// input are computed for every step first (products and elementwise work
// over the whole sequence; each head's gate a linear layer, so a packed
// GEMM); only h = a·h + u remains in the loop.
//
// Mamba-2's SSD scan over at least one chunk runs in its chunked form
// instead, one (batch, head) per tile of an scf.forall, with the state
// carried transposed, Sᵀ [N, P]. With X = Δ⊙x [n, P], a = Δ·A and G its
// cumulative sum within the chunk (G_n the last):
//   Y  = (C·Bᵀ ⊙ L)·X + (e^G ⊙ C)·Sᵀ,   L[i, j] = e^(G_i − G_j) for j ≤ i
//   Sᵀ = e^(G_n)·Sᵀ + (Bᵀ ⊙ e^(G_n − G))·X
// Every product is an A·B of tiles (the register kernels' shape); D·x and
// the gate are applied to the whole output after.
//
//===----------------------------------------------------------------------===//

#include "ChunkedForms.h"
#include "LoweringUtils.h"
#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::lowering;

namespace {

/// Row `t` of a [B, L, rest...] tensor, with the time dimension dropped.
Value timeStep(OpBuilder &b, Location loc, Value tensor, Value t) {
  RankedTensorType type = tensorType(tensor);
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  offsets[1] = t;
  SmallVector<OpFoldResult> sizes, strides(type.getRank(), b.getIndexAttr(1));
  SmallVector<int64_t> reduced;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    sizes.push_back(b.getIndexAttr(d == 1 ? 1 : type.getDimSize(d)));
    if (d != 1)
      reduced.push_back(type.getDimSize(d));
  }
  auto resultType = RankedTensorType::get(reduced, type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, resultType, tensor, offsets,
                                        sizes, strides);
}

/// Writes `row` (time dimension dropped) into row `t` of `into`.
Value insertTimeStep(OpBuilder &b, Location loc, Value row, Value into,
                     Value t) {
  RankedTensorType type = tensorType(into);
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  offsets[1] = t;
  SmallVector<OpFoldResult> sizes, strides(type.getRank(), b.getIndexAttr(1));
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(b.getIndexAttr(d == 1 ? 1 : type.getDimSize(d)));
  return tensor::InsertSliceOp::create(b, loc, row, into, offsets, sizes,
                                       strides);
}

/// Step sizes for every (b, t, channel): delta + bias, softplus, clamp.
Value stepSizes(OpBuilder &b, Location loc, Value delta, Value bias,
                bool softplusOn, std::optional<double> lo,
                std::optional<double> hi) {
  RankedTensorType type = tensorType(delta);
  const int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<Value> inputs{delta};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(projection(ctx, rank, {unsigned(rank - 1)}));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType());
  return generic(b, loc, inputs, init, maps, std::string(rank, 'p'),
                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                   Value dt = a[0];
                   if (bias)
                     dt = arith::AddFOp::create(nb, nl, dt, a[1]);
                   if (softplusOn)
                     dt = softplus(nb, nl, dt);
                   Type t = dt.getType();
                   if (lo)
                     dt = arith::MaximumFOp::create(nb, nl, dt,
                                                    floatConstant(nb, nl, t, *lo));
                   if (hi)
                     dt = arith::MinimumFOp::create(nb, nl, dt,
                                                    floatConstant(nb, nl, t, *hi));
                   return dt;
                 });
}

/// y·silu(z) and D·x, applied to one step's output [B, rest...].
Value finishOutput(OpBuilder &b, Location loc, Value y, Value x, Value D,
                   Value z, unsigned channelDim) {
  RankedTensorType type = tensorType(y);
  const int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<Value> inputs{y, x};
  SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
  if (D) {
    inputs.push_back(D);
    maps.push_back(projection(ctx, rank, {channelDim}));
  }
  if (z) {
    inputs.push_back(z);
    maps.push_back(b.getMultiDimIdentityMap(rank));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType());
  return generic(b, loc, inputs, init, maps, std::string(rank, 'p'),
                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                   Value out = a[0];
                   unsigned next = 2;
                   if (D)
                     out = arith::AddFOp::create(
                         nb, nl, out, arith::MulFOp::create(nb, nl, a[next++], a[1]));
                   if (z)
                     out = arith::MulFOp::create(nb, nl, out, silu(nb, nl, a[next++]));
                   return out;
                 });
}

/// The body of both scans' state step, on (Δ, A, u, v, state):
/// exp(Δ·A)·state + (Δ·u)·v. Each scan passes its inputs in its own order
/// (Mamba-1: B then x; SSD: x then B), which fixes the rounding.
Value decayedStateUpdate(OpBuilder &b, Location loc, ValueRange a) {
  Value decay = math::ExpOp::create(b, loc, arith::MulFOp::create(b, loc, a[0], a[1]));
  Value input = arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, a[0], a[2]), a[3]);
  return arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, decay, a[4]), input);
}

/// Channels per thread's share of a scan: every channel's recurrence is
/// independent, so the scan runs as independent chunks of channels (one
/// scf.forall). A power of two from 16 (a vector of state lanes each) to 128
/// that divides `channels` at least twice; else one chunk of all.
int64_t channelChunk(int64_t channels) {
  for (int64_t chunk = 128; chunk >= 16; chunk /= 2)
    if (channels % chunk == 0 && channels / chunk >= 2)
      return chunk;
  return channels;
}

/// The Mamba-1 recurrence over time on whatever channels the operands hold:
/// (y [B, L, E], h [B, E, N]). `dt` is the step size after softplus; D, z
/// and h0 may be null (a zero state). The state is carried as [B, N, E]
/// (and A read as [N, E]), so the channels run along the vector lanes: the
/// update is elementwise along them and y = Σ_n h·C a sum of whole vectors,
/// with no reduction across lanes.
std::pair<Value, Value> selectiveScanOverTime(OpBuilder &rewriter, Location loc, Value dt,
                                              Value A, Value x, Value B, Value C, Value D,
                                              Value z, Value h0) {
  MLIRContext *ctx = rewriter.getContext();
  RankedTensorType xt = tensorType(x);
  Type t = xt.getElementType();
  const int64_t batch = xt.getDimSize(0), seq = xt.getDimSize(1),
                channels = xt.getDimSize(2), state = tensorType(A).getDimSize(1);
  Value At = transpose(rewriter, loc, A);
  Value hT = h0 ? transpose(rewriter, loc, h0, {0, 2, 1})
                : filledTensor(rewriter, loc, {batch, state, channels}, t, 0.0);
  Value y0 = tensor::EmptyOp::create(rewriter, loc, xt.getShape(), t);
  auto loop = scf::ForOp::create(
      rewriter, loc, indexConstant(rewriter, loc, 0), indexConstant(rewriter, loc, seq),
      indexConstant(rewriter, loc, 1), ValueRange{hT, y0},
      [&](OpBuilder &b, Location l, Value step, ValueRange iter) {
        Value dtT = timeStep(b, l, dt, step), xT = timeStep(b, l, x, step),
              bT = timeStep(b, l, B, step), cT = timeStep(b, l, C, step);
        // h[b,n,e] = exp(Δ[b,e]·A[e,n])·h + Δ[b,e]·B[b,n]·x[b,e], updated in
        // place: the state is the generic's init, so one buffer serves every
        // step. Loops (b, n, e).
        Value h = generic(
            b, l, {dtT, At, bT, xT}, iter[0],
            {projection(ctx, 3, {0, 2}), projection(ctx, 3, {1, 2}),
             projection(ctx, 3, {0, 1}), projection(ctx, 3, {0, 2}),
             projection(ctx, 3, {0, 1, 2})},
            "ppp", decayedStateUpdate);
        // y[b,e] = Σ_n h[b,n,e]·C[b,n], loops (b, n, e): e innermost.
        Value yInit = filledTensor(b, l, {batch, channels}, t, 0.0);
        Value yT = generic(
            b, l, {h, cT}, yInit,
            {projection(ctx, 3, {0, 1, 2}), projection(ctx, 3, {0, 1}),
             projection(ctx, 3, {0, 2})},
            "prp", [](OpBuilder &nb, Location nl, ValueRange a) {
              return arith::AddFOp::create(
                         nb, nl, a[2], arith::MulFOp::create(nb, nl, a[0], a[1]))
                  .getResult();
            });
        Value zT = z ? timeStep(b, l, z, step) : Value();
        yT = finishOutput(b, l, yT, xT, D, zT, 1);
        scf::YieldOp::create(b, l, ValueRange{h, insertTimeStep(b, l, yT, iter[1], step)});
      });
  return {loop.getResult(1), transpose(rewriter, loc, loop.getResult(0), {0, 2, 1})};
}

struct LowerSelectiveScan : OpRewritePattern<SelectiveScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SelectiveScanOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType xt = tensorType(op.getX());
    Type t = xt.getElementType();
    const int64_t batch = xt.getDimSize(0), channels = xt.getDimSize(2),
                  state = tensorType(op.getA()).getDimSize(1);
    Value dt = stepSizes(rewriter, loc, op.getDelta(), op.getDeltaBias(),
                         op.getDeltaSoftplus(), std::nullopt, std::nullopt);
    Value A = op.getA(), x = op.getX(), B = op.getB(), C = op.getC(),
          D = op.getD(), z = op.getZ(), h0 = op.getInitialState();
    const int64_t chunk = channelChunk(channels);
    if (chunk == channels) {
      auto [y, h] = selectiveScanOverTime(rewriter, loc, dt, A, x, B, C, D, z, h0);
      rewriter.replaceOp(op, {y, h});
      return success();
    }
    // Chunks of channels, each its own recurrence over time: shared among
    // the threads.
    Value yAll = tensor::EmptyOp::create(rewriter, loc, xt.getShape(), t);
    Value hAll = tensor::EmptyOp::create(rewriter, loc, {batch, channels, state}, t);
    SmallVector<Value> results = forEachTile(
        rewriter, loc, channels / chunk, ValueRange{yAll, hAll},
        [&](OpBuilder &b, Location l, Value i) -> SmallVector<TileResult> {
          Value c0 = arith::MulIOp::create(b, l, i, indexConstant(b, l, chunk));
          auto slice = [&](Value v, unsigned dim) {
            return v ? sliceDim(b, l, v, dim, c0, chunk) : Value();
          };
          auto [y, h] = selectiveScanOverTime(b, l, slice(dt, 2), slice(A, 0), slice(x, 2), B,
                                              C, slice(D, 0), slice(z, 2), slice(h0, 1));
          SmallVector<OpFoldResult> yOffsets(3, b.getIndexAttr(0)),
              hOffsets(3, b.getIndexAttr(0));
          yOffsets[2] = c0;
          hOffsets[1] = c0;
          return {{y, yOffsets}, {h, hOffsets}};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// Steps per chunk of the SSD's chunked form: the op's chunk_size, at most
/// 64. A step costs 2n(N + P) in the products within its chunk and 4NP for
/// the state, so shorter chunks do less work; below 64 rows the products
/// get too small for the register kernels to pay.
constexpr int64_t kMaxSSDChunk = 64;

/// One (batch, head) of the SSD, head-major: X = Δ⊙x [L, P], a = Δ·A [L],
/// Bᵀ [N, L] and C [L, N] of the head's group.
struct SSDHeadOperands {
  Value scaledX, logDecay, Bt, C;
};

/// One chunk of `n` steps at row `offset` from `stateT [N, P]` (the chunked
/// form in the file comment): the chunk's y (before D·x and the gate)
/// written into `out [L, P]`, and the state after it. `scores` is the
/// chunk's C·Bᵀ [n, n] when computed already, else null.
std::pair<Value, Value> ssdChunkStep(OpBuilder &b, Location loc, const SSDHeadOperands &in,
                                     Value offset, int64_t n, Value scores, Value stateT,
                                     Value out) {
  MLIRContext *ctx = b.getContext();
  Type t = tensorType(in.scaledX).getElementType();
  const int64_t headDim = tensorType(in.scaledX).getDimSize(1);
  auto rows = [&](Value v) { return sliceDim(b, loc, v, 0, offset, n); };
  Value x = rows(in.scaledX), c = rows(in.C), a = rows(in.logDecay);
  Value bt = sliceDim(b, loc, in.Bt, 1, offset, n);
  AffineMap i2 = projection(ctx, 2, {0}), j2 = projection(ctx, 2, {1}),
            all2 = b.getMultiDimIdentityMap(2);
  auto mul = [](OpBuilder &nb, Location nl, ValueRange v) -> Value {
    return arith::MulFOp::create(nb, nl, v[0], v[1]);
  };
  Value cumulative = inclusiveCumsum(b, loc, a);
  Value last = tensor::ExtractOp::create(b, loc, cumulative, indexConstant(b, loc, n - 1));
  // e^(G_i) and e^(G_n − G_j): n exps each, not one per element of C or Bᵀ.
  Value toStep = elementwise(b, loc, cumulative, [](OpBuilder &nb, Location nl, ValueRange v) {
    return math::ExpOp::create(nb, nl, v[0]).getResult();
  });
  Value toEnd = elementwise(b, loc, cumulative, [&](OpBuilder &nb, Location nl, ValueRange v) {
    return math::ExpOp::create(nb, nl, arith::SubFOp::create(nb, nl, last, v[0])).getResult();
  });
  // Y = (C·Bᵀ ⊙ L)·X: the steps of this chunk.
  if (!scores)
    scores = product(b, loc, c, bt, filledTensor(b, loc, {n, n}, t, 0.0));
  Value y = product(b, loc, decayedLower(b, loc, scores, cumulative, /*diagonal=*/true, Value()),
                    x, filledTensor(b, loc, {n, headDim}, t, 0.0));
  // Y += (e^G ⊙ C)·Sᵀ: the state before the chunk, decayed to each step.
  Value decayedC = generic(b, loc, {c, toStep},
                           tensor::EmptyOp::create(b, loc, tensorType(c).getShape(), t),
                           {all2, i2, all2}, "pp", mul);
  y = product(b, loc, decayedC, stateT, y);
  // Sᵀ = e^(G_n)·Sᵀ + (Bᵀ ⊙ e^(G_n − G))·X; the first in place (Sᵀ is not
  // read after it).
  Value btToEnd = generic(b, loc, {bt, toEnd},
                          tensor::EmptyOp::create(b, loc, tensorType(bt).getShape(), t),
                          {all2, j2, all2}, "pp", mul);
  Value chunkDecay = math::ExpOp::create(b, loc, last);
  Value scaled = generic(b, loc, ValueRange{}, stateT, {all2}, "pp",
                         [&](OpBuilder &nb, Location nl, ValueRange v) {
                           return arith::MulFOp::create(nb, nl, v[0], chunkDecay).getResult();
                         });
  Value next = product(b, loc, btToEnd, x, scaled);
  return {next, insertRows(b, loc, y, out, offset)};
}

/// The SSD scan in chunks of `chunk` steps (a last, shorter chunk at its own
/// size), one (batch, head) per tile: (y [B, L, H, P] before D·x and the
/// gate, final state [B, H, P, N]).
std::pair<Value, Value> chunkedSSD(OpBuilder &rewriter, Location loc, SSDScanOp op, Value dt,
                                   int64_t chunk) {
  RankedTensorType xt = tensorType(op.getX());
  Type t = xt.getElementType();
  const int64_t batch = xt.getDimSize(0), seq = xt.getDimSize(1), heads = xt.getDimSize(2),
                headDim = xt.getDimSize(3), groups = tensorType(op.getB()).getDimSize(2),
                state = tensorType(op.getB()).getDimSize(3);
  const int64_t headsPerGroup = heads / groups, full = seq / chunk, tail = seq % chunk;
  Value scaledX = headMajor(rewriter, loc, op.getX(), dt, 1.0);
  Value steps = headMajor(rewriter, loc, dt, Value(), 1.0);
  Value C = headMajor(rewriter, loc, op.getC(), Value(), 1.0);
  // Bᵀ of every group once, [B, G, N, L], so each chunk's C·Bᵀ is an A·B.
  Value Bt = transpose(rewriter, loc, op.getB(), {0, 2, 3, 1});
  // C·Bᵀ of every full chunk of every group once, [B, G, chunks, Q, Q]: the
  // heads of a group share it (2Q²N of the 2Q²N + 2Q²P + 4QNP per head and
  // chunk: 28% at Q = 64, N = 128, P = 64; L holds at least one full chunk here).
  Value into = tensor::EmptyOp::create(rewriter, loc, {batch, groups, full, chunk, chunk}, t);
  Value groupScores = forEachTile(
      rewriter, loc, batch * groups * full, into,
      [&](OpBuilder &b, Location l, Value i) -> TileResult {
        Value c = arith::RemUIOp::create(b, l, i, indexConstant(b, l, full));
        Value bg = arith::DivUIOp::create(b, l, i, indexConstant(b, l, full));
        Value bi = arith::DivUIOp::create(b, l, bg, indexConstant(b, l, groups));
        Value g = arith::RemUIOp::create(b, l, bg, indexConstant(b, l, groups));
        Value offset = arith::MulIOp::create(b, l, c, indexConstant(b, l, chunk));
        Value scores =
            product(b, l, sliceDim(b, l, batchHeadSlice(b, l, C, bi, g), 0, offset, chunk),
                    sliceDim(b, l, batchHeadSlice(b, l, Bt, bi, g), 1, offset, chunk),
                    filledTensor(b, l, {chunk, chunk}, t, 0.0));
        Value tile = tensor::ExpandShapeOp::create(
            b, l, RankedTensorType::get({1, 1, 1, chunk, chunk}, t), scores,
            SmallVector<ReassociationIndices>{{0, 1, 2, 3}, {4}});
        SmallVector<OpFoldResult> offsets(5, b.getIndexAttr(0));
        offsets[0] = bi;
        offsets[1] = g;
        offsets[2] = c;
        return {tile, offsets};
      });
  Value A = op.getA(), s0 = op.getInitialState();
  SmallVector<Value> results = forEachBatchHead(
      rewriter, loc, xt, RankedTensorType::get({batch, heads, headDim, state}, t),
      [&](OpBuilder &b, Location l, Value bi, Value h) -> std::pair<Value, Value> {
        Value g = arith::DivUIOp::create(b, l, h, indexConstant(b, l, headsPerGroup));
        Value decayRate = tensor::ExtractOp::create(b, l, A, h);
        SSDHeadOperands in{batchHeadSlice(b, l, scaledX, bi, h),
                           elementwise(b, l, batchHeadSlice(b, l, steps, bi, h),
                                       [&](OpBuilder &nb, Location nl, ValueRange v) {
                                         return arith::MulFOp::create(nb, nl, v[0], decayRate)
                                             .getResult();
                                       }),
                           batchHeadSlice(b, l, Bt, bi, g), batchHeadSlice(b, l, C, bi, g)};
        Value stateT = s0 ? transpose(b, l, batchHeadSlice(b, l, s0, bi, h))
                          : filledTensor(b, l, {state, headDim}, t, 0.0);
        // alloc_tensor, not tensor.empty, for a loop-carried tile (as in
        // FlashAttention.cpp): CSE never merges it with another init.
        Value out = bufferization::AllocTensorOp::create(
            b, l, RankedTensorType::get({seq, headDim}, t), ValueRange{});
        auto loop = scf::ForOp::create(
            b, l, indexConstant(b, l, 0), indexConstant(b, l, full * chunk),
            indexConstant(b, l, chunk), ValueRange{stateT, out},
            [&](OpBuilder &cb, Location cl, Value offset, ValueRange iter) {
              Value c = arith::DivUIOp::create(cb, cl, offset, indexConstant(cb, cl, chunk));
              Value scores = tensor::ExtractSliceOp::create(
                  cb, cl, RankedTensorType::get({chunk, chunk}, t), groupScores,
                  SmallVector<OpFoldResult>{bi, g, c, cb.getIndexAttr(0), cb.getIndexAttr(0)},
                  SmallVector<OpFoldResult>{cb.getIndexAttr(1), cb.getIndexAttr(1),
                                            cb.getIndexAttr(1), cb.getIndexAttr(chunk),
                                            cb.getIndexAttr(chunk)},
                  SmallVector<OpFoldResult>(5, cb.getIndexAttr(1)));
              auto [s, y] =
                  ssdChunkStep(cb, cl, in, offset, chunk, scores, iter[0], iter[1]);
              scf::YieldOp::create(cb, cl, ValueRange{s, y});
            });
        stateT = loop.getResult(0);
        out = loop.getResult(1);
        if (tail)
          std::tie(stateT, out) = ssdChunkStep(b, l, in, indexConstant(b, l, full * chunk), tail,
                                               Value(), stateT, out);
        return {out, transpose(b, l, stateT)};
      });
  return {results[0], results[1]};
}

struct LowerSSDScan : OpRewritePattern<SSDScanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SSDScanOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType xt = tensorType(op.getX());
    Type t = xt.getElementType();
    const int64_t batch = xt.getDimSize(0), seq = xt.getDimSize(1),
                  heads = xt.getDimSize(2), headDim = xt.getDimSize(3),
                  groups = tensorType(op.getB()).getDimSize(2),
                  state = tensorType(op.getB()).getDimSize(3);
    const int64_t headsPerGroup = heads / groups;
    std::optional<double> lo, hi;
    if (op.getDtMin())
      lo = op.getDtMin()->convertToDouble();
    if (op.getDtMax())
      hi = op.getDtMax()->convertToDouble();
    Value dt = stepSizes(rewriter, loc, op.getDt(), op.getDtBias(),
                         op.getDtSoftplus(), lo, hi);
    const int64_t chunk = std::min<int64_t>(op.getChunkSize(), kMaxSSDChunk);
    if (chunk > 1 && seq >= chunk) {
      auto [y, s] = chunkedSSD(rewriter, loc, op, dt, chunk);
      rewriter.replaceOp(op, {finishOutput(rewriter, loc, y, op.getX(), op.getD(), op.getZ(), 2),
                              s});
      return success();
    }
    Value s0 = op.getInitialState()
                   ? op.getInitialState()
                   : filledTensor(rewriter, loc, {batch, heads, headDim, state}, t, 0.0);
    Value y0 = tensor::EmptyOp::create(rewriter, loc, xt.getShape(), t);
    Value A = op.getA(), x = op.getX(), B = op.getB(), C = op.getC(),
          D = op.getD(), z = op.getZ();
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
               d3 = getAffineDimExpr(3, ctx);
    AffineMap groupMap = affineMap(ctx, 4, {d0, d1.floorDiv(headsPerGroup), d3});
    auto loop = scf::ForOp::create(
        rewriter, loc, indexConstant(rewriter, loc, 0),
        indexConstant(rewriter, loc, seq), indexConstant(rewriter, loc, 1),
        ValueRange{s0, y0},
        [&](OpBuilder &b, Location l, Value step, ValueRange iter) {
          Value dtT = timeStep(b, l, dt, step), xT = timeStep(b, l, x, step),
                bT = timeStep(b, l, B, step), cT = timeStep(b, l, C, step);
          // s[b,h,p,n] = exp(Δ[b,h]·A[h])·s + Δ[b,h]·x[b,h,p]·B[b,g(h),n],
          // updated in place like the Mamba-1 state.
          Value s = generic(
              b, l, {dtT, A, xT, bT}, iter[0],
              {projection(ctx, 4, {0, 1}), projection(ctx, 4, {1}),
               projection(ctx, 4, {0, 1, 2}), groupMap,
               projection(ctx, 4, {0, 1, 2, 3})},
              "pppp", decayedStateUpdate);
          Value yInit = filledTensor(b, l, {batch, heads, headDim}, t, 0.0);
          Value yT = generic(
              b, l, {s, cT}, yInit,
              {projection(ctx, 4, {0, 1, 2, 3}), groupMap,
               projection(ctx, 4, {0, 1, 2})},
              "pppr", [](OpBuilder &nb, Location nl, ValueRange a) {
                return arith::AddFOp::create(
                           nb, nl, a[2], arith::MulFOp::create(nb, nl, a[0], a[1]))
                    .getResult();
              });
          Value zT = z ? timeStep(b, l, z, step) : Value();
          yT = finishOutput(b, l, yT, xT, D, zT, 1);
          scf::YieldOp::create(b, l,
                               ValueRange{s, insertTimeStep(b, l, yT, iter[1], step)});
        });
    rewriter.replaceOp(op, {loop.getResult(1), loop.getResult(0)});
    return success();
  }
};

/// σ(x_h · W_h + b_h) for every head h of `x [B, L, W]` with block-diagonal
/// `weight [H, bw, bw]` and `bias [H, bw]`: `[B, L, W]`. Each head is a
/// linear layer on its bw columns of every token (so hybrid-packed-gemm
/// gives it the packed GEMM, or the matrix-vector kernel when decoding),
/// with W_h transposed to a linear layer's [out, in] (bw² per head, small
/// beside the product's L·bw²).
Value blockDiagonalGate(OpBuilder &b, Location loc, Value x, Value weight, Value bias) {
  RankedTensorType xt = tensorType(x);
  Type t = xt.getElementType();
  const int64_t width = xt.getDimSize(2), heads = tensorType(weight).getDimSize(0),
                block = tensorType(weight).getDimSize(1);
  Value rows = collapseToRows(b, loc, x);
  const int64_t count = tensorType(rows).getDimSize(0);
  auto loop = scf::ForOp::create(
      b, loc, indexConstant(b, loc, 0), indexConstant(b, loc, heads), indexConstant(b, loc, 1),
      ValueRange{tensor::EmptyOp::create(b, loc, {count, width}, t).getResult()},
      [&](OpBuilder &nb, Location nl, Value h, ValueRange iter) {
        Value column = arith::MulIOp::create(nb, nl, h, indexConstant(nb, nl, block));
        auto one = nb.getIndexAttr(1), zero = nb.getIndexAttr(0);
        Value xh = tensor::ExtractSliceOp::create(
            nb, nl, RankedTensorType::get({count, block}, t), rows,
            SmallVector<OpFoldResult>{zero, column},
            SmallVector<OpFoldResult>{nb.getIndexAttr(count), nb.getIndexAttr(block)},
            SmallVector<OpFoldResult>{one, one});
        Value wh = tensor::ExtractSliceOp::create(
            nb, nl, RankedTensorType::get({block, block}, t), weight,
            SmallVector<OpFoldResult>{h, zero, zero},
            SmallVector<OpFoldResult>{one, nb.getIndexAttr(block), nb.getIndexAttr(block)},
            SmallVector<OpFoldResult>{one, one, one});
        Value whT = transpose(nb, nl, wh);
        Value bh = tensor::ExtractSliceOp::create(
            nb, nl, RankedTensorType::get({block}, t), bias, SmallVector<OpFoldResult>{h, zero},
            SmallVector<OpFoldResult>{one, nb.getIndexAttr(block)},
            SmallVector<OpFoldResult>{one, one});
        Value yh = linearLayer(nb, nl, xh, whT, bh);
        Value into = tensor::InsertSliceOp::create(
            nb, nl, yh, iter[0], SmallVector<OpFoldResult>{zero, column},
            SmallVector<OpFoldResult>{nb.getIndexAttr(count), nb.getIndexAttr(block)},
            SmallVector<OpFoldResult>{one, one});
        scf::YieldOp::create(nb, nl, into);
      });
  Value gate = elementwise(b, loc, loop.getResult(0), [](OpBuilder &nb, Location nl, ValueRange a) {
    return sigmoid(nb, nl, a[0]);
  });
  return expandFromRows(b, loc, gate, xt);
}

/// h[t] = a[t] · h[t−1] + u[t] over time on whatever channels `a`, `u`
/// `[B, L, C]` hold, from `h0 [B, C]`: (y [B, L, C], h [B, C]).
std::pair<Value, Value> linearRecurrenceOverTime(OpBuilder &rewriter, Location loc, Value a,
                                                 Value u, Value h0) {
  RankedTensorType ut = tensorType(u);
  Value y0 = tensor::EmptyOp::create(rewriter, loc, ut.getShape(), ut.getElementType());
  auto loop = scf::ForOp::create(
      rewriter, loc, indexConstant(rewriter, loc, 0),
      indexConstant(rewriter, loc, ut.getDimSize(1)), indexConstant(rewriter, loc, 1),
      ValueRange{h0, y0}, [&](OpBuilder &b, Location l, Value step, ValueRange iter) {
        // Updated in place: the state is the generic's init.
        Value h = generic(b, l, {timeStep(b, l, a, step), timeStep(b, l, u, step)}, iter[0],
                          SmallVector<AffineMap>(3, b.getMultiDimIdentityMap(2)), "pp",
                          [](OpBuilder &nb, Location nl, ValueRange v) {
                            return arith::AddFOp::create(
                                       nb, nl, arith::MulFOp::create(nb, nl, v[0], v[2]), v[1])
                                .getResult();
                          });
        scf::YieldOp::create(b, l, ValueRange{h, insertTimeStep(b, l, h, iter[1], step)});
      });
  return {loop.getResult(1), loop.getResult(0)};
}

struct LowerRGLRU : OpRewritePattern<RGLRUOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RGLRUOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType xt = tensorType(op.getX());
    Type t = xt.getElementType();
    const int64_t batch = xt.getDimSize(0), seq = xt.getDimSize(1), width = xt.getDimSize(2);
    Value x = op.getX(), h0 = op.getInitialState(), positions = op.getPositions();
    Value inputGate = blockDiagonalGate(rewriter, loc, x, op.getInputGate(), op.getInputGateBias());
    Value recurrentGate = blockDiagonalGate(rewriter, loc, x, op.getRecurrentGate(),
                                            op.getRecurrentGateBias());
    // reset[b, t]: a new sequence starts at position 0 (without positions:
    // the call's first step, unless it continues from a given state).
    Value reset = generic(
        rewriter, loc, positions ? ValueRange{positions} : ValueRange{},
        tensor::EmptyOp::create(rewriter, loc, {batch, seq}, rewriter.getI1Type()),
        positions ? SmallVector<AffineMap>(2, rewriter.getMultiDimIdentityMap(2))
                  : SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(2)},
        "pp", [&](OpBuilder &nb, Location nl, ValueRange a) -> Value {
          if (positions) {
            Value zero = arith::ConstantOp::create(nb, nl, nb.getIntegerAttr(a[0].getType(), 0));
            return arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, a[0], zero);
          }
          if (h0)
            return arith::ConstantOp::create(nb, nl, nb.getBoolAttr(false));
          return arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                       linalg::IndexOp::create(nb, nl, 1),
                                       indexConstant(nb, nl, 0));
        });
    const double c = op.getC().convertToDouble();
    // −c · softplus(Λ) once per channel, not per token; log a = rate · r.
    Value rate = elementwise(rewriter, loc, op.getRecurrentParam(),
                             [&](OpBuilder &nb, Location nl, ValueRange a) {
                               return arith::MulFOp::create(nb, nl, floatConstant(nb, nl, t, -c),
                                                            softplus(nb, nl, a[0]))
                                   .getResult();
                             });
    // (b, t, w): r, rate and reset, then i and x for the input.
    AffineMap all = rewriter.getMultiDimIdentityMap(3);
    SmallVector<AffineMap> maps{all, projection(ctx, 3, {2}), projection(ctx, 3, {0, 1}),
                                all, all, all};
    Value empty = tensor::EmptyOp::create(rewriter, loc, xt.getShape(), t);
    // The decay applied to the state: exp(log a), or 0 where a sequence starts.
    Value decay = generic(
        rewriter, loc, {recurrentGate, rate, reset}, empty,
        {maps[0], maps[1], maps[2], all}, "ppp", [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value keep = math::ExpOp::create(nb, nl, arith::MulFOp::create(nb, nl, a[1], a[0]));
          return arith::SelectOp::create(nb, nl, a[2], floatConstant(nb, nl, t, 0.0), keep)
              .getResult();
        });
    // The normalised input: √(1 − a²) · i · x, without the √ where a
    // sequence starts.
    Value input = generic(
        rewriter, loc, {recurrentGate, rate, reset, inputGate, x}, empty, maps, "ppp",
        [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value logDecay = arith::MulFOp::create(nb, nl, a[1], a[0]);
          Value aSquared = math::ExpOp::create(
              nb, nl, arith::MulFOp::create(nb, nl, floatConstant(nb, nl, t, 2.0), logDecay));
          Value norm = math::SqrtOp::create(
              nb, nl, arith::SubFOp::create(nb, nl, floatConstant(nb, nl, t, 1.0), aSquared));
          Value multiplier =
              arith::SelectOp::create(nb, nl, a[2], floatConstant(nb, nl, t, 1.0), norm);
          Value gated = arith::MulFOp::create(nb, nl, a[4], a[3]);
          return arith::MulFOp::create(nb, nl, gated, multiplier).getResult();
        });
    const int64_t chunk = channelChunk(width);
    auto start = [&](OpBuilder &b, Location l, Value c0, int64_t size) {
      if (h0)
        return size == width ? h0 : sliceDim(b, l, h0, 1, c0, size);
      return filledTensor(b, l, {batch, size}, t, 0.0);
    };
    if (chunk == width) {
      auto [y, h] = linearRecurrenceOverTime(rewriter, loc, decay, input,
                                             start(rewriter, loc, Value(), width));
      rewriter.replaceOp(op, {y, h});
      return success();
    }
    // Chunks of channels, each its own recurrence: shared among the threads.
    Value yAll = tensor::EmptyOp::create(rewriter, loc, xt.getShape(), t);
    Value hAll = tensor::EmptyOp::create(rewriter, loc, {batch, width}, t);
    SmallVector<Value> results = forEachTile(
        rewriter, loc, width / chunk, ValueRange{yAll, hAll},
        [&](OpBuilder &b, Location l, Value i) -> SmallVector<TileResult> {
          Value c0 = arith::MulIOp::create(b, l, i, indexConstant(b, l, chunk));
          auto [y, h] = linearRecurrenceOverTime(b, l, sliceDim(b, l, decay, 2, c0, chunk),
                                                 sliceDim(b, l, input, 2, c0, chunk),
                                                 start(b, l, c0, chunk));
          SmallVector<OpFoldResult> yOffsets(3, b.getIndexAttr(0)), hOffsets(2, b.getIndexAttr(0));
          yOffsets[2] = c0;
          hOffsets[1] = c0;
          return {{y, yOffsets}, {h, hOffsets}};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void lowering::populateScanLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerSelectiveScan, LowerSSDScan, LowerRGLRU>(patterns.getContext());
}
