// The code the CPU pipeline emits is vectorised (not scalar loops): the
// linear layer is hybrid-packed-gemm's micro-kernel of vector FMAs and the softmax a vectorised exp
// approximation. The target is pinned (512-bit vectors, 1 MiB L2): the
// tiling of the score contraction (and with it whether the softmax lands in
// a parallel region) depends on it, and a test must not depend on the host.
// Each function's body is inlined into its C-interface wrapper (no
// scalar-argument copy is left), and the runtime's packed entry calls the
// wrapper with the descriptor pointers it is given.
// RUN: rm -rf %t && mkdir -p %t && hybrid-compile %s --emit=llvm -o %t/out.ll
// RUN: FileCheck %s --check-prefix=MATMUL --implicit-check-not='@matmul(' < %t/out.ll
// RUN: FileCheck %s --check-prefix=SOFTMAX < %t/out.ll
// MATMUL-LABEL: define void @_mlir_ciface_matmul(
// MATMUL: call {{.*}}void @hybrid_packed_gemm_f32_
// MATMUL-LABEL: define internal {{.*}}void @hybrid_packed_gemm_f32_
// MATMUL: call <{{[0-9]+}} x float> @llvm.fmuladd.v{{[0-9]+}}f32(
// MATMUL-LABEL: define void @_hybrid_packed_matmul(ptr
// MATMUL-COUNT-3: load ptr, ptr
// MATMUL: call void @_mlir_ciface_matmul(ptr
// SOFTMAX-LABEL: define void @_mlir_ciface_softmax(
// SOFTMAX-NOT: call {{.*}}@expf
// SOFTMAX: fmul {{.*}}<{{[0-9]+}} x float>
// SOFTMAX-NOT: call {{.*}}@expf
// SOFTMAX-LABEL: define internal {{.*}}void @hybrid_packed_gemm_f32_
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 49152, l2_bytes = 1048576>} {
func.func @matmul(%x: tensor<64x256xf32>, %w: tensor<128x256xf32>) -> tensor<64x128xf32> {
  %y = hybrid.linear %x, %w : (tensor<64x256xf32>, tensor<128x256xf32>) -> tensor<64x128xf32>
  return %y : tensor<64x128xf32>
}
func.func @softmax(%q: tensor<1x2x64x32xf32>) -> tensor<1x2x64x32xf32> {
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<causal>}
      : (tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>) -> tensor<1x2x64x32xf32>
  return %o : tensor<1x2x64x32xf32>
}
}
