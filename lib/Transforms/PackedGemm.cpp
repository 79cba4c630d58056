//===- PackedGemm.cpp - The hybrid-packed-gemm pass -----------------------===//
//
// See Passes.td for what and why. The loop nest, for C[M,N] += A[M,K]·W[N,K]ᵀ
// with MR rows and NR = NV·lanes columns per micro-kernel (BLIS's, with the
// whole of N as one block):
//
//   for pc in K step kc:                    equal blocks of at most KC:
//                                           KC·NR·4 bytes in a quarter of L2
//     Ap[ib][p][i] = A[ib·MR+i][pc+p]       every full row block (threads)
//     parallel for jp in ceil(N / NR):      whole panels per thread
//       Wp[p][j] = W[jp·NR+j][pc+p]         its own buffer; W's rows of
//                                           panel jp+1 prefetched into L2
//       for ib in row blocks:               Wp stays in cache for all rows
//         acc[MR][NV] = C[ib·MR.., jp·NR..]
//         for p in kc: acc[i][v] += bcast(Ap[ib][p][i]) * Wp[p][v·lanes..]
//         C[ib·MR.., jp·NR..] = acc
//
// Rows left over by MR get one-row kernels reading A directly; columns left
// over by NR, one more panel padded with zeros, its C tiles read and written
// under a mask. A bf16 W (weights kept
// in bfloat16, hybrid-bf16-weights) is widened as it is packed, and as the
// matrix-vector functions read it: the micro-kernel is the same. In a module
// whose products may round A to bf16 (hybrid.matmul_precision = "bf16"), on
// a target with AVX512-BF16, the same nest runs vdpbf16ps instead: A rounded
// to bf16 once per call, W's panels packed in pairs of k's, a step per pair
// (Blocking::bf16Dot). All of it is one
// private function with dynamic shapes per module (per blocking), which
// every product calls: LLVM compiles the micro-kernels once per module.
//
//===----------------------------------------------------------------------===//

#include "GemmKernels.h"
#include "hybrid/Dialect/Hybrid/IR/Signature.h"
#include "hybrid/Transforms/GemmMatch.h"
#include "hybrid/Transforms/Passes.h"
#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::hybrid {
#define GEN_PASS_DEF_PACKEDGEMM
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;
using namespace mlir::hybrid::gemm;

MemRefType gemm::dynamicMatrixType(Type element) {
  MLIRContext *ctx = element.getContext();
  const int64_t dyn = ShapedType::kDynamic;
  return MemRefType::get({dyn, dyn}, element, StridedLayoutAttr::get(ctx, dyn, {dyn, 1}));
}

std::string gemm::weightSuffix(Type weightElement) {
  return weightElement.isBF16() ? "bf16w" : "f32";
}

MemRefType gemm::panelWeightType(int64_t panelRows, MLIRContext *ctx) {
  const int64_t dyn = ShapedType::kDynamic;
  return MemRefType::get({dyn, dyn, panelRows}, Float32Type::get(ctx));
}

