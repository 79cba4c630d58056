// The RoPE scalings that depend on the call's length L: L is computed once,
// outside the rotation, as max(positions) + 1 (a reduction) or read from the
// extent operand; LongRoPE selects its long frequencies when L > C, dynamic
// NTK computes ln θ' = ln θ + D/(D−2) · ln(f·max(L, C)/C − (f − 1)).
// RUN: hybrid-opt %s -convert-hybrid-to-linalg | FileCheck %s

// CHECK-LABEL: func @rope_longrope
// CHECK-DAG: %[[LONG:.+]] = arith.constant dense<[2.500000e-01, 1.250000e-01]> : tensor<2xf32>
// CHECK-DAG: %[[SHORT:.+]] = arith.constant dense<[1.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK-DAG: %[[C8:.+]] = arith.constant 8 : i64
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]
// CHECK: arith.maxsi
// CHECK: %[[MAX:.+]] = tensor.extract %{{.*}}[] : tensor<i64>
// CHECK: %[[L:.+]] = arith.addi %[[MAX]], %{{.*}} : i64
// CHECK: %[[USE_LONG:.+]] = arith.cmpi sgt, %[[L]], %[[C8]] : i64
// CHECK: linalg.generic {{.*}}ins(%{{.*}}, %{{.*}}, %[[SHORT]], %[[LONG]] :
// CHECK: arith.select %[[USE_LONG]], %{{.*}}, %{{.*}} : f32
// CHECK: math.cos
func.func @rope_longrope(%x: tensor<1x2x5x4xf32>, %pos: tensor<1x5xi64>) -> tensor<1x2x5x4xf32> {
  %y = hybrid.rope %x positions(%pos : tensor<1x5xi64>) {inv_freq = array<f32: 1.0, 0.5>, long_inv_freq = array<f32: 0.25, 0.125>, original_context = 8 : i64} : tensor<1x2x5x4xf32> -> tensor<1x2x5x4xf32>
  return %y : tensor<1x2x5x4xf32>
}

// θ = 10⁴ (ln = 9.21034), f = 2, C = 8, D = 4: ln(2·L/8 − 1) × 4/2.
// CHECK-LABEL: func @rope_dynamic
// CHECK-DAG: %[[LN_THETA:.+]] = arith.constant 9.21034049 : f32
// CHECK-DAG: %[[POWER:.+]] = arith.constant 2.000000e+00 : f32
// CHECK-DAG: %[[F_OVER_C:.+]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG: %[[C8:.+]] = arith.constant 8 : i64
// CHECK: %[[EXTENT:.+]] = tensor.extract %{{.*}}[%{{.*}}] : tensor<1xi64>
// CHECK: %[[L:.+]] = arith.maxsi %[[EXTENT]], %[[C8]] : i64
// CHECK: %[[LF:.+]] = arith.sitofp %[[L]] : i64 to f32
// CHECK: %[[SCALED:.+]] = arith.mulf %[[LF]], %[[F_OVER_C]] : f32
// CHECK: %[[RATIO:.+]] = arith.subf %[[SCALED]], %{{.*}} : f32
// CHECK: %[[LOG:.+]] = math.log %[[RATIO]] : f32
// CHECK: %[[GROWTH:.+]] = arith.mulf %[[LOG]], %[[POWER]] : f32
// CHECK: %[[LN_NEW:.+]] = arith.addf %[[LN_THETA]], %[[GROWTH]] : f32
// CHECK: linalg.generic
// CHECK: arith.mulf %[[LN_NEW]], %{{.*}} : f32
// CHECK: math.exp
func.func @rope_dynamic(%x: tensor<1x2x5x4xf32>, %pos: tensor<1x5xi64>, %end: tensor<1xi64>) -> tensor<1x2x5x4xf32> {
  %y = hybrid.rope %x positions(%pos : tensor<1x5xi64>) extent(%end : tensor<1xi64>) {ntk_factor = 2.0 : f32, original_context = 8 : i64} : tensor<1x2x5x4xf32> -> tensor<1x2x5x4xf32>
  return %y : tensor<1x2x5x4xf32>
}
