//===- WeightTypeFlag.h - The tools' --weight-type=f32|bf16 -----*- C++ -*-===//
//
// hybrid-run and hybrid-compile spell the flag the same way.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_TOOLS_WEIGHTTYPEFLAG_H
#define HYBRID_TOOLS_WEIGHTTYPEFLAG_H

#include "hybrid/Compiler/ModelCompiler.h"

#include "llvm/Support/CommandLine.h"

namespace mlir::hybrid {

inline constexpr const char *kWeightTypeFlagHelp =
    "How the projections' weights are kept (linear layers, MLPs, experts, embeddings; "
    "docs/compiling.md): f32, or bf16 (rounded to bfloat16 at load: half the "
    "memory and bytes per token; activations and sums stay f32), or bf16-matmul "
    "(bf16 weights, and prefill's products round their activations to bf16 too: "
    "vdpbf16ps where the CPU has AVX512-BF16, f32 sums, a looser tolerance)";

inline llvm::cl::ValuesClass weightTypeValues() {
  return llvm::cl::values(
      clEnumValN(WeightType::F32, "f32", "as the checkpoint gives them, widened to f32"),
      clEnumValN(WeightType::BF16, "bf16", "rounded to bfloat16 (to nearest, ties to even)"),
      clEnumValN(WeightType::BF16Matmul, "bf16-matmul",
                 "bf16, and products with bf16 activations (f32 sums)"));
}

} // namespace mlir::hybrid

#endif // HYBRID_TOOLS_WEIGHTTYPEFLAG_H