func::FuncOp gemm::declareKernel(ModuleOp module, StringRef name, Type weightElement,
                                 OpBuilder &b, MemRefType weightType) {
  MLIRContext *ctx = module.getContext();
  b.setInsertionPointToEnd(module.getBody());
  MemRefType matrix = dynamicMatrixType(Float32Type::get(ctx));
  if (!weightType)
    weightType = dynamicMatrixType(weightElement);
  auto func = func::FuncOp::create(b, b.getUnknownLoc(), name,
                                   b.getFunctionType({matrix, weightType, matrix}, {}));
  func.setPrivate();
  // A call per product, not a copy per call site.
  func->setAttr("passthrough", b.getArrayAttr({b.getStringAttr("noinline")}));
  // Internal in the object: modules compiled apart and linked together
  // each keep their own.
  func->setAttr("llvm.linkage", LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
  b.setInsertionPointToStart(func.addEntryBlock());
  return func;
}

void gemm::transposeInRegisters(OpBuilder &b, Location loc, SmallVector<Value> &rows) {
  const int64_t n = rows.size();
  for (int64_t half = n / 2; half >= 1; half /= 2)
    for (int64_t i = 0; i < n; ++i) {
      if (i & half)
        continue;
      SmallVector<int64_t> upper, lower;
      for (int64_t j = 0; j < n; ++j) {
        upper.push_back((j & half) ? n + j - half : j);
        lower.push_back((j & half) ? n + j : j + half);
      }
      Value top = vector::ShuffleOp::create(b, loc, rows[i], rows[i + half], upper);
      Value bottom = vector::ShuffleOp::create(b, loc, rows[i], rows[i + half], lower);
      rows[i] = top;
      rows[i + half] = bottom;
    }
}

namespace {

/// Register and cache blocking for the target: MR·NV accumulators plus NV
/// loaded weight vectors and a broadcast fit the register file (32 registers
/// with AVX-512, 16 with AVX2).
struct Blocking {
  int64_t lanes, mr, nv, kc;
  /// Products in bf16 (vdpbf16ps): A rounded to bf16, W packed in pairs of
  /// k's, each instruction two k's per lane (kc even).
  bool bf16Dot = false;
  int64_t nr() const { return nv * lanes; }
};

Blocking blockingFor(const CPUTarget &target) {
  Blocking b;
  b.lanes = std::max<int64_t>(1, target.lanes());
  b.mr = 6;
  b.nv = target.vectorBits >= 512 ? 4 : 2;
  // KC as long as a KC×NR panel of W fits a quarter of L2 (at most 512):
  // each k block loads and stores all of C, which at KC = 64 (W's panel in
  // half of L1) cost 15% of 512 × 2048 × 2048. The panel streams from L2
  // in the order the kernel reads it; A's six values per k are the only
  // other loads.
  b.kc = std::clamp<int64_t>(target.l2Bytes / 4 / (b.nr() * 4), 16, 512);
  return b;
}

/// The blocking of the bf16 dot-product kernel: the same registers, a
/// panel of bf16 pairs (half the bytes per k, so KC up to 1024, even).
Blocking dotBlockingFor(const CPUTarget &target) {
  Blocking b = blockingFor(target);
  b.bf16Dot = true;
  b.kc = std::clamp<int64_t>(target.l2Bytes / 4 / (b.nr() * 2), 32, 1024) / 2 * 2;
  return b;
}

SmallVector<ReassociationIndices> rowGroups(MemRefType type) {
  SmallVector<ReassociationIndices> groups(2);
  for (int64_t d = 0; d + 1 < type.getRank(); ++d)
    groups[0].push_back(d);
  groups[1].push_back(type.getRank() - 1);
  return groups;
}

/// Whether all but the last dim of `memref` fold into one.
bool rowsCollapse(Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  return type.getRank() == 2 ||
         memref::CollapseShapeOp::isGuaranteedCollapsible(type, rowGroups(type));
}

/// `memref` with all but its last dim folded into one.
Value collapseRows(OpBuilder &b, Location loc, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  if (type.getRank() == 2)
    return memref;
  return memref::CollapseShapeOp::create(b, loc, memref, rowGroups(type));
}

/// `lanes` elements of `memref` from `indices` as a vector of f32 (0: one
/// element, as an f32 scalar); bf16 elements are widened (exactly).
Value loadWidened(OpBuilder &b, Location loc, Value memref, ValueRange indices,
                  int64_t lanes) {
  Type element = cast<MemRefType>(memref.getType()).getElementType();
  Type f32 = b.getF32Type();
  Value value = lanes == 0 ? memref::LoadOp::create(b, loc, memref, indices).getResult()
                           : vector::LoadOp::create(b, loc, VectorType::get({lanes}, element),
                                                    memref, indices)
                                 .getResult();
  if (element.isF32())
    return value;
  return arith::ExtFOp::create(b, loc, lanes == 0 ? f32 : VectorType::get({lanes}, f32),
                               value);
}

/// Builds the loop nest of the file comment at `b`'s insertion point. Body
/// builders of scf.for receive `b` itself, so every helper builds with it.
class GemmEmitter {
public:
  GemmEmitter(OpBuilder &b, Location loc, Blocking blocking, Value a, Value w, Value c)
      : b(b), loc(loc), blk(blocking), a(a), w(w), c(c),
        vectorType(VectorType::get({blocking.lanes}, b.getF32Type())) {}

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// A vector of f32 from `memref` at `indices`, widened from bf16.
  Value loadVector(Value memref, ValueRange indices) {
    return loadWidened(b, loc, memref, indices, blk.lanes);
  }
  /// One element of `memref` as f32, widened from bf16.
  Value loadScalar(Value memref, ValueRange indices) {
    return loadWidened(b, loc, memref, indices, 0);
  }

  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  /// x rounded up to even: pairs of k's for vdpbf16ps.
  Value roundUpToEven(Value x) {
    return mul(arith::DivUIOp::create(b, loc, add(x, 1), index(2)), 2);
  }
  Value add(Value x, int64_t y) { return y == 0 ? x : add(x, index(y)); }
  Value mul(Value x, int64_t y) { return arith::MulIOp::create(b, loc, x, index(y)); }

  /// for (i = from; i < to; i += step) body(i)
  void loop(Value from, Value to, int64_t step, llvm::function_ref<void(Value)> body) {
    scf::ForOp::create(b, loc, from, to, index(step), ValueRange{},
                       [&](OpBuilder &, Location, Value i, ValueRange) {
                         body(i);
                         scf::YieldOp::create(b, loc);
                       });
  }
  void loop(int64_t from, int64_t to, int64_t step, llvm::function_ref<void(Value)> body) {
    loop(index(from), index(to), step, body);
  }

  /// The same loop, its iterations independent (each writes its own part
  /// of the output, which no other iteration reads): an scf.parallel, which
  /// convert-scf-to-openmp shares among the threads. Which thread runs an
  /// iteration never changes what it computes, so results do not depend on
  /// the thread count.
  void parallelLoop(Value from, Value to, Value step,
                    llvm::function_ref<void(Value)> body) {
    scf::ParallelOp::create(b, loc, ValueRange{from}, ValueRange{to}, ValueRange{step},
                            [&](OpBuilder &, Location, ValueRange i) { body(i[0]); });
  }

  /// packed[slot][p][i] = source[block·width + i][pc + p] for i < width and
  /// p < kcur: one block of `width` rows of `source` ([rows, K]) in the
  /// layout the micro-kernel reads contiguously.
  ///
  /// With `lastSourceRow`, the next block's rows (clamped to that row) are
  /// prefetched into L2 at the same k's as this block's are read: the
  /// thread's next panel of W arrives while its kernels run on this one.
  void packBlock(Value source, Value packed, Value slot, Value block, int64_t width,
                 Value pc, Value kcur, Value lastSourceRow = Value()) {
    const int64_t lanes = blk.lanes;
    // A width of whole vectors (W's panels): lanes × lanes tiles moved as
    // vectors and transposed in registers, k in steps of a vector; the
    // scalar copy was 15% of a Gemma 2 prefill (perf).
    Value kVectors = index(0);
    if (width % lanes == 0 && lanes > 1) {
      kVectors = mul(arith::DivUIOp::create(b, loc, kcur, index(lanes)), lanes);
      loop(index(0), kVectors, lanes, [&](Value p0) {
        for (int64_t g = 0; g < width / lanes; ++g) {
          SmallVector<Value> rows;
          for (int64_t i = 0; i < lanes; ++i)
            rows.push_back(loadVector(
                source, ValueRange{add(mul(block, width), g * lanes + i), add(pc, p0)}));
          if (lastSourceRow)
            for (int64_t i = 0; i < lanes; ++i) {
              Value next = arith::MinSIOp::create(
                  b, loc, add(mul(block, width), width + g * lanes + i), lastSourceRow);
              memref::PrefetchOp::create(b, loc, source, ValueRange{next, add(pc, p0)},
                                         /*isWrite=*/false, /*localityHint=*/2,
                                         /*isDataCache=*/true);
            }
          transposeInRegisters(b, loc, rows);
          for (int64_t p = 0; p < lanes; ++p)
            vector::StoreOp::create(b, loc, rows[p], packed,
                                    ValueRange{slot, add(p0, p), index(g * lanes)});
        }
      });
    }
    loop(0, width, 1, [&](Value i) {
      Value row = add(mul(block, width), i);
      loop(kVectors, kcur, 1, [&](Value p) {
        Value x = loadScalar(source, ValueRange{row, add(pc, p)});
        memref::StoreOp::create(b, loc, x, packed, ValueRange{slot, p, i});
      });
    });
  }

  /// The bf16 dot kernel's panel of W (bf16) columns block·width ..:
  /// packed[0][p][2j + e] = W[block·width + j][pc + 2p + e], in pairs of
  /// k's as vdpbf16ps multiplies them. 32 k's of 16 rows are 16 × 16 i32
  /// words (one pair each), transposed in registers; the next block's rows
  /// are prefetched as in packBlock. The k's past the last 32 go through
  /// packPairsScalar.
  void packPairBlock(Value source, Value packed, Value block, int64_t width, Value pc,
                     Value kcur, Value lastSourceRow) {
    auto halves = VectorType::get({32}, b.getBF16Type());
    auto words = VectorType::get({16}, b.getI32Type());
    Value kVectors = mul(arith::DivUIOp::create(b, loc, kcur, index(32)), 32);
    loop(index(0), kVectors, 32, [&](Value k0) {
      for (int64_t g = 0; g < width / 16; ++g) {
        SmallVector<Value> rows;
        for (int64_t i = 0; i < 16; ++i) {
          Value row = add(mul(block, width), g * 16 + i);
          Value pairs = vector::LoadOp::create(b, loc, halves, source,
                                               ValueRange{row, add(pc, k0)});
          rows.push_back(vector::BitCastOp::create(b, loc, words, pairs));
          Value next = arith::MinSIOp::create(b, loc, add(row, width), lastSourceRow);
          memref::PrefetchOp::create(b, loc, source, ValueRange{next, add(pc, k0)},
                                     /*isWrite=*/false, /*localityHint=*/2,
                                     /*isDataCache=*/true);
        }
        transposeInRegisters(b, loc, rows);
        Value p0 = arith::DivUIOp::create(b, loc, k0, index(2));
        for (int64_t q = 0; q < 16; ++q)
          vector::StoreOp::create(b, loc, vector::BitCastOp::create(b, loc, halves, rows[q]),
                                  packed, ValueRange{index(0), add(p0, q), index(g * 32)});
      }
    });
    packPairsScalar(source, packed, mul(block, width), index(width), pc, kcur, kVectors);
  }

  /// packed[0][k/2][2j + k%2] = W[col0 + j][pc + k] for j < validCols and
  /// k < kcur, else 0, for kFrom ≤ k < kcur rounded up to even and j < NR:
  /// one element at a time (the k's packPairBlock leaves, and C's last,
  /// partial panel). Reads are clamped inside W.
  void packPairsScalar(Value source, Value packed, Value col0, Value validCols, Value pc,
                       Value kcur, Value kFrom) {
    Value lastCol = arith::SubIOp::create(b, loc, add(col0, validCols), index(1));
    Value lastK = arith::SubIOp::create(b, loc, add(pc, kcur), index(1));
    Value kEven = roundUpToEven(kcur);
    Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(b.getBF16Type(), 0.0));
    loop(kFrom, kEven, 1, [&](Value k) {
      Value p = arith::DivUIOp::create(b, loc, k, index(2));
      Value e = arith::SubIOp::create(b, loc, k, mul(p, 2));
      Value kInside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, k, kcur);
      Value at = arith::MinSIOp::create(b, loc, add(pc, k), lastK);
      loop(0, blk.nr(), 1, [&](Value j) {
        Value row = arith::MinSIOp::create(b, loc, add(col0, j), lastCol);
        Value x = memref::LoadOp::create(b, loc, source, ValueRange{row, at});
        Value inside = arith::AndIOp::create(
            b, loc, kInside,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, j, validCols));
        memref::StoreOp::create(b, loc, arith::SelectOp::create(b, loc, inside, x, zero),
                                packed, ValueRange{index(0), p, add(mul(j, 2), e)});
      });
    });
  }

  /// rounded[m][k] = bf16(A[m][k]) (to nearest, ties to even) for k < K,
  /// and 0 for K ≤ k < kPadded (an odd K's last pair): the bf16 dot
  /// kernel's A, rounded once per call; rows shared among the threads.
  void roundRows(Value source, Value rounded, Value M, Value K, Value kPadded) {
    auto wide = VectorType::get({32}, b.getF32Type());
    auto narrow = VectorType::get({32}, b.getBF16Type());
    Value kVectors = mul(arith::DivUIOp::create(b, loc, K, index(32)), 32);
    Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(b.getBF16Type(), 0.0));
    parallelLoop(index(0), M, index(1), [&](Value m) {
      loop(index(0), kVectors, 32, [&](Value k) {
        Value x = vector::LoadOp::create(b, loc, wide, source, ValueRange{m, k});
        vector::StoreOp::create(b, loc, arith::TruncFOp::create(b, loc, narrow, x), rounded,
                                ValueRange{m, k});
      });
      loop(kVectors, K, 1, [&](Value k) {
        Value x = memref::LoadOp::create(b, loc, source, ValueRange{m, k});
        memref::StoreOp::create(b, loc, arith::TruncFOp::create(b, loc, b.getBF16Type(), x),
                                rounded, ValueRange{m, k});
      });
      loop(K, kPadded, 1, [&](Value k) {
        memref::StoreOp::create(b, loc, zero, rounded, ValueRange{m, k});
      });
    });
  }

  /// Every full block of `width` rows of `source`, block i into slot i,
  /// the blocks shared among the threads.
  void pack(Value source, Value packed, Value blocks, int64_t width, Value pc,
            Value kcur) {
    parallelLoop(index(0), blocks, index(1), [&](Value block) {
      packBlock(source, packed, block, block, width, pc, kcur);
    });
  }

  /// C[row0 + i][col0 + ...] += A[row0 + i][pc + p] · W[col0 + ...][pc + p]
  /// summed over p < kcur (with bf16Dot: kcur pairs of k's, dotStep), for
  /// i < rows: A from its packed block `ib`
  /// (row0 = ib·MR) when given, else from A itself; W from `packedW`'s
  /// slot 0, where panel `jp` (columns jp·NR ..) was packed.
  /// With `validCols`, the panel is C's last, partial one: only its first
  /// validCols columns exist, and C is read and written under a mask (the
  /// packed panel's other columns are zeros).
  void microKernel(int64_t rows, Value row0, Value jp, Value pc, Value kcur,
                   Value packedW, Value packedA, Value ib, Value validCols = Value()) {
    Value col0 = mul(jp, blk.nr());
    SmallVector<Value> masks;
    if (validCols) {
      auto maskType = VectorType::get({blk.lanes}, b.getI1Type());
      for (int64_t v = 0; v < blk.nv; ++v)
        masks.push_back(vector::CreateMaskOp::create(
            b, loc, maskType,
            ValueRange{arith::MaxSIOp::create(
                b, loc, arith::SubIOp::create(b, loc, validCols, index(v * blk.lanes)),
                index(0))}));
    }
    Value zeros = arith::ConstantOp::create(
        b, loc, vectorType, DenseElementsAttr::get(vectorType, b.getF32FloatAttr(0.0f)));
    SmallVector<Value> acc;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t v = 0; v < blk.nv; ++v) {
        ValueRange at{add(row0, i), add(col0, v * blk.lanes)};
        acc.push_back(validCols ? vector::MaskedLoadOp::create(b, loc, vectorType, c, at,
                                                               masks[v], zeros)
                                      .getResult()
                                : vector::LoadOp::create(b, loc, vectorType, c, at).getResult());
      }
    // The tile below this one is the next kernel's: its rows are N apart,
    // a stride no hardware prefetcher follows, so ask for them now (the k
    // loop hides the latency). Rows past C's end are clamped to its last.
    if (rows == blk.mr && !validCols) {
      for (int64_t i = 0; i < rows; ++i) {
        Value row = arith::MinSIOp::create(b, loc, add(row0, blk.mr + i), lastRow);
        for (int64_t col = 0; col < blk.nr(); col += 16)
          memref::PrefetchOp::create(b, loc, c, ValueRange{row, add(col0, col)},
                                     /*isWrite=*/true, /*localityHint=*/3,
                                     /*isDataCache=*/true);
      }
    }
    auto kLoop = scf::ForOp::create(
        b, loc, index(0), kcur, index(1), acc,
        [&](OpBuilder &, Location, Value p, ValueRange sums) {
          SmallVector<Value> weights, next;
          if (blk.bf16Dot) {
            dotStep(rows, row0, pc, p, packedW, sums, next);
            scf::YieldOp::create(b, loc, next);
            return;
          }
          for (int64_t v = 0; v < blk.nv; ++v)
            weights.push_back(vector::LoadOp::create(
                b, loc, vectorType, packedW, ValueRange{index(0), p, index(v * blk.lanes)}));
          for (int64_t i = 0; i < rows; ++i) {
            Value x = packedA ? memref::LoadOp::create(b, loc, packedA,
                                                       ValueRange{ib, p, index(i)})
                              : memref::LoadOp::create(b, loc, a,
                                                       ValueRange{add(row0, i), add(pc, p)});
            Value splat = vector::BroadcastOp::create(b, loc, vectorType, x);
            for (int64_t v = 0; v < blk.nv; ++v)
              next.push_back(vector::FMAOp::create(b, loc, splat, weights[v],
                                                   sums[i * blk.nv + v]));
          }
          scf::YieldOp::create(b, loc, next);
        });
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t v = 0; v < blk.nv; ++v) {
        Value sum = kLoop.getResult(i * blk.nv + v);
        ValueRange at{add(row0, i), add(col0, v * blk.lanes)};
        if (validCols)
          vector::MaskedStoreOp::create(b, loc, c, at, masks[v], sum);
        else
          vector::StoreOp::create(b, loc, sum, c, at);
      }
  }

  /// One step of the bf16 dot kernel, pair p of the k block at pc: each
  /// row's pair of rounded A values, broadcast as one 32-bit word, times
  /// the panel's NV vectors of 16 column pairs (vdpbf16ps: both products
  /// of a lane's pair added to its f32 sum).
  void dotStep(int64_t rows, Value row0, Value pc, Value p, Value packedW, ValueRange sums,
               SmallVector<Value> &next) {
    auto halves = VectorType::get({2 * blk.lanes}, b.getBF16Type());
    SmallVector<Value> weights;
    for (int64_t v = 0; v < blk.nv; ++v)
      weights.push_back(vector::LoadOp::create(b, loc, halves, packedW,
                                               ValueRange{index(0), p, index(v * 2 * blk.lanes)}));
    Value k = add(pc, mul(p, 2));
    for (int64_t i = 0; i < rows; ++i) {
      Value pair = vector::LoadOp::create(b, loc, VectorType::get({2}, b.getBF16Type()),
                                          rounded, ValueRange{add(row0, i), k});
      Value word = vector::BitCastOp::create(b, loc, VectorType::get({1}, b.getI32Type()), pair);
      Value words = vector::BroadcastOp::create(
          b, loc, VectorType::get({blk.lanes}, b.getI32Type()), word);
      Value splat = vector::BitCastOp::create(b, loc, halves, words);
      for (int64_t v = 0; v < blk.nv; ++v)
        next.push_back(x86vector::DotBF16Op::create(b, loc, sums[i * blk.nv + v], splat,
                                                    weights[v]));
    }
  }

  /// packed[0][p][j] = W[col0 + j][pc + p] for j < validCols, else 0:
  /// C's last, partial panel of columns, padded to NR with zeros so the
  /// micro-kernel's loads stay whole vectors. Rows past W's end are read
  /// clamped to its last (and discarded): no load leaves W.
  void packPartialPanel(Value source, Value packed, Value col0, Value validCols, Value pc,
                        Value kcur) {
    Value lastCol = arith::SubIOp::create(b, loc, add(col0, validCols), index(1));
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    loop(index(0), kcur, 1, [&](Value p) {
      loop(0, blk.nr(), 1, [&](Value j) {
        Value row = arith::MinSIOp::create(b, loc, add(col0, j), lastCol);
        Value x = loadScalar(source, ValueRange{row, add(pc, p)});
        Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, j, validCols);
        memref::StoreOp::create(b, loc, arith::SelectOp::create(b, loc, inside, x, zero),
                                packed, ValueRange{index(0), p, j});
      });
    });
  }

  OpBuilder &b;
  Location loc;
  Blocking blk;
  Value a, w, c;
  VectorType vectorType;
  Value lastRow; ///< C's last row index (prefetches are clamped to it)
  Value rounded; ///< A rounded to bf16 ([M, K rounded up to even]): bf16Dot
};

