// hybrid-tile-contractions (part of hybrid-cpu-pipeline) cache-blocks large
// matmul-like contractions, with tile sizes from the host's vector width and
// L2 size; small ones and attention's short reductions are left alone.
// RUN: hybrid-opt %s --hybrid-cpu-pipeline="lower-to-llvm=false" -split-input-file | FileCheck %s

// CHECK-LABEL: func @large
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract_slice
// CHECK: linalg.generic {{.*}}"reduction"]
// CHECK: tensor.insert_slice
func.func @large(%x: tensor<1x512x512xf32>, %w: tensor<512x512xf32>) -> tensor<1x512x512xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x512x512xf32>, tensor<512x512xf32>) -> tensor<1x512x512xf32>
  return %y : tensor<1x512x512xf32>
}

// -----

// CHECK-LABEL: func @small
// CHECK-NOT: scf.for
// CHECK: linalg.generic
func.func @small(%x: tensor<1x8x16xf32>, %w: tensor<16x16xf32>) -> tensor<1x8x16xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x8x16xf32>, tensor<16x16xf32>) -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}
