// hybrid-cpu-pipeline takes hybrid IR to the LLVM dialect: a C interface
// with the result as an out parameter and noalias descriptors, no
// runtime-library calls for copies, reductions marked reassociable.
// RUN: hybrid-opt %s --hybrid-cpu-pipeline | FileCheck %s
// RUN: hybrid-opt %s --hybrid-cpu-pipeline="lower-to-llvm=false" | FileCheck %s --check-prefix=LINALG

// CHECK-NOT: hybrid.
// CHECK-NOT: memrefCopy
// CHECK: llvm.func @step(
// CHECK: llvm.func @_mlir_ciface_step(%{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: !llvm.ptr {llvm.noalias}) attributes {llvm.emit_c_interface}
// LINALG-NOT: hybrid.
// LINALG: linalg.generic
// The RMS norm's sum of squares is a reduction: reassociable.
// LINALG: arith.mulf {{.*}} fastmath<reassoc,contract>
func.func @step(%x: tensor<1x6x4xf32>, %w: tensor<4x3xf32>, %b: tensor<4xf32>) -> tensor<1x6x4xf32> {
  %y, %s = hybrid.causal_conv1d %x, %w bias(%b) {activation = #hybrid.act<silu>}
      : (tensor<1x6x4xf32>, tensor<4x3xf32>, tensor<4xf32>) -> (tensor<1x6x4xf32>, tensor<1x4x2xf32>)
  %z = arith.addf %x, %y : tensor<1x6x4xf32>
  %n = hybrid.rms_norm %z, %b {eps = 1.0e-5 : f32} : tensor<1x6x4xf32>, tensor<4xf32>
  return %n : tensor<1x6x4xf32>
}
