//===- MatrixTileGemm.cpp - C += A·Wᵀ on Intel AMX tiles ------------------===//
//
// hybrid-packed-gemm's kernel for a bf16 W (--weight-type=bf16) on targets
// with AMX (+amx-tile, +amx-bf16): tdpbf16ps multiplies a 16×32 bf16 tile
// by a 16×32 pair-interleaved one into a 16×16 f32 tile, 16 times the FMA
// work of an AVX-512 instruction per instruction. The product is computed
// transposed, Cᵀ[n][m] = Σ_k W[n][k]·A[m][k], so that W, the large and
// constant operand, is read by tile loads straight from its rows (no
// packing); A is packed once per call into the pair-interleaved layout:
//
//   packed[(block·parts + part)·K/2 + p][2·i + e] = part(A[16·block + i][2p + e])
//
// where part 0 is A rounded to bf16 and part 1 the bf16 rounding of what
// that leaves: products with both parts keep ~16 bits of A (relative error
// ~2⁻¹⁷, inside the fp32 tolerance), at twice the tile work of one. A
// module that allows products to round A to bf16 (hybrid.matmul_precision
// = "bf16", --weight-type=bf16-matmul) packs the first part only: half the
// tile work, A rounded as the vdpbf16ps kernel rounds it. Rows past M
// repeat row M-1 and are never stored.
//
//   for each block of at most 2048 k's:
//   for each chunk of A's rows whose packed parts (for those k's) fill a
//   quarter of L2:
//   for each pair of W's 16-row tiles (n0 .. n0+32), shared among threads:
//     for each pair of the chunk's 16-row blocks (m0 .. m0+32):
//       acc[2][2] = 0                                     four tiles
//       for k in the block step 32: for part in (high, low) or (high):
//         acc[i][j] += W[n0+16i.., k..] · packed[block j, part, k/2..]
//       each acc[i][j] → a 16×16 scratch → transposed in registers → added
//       to C's rows m0+16j.. (those below M) at columns n0+16i..
//
// Eight tile registers: four accumulators, two W tiles, two A tiles.
//
//===----------------------------------------------------------------------===//

#include "GemmKernels.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/StringRef.h"

using namespace mlir;
using namespace mlir::hybrid;

bool gemm::hasMatrixTiles(const CPUTarget &target) {
  bool tile = false, bf16 = false;
  for (StringRef feature : llvm::split(StringRef(target.features), ',')) {
    tile |= feature == "+amx-tile";
    bf16 |= feature == "+amx-bf16";
  }
  return tile && bf16;
}

