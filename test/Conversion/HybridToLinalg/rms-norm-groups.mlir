// hybrid.rms_norm with group_size: the input is viewed as [..., D/g, g] and
// the weight as [D/g, g], each group's mean square is a row sum, and the
// result is collapsed back to [..., D].
// RUN: hybrid-opt %s -convert-hybrid-to-linalg | FileCheck %s

// CHECK-LABEL: func @grouped
// CHECK-NOT: hybrid.
// CHECK-DAG: arith.constant 6.250000e-02 : f32
// CHECK-DAG: tensor.expand_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] output_shape [2, 5, 4, 16] : tensor<2x5x64xf32> into tensor<2x5x4x16xf32>
// CHECK-DAG: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [4, 16] : tensor<64xf32> into tensor<4x16xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: linalg.generic {{.*}}ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2x5x4x16xf32>, tensor<2x5x4xf32>, tensor<4x16xf32>)
// CHECK: math.rsqrt
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] : tensor<2x5x4x16xf32> into tensor<2x5x64xf32>
func.func @grouped(%x: tensor<2x5x64xf32>, %w: tensor<64xf32>) -> tensor<2x5x64xf32> {
  %y = hybrid.rms_norm %x, %w {group_size = 16 : i64} : tensor<2x5x64xf32>, tensor<64xf32>
  return %y : tensor<2x5x64xf32>
}

// A group as wide as the row is the plain form: no reshape.
// CHECK-LABEL: func @whole_row
// CHECK: arith.constant 1.562500e-02 : f32
// CHECK-NOT: tensor.expand_shape
// CHECK: return
func.func @whole_row(%x: tensor<2x5x64xf32>, %w: tensor<64xf32>) -> tensor<2x5x64xf32> {
  %y = hybrid.rms_norm %x, %w {group_size = 64 : i64} : tensor<2x5x64xf32>, tensor<64xf32>
  return %y : tensor<2x5x64xf32>
}
