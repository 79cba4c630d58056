//===- GemmMatch.h - Recognise the linear layer's contraction ---*- C++ -*-===//
//
// `C[..., m, n] += A[..., m, k] * W[n, k]`: what every `hybrid.linear` lowers to (HF
// stores weights as [out, in]). hybrid-packed-gemm rewrites it on buffers;
// hybrid-tile-contractions leaves it alone so that it arrives untiled.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TRANSFORMS_GEMMMATCH_H
#define HYBRID_TRANSFORMS_GEMMMATCH_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::hybrid {

/// Fewest rows of C for which hybrid-packed-gemm packs W (its default
/// `min-rows`): below it the product is a matrix-vector one.
inline constexpr int64_t kPackedGemmMinRows = 16;

/// Whether `memref` is a memref with unit stride in its innermost
/// dimension (vector loads along it need that).
bool innermostContiguous(Value memref);

/// Whether `op`'s body is `yield (out + in0 * in1)` in either operand order,
/// where in1 may be a bf16 weight widened first (hybrid-bf16-weights).
bool isMultiplyAdd(linalg::GenericOp op);

/// Whether `op` is an f32 contraction over loops (rows..., n, k) with maps
/// (rows..., k), (n, k) -> (rows..., n), a multiply-add body, a static W and
/// static k and n, on tensors or buffers. Leading row dims are a batch that
/// canonicalisation folded in from the linear layer's reshapes; they may be
/// dynamic (a mixture of experts' per-expert token count). W may be bf16,
/// widened to f32 by an arith.extf at the top of the body.
bool isTransposedBGemm(linalg::GenericOp op);

/// Which loops of a batched product are its m, n and k.
struct ProductDims {
  unsigned m, n, k;
};

/// The dims when `op` is C[.., m, n] += A[.., m, k] · B[.., k, n] (on tensors
/// or buffers): a multiply-add body, one reduction (k), batch results that
/// use no m, n or k, and C's results every parallel loop once. The shape
/// hybrid-register-tile-products gives its register kernels (which also
/// needs f32 static buffers, contiguous along n).
std::optional<ProductDims> productDims(linalg::GenericOp op);

/// The rows of such a contraction's C: the product of all but its last dim,
/// or ShapedType::kDynamic when one of them is dynamic.
int64_t gemmRows(linalg::GenericOp op);

} // namespace mlir::hybrid

#endif // HYBRID_TRANSFORMS_GEMMMATCH_H