/// C += A·Wᵀ through the loop nest of the file comment, for any M, N and K.
/// One function per module, called by every linear layer: LLVM compiles the
/// micro-kernels once, not once per layer shape (which cost seconds per
/// model).
/// With `packA` false, the 6-row kernels read A where it is (six rows,
/// one element each per k). Each packed A block is read once per column
/// panel, so for products of at most four panels the scalar packing copy
/// costs more than it saves: 8-17% of Swin's N = 96 and 192 products, while
/// 1024 x 1024 x 320 (5 panels) and 1024³ are 5-10% faster packed
/// (docs/performance.md).
///
/// With `panelW`, W comes packed at load (panelWeightType, NR rows a panel):
/// each thread's kernels read its panel's k block where it lies.
func::FuncOp buildGemmFunction(ModuleOp module, StringRef name, Type weightElement,
                               Blocking blk, bool packA, bool panelW = false) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  Location loc = b.getUnknownLoc();
  assert(!(panelW && blk.bf16Dot) && "W in panels is f32");
  func::FuncOp func = declareKernel(module, name, weightElement, b,
                                    panelW ? panelWeightType(blk.nr(), ctx) : MemRefType());
  Value a = func.getArgument(0), w = func.getArgument(1), c = func.getArgument(2);

  GemmEmitter emit(b, loc, blk, a, w, c);
  auto dim = [&](Value m, int64_t d) { return memref::DimOp::create(b, loc, m, d).getResult(); };
  auto div = [&](Value x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, emit.index(y)).getResult();
  };
  Value M = dim(c, 0), N = dim(c, 1), K = dim(a, 1);
  Value rowBlocks = div(M, blk.mr), panels = div(N, blk.nr());
  Value mFull = emit.mul(rowBlocks, blk.mr), nFull = emit.mul(panels, blk.nr());
  // Columns left over by NR: one more, partial panel (0 or 1 of them).
  Value nRest = arith::SubIOp::create(b, loc, N, nFull);
  Value allPanels = div(emit.add(N, blk.nr() - 1), blk.nr());
  emit.lastRow = arith::SubIOp::create(b, loc, M, emit.index(1));
  Value zero = emit.index(0), one = emit.index(1);
  Value lastWRow = arith::SubIOp::create(b, loc, N, one);
  // K in blocks of at most KC, all of one size but the last (2048 in
  // blocks of 384 would leave a block of 128: 15% slower on 512 rows).
  Value kBlocks = arith::MaxSIOp::create(b, loc, div(emit.add(K, blk.kc - 1), blk.kc), one);
  Value kc = arith::DivUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, K, arith::SubIOp::create(b, loc, kBlocks, one)),
      kBlocks);
  // In pairs of k's for vdpbf16ps: blocks start at even k's.
  if (blk.bf16Dot)
    kc = emit.roundUpToEven(kc);

  auto f32 = b.getF32Type();
  const int64_t dyn = ShapedType::kDynamic;
  auto alignment = b.getI64IntegerAttr(64);
  // A's packed blocks for one k block, on the heap (megabytes for large M).
  Value packedA = packA ? memref::AllocOp::create(b, loc,
                                                  MemRefType::get({dyn, dyn, blk.mr}, f32),
                                                  ValueRange{rowBlocks, kc}, alignment)
                              .getResult()
                        : Value();
  // The bf16 dot kernel's A, rounded to bf16 once per call.
  if (blk.bf16Dot) {
    Value kPadded = emit.roundUpToEven(K);
    emit.rounded = memref::AllocOp::create(b, loc, MemRefType::get({dyn, dyn}, b.getBF16Type()),
                                           ValueRange{M, kPadded}, alignment);
    emit.roundRows(a, emit.rounded, M, K, kPadded);
  }
  auto loop = [&](Value from, Value to, Value step, llvm::function_ref<void(Value)> body) {
    scf::ForOp::create(b, loc, from, to, step, ValueRange{},
                       [&](OpBuilder &, Location, Value i, ValueRange) {
                         body(i);
                         scf::YieldOp::create(b, loc);
                       });
  };
  // Every row's kernels over panel jp (under a column mask with
  // `validCols`): the 6-row kernels, then a one-row kernel for each row
  // left over by MR, reading A directly.
  auto everyRow = [&](Value jp, Value pc, Value kcur, Value packedW, Value validCols) {
    loop(zero, rowBlocks, one, [&](Value ib) {
      emit.microKernel(blk.mr, emit.mul(ib, blk.mr), jp, pc, kcur, packedW, packedA,
                       packA ? ib : Value(), validCols);
    });
    loop(mFull, M, one, [&](Value row) {
      emit.microKernel(1, row, jp, pc, kcur, packedW, Value(), Value(), validCols);
    });
  };
  loop(zero, K, kc, [&](Value pc) {
    Value kcur = arith::MinSIOp::create(b, loc, kc, arith::SubIOp::create(b, loc, K, pc));
    // The micro-kernel's steps: k's, or pairs of k's for vdpbf16ps.
    Value steps = blk.bf16Dot ? div(emit.add(kcur, 1), 2) : kcur;
    if (packA)
      emit.pack(a, packedA, rowBlocks, blk.mr, pc, kcur);
    // Each thread takes whole column panels: it packs the panel into a
    // buffer of its own and runs every row's kernels over it while the
    // panel is in cache (packed ahead into one buffer for all panels, W
    // went out to memory and back: 128 MB a call at N = 8192, K = 2048).
    emit.parallelLoop(zero, allPanels, one, [&](Value jp) {
      auto isFull = [&] {
        return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, jp, panels);
      };
      if (panelW) {
        // Packed at load: the panel's k block is W[jp][pc .. pc + kcur][:],
        // contiguous (zeros past N in a last, partial panel).
        Value panel = memref::SubViewOp::create(
            b, loc, w, SmallVector<OpFoldResult>{jp, pc, b.getIndexAttr(0)},
            SmallVector<OpFoldResult>{b.getIndexAttr(1), kcur, b.getIndexAttr(blk.nr())},
            SmallVector<OpFoldResult>(3, b.getIndexAttr(1)));
        auto choice = scf::IfOp::create(b, loc, isFull(), /*withElseRegion=*/true);
        b.setInsertionPointToStart(choice.thenBlock());
        everyRow(jp, pc, steps, panel, Value());
        b.setInsertionPointToStart(choice.elseBlock());
        everyRow(jp, pc, steps, panel, nRest);
        b.setInsertionPointAfter(choice);
        return;
      }
      Value packedW =
          blk.bf16Dot
              ? memref::AllocOp::create(b, loc,
                                        MemRefType::get({1, dyn, 2 * blk.nr()}, b.getBF16Type()),
                                        ValueRange{div(kc, 2)}, alignment)
              : memref::AllocOp::create(b, loc, MemRefType::get({1, dyn, blk.nr()}, f32),
                                        ValueRange{kc}, alignment);
      auto choice = scf::IfOp::create(b, loc, isFull(), /*withElseRegion=*/true);
      b.setInsertionPointToStart(choice.thenBlock());
      if (blk.bf16Dot)
        emit.packPairBlock(w, packedW, jp, blk.nr(), pc, kcur, lastWRow);
      else
        emit.packBlock(w, packedW, zero, jp, blk.nr(), pc, kcur, lastWRow);
      everyRow(jp, pc, steps, packedW, Value());
      // The last, partial panel of columns left over by NR: the same
      // kernels under a column mask.
      b.setInsertionPointToStart(choice.elseBlock());
      if (blk.bf16Dot)
        emit.packPairsScalar(w, packedW, nFull, nRest, pc, kcur, zero);
      else
        emit.packPartialPanel(w, packedW, nFull, nRest, pc, kcur);
      everyRow(jp, pc, steps, packedW, nRest);
      b.setInsertionPointAfter(choice);
      memref::DeallocOp::create(b, loc, packedW);
    });
  });
  if (packA)
    memref::DeallocOp::create(b, loc, packedA);
  if (blk.bf16Dot)
    memref::DeallocOp::create(b, loc, emit.rounded);

  func::ReturnOp::create(b, loc);
  return func;
}

