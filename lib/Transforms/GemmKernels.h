//===- GemmKernels.h - What hybrid-packed-gemm's kernels share --*- C++ -*-===//
//
// Private to lib/Transforms: the kernel functions' signature and helpers of
// PackedGemm.cpp, and the AMX kernel of MatrixTileGemm.cpp, which the pass
// picks for bf16 weights on targets with Intel AMX.
//
//===----------------------------------------------------------------------===//

#ifndef HYBRID_LIB_TRANSFORMS_GEMMKERNELS_H
#define HYBRID_LIB_TRANSFORMS_GEMMKERNELS_H

#include "hybrid/Target/CPUTarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mlir::hybrid::gemm {

/// memref<?x?xT, strided<[?, 1], offset: ?>>: every operand of the kernel
/// functions (T = f32, or bf16 for W).
MemRefType dynamicMatrixType(Type element);

/// "f32", or "bf16w" for a bf16 W: in the kernel functions' names.
std::string weightSuffix(Type weightElement);

/// memref<?x?xPxf32>: W [N, K] stored in panels of P rows, as the packed
/// GEMM's micro-kernel reads them: [N/P, K, P], W[n][k] at [n / P][k][n % P]
/// (hybrid-weights-in-panels, which the runtime packs once at load).
MemRefType panelWeightType(int64_t panelRows, MLIRContext *ctx);

/// `func.func private @NAME(A [M, K], W [N, K], C [M, N])` (C += A·Wᵀ) at
/// the end of `module`, noinline and internal, with `b` at the start of its
/// (empty) body; W's elements are `weightElement`, the others f32. With
/// `weightType`, W is of that type instead (panelWeightType).
func::FuncOp declareKernel(ModuleOp module, StringRef name, Type weightElement,
                           OpBuilder &b, MemRefType weightType = MemRefType());

/// What hybrid-packed-gemm tags its kernels for an f32 W with ("gemm",
/// "gemm_unpacked_a", "gemv_m<rows>"), so that hybrid-weights-in-panels can
/// ask for the same kernel reading W in panels (panelKernelFor).
constexpr llvm::StringLiteral kKernelAttrName = "hybrid_gemm_kernel";

/// The rows of W in a panel of the packed GEMM for `target` (its NR: 64
/// with 512-bit vectors, 16 with 256-bit).
int64_t panelRowsFor(const CPUTarget &target);

/// The kernel that does what `kernel` (one of hybrid-packed-gemm's, tagged
/// kKernelAttrName) does, its W in panels of panelRowsFor rows
/// (panelWeightType), built once per module; null for any other function.
func::FuncOp panelKernelFor(ModuleOp module, func::FuncOp kernel);

/// rows[i][j] ← rows[j][i] for a square of rows.size() vectors of as many
/// lanes: for each block size (n/2, ..., 1) the off-diagonal blocks swap,
/// two shuffles per pair of rows (log2(n)·n shuffles in all).
void transposeInRegisters(OpBuilder &b, Location loc, SmallVector<Value> &rows);

/// Whether `target` has Intel AMX with bf16 tiles (its features name
/// +amx-tile and +amx-bf16).
bool hasMatrixTiles(const CPUTarget &target);

/// Whether `target` has AVX512-BF16's vdpbf16ps and 512-bit vectors (its
/// features name +avx512bf16): the kernel's 16 f32 lanes.
bool hasBFloat16Dot(const CPUTarget &target);

/// Whether `module` allows products to round A to bf16
/// (`hybrid.matmul_precision = "bf16"`, set by hybrid-bf16-weights'
/// matmul-in-bf16): prefill's products with a bf16 W then run vdpbf16ps.
bool allowsBFloat16Products(ModuleOp module);

/// Whether the AMX kernel takes a W of `n` rows and `k` columns: whole
/// pairs of 16-row tiles and whole 32-element k steps.
inline bool fitsMatrixTiles(int64_t n, int64_t k) { return n % 32 == 0 && k % 32 == 0; }

/// C += A·Wᵀ for a bf16 W on AMX tiles (MatrixTileGemm.cpp): A is split
/// into bf16 high and low parts (`parts` = 2), so that products keep ~16
/// bits of A, or only rounded to bf16 (`parts` = 1: half the tile work);
/// rows are taken in chunks whose packed parts fill a quarter of `l2Bytes`.
func::FuncOp buildMatrixTileGemm(ModuleOp module, StringRef name, int64_t l2Bytes,
                                 int64_t parts);

} // namespace mlir::hybrid::gemm

#endif // HYBRID_LIB_TRANSFORMS_GEMMKERNELS_H
