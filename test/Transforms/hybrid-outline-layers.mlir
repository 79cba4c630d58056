// hybrid-outline-layers turns each run of ops tagged {hybrid.layer = N} into
// a call of a private function. Layers 0 and 2 (RMSNorm with eps 1e-5, then
// a residual add) are identical up to their weights and share @layer0;
// layer 1 has another eps and gets @layer1. The untagged head stays inline,
// and the value that leaves each layer (its output) is the call's result.
// RUN: hybrid-opt %s -hybrid-outline-layers | FileCheck %s
// The reference evaluator gives the outlined module the flat one's result:
// RUN: hybrid-opt %s -hybrid-outline-layers -o %t.mlir
// RUN: hybrid-run %s --target=reference --input=2x4xf32=1,2,3,4,5,6,7,8 \
// RUN:   --input=4xf32=1,2,3,4 --input=4xf32=0.5 --input=4xf32=-1 > %t.flat
// RUN: hybrid-run %t.mlir --target=reference --input=2x4xf32=1,2,3,4,5,6,7,8 \
// RUN:   --input=4xf32=1,2,3,4 --input=4xf32=0.5 --input=4xf32=-1 > %t.outlined
// RUN: diff %t.flat %t.outlined
// And so does the compiled one, with its calls:
// RUN: hybrid-run %s --target=reference --input=2x4xf32=1,2,3,4,5,6,7,8 \
// RUN:   --input=4xf32=1,2,3,4 --input=4xf32=0.5 --input=4xf32=-1 --output=@%t.flat.npy
// RUN: hybrid-run %t.mlir --target=cpu --input=2x4xf32=1,2,3,4,5,6,7,8 \
// RUN:   --input=4xf32=1,2,3,4 --input=4xf32=0.5 --input=4xf32=-1 \
// RUN:   --expected-output=@%t.flat.npy

// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %[[X:[^:]+]]: tensor<2x4xf32>, %[[W0:[^:]+]]: tensor<4xf32>, %[[W1:[^:]+]]: tensor<4xf32>, %[[W2:[^:]+]]: tensor<4xf32>)
// CHECK: %[[H0:.+]] = call @layer0(%[[X]], %[[W0]])
// CHECK: %[[H1:.+]] = call @layer1(%[[H0]], %[[W1]])
// CHECK: %[[H2:.+]] = call @layer0(%[[H1]], %[[W2]])
// CHECK: %[[OUT:.+]] = arith.mulf %[[H2]], %[[H2]]
// CHECK-NOT: hybrid.layer
// CHECK: return %[[OUT]]
// CHECK-LABEL: func.func private @layer0(
// CHECK-SAME: %[[IN:[^:]+]]: tensor<2x4xf32>, %[[W:[^:]+]]: tensor<4xf32>) -> tensor<2x4xf32>
// CHECK: %[[N:.+]] = hybrid.rms_norm %[[IN]], %[[W]] {eps = 9.99999974E-6 : f32}
// CHECK: %[[S:.+]] = arith.addf %[[IN]], %[[N]]
// CHECK: return %[[S]]
// CHECK-LABEL: func.func private @layer1(
// CHECK: hybrid.rms_norm %{{.+}} {eps = 1.000000e-01 : f32}
// CHECK-NOT: func.func
func.func @forward(%x: tensor<2x4xf32>, %w0: tensor<4xf32>, %w1: tensor<4xf32>,
                   %w2: tensor<4xf32>) -> tensor<2x4xf32> {
  %n0 = hybrid.rms_norm %x, %w0 {eps = 1.0e-5 : f32, hybrid.layer = 0 : i64}
      : tensor<2x4xf32>, tensor<4xf32>
  %h0 = arith.addf %x, %n0 {hybrid.layer = 0 : i64} : tensor<2x4xf32>
  %n1 = hybrid.rms_norm %h0, %w1 {eps = 0.1 : f32, hybrid.layer = 1 : i64}
      : tensor<2x4xf32>, tensor<4xf32>
  %h1 = arith.addf %h0, %n1 {hybrid.layer = 1 : i64} : tensor<2x4xf32>
  %n2 = hybrid.rms_norm %h1, %w2 {eps = 1.0e-5 : f32, hybrid.layer = 2 : i64}
      : tensor<2x4xf32>, tensor<4xf32>
  %h2 = arith.addf %h1, %n2 {hybrid.layer = 2 : i64} : tensor<2x4xf32>
  %out = arith.mulf %h2, %h2 : tensor<2x4xf32>
  return %out : tensor<2x4xf32>
}