/// The kernel function for a static, small M (decode: fewer than min-rows
/// rows): C += A·Wᵀ as dot products
/// along k, `group` rows of W at a time, M·group vector accumulators, each W
/// vector loaded once and used for every row of A; a horizontal sum and a
/// scalar k tail per output. No packing: W is read exactly once.
func::FuncOp buildGemvFunction(ModuleOp module, StringRef name, Type weightElement,
                               int64_t rows, int64_t group, int64_t lanes) {
  OpBuilder b(module.getContext());
  Location loc = b.getUnknownLoc();
  func::FuncOp func = declareKernel(module, name, weightElement, b);
  Value a = func.getArgument(0), w = func.getArgument(1), c = func.getArgument(2);
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  auto add = [&](Value x, int64_t y) {
    return y == 0 ? x : arith::AddIOp::create(b, loc, x, index(y)).getResult();
  };
  auto vectorType = VectorType::get({lanes}, b.getF32Type());
  Value N = memref::DimOp::create(b, loc, c, 1), K = memref::DimOp::create(b, loc, a, 1);
  Value lastRow = arith::SubIOp::create(b, loc, N, index(1));
  Value kFull = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, K, index(lanes)), index(lanes));
  Value zeroVector = arith::ConstantOp::create(
      b, loc, vectorType, DenseElementsAttr::get(vectorType, b.getF32FloatAttr(0.0f)));

  // Outputs n0 .. n0 + g - 1 of every row.
  auto outputs = [&](Value n0, int64_t g) {
    SmallVector<Value> init(rows * g, zeroVector);
    auto kLoop = scf::ForOp::create(
        b, loc, index(0), kFull, index(lanes), init,
        [&](OpBuilder &, Location, Value k, ValueRange sums) {
          SmallVector<Value> x, next(sums.begin(), sums.end());
          for (int64_t m = 0; m < rows; ++m)
            x.push_back(vector::LoadOp::create(b, loc, vectorType, a, ValueRange{index(m), k}));
          // The next group's rows at this k, into L2: a model's rows are
          // short (K = 512 is 32 steps), too short for the hardware
          // prefetchers to ramp up on g streams at once (decode 25-30%
          // faster). Rows past W's end are clamped to its last.
          for (int64_t j = 0; j < g; ++j) {
            Value row = arith::MinSIOp::create(b, loc, add(n0, g + j), lastRow);
            memref::PrefetchOp::create(b, loc, w, ValueRange{row, k}, /*isWrite=*/false,
                                       /*localityHint=*/2, /*isDataCache=*/true);
          }
          for (int64_t j = 0; j < g; ++j) {
            Value wv = loadWidened(b, loc, w, ValueRange{add(n0, j), k}, lanes);
            for (int64_t m = 0; m < rows; ++m)
              next[m * g + j] = vector::FMAOp::create(b, loc, x[m], wv, next[m * g + j]);
          }
          scf::YieldOp::create(b, loc, next);
        });
    for (int64_t m = 0; m < rows; ++m)
      for (int64_t j = 0; j < g; ++j) {
        Value n = add(n0, j);
        Value sum = vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                                kLoop.getResult(m * g + j));
        auto tail = scf::ForOp::create(
            b, loc, kFull, K, index(1), ValueRange{sum},
            [&](OpBuilder &, Location, Value k, ValueRange s) {
              Value x = memref::LoadOp::create(b, loc, a, ValueRange{index(m), k});
              Value y = loadWidened(b, loc, w, ValueRange{n, k}, 0);
              Value fma = math::FmaOp::create(b, loc, x, y, s[0]);
              scf::YieldOp::create(b, loc, fma);
            });
        Value old = memref::LoadOp::create(b, loc, c, ValueRange{index(m), n});
        Value result = arith::AddFOp::create(b, loc, old, tail.getResult(0));
        memref::StoreOp::create(b, loc, result, c, ValueRange{index(m), n});
      }
  };
  Value nFull = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, N, index(group)), index(group));
  // Independent groups of outputs: shared among the threads (see
  // GemmEmitter::parallelLoop).
  scf::ParallelOp::create(b, loc, ValueRange{index(0)}, ValueRange{nFull},
                          ValueRange{index(group)},
                          [&](OpBuilder &, Location, ValueRange n0) { outputs(n0[0], group); });
  scf::ForOp::create(b, loc, nFull, N, index(1), ValueRange{},
                     [&](OpBuilder &, Location, Value n, ValueRange) {
                       outputs(n, 1);
                       scf::YieldOp::create(b, loc);
                     });
  func::ReturnOp::create(b, loc);
  return func;
}