func::FuncOp gemm::buildMatrixTileGemm(ModuleOp module, StringRef name, int64_t l2Bytes,
                                       int64_t parts) {
  assert((parts == 1 || parts == 2) && "A in one or two bf16 parts");
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  Location loc = b.getUnknownLoc();
  Type f32 = b.getF32Type(), bf16 = b.getBF16Type(), i32 = b.getI32Type();
  func::FuncOp func = declareKernel(module, name, bf16, b);
  Value a = func.getArgument(0), w = func.getArgument(1), c = func.getArgument(2);

  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  auto add = [&](Value x, Value y) { return arith::AddIOp::create(b, loc, x, y).getResult(); };
  auto addc = [&](Value x, int64_t y) { return y == 0 ? x : add(x, index(y)); };
  auto mul = [&](Value x, int64_t y) {
    return arith::MulIOp::create(b, loc, x, index(y)).getResult();
  };
  auto mulv = [&](Value x, Value y) { return arith::MulIOp::create(b, loc, x, y).getResult(); };
  auto div = [&](Value x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, index(y)).getResult();
  };
  auto forLoop = [&](Value from, Value to, int64_t step, llvm::function_ref<void(Value)> body) {
    scf::ForOp::create(b, loc, from, to, index(step), ValueRange{},
                       [&](OpBuilder &, Location, Value i, ValueRange) {
                         body(i);
                         scf::YieldOp::create(b, loc);
                       });
  };
  auto parallelLoop = [&](Value to, llvm::function_ref<void(Value)> body) {
    scf::ParallelOp::create(b, loc, ValueRange{index(0)}, ValueRange{to},
                            ValueRange{index(1)},
                            [&](OpBuilder &, Location, ValueRange i) { body(i[0]); });
  };

  Value M = memref::DimOp::create(b, loc, c, 0), N = memref::DimOp::create(b, loc, c, 1),
        K = memref::DimOp::create(b, loc, a, 1);
  Value pairs = div(K, 2);
  // 16-row blocks of A, an even count: the kernel takes two at a time.
  Value blocks = mul(div(addc(M, 31), 32), 2);
  Value lastRow = arith::SubIOp::create(b, loc, M, index(1));
  Value packed = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic, 32}, bf16),
      ValueRange{mulv(blocks, mul(pairs, parts))}, b.getI64IntegerAttr(64));

  // Packing: per block and 32 k's, 16 rows of A become bf16 high and low
  // parts (or the high part alone); each row's 16 pairs are 16 i32 words,
  // so the pair-interleaved layout is a 16×16 transpose of words.
  auto words = VectorType::get({16}, i32);
  auto wide = VectorType::get({32}, f32), narrow = VectorType::get({32}, bf16);
  parallelLoop(blocks, [&](Value block) {
    forLoop(index(0), pairs, 16, [&](Value p0) {
      SmallVector<Value> high, low;
      for (int64_t i = 0; i < 16; ++i) {
        Value row = arith::MinUIOp::create(b, loc, addc(mul(block, 16), i), lastRow);
        Value v = vector::LoadOp::create(b, loc, wide, a, ValueRange{row, mul(p0, 2)});
        Value h = arith::TruncFOp::create(b, loc, narrow, v);
        high.push_back(vector::BitCastOp::create(b, loc, words, h));
        if (parts == 1)
          continue;
        Value hv = arith::ExtFOp::create(b, loc, wide, h);
        // What the high part leaves; none where it is exact, so that an
        // infinite A gives inf·W as in f32, not inf - inf = NaN.
        Value exact = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, hv, v);
        Value rest = arith::SelectOp::create(
            b, loc, exact,
            arith::ConstantOp::create(b, loc, wide, DenseElementsAttr::get(wide, b.getF32FloatAttr(0))),
            arith::SubFOp::create(b, loc, v, hv));
        Value l = arith::TruncFOp::create(b, loc, narrow, rest);
        low.push_back(vector::BitCastOp::create(b, loc, words, l));
      }
      transposeInRegisters(b, loc, high);
      if (parts == 2)
        transposeInRegisters(b, loc, low);
      for (int64_t part = 0; part < parts; ++part) {
        Value base = add(mulv(addc(mul(block, parts), part), pairs), p0);
        for (int64_t r = 0; r < 16; ++r)
          vector::StoreOp::create(b, loc,
                                  vector::BitCastOp::create(b, loc, narrow,
                                                            (part ? low : high)[r]),
                                  packed, ValueRange{addc(base, r), index(0)});
      }
    });
  });

  // K in blocks of at most 2048 (C gathers the blocks' sums), and A's rows
  // in chunks whose packed parts for one k block (16 rows × KC × 2 bytes ×
  // parts a block) fill a quarter of L2, an even count of blocks: each thread's
  // pairs of W tiles reuse the chunk from L2. (Measured on a 2 MiB L2: a
  // chunk of half of L2 ran 1.8× slower.)
  Value kc = arith::MinUIOp::create(b, loc, K, index(2048));
  Value chunk = arith::MaxUIOp::create(
      b, loc, index(2),
      mul(arith::DivUIOp::create(b, loc, index(std::max<int64_t>(l2Bytes / 4, 1)),
                                 mul(kc, 64 * parts)),
          2));
  auto operandTile = amx::TileType::get({16, 32}, bf16);
  auto accTile = amx::TileType::get({16, 16}, f32);
  auto rowVector = VectorType::get({16}, f32);
  // A 16×16 scratch per pair of W's tiles (one per parallel iteration: an
  // alloca there would keep OpenMP's alloca_scope, which must stay one
  // block).
  Value scratch = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic, 16, 16}, f32), ValueRange{div(N, 32)},
      b.getI64IntegerAttr(64));
  scf::ForOp::create(b, loc, index(0), K, kc, ValueRange{},
                     [&](OpBuilder &, Location, Value k0, ValueRange) {
  Value kEnd = arith::MinUIOp::create(b, loc, add(k0, kc), K);
  scf::ForOp::create(b, loc, index(0), blocks, chunk, ValueRange{},
                     [&](OpBuilder &, Location, Value first, ValueRange) {
  Value end = arith::MinUIOp::create(b, loc, add(first, chunk), blocks);
  parallelLoop(div(N, 32), [&](Value nb) {
    Value n0 = mul(nb, 32);
    forLoop(first, end, 2, [&](Value mb) {
      // One tilezero each: tiles cannot be copied between registers.
      SmallVector<Value> zeros;
      for (int64_t t = 0; t < 4; ++t)
        zeros.push_back(amx::TileZeroOp::create(b, loc, accTile));
      auto kLoop = scf::ForOp::create(
          b, loc, k0, kEnd, index(32), zeros,
          [&](OpBuilder &, Location, Value k, ValueRange acc) {
            Value w0 = amx::TileLoadOp::create(b, loc, operandTile, w, ValueRange{n0, k});
            Value w1 =
                amx::TileLoadOp::create(b, loc, operandTile, w, ValueRange{addc(n0, 16), k});
            SmallVector<Value> next(acc.begin(), acc.end());
            for (int64_t part = 0; part < parts; ++part) {
              SmallVector<Value> as;
              for (int64_t j = 0; j < 2; ++j) {
                Value row = add(mulv(addc(mul(addc(mb, j), parts), part), pairs), div(k, 2));
                as.push_back(amx::TileLoadOp::create(b, loc, operandTile, packed,
                                                     ValueRange{row, index(0)}));
              }
              for (int64_t i = 0; i < 2; ++i)
                for (int64_t j = 0; j < 2; ++j)
                  next[i * 2 + j] = amx::TileMulFOp::create(b, loc, accTile, i ? w1 : w0,
                                                            as[j], next[i * 2 + j]);
            }
            scf::YieldOp::create(b, loc, next);
          });
      for (int64_t i = 0; i < 2; ++i)
        for (int64_t j = 0; j < 2; ++j) {
          amx::TileStoreOp::create(b, loc, scratch, ValueRange{nb, index(0), index(0)},
                                   kLoop.getResult(i * 2 + j));
          SmallVector<Value> rows;
          for (int64_t r = 0; r < 16; ++r)
            rows.push_back(vector::LoadOp::create(b, loc, rowVector, scratch,
                                                  ValueRange{nb, index(r), index(0)}));
          transposeInRegisters(b, loc, rows); // rows[m] holds 16 n's
          Value col = addc(n0, 16 * i);
          for (int64_t r = 0; r < 16; ++r) {
            Value m = addc(mul(addc(mb, j), 16), r);
            Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, m, M);
            scf::IfOp::create(b, loc, inside, [&](OpBuilder &, Location) {
              Value old = vector::LoadOp::create(b, loc, rowVector, c, ValueRange{m, col});
              Value sum = arith::AddFOp::create(b, loc, old, rows[r]);
              vector::StoreOp::create(b, loc, sum, c, ValueRange{m, col});
              scf::YieldOp::create(b, loc);
            });
          }
        }
    });
  });
  scf::YieldOp::create(b, loc);
                     });
  scf::YieldOp::create(b, loc);
                     });
  memref::DeallocOp::create(b, loc, packed);
  memref::DeallocOp::create(b, loc, scratch);
  func::ReturnOp::create(b, loc);
  return func;
}
