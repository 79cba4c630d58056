// hybrid-bf16-weights keeps in bf16 the f32 weights whose only uses are
// projections (linear, gated_mlp, embedding, a mixture's experts), through the outlined layers
// they are passed to; each use reads arith.extf of the bf16 tensor. Norm
// scales and weights with any other use stay f32. The numerics are checked
// in Integration/CPU/bf16-weights.test and against HF in
// Integration/Models/hf-compare-bf16.test.
// RUN: hybrid-opt %s -split-input-file -hybrid-bf16-weights | FileCheck %s
// With matmul-in-bf16 (--weight-type=bf16-matmul) the same weights change,
// and the module is marked so that its products may round A to bf16; without
// it, no module is marked.
// RUN: hybrid-opt %s -split-input-file -hybrid-bf16-weights=matmul-in-bf16=true \
// RUN:   | FileCheck %s --check-prefix=MATMUL
// RUN: hybrid-opt %s -split-input-file -hybrid-bf16-weights | FileCheck %s --check-prefix=EXACT
// MATMUL: module attributes {hybrid.matmul_precision = "bf16"}
// MATMUL: tensor<32x16xbf16> {hybrid.weight = "embed"}
// EXACT-NOT: hybrid.matmul_precision

// The table is both the embedding and the (tied) output projection; the
// layer's weights reach their linear layer and MLP through a call; the norm
// scale stays f32.
// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %[[IDS:[^:]*]]: tensor<1x4xi64>
// CHECK-SAME: %[[TABLE:[^:]*]]: tensor<32x16xbf16> {hybrid.weight = "embed"}
// CHECK-SAME: %[[W:[^:]*]]: tensor<16x16xbf16> {hybrid.weight = "layer.proj"}
// CHECK-SAME: %[[G:[^:]*]]: tensor<24x16xbf16> {hybrid.weight = "layer.gate"}
// CHECK-SAME: %[[U:[^:]*]]: tensor<24x16xbf16> {hybrid.weight = "layer.up"}
// CHECK-SAME: %[[D:[^:]*]]: tensor<16x24xbf16> {hybrid.weight = "layer.down"}
// CHECK-SAME: %[[N:[^:]*]]: tensor<16xf32> {hybrid.weight = "norm"}
// CHECK: %[[T0:.*]] = arith.extf %[[TABLE]] : tensor<32x16xbf16> to tensor<32x16xf32>
// CHECK: hybrid.embedding %[[IDS]], %[[T0]]
// CHECK: call @layer(%{{.*}}, %[[W]], %[[G]], %[[U]], %[[D]]) : (tensor<1x4x16xf32>, tensor<16x16xbf16>, tensor<24x16xbf16>, tensor<24x16xbf16>, tensor<16x24xbf16>) -> tensor<1x4x16xf32>
// CHECK: hybrid.rms_norm %{{.*}}, %[[N]]
// CHECK: %[[T1:.*]] = arith.extf %[[TABLE]] : tensor<32x16xbf16> to tensor<32x16xf32>
// CHECK: hybrid.linear %{{.*}}, %[[T1]]
// CHECK: func.func private @layer(%{{.*}}: tensor<1x4x16xf32>, %[[LW:.*]]: tensor<16x16xbf16>, %[[LG:.*]]: tensor<24x16xbf16>, %[[LU:.*]]: tensor<24x16xbf16>, %[[LD:.*]]: tensor<16x24xbf16>)
// CHECK: %[[EW:.*]] = arith.extf %[[LW]] : tensor<16x16xbf16> to tensor<16x16xf32>
// CHECK: hybrid.linear %{{.*}}, %[[EW]] :
// CHECK-DAG: arith.extf %[[LG]]
// CHECK-DAG: arith.extf %[[LU]]
// CHECK-DAG: arith.extf %[[LD]]
// CHECK: hybrid.gated_mlp
func.func @forward(%ids: tensor<1x4xi64>, %table: tensor<32x16xf32> {hybrid.weight = "embed"},
                   %w: tensor<16x16xf32> {hybrid.weight = "layer.proj"},
                   %g: tensor<24x16xf32> {hybrid.weight = "layer.gate"},
                   %u: tensor<24x16xf32> {hybrid.weight = "layer.up"},
                   %d: tensor<16x24xf32> {hybrid.weight = "layer.down"},
                   %n: tensor<16xf32> {hybrid.weight = "norm"}) -> tensor<1x4x32xf32> {
  %h = hybrid.embedding %ids, %table : (tensor<1x4xi64>, tensor<32x16xf32>) -> tensor<1x4x16xf32>
  %l = call @layer(%h, %w, %g, %u, %d) : (tensor<1x4x16xf32>, tensor<16x16xf32>, tensor<24x16xf32>, tensor<24x16xf32>, tensor<16x24xf32>) -> tensor<1x4x16xf32>
  %o = hybrid.rms_norm %l, %n {eps = 1.0e-6 : f32} : tensor<1x4x16xf32>, tensor<16xf32>
  %y = hybrid.linear %o, %table : (tensor<1x4x16xf32>, tensor<32x16xf32>) -> tensor<1x4x32xf32>
  return %y : tensor<1x4x32xf32>
}
func.func private @layer(%x: tensor<1x4x16xf32>, %w: tensor<16x16xf32>, %g: tensor<24x16xf32>,
                         %u: tensor<24x16xf32>, %d: tensor<16x24xf32>) -> tensor<1x4x16xf32> {
  %p = hybrid.linear %x, %w : (tensor<1x4x16xf32>, tensor<16x16xf32>) -> tensor<1x4x16xf32>
  %m = hybrid.gated_mlp %p, %g, %u, %d {activation = #hybrid.act<silu>} : (tensor<1x4x16xf32>, tensor<24x16xf32>, tensor<24x16xf32>, tensor<16x24xf32>) -> tensor<1x4x16xf32>
  return %m : tensor<1x4x16xf32>
}

// -----

// A weight that is also an input (here a linear layer's activation) stays
// f32; so does a layer's argument when one of its calls passes it anything
// but a weight that changes (%act), and then the weight passed beside it
// (%w) too. Biases, plain inputs and functions without weights are left.
// CHECK-LABEL: func.func @mixed(
// CHECK-SAME: %[[V:[^:]*]]: tensor<4x16xf32> {hybrid.weight = "both"}
// CHECK-SAME: %[[B:[^:]*]]: tensor<4xf32> {hybrid.weight = "bias"}
// CHECK-SAME: %[[W:[^:]*]]: tensor<16x16xf32> {hybrid.weight = "shared"}
// CHECK-SAME: %[[P:[^:]*]]: tensor<16x16xbf16> {hybrid.weight = "plain"}
// CHECK-NOT: arith.extf %[[V]]
// CHECK-NOT: arith.extf %[[W]]
// CHECK: arith.extf %[[P]]
// CHECK: func.func private @project(%{{.*}}: tensor<4x16xf32>, %{{.*}}: tensor<16x16xf32>)
// CHECK-NOT: arith.extf
// CHECK: return
func.func @mixed(%x: tensor<4x16xf32>, %v: tensor<4x16xf32> {hybrid.weight = "both"},
                 %b: tensor<4xf32> {hybrid.weight = "bias"},
                 %w: tensor<16x16xf32> {hybrid.weight = "shared"},
                 %p: tensor<16x16xf32> {hybrid.weight = "plain"},
                 %act: tensor<16x16xf32>) -> tensor<4x16xf32> {
  %a = hybrid.linear %v, %v bias(%b) : (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4xf32>) -> tensor<4x4xf32>
  %c0 = call @project(%x, %w) : (tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<4x16xf32>
  %c1 = call @project(%c0, %act) : (tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<4x16xf32>
  %y = hybrid.linear %c1, %p : (tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
func.func private @project(%x: tensor<4x16xf32>, %w: tensor<16x16xf32>) -> tensor<4x16xf32> {
  %y = hybrid.linear %x, %w : (tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// A public function called by another: its weight stays f32 when a call
// passes it anything but a weight that changes.
// CHECK-LABEL: func.func @called(
// CHECK-SAME: tensor<16x16xf32> {hybrid.weight = "w"}
// CHECK-LABEL: func.func @caller(
// CHECK-SAME: %{{[^:]*}}: tensor<16x16xf32>)
func.func @called(%x: tensor<4x16xf32>, %w: tensor<16x16xf32> {hybrid.weight = "w"}) -> tensor<4x16xf32> {
  %y = hybrid.linear %x, %w : (tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
func.func @caller(%x: tensor<4x16xf32>, %m: tensor<16x16xf32>) -> tensor<4x16xf32> {
  %y = call @called(%x, %m) : (tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// A mixture's experts: per-expert tensors stacked by the importer
// (expand_shape + concat) each read widened before their view, the fused
// gate_up tensor widened before its slices, and ungated experts (gate = up)
// one widening for both. The router stays f32.
// CHECK-LABEL: func.func @experts(
// CHECK-SAME: %[[R:[^:]*]]: tensor<2x8xf32> {hybrid.weight = "router"}
// CHECK-SAME: %[[G0:[^:]*]]: tensor<4x8xbf16> {hybrid.weight = "experts.0.gate"}
// CHECK-SAME: %[[G1:[^:]*]]: tensor<4x8xbf16> {hybrid.weight = "experts.1.gate"}
// CHECK-SAME: %[[GU:[^:]*]]: tensor<2x8x8xbf16> {hybrid.weight = "experts.gate_up"}
// CHECK-SAME: %[[D:[^:]*]]: tensor<2x8x4xbf16> {hybrid.weight = "experts.down"}
// CHECK-SAME: %[[S:[^:]*]]: tensor<2x4x8xbf16> {hybrid.weight = "shared.up"}
// CHECK: %[[E0:.*]] = arith.extf %[[G0]] : tensor<4x8xbf16> to tensor<4x8xf32>
// CHECK: tensor.expand_shape %[[E0]]
// CHECK: %[[E1:.*]] = arith.extf %[[G1]]
// CHECK: tensor.expand_shape %[[E1]]
// CHECK: %[[STACK:.*]] = tensor.concat dim(0)
// CHECK: %[[EGU:.*]] = arith.extf %[[GU]] : tensor<2x8x8xbf16> to tensor<2x8x8xf32>
// CHECK: %[[UP:.*]] = tensor.extract_slice %[[EGU]]
// CHECK: %[[ED:.*]] = arith.extf %[[D]]
// CHECK: hybrid.moe %{{.*}}, %[[R]], %[[STACK]], %[[UP]], %[[ED]]
// CHECK: %[[ES:.*]] = arith.extf %[[S]]
// CHECK-NEXT: hybrid.moe %{{.*}}, %[[R]], %[[ES]], %[[ES]], %{{.*}} {
func.func @experts(%x: tensor<1x3x8xf32>, %r: tensor<2x8xf32> {hybrid.weight = "router"},
                   %g0: tensor<4x8xf32> {hybrid.weight = "experts.0.gate"},
                   %g1: tensor<4x8xf32> {hybrid.weight = "experts.1.gate"},
                   %gu: tensor<2x8x8xf32> {hybrid.weight = "experts.gate_up"},
                   %d: tensor<2x8x4xf32> {hybrid.weight = "experts.down"},
                   %s: tensor<2x4x8xf32> {hybrid.weight = "shared.up"}) -> tensor<1x3x8xf32> {
  %e0 = tensor.expand_shape %g0 [[0, 1], [2]] output_shape [1, 4, 8] : tensor<4x8xf32> into tensor<1x4x8xf32>
  %e1 = tensor.expand_shape %g1 [[0, 1], [2]] output_shape [1, 4, 8] : tensor<4x8xf32> into tensor<1x4x8xf32>
  %gate = tensor.concat dim(0) %e0, %e1 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<2x4x8xf32>
  %up = tensor.extract_slice %gu[0, 4, 0] [2, 4, 8] [1, 1, 1] : tensor<2x8x8xf32> to tensor<2x4x8xf32>
  %y = hybrid.moe %x, %r, %gate, %up, %d {top_k = 1 : i64}
     : (tensor<1x3x8xf32>, tensor<2x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x8x4xf32>) -> tensor<1x3x8xf32>
  %z = hybrid.moe %y, %r, %s, %s, %d {top_k = 1 : i64, activation = #hybrid.act<relu>}
     : (tensor<1x3x8xf32>, tensor<2x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x8x4xf32>) -> tensor<1x3x8xf32>
  return %z : tensor<1x3x8xf32>
}