/// The matrix-vector function for `rows` rows (fewer than min-rows) with W
/// packed at load in panels of `panelRows` (panelWeightType): C += A·Wᵀ as
/// axpys, per k a broadcast of A[m][k] times the panel's row of W, so each
/// thread streams whole panels (K·P contiguous floats) where the row
/// layout's kernel read g rows of a few KiB each at once. Each output is an
/// FMA chain over k per stream (no horizontal sums); `rows`·NVP
/// accumulators (NVP of the panel's vectors at a time) within the packed
/// kernel's register budget, and, where that leaves room, up to four
/// streams over equal parts of K, their sums added in order at the end.
/// With NVP short of the whole panel (more rows), the passes go block by
/// block of k's (each block's sums added into C), so that the panel is read
/// from memory once, taking block kb of four parts of K in turn (four
/// streams again). A last, partial panel's C
/// columns are read and written under a mask (its W rows are zeros).
func::FuncOp buildPanelGemvFunction(ModuleOp module, StringRef name, int64_t rows,
                                    int64_t panelRows, int64_t lanes, int64_t budget) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  Location loc = b.getUnknownLoc();
  func::FuncOp func =
      declareKernel(module, name, b.getF32Type(), b, panelWeightType(panelRows, ctx));
  Value a = func.getArgument(0), w = func.getArgument(1), c = func.getArgument(2);
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  auto add = [&](Value x, int64_t y) {
    return y == 0 ? x : arith::AddIOp::create(b, loc, x, index(y)).getResult();
  };
  auto vectorType = VectorType::get({lanes}, b.getF32Type());
  auto maskType = VectorType::get({lanes}, b.getI1Type());
  const int64_t vectors = panelRows / lanes;
  int64_t perPass = vectors;
  while (perPass > 1 && rows * perPass > budget)
    perPass /= 2;
  Value panels = memref::DimOp::create(b, loc, w, 0), K = memref::DimOp::create(b, loc, w, 1);
  Value N = memref::DimOp::create(b, loc, c, 1);
  Value lastK = arith::SubIOp::create(b, loc, K, index(1));
  constexpr int64_t kPrefetchSteps = 64;
  // A panel is read as `streams` sequential streams (equal parts of K side
  // by side, each with its own sums and prefetch): one stream alone did not
  // keep enough lines in flight (30% slower than the row kernel on 64 MB of
  // W, one thread).
  const int64_t streams =
      perPass == vectors ? std::clamp<int64_t>(budget / (rows * perPass), 1, 4) : 1;
  // With fewer vectors per pass than the panel has, each pass reads the
  // panel again: in blocks of kBlockSteps k's (16 KiB of a 64-row panel,
  // in L1), every pass over a block before the next block.
  constexpr int64_t kBlockSteps = 64;
  Value zeroVector = arith::ConstantOp::create(
      b, loc, vectorType, DenseElementsAttr::get(vectorType, b.getF32FloatAttr(0.0f)));
  // Panels are independent: shared among the threads (see
  // GemmEmitter::parallelLoop).
  scf::ParallelOp::create(
      b, loc, ValueRange{index(0)}, ValueRange{panels}, ValueRange{index(1)},
      [&](OpBuilder &, Location, ValueRange ps) {
        Value p = ps[0];
        Value col0 = arith::MulIOp::create(b, loc, p, index(panelRows));
        Value valid = arith::SubIOp::create(b, loc, N, col0);
        // Every pass over k's [kFrom, kTo), its sums added into C.
        auto passes = [&](Value kFrom, Value kTo) {
          for (int64_t v0 = 0; v0 < vectors; v0 += perPass) {
            const int64_t sums = rows * perPass;
            // Per k of each stream: its prefetch, the panel's vectors, and a
            // broadcast of A[m][k] times them into the stream's sums.
            auto step = [&](Value k, int64_t stream, ValueRange in, SmallVector<Value> &out) {
              if (v0 == 0) {
                Value ahead = arith::MinUIOp::create(b, loc, add(k, kPrefetchSteps), lastK);
                for (int64_t col = 0; col < panelRows; col += 16)
                  memref::PrefetchOp::create(b, loc, w, ValueRange{p, ahead, index(col)},
                                             /*isWrite=*/false, /*localityHint=*/2,
                                             /*isDataCache=*/true);
              }
              SmallVector<Value> wv;
              for (int64_t v = 0; v < perPass; ++v)
                wv.push_back(vector::LoadOp::create(b, loc, vectorType, w,
                                                    ValueRange{p, k, index((v0 + v) * lanes)}));
              for (int64_t m = 0; m < rows; ++m) {
                Value x = memref::LoadOp::create(b, loc, a, ValueRange{index(m), k});
                Value splat = vector::BroadcastOp::create(b, loc, vectorType, x);
                for (int64_t v = 0; v < perPass; ++v) {
                  const int64_t i = stream * sums + m * perPass + v;
                  out[i] = vector::FMAOp::create(b, loc, splat, wv[v], in[i]);
                }
              }
            };
            // The streams' k ranges [s·kPart, (s + 1)·kPart), side by side.
            SmallVector<Value> init(streams * sums, zeroVector);
            Value kPart = arith::DivUIOp::create(
                b, loc, arith::SubIOp::create(b, loc, kTo, kFrom), index(streams));
            auto mainLoop = scf::ForOp::create(
                b, loc, index(0), kPart, index(1), init,
                [&](OpBuilder &, Location, Value k, ValueRange in) {
                  SmallVector<Value> out(in.begin(), in.end());
                  for (int64_t stream = 0; stream < streams; ++stream)
                    step(arith::AddIOp::create(
                             b, loc,
                             arith::AddIOp::create(
                                 b, loc, kFrom,
                                 arith::MulIOp::create(b, loc, kPart, index(stream))),
                             k),
                         stream, in, out);
                  scf::YieldOp::create(b, loc, out);
                });
            // The k's past the last whole part, into stream 0's sums.
            auto tailLoop = scf::ForOp::create(
                b, loc,
                arith::AddIOp::create(b, loc, kFrom,
                                      arith::MulIOp::create(b, loc, kPart, index(streams))),
                kTo, index(1),
                mainLoop.getResults(), [&](OpBuilder &, Location, Value k, ValueRange in) {
                  SmallVector<Value> out(in.begin(), in.end());
                  step(k, 0, in, out);
                  scf::YieldOp::create(b, loc, out);
                });
            // Each output's streams summed in order.
            SmallVector<Value> total(tailLoop.getResults().take_front(sums));
            for (int64_t stream = 1; stream < streams; ++stream)
              for (int64_t i = 0; i < sums; ++i)
                total[i] = arith::AddFOp::create(b, loc, total[i],
                                                 tailLoop.getResult(stream * sums + i));
            for (int64_t v = 0; v < perPass; ++v) {
              const int64_t offset = (v0 + v) * lanes;
              Value count = arith::MaxSIOp::create(
                  b, loc, arith::SubIOp::create(b, loc, valid, index(offset)), index(0));
              Value mask = vector::CreateMaskOp::create(b, loc, maskType, ValueRange{count});
              for (int64_t m = 0; m < rows; ++m) {
                ValueRange at{index(m), add(col0, offset)};
                Value old =
                    vector::MaskedLoadOp::create(b, loc, vectorType, c, at, mask, zeroVector);
                Value sum = arith::AddFOp::create(b, loc, old, total[m * perPass + v]);
                vector::MaskedStoreOp::create(b, loc, c, at, mask, sum);
              }
            }
          }
        };
        if (perPass == vectors) {
          passes(index(0), K);
        } else {
          // Block kb of each of four equal parts of K in turn, so that four
          // streams are in flight as above; then K's remainder.
          constexpr int64_t parts = 4;
          Value part = arith::DivUIOp::create(b, loc, K, index(parts));
          auto blocks = [&](Value from, Value to, llvm::function_ref<void(Value)> body) {
            scf::ForOp::create(b, loc, from, to, index(kBlockSteps), ValueRange{},
                               [&](OpBuilder &, Location, Value kb, ValueRange) {
                                 body(kb);
                                 scf::YieldOp::create(b, loc);
                               });
          };
          blocks(index(0), part, [&](Value kb) {
            for (int64_t s = 0; s < parts; ++s) {
              Value start = arith::MulIOp::create(b, loc, part, index(s));
              Value from = arith::AddIOp::create(b, loc, start, kb);
              Value end = arith::AddIOp::create(b, loc, start, part);
              passes(from, arith::MinUIOp::create(b, loc, add(from, kBlockSteps), end));
            }
          });
          blocks(arith::MulIOp::create(b, loc, part, index(parts)), K, [&](Value kb) {
            passes(kb, arith::MinUIOp::create(b, loc, add(kb, kBlockSteps), K));
          });
        }
      });
  func::ReturnOp::create(b, loc);
  return func;
}

