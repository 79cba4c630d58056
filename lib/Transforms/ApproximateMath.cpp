//===- ApproximateMath.cpp - The hybrid-approximate-math pass -------------===//
//
// See Passes.td for what and why.
//
//===----------------------------------------------------------------------===//

#include "hybrid/Transforms/Passes.h"

#include "hybrid/Dialect/Hybrid/IR/HybridAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>

namespace mlir::hybrid {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "hybrid/Transforms/Passes.h.inc"
} // namespace mlir::hybrid

using namespace mlir;
using namespace mlir::hybrid;

namespace {

/// f32 exp(x) = 2^k · exp(r), k = round(x / ln 2), r = x − k·ln 2 (two
/// FMAs, ln 2 split in two floats), exp(r) by its Taylor polynomial of
/// degree 7 on |r| ≤ ln 2 / 2 (truncation below 1e-8 relative), and 2^k
/// applied by llvm.ldexp, which LLVM lowers to one vscalefps with AVX-512:
/// overflow to inf and gradual underflow (denormals, then 0) come from the
/// instruction, so k needs no clamp and no exponent bits are assembled by
/// hand. x is
/// clamped to [-104, 89] first (exp is 0 and inf beyond; ±inf would make r
/// NaN); a NaN passes the clamps and propagates. 16 vector instructions
/// in loops LLVM vectorises (k goes to integer and back around
/// vscalefps), 14 for explicit vectors, against MLIR's 20 (its two clamps
/// of k and the exponent assembly).
///
/// MLIR's llvm.intr.ldexp takes a scalar exponent only, so vectors (flash
/// attention's rows, explicit vector code) apply 2^k with vscalefps's
/// intrinsic on 16 lanes at a time, k as a float (no conversion at all);
/// that needs the target to name +avx512f, since the intrinsic has no
/// fallback. Other vectors keep MLIR's form.
struct ExpWithScale : OpRewritePattern<math::ExpOp> {
  ExpWithScale(MLIRContext *context, bool vectorScale)
      : OpRewritePattern(context, /*benefit=*/2), vectorScale(vectorScale) {}
  bool vectorScale;

  LogicalResult matchAndRewrite(math::ExpOp op, PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF32())
      return failure();
    auto vectorType = dyn_cast<VectorType>(type);
    if (vectorType && (!vectorScale || vectorType.getRank() != 1 ||
                       vectorType.isScalable() || vectorType.getDimSize(0) % 16 != 0))
      return failure();
    Location loc = op.getLoc();
    auto constant = [&](double value) -> Value {
      Attribute attr = rewriter.getF32FloatAttr(static_cast<float>(value));
      if (auto vt = dyn_cast<VectorType>(type))
        attr = DenseElementsAttr::get(vt, cast<FloatAttr>(attr).getValue());
      return arith::ConstantOp::create(rewriter, loc, cast<TypedAttr>(attr));
    };
    auto clamp = [&](Value x, arith::CmpFPredicate keep, double bound) -> Value {
      // uge/ule hold for NaN, so the select keeps it (one vmaxps/vminps).
      Value c = constant(bound);
      return arith::SelectOp::create(rewriter, loc,
                                     arith::CmpFOp::create(rewriter, loc, keep, x, c), x, c);
    };
    Value x = clamp(op.getOperand(), arith::CmpFPredicate::UGE, -104.0);
    x = clamp(x, arith::CmpFPredicate::ULE, 89.0);
    Value k = math::RoundEvenOp::create(
        rewriter, loc, arith::MulFOp::create(rewriter, loc, x, constant(M_LOG2E)));
    const float ln2Hi = static_cast<float>(M_LN2);
    const double ln2Lo = M_LN2 - static_cast<double>(ln2Hi);
    Value r = math::FmaOp::create(rewriter, loc, k, constant(-ln2Hi), x);
    r = math::FmaOp::create(rewriter, loc, k, constant(-ln2Lo), r);
    // Σ r^n / n!, n = 7 … 0, by Horner.
    double factorial = 5040.0;
    Value p = constant(1.0 / factorial);
    for (int n = 6; n >= 0; --n) {
      factorial /= n + 1;
      p = math::FmaOp::create(rewriter, loc, p, r, constant(1.0 / factorial));
    }
    if (!vectorType) {
      Value exponent = arith::FPToSIOp::create(rewriter, loc, rewriter.getI32Type(), k);
      rewriter.replaceOp(op, LLVM::LoadExpOp::create(rewriter, loc, type, p, exponent));
      return success();
    }
    auto lanes = VectorType::get({16}, rewriter.getF32Type());
    Value allLanes = arith::ConstantIntOp::create(rewriter, loc, -1, 16);
    // _MM_FROUND_CUR_DIRECTION: scaling rounds as the MXCSR says.
    Value rounding = arith::ConstantIntOp::create(rewriter, loc, 4, 32);
    Value result = p;
    for (int64_t at = 0; at < vectorType.getDimSize(0); at += 16) {
      auto slice = [&](Value v) -> Value {
        if (vectorType.getDimSize(0) == 16)
          return v;
        return vector::ExtractStridedSliceOp::create(rewriter, loc, v, ArrayRef<int64_t>{at},
                                                     ArrayRef<int64_t>{16},
                                                     ArrayRef<int64_t>{1});
      };
      // llvm.x86.avx512.mask.scalef.ps.512(a, b, src, mask, rounding) is
      // a · 2^floor(b) where mask is set. The x86vector op passes its
      // operands (src, a, b, k, rounding) to the intrinsic in that order,
      // so its `src` is the intrinsic's a: (p, k, p) computes p · 2^k. (A
      // call_intrinsic by name would say so plainly, but has unknown memory
      // effects, which buffer deallocation rejects; the op is Pure. The
      // tiled-attention differential tests and ExpAccuracyTest's vector
      // section fail if the order ever changes.)
      Value pLanes = slice(p);
      Value scaled = x86vector::MaskScaleFOp::create(rewriter, loc, lanes, pLanes, slice(k),
                                                     pLanes, allLanes, rounding);
      result = vectorType.getDimSize(0) == 16
                   ? scaled
                   : vector::InsertStridedSliceOp::create(rewriter, loc, scaled, result,
                                                          ArrayRef<int64_t>{at},
                                                          ArrayRef<int64_t>{1})
                         .getResult();
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Whether the target names AVX-512F among its features.
bool namesAvx512(const CPUTarget &target) {
  return llvm::is_contained(llvm::split(StringRef(target.features), ','), "+avx512f");
}

/// Whether LLVM will lower llvm.ldexp to vscalefps (AVX-512F): 512-bit
/// vectors and +avx512f named, or no CPU and no features named (this
/// machine, whose 512-bit vectors mean AVX-512). Elsewhere ldexp would still
/// be right, but may become a libm call per element.
bool hasScaleInstruction(const CPUTarget &target) {
  return target.vectorBits == 512 &&
         ((target.cpu.empty() && target.features.empty()) || namesAvx512(target));
}

struct ApproximateMathPass
    : hybrid::impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Ours first (higher benefit) where the target scales in one
    // instruction; MLIR's for the rest and elsewhere.
    const CPUTarget target = getCPUTarget(getOperation());
    if (hasScaleInstruction(target))
      patterns.add<ExpWithScale>(&getContext(), /*vectorScale=*/namesAvx512(target));
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
