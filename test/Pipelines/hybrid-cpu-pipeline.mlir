// hybrid-cpu-pipeline takes hybrid IR to the LLVM dialect: a C interface
// with the result as an out parameter, no runtime-library calls for copies.
// RUN: hybrid-opt %s --hybrid-cpu-pipeline | FileCheck %s
// RUN: hybrid-opt %s --hybrid-cpu-pipeline="lower-to-llvm=false" | FileCheck %s --check-prefix=LINALG

// CHECK-NOT: hybrid.
// CHECK-NOT: memrefCopy
// CHECK: llvm.func @step(
// CHECK: llvm.func @_mlir_ciface_step(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr) attributes {llvm.emit_c_interface}
// LINALG-NOT: hybrid.
// LINALG: linalg.generic
func.func @step(%x: tensor<1x6x4xf32>, %w: tensor<4x3xf32>, %b: tensor<4xf32>) -> tensor<1x6x4xf32> {
  %y, %s = hybrid.causal_conv1d %x, %w bias(%b) {activation = #hybrid.act<silu>}
      : (tensor<1x6x4xf32>, tensor<4x3xf32>, tensor<4xf32>) -> (tensor<1x6x4xf32>, tensor<1x4x2xf32>)
  %z = arith.addf %x, %y : tensor<1x6x4xf32>
  return %z : tensor<1x6x4xf32>
}