/// A, W and C of `op` (buffers, isTransposedBGemm, checked by the caller to
/// have contiguous rows that collapse) as the kernel functions' dynamic
/// matrices, built at `b`.
SmallVector<Value, 3> kernelOperands(OpBuilder &b, linalg::GenericOp op) {
  Location loc = op.getLoc();
  SmallVector<Value, 3> operands;
  for (Value value : {op.getDpsInputOperand(0)->get(), op.getDpsInputOperand(1)->get(),
                      op.getDpsInitOperand(0)->get()}) {
    MemRefType matrix =
        dynamicMatrixType(cast<MemRefType>(value.getType()).getElementType());
    operands.push_back(memref::CastOp::create(b, loc, matrix, collapseRows(b, loc, value)));
  }
  return operands;
}

/// The element type of `op`'s W: f32, or bf16.
Type weightElementOf(linalg::GenericOp op) {
  return cast<MemRefType>(op.getDpsInputOperand(1)->get().getType()).getElementType();
}

/// Replaces `op` by a call of the shared GEMM function.
void rewriteGemm(linalg::GenericOp op, func::FuncOp gemm) {
  OpBuilder b(op);
  func::CallOp::create(b, op.getLoc(), gemm, kernelOperands(b, op));
  op.erase();
}

/// The matrix-vector function for `rows` rows, built once per module.
func::FuncOp gemvFunction(ModuleOp module, int64_t rows, Type weightElement,
                          const Blocking &blk) {
  // Accumulators within the register budget of the packed kernel (24 with
  // AVX-512, 12 with AVX2).
  const int64_t budget = blk.nv * blk.mr;
  const int64_t group = std::clamp<int64_t>(budget / rows, 1, 8);
  std::string name = "hybrid_gemv_" + weightSuffix(weightElement) + "_m" +
                     std::to_string(rows) + "_g" + std::to_string(group) + "_v" +
                     std::to_string(blk.lanes);
  if (auto gemv = module.lookupSymbol<func::FuncOp>(name))
    return gemv;
  func::FuncOp gemv = buildGemvFunction(module, name, weightElement, rows, group, blk.lanes);
  if (weightElement.isF32())
    gemv->setAttr(kKernelAttrName,
                  StringAttr::get(module.getContext(), "gemv_m" + std::to_string(rows)));
  return gemv;
}

