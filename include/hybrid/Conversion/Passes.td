//===- Passes.td - Conversions out of the hybrid dialect ---*- tablegen -*-===//

#ifndef HYBRID_CONVERSION_PASSES_TD
#define HYBRID_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertHybridToLinalg : Pass<"convert-hybrid-to-linalg", "ModuleOp"> {
  let summary = "Lower every hybrid op to linalg, tensor and scf on tensors";
  let description = [{
    The complete, simple lowering that every faster path is compared against:
    each op becomes linalg.generic contractions and elementwise ops, with the
    sequential parts (scans, memory writes, depth recurrence, ACT) as scf.for
    loops over tensors. Attention is the unfused form (scores, mask, softmax,
    weighted sum); the mask is emitted as index arithmetic from the
    `#hybrid.mask` structure, never as a materialised N×N tensor.
    Requires static shapes.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // HYBRID_CONVERSION_PASSES_TD
