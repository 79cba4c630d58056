// Group-limited expert choice and a router input: the router contracts the
// router input's rows; the scores are viewed as [T, G, E/G] to rank groups
// by their best plus their second best (the first best excluded by index),
// the top groups are chosen like experts, and the other groups' experts
// get −inf before the expert top-k.
// RUN: hybrid-opt %s -convert-hybrid-to-linalg | FileCheck %s

// CHECK-LABEL: func @moe_groups
// CHECK-SAME: %[[X:[^:]+]]: tensor<1x3x6xf32>, %[[RI:[^:]+]]: tensor<1x3x5xf32>
// CHECK: %[[ROWS:.+]] = tensor.collapse_shape %[[RI]]
// CHECK: linalg.{{.*}}ins(%[[ROWS]]
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [3, 4, 2] : tensor<3x8xf32> into tensor<3x4x2xf32>
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.minsi
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: scf.for
// CHECK: scf.for
func.func @moe_groups(%x: tensor<1x3x6xf32>, %ri: tensor<1x3x5xf32>, %r: tensor<8x5xf32>,
    %g: tensor<8x4x6xf32>, %d: tensor<8x6x4xf32>) -> tensor<1x3x6xf32> {
  %y = hybrid.moe %x, %r, %g, %g, %d router_input(%ri) {top_k = 3 : i64, expert_groups = 4, top_groups = 2}
      : (tensor<1x3x6xf32>, tensor<8x5xf32>, tensor<8x4x6xf32>, tensor<8x4x6xf32>,
         tensor<8x6x4xf32>, tensor<1x3x5xf32>) -> tensor<1x3x6xf32>
  return %y : tensor<1x3x6xf32>
}