/// Replaces `op`, whose row count is known only at run time (a mixture of
/// experts' tokens for one expert), by a choice made at run time: the packed
/// GEMM from `minRows` rows on, else matrix-vector products over groups of
/// four rows and then single rows, so that W is read about M/4 times, never
/// packed for a handful of rows.
void rewriteDynamicRows(linalg::GenericOp op, func::FuncOp gemm, func::FuncOp gemv4,
                        func::FuncOp gemv1, int64_t minRows) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  MemRefType matrix = dynamicMatrixType(b.getF32Type());
  SmallVector<Value, 3> operands = kernelOperands(b, op);
  Value a = operands[0], w = operands[1], c = operands[2];
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  Value M = memref::DimOp::create(b, loc, c, 0);
  Value large = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, M, index(minRows));
  auto choice = scf::IfOp::create(b, loc, large, /*withElseRegion=*/true);
  b.setInsertionPointToStart(choice.thenBlock());
  func::CallOp::create(b, loc, gemm, ValueRange{a, w, c});
  b.setInsertionPointToStart(choice.elseBlock());
  // Rows [row, row + count) of A and C.
  auto rowsOf = [&](Value matrixValue, Value row, int64_t count) -> Value {
    Value cols = memref::DimOp::create(b, loc, matrixValue, 1);
    return memref::CastOp::create(
        b, loc, matrix,
        memref::SubViewOp::create(
            b, loc, matrixValue, SmallVector<OpFoldResult>{row, b.getIndexAttr(0)},
            SmallVector<OpFoldResult>{b.getIndexAttr(count), cols},
            SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)}));
  };
  Value m4 = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, M, index(4)), index(4));
  auto rowLoop = [&](Value from, Value to, int64_t step, func::FuncOp kernel) {
    scf::ForOp::create(b, loc, from, to, index(step), ValueRange{},
                       [&](OpBuilder &, Location, Value row, ValueRange) {
                         func::CallOp::create(b, loc, kernel,
                                              ValueRange{rowsOf(a, row, step), w,
                                                         rowsOf(c, row, step)});
                         scf::YieldOp::create(b, loc);
                       });
  };
  rowLoop(index(0), m4, 4, gemv4);
  rowLoop(m4, M, 1, gemv1);
  op.erase();
}

} // namespace

bool gemm::hasBFloat16Dot(const CPUTarget &target) {
  return target.vectorBits == 512 &&
         llvm::is_contained(llvm::split(StringRef(target.features), ','), "+avx512bf16");
}

int64_t gemm::panelRowsFor(const CPUTarget &target) { return blockingFor(target).nr(); }

func::FuncOp gemm::panelKernelFor(ModuleOp module, func::FuncOp kernel) {
  auto tag = kernel->getAttrOfType<StringAttr>(kKernelAttrName);
  if (!tag)
    return nullptr;
  const Blocking blk = blockingFor(getCPUTarget(module));
  std::string name = kernel.getName().str() + "_panels";
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  Type f32 = Float32Type::get(module.getContext());
  StringRef kind = tag.getValue();
  if (kind == "gemm" || kind == "gemm_unpacked_a")
    return buildGemmFunction(module, name, f32, blk, /*packA=*/kind == "gemm",
                             /*panelW=*/true);
  int64_t rows = 0;
  if (kind.consume_front("gemv_m") && !kind.getAsInteger(10, rows) && rows > 0)
    return buildPanelGemvFunction(module, name, rows, blk.nr(), blk.lanes, blk.nv * blk.mr);
  return nullptr;
}

bool gemm::allowsBFloat16Products(ModuleOp module) {
  auto precision = module->getAttrOfType<StringAttr>(signature::kMatmulPrecision);
  return precision && precision.getValue() == "bf16";
}

namespace {

struct PackedGemmPass : hybrid::impl::PackedGemmBase<PackedGemmPass> {
  using PackedGemmBase::PackedGemmBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const CPUTarget target = getCPUTarget(module);
    const Blocking blk = blockingFor(target);
    const bool tiles = hasMatrixTiles(target);
    SmallVector<linalg::GenericOp> gemms, gemvs, dynamicRows, tileGemms;
    module.walk([&](linalg::GenericOp op) {
      if (!op.hasPureBufferSemantics() || !isTransposedBGemm(op))
        return;
      // A product inside one thread's tile (scf.forall) stays that thread's:
      // the kernel's own parallel loop would nest inside it, and a call in
      // the tile keeps OpenMP's alloca_scope, which scf-to-cf then splits.
      if (op->getParentOfType<scf::ForallOp>() || op->getParentOfType<scf::ParallelOp>())
        return;
      auto c = cast<MemRefType>(op.getDpsInitOperand(0)->get().getType());
      if (!llvm::all_of(op->getOperands(), innermostContiguous) ||
          !rowsCollapse(op.getDpsInputOperand(0)->get()) ||
          !rowsCollapse(op.getDpsInitOperand(0)->get()))
        return;
      const bool widePanels = c.getShape().back() >= blk.nr();
      const int64_t rows = gemmRows(op);
      // Fewer rows than minRows: a matrix-vector product, bound by reading
      // W once; packing it would read it twice.
      if (ShapedType::isDynamic(rows)) {
        if (widePanels)
          dynamicRows.push_back(op);
      } else if (rows < minRows) {
        gemvs.push_back(op);
      } else if (tiles && weightElementOf(op).isBF16() &&
                 fitsMatrixTiles(c.getShape().back(),
                                 cast<MemRefType>(op.getDpsInputOperand(0)->get().getType())
                                     .getShape()
                                     .back())) {
        // A bf16 W on AMX (MatrixTileGemm.cpp).
        tileGemms.push_back(op);
      } else if (widePanels) {
        gemms.push_back(op);
      }
    });
    // Decode: one function per row count.
    for (linalg::GenericOp op : gemvs)
      rewriteGemm(op, gemvFunction(module, gemmRows(op), weightElementOf(op), blk));
    // One packed GEMM per W element type; the blocking is in the name:
    // modules linked together keep theirs.
    // A is packed only when its blocks serve more than four column panels
    // (N is static at every call): a second function reads it in place.
    auto packsA = [&](linalg::GenericOp op) {
      return cast<MemRefType>(op.getDpsInitOperand(0)->get().getType()).getShape().back() >
             4 * blk.nr();
    };
    // Products in bf16 where the module allows them (hybrid.matmul_precision
    // = "bf16", --weight-type=bf16-matmul) and the target has vdpbf16ps.
    const bool dot = allowsBFloat16Products(module) && hasBFloat16Dot(target);
    auto gemmFor = [&](Type weightElement, bool packA) {
      if (dot && weightElement.isBF16()) {
        const Blocking dotBlk = dotBlockingFor(target);
        std::string name = "hybrid_packed_gemm_bf16dot_" + std::to_string(dotBlk.mr) + "x" +
                           std::to_string(dotBlk.nr()) + "_kc" + std::to_string(dotBlk.kc);
        auto gemm = module.lookupSymbol<func::FuncOp>(name);
        return gemm ? gemm
                    : buildGemmFunction(module, name, weightElement, dotBlk, /*packA=*/false);
      }
      std::string name = "hybrid_packed_gemm_" + weightSuffix(weightElement) + "_" +
                         std::to_string(blk.mr) + "x" + std::to_string(blk.nr()) + "_kc" +
                         std::to_string(blk.kc) + (packA ? "" : "_unpacked_a");
      if (auto gemm = module.lookupSymbol<func::FuncOp>(name))
        return gemm;
      func::FuncOp gemm = buildGemmFunction(module, name, weightElement, blk, packA);
      if (weightElement.isF32())
        gemm->setAttr(kKernelAttrName, StringAttr::get(module.getContext(),
                                                       packA ? "gemm" : "gemm_unpacked_a"));
      return gemm;
    };
    for (linalg::GenericOp op : gemms)
      rewriteGemm(op, gemmFor(weightElementOf(op), packsA(op)));
    if (!tileGemms.empty()) {
      // A in one bf16 part where the module allows products to round it.
      const bool roundA = allowsBFloat16Products(module);
      const char *name = roundA ? "hybrid_amx_gemm_bf16w_bf16a" : "hybrid_amx_gemm_bf16w";
      auto kernel = module.lookupSymbol<func::FuncOp>(name);
      if (!kernel)
        kernel = buildMatrixTileGemm(module, name, target.l2Bytes, roundA ? 1 : 2);
      for (linalg::GenericOp op : tileGemms)
        rewriteGemm(op, kernel);
    }
    for (linalg::GenericOp op : dynamicRows) {
      Type weightElement = weightElementOf(op);
      rewriteDynamicRows(op, gemmFor(weightElement, packsA(op)),
                         gemvFunction(module, 4, weightElement, blk),
                         gemvFunction(module, 1, weightElement, blk), minRows);
    }
  }
};

} // namespace
