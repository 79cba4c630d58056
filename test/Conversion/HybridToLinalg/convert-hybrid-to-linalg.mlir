// The IR convert-hybrid-to-linalg produces, one case per op family.
// RUN: hybrid-opt %s -convert-hybrid-to-linalg -split-input-file -verify-diagnostics | FileCheck %s

// Attention: scores contraction with the kv head as h floordiv 4 (GQA), the
// window mask as index comparisons (no N×N tensor), softmax, weighted sum.
// CHECK-DAG: #[[$KV:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 4, d3, d4)>
// CHECK-LABEL: func @attention
// CHECK-NOT: hybrid.
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: linalg.index 2
// CHECK: arith.cmpi sle
// CHECK: arith.cmpi slt
// CHECK: arith.select {{.*}} : f32
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
func.func @attention(%q: tensor<1x8x4x16xf32>, %k: tensor<1x2x4x16xf32>) -> tensor<1x8x4x16xf32> {
  %o = hybrid.attention %q, %k, %k {mask = #hybrid.mask<causal, window = 2>}
      : (tensor<1x8x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

// The selective scan: A as [N, E] once, then a loop over time carrying the
// state as [B, N, E] (channels innermost, along the vector lanes), each step
// a generic over (batch, state, channels) and a sum over the state in loops
// (batch, state, channels); the final state back to [B, E, N].
// CHECK-LABEL: func @scan
// CHECK: linalg.transpose ins(%{{.*}} : tensor<8x4xf32>) outs(%{{.*}} : tensor<4x8xf32>) permutation = [1, 0]
// CHECK: %[[Y:.+]]:2 = scf.for %{{.*}} = %c0 to %c5 step %c1 iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<1x4x8xf32>, tensor<1x5x8xf32>)
// CHECK: tensor.extract_slice {{.*}} : tensor<1x5x8xf32> to tensor<1x8xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: math.exp
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: tensor.insert_slice
// CHECK: %[[H:.+]] = linalg.transpose ins(%[[Y]]#0 : tensor<1x4x8xf32>) outs(%{{.*}} : tensor<1x8x4xf32>) permutation = [0, 2, 1]
// CHECK: return %[[Y]]#1, %[[H]]
func.func @scan(%x: tensor<1x5x8xf32>, %A: tensor<8x4xf32>, %B: tensor<1x5x4xf32>)
    -> (tensor<1x5x8xf32>, tensor<1x8x4xf32>) {
  %y, %h = hybrid.selective_scan %x, %x, %A, %B, %B
      : (tensor<1x5x8xf32>, tensor<1x5x8xf32>, tensor<8x4xf32>, tensor<1x5x4xf32>, tensor<1x5x4xf32>)
      -> (tensor<1x5x8xf32>, tensor<1x8x4xf32>)
  return %y, %h : tensor<1x5x8xf32>, tensor<1x8x4xf32>
}

// -----

// 32 channels: two independent chunks of 16 (an scf.forall, threads), each
// its own loop over time on its slice of x, Δ and A; y and the final state
// go to the chunk's channels.
// CHECK-LABEL: func @scan_chunks
// CHECK: %[[R:.+]]:2 = scf.forall (%[[I:.+]]) in (2) shared_outs(%[[YO:.+]] = %{{.*}}, %[[HO:.+]] = %{{.*}}) -> (tensor<1x5x32xf32>, tensor<1x32x4xf32>)
// CHECK: %[[C0:.+]] = arith.muli %[[I]], %c16
// CHECK: tensor.extract_slice %{{.*}}[0, 0, %[[C0]]] [1, 5, 16] [1, 1, 1] : tensor<1x5x32xf32> to tensor<1x5x16xf32>
// CHECK: tensor.extract_slice %{{.*}}[%[[C0]], 0] [16, 4] [1, 1] : tensor<32x4xf32> to tensor<16x4xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c5 step %c1 iter_args({{.*}}) -> (tensor<1x4x16xf32>, tensor<1x5x16xf32>)
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %{{.*}} into %[[YO]][0, 0, %[[C0]]] [1, 5, 16]
// CHECK-NEXT: tensor.parallel_insert_slice %{{.*}} into %[[HO]][0, %[[C0]], 0] [1, 16, 4]
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @scan_chunks(%x: tensor<1x5x32xf32>, %A: tensor<32x4xf32>, %B: tensor<1x5x4xf32>)
    -> (tensor<1x5x32xf32>, tensor<1x32x4xf32>) {
  %y, %h = hybrid.selective_scan %x, %x, %A, %B, %B
      : (tensor<1x5x32xf32>, tensor<1x5x32xf32>, tensor<32x4xf32>, tensor<1x5x4xf32>, tensor<1x5x4xf32>)
      -> (tensor<1x5x32xf32>, tensor<1x32x4xf32>)
  return %y, %h : tensor<1x5x32xf32>, tensor<1x32x4xf32>
}

// -----

// RG-LRU: each gate a loop over the heads, each head a linear layer (the
// packed GEMM's pattern: rows × Wᵀ) on its 16 columns with W_h transposed
// to [out, in], then σ; the decay and the normalised input computed for
// every step (reset where a position is 0); only h = a·h + u stays in the
// loop over time, run as chunks of 16 channels (an scf.forall).
// CHECK-LABEL: func @rg_lru
// CHECK: scf.for %{{.*}} = %{{.*}} to %c2
// CHECK: tensor.extract_slice %{{.*}}[0, %{{.*}}] [5, 16] [1, 1] : tensor<5x32xf32> to tensor<5x16xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<16x16xf32>) {{.*}} permutation = [1, 0]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, %{{.*}}] [5, 16] [1, 1]
// CHECK: scf.for %{{.*}} = %{{.*}} to %c2
// CHECK: linalg.transpose
// CHECK: arith.cmpi eq, %{{.*}}, %{{.*}} : i64
// CHECK: math.log1p
// CHECK: math.sqrt
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: scf.for
// CHECK: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK-NOT: math.exp
// CHECK: scf.forall.in_parallel
func.func @rg_lru(%x: tensor<1x5x32xf32>, %w: tensor<2x16x16xf32>, %b: tensor<2x16xf32>, %l: tensor<32xf32>, %p: tensor<1x5xi64>)
    -> (tensor<1x5x32xf32>, tensor<1x32xf32>) {
  %y, %h = hybrid.rg_lru %x, %w, %b, %w, %b, %l positions(%p)
      : (tensor<1x5x32xf32>, tensor<2x16x16xf32>, tensor<2x16xf32>, tensor<2x16x16xf32>, tensor<2x16xf32>,
         tensor<32xf32>, tensor<1x5xi64>) -> (tensor<1x5x32xf32>, tensor<1x32xf32>)
  return %y, %h : tensor<1x5x32xf32>, tensor<1x32xf32>
}

// -----

// Gated delta rule, 20 steps in chunks of 8: q and k l2-normalised (rsqrt)
// and laid out head-major; one tile per value head (an scf.forall, both
// reading key head h floordiv 2); in each, a loop over the two full chunks
// (cumulative decay, K·Kᵀ and Q·Kᵀ products from Kᵀ, along rows, the
// strictly-lower decayed system solved row by row), then the 4-step tail
// at its own size.
// CHECK-LABEL: func @gated_delta_rule
// CHECK: math.rsqrt
// CHECK: scf.forall (%[[I:.*]]) in (2)
// CHECK: %[[H:.*]] = arith.remui %[[I]]
// CHECK: arith.divui %[[H]], %{{.*}}
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<4x3xf32>, tensor<20x3xf32>)
// CHECK: %[[KT:.*]] = linalg.transpose ins(%{{.*}} : tensor<8x4xf32>) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK: iterator_types = ["parallel", "reduction", "parallel"]} ins(%{{.*}}, %[[KT]] : tensor<8x4xf32>, tensor<4x8xf32>) outs(%{{.*}} : tensor<8x8xf32>)
// CHECK: arith.cmpi ult
// CHECK: math.exp
// CHECK: scf.for {{.*}} -> (tensor<8x3xf32>, tensor<8x4xf32>)
// CHECK: scf.yield
// CHECK: linalg.transpose ins(%{{.*}} : tensor<4x4xf32>)
// CHECK: scf.forall.in_parallel
func.func @gated_delta_rule(%q: tensor<1x20x1x4xf32>, %k: tensor<1x20x1x4xf32>, %v: tensor<1x20x2x3xf32>,
    %g: tensor<1x20x2xf32>, %b: tensor<1x20x2xf32>) -> (tensor<1x20x2x3xf32>, tensor<1x2x4x3xf32>) {
  %o, %s = hybrid.gated_delta_rule %q, %k, %v, %g, %b {qk_l2norm, chunk_size = 8 : i64}
      : (tensor<1x20x1x4xf32>, tensor<1x20x1x4xf32>, tensor<1x20x2x3xf32>, tensor<1x20x2xf32>,
         tensor<1x20x2xf32>) -> (tensor<1x20x2x3xf32>, tensor<1x2x4x3xf32>)
  return %o, %s : tensor<1x20x2x3xf32>, tensor<1x2x4x3xf32>
}

// -----

// The same rule over 5 steps (shorter than a chunk): the plain recurrence,
// one step per iteration on the [4, 3] state; no triangular solve.
// CHECK-LABEL: func @gated_delta_rule_recurrent
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<4x3xf32>, tensor<5x3xf32>)
// CHECK: math.exp
// CHECK-NOT: scf.for
// CHECK: scf.forall.in_parallel
func.func @gated_delta_rule_recurrent(%q: tensor<1x5x1x4xf32>, %k: tensor<1x5x1x4xf32>, %v: tensor<1x5x2x3xf32>,
    %g: tensor<1x5x2xf32>, %b: tensor<1x5x2xf32>, %s0: tensor<1x2x4x3xf32>) -> (tensor<1x5x2x3xf32>, tensor<1x2x4x3xf32>) {
  %o, %s = hybrid.gated_delta_rule %q, %k, %v, %g, %b init(%s0) {chunk_size = 8 : i64}
      : (tensor<1x5x1x4xf32>, tensor<1x5x1x4xf32>, tensor<1x5x2x3xf32>, tensor<1x5x2xf32>,
         tensor<1x5x2xf32>, tensor<1x2x4x3xf32>) -> (tensor<1x5x2x3xf32>, tensor<1x2x4x3xf32>)
  return %o, %s : tensor<1x5x2x3xf32>, tensor<1x2x4x3xf32>
}

// -----

// conv2d with groups: one generic whose input channel is (o floordiv 3)·2 + c.
// CHECK-DAG: #[[$IN:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, (d1 floordiv 3) * 2 + d4, d2 * 2 + d5, d3 * 2 + d6)>
// CHECK-LABEL: func @conv
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 1] [1, 4, 6, 6]
// CHECK: linalg.generic {indexing_maps = [#[[$IN]], {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
func.func @conv(%x: tensor<1x4x6x6xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x3x3xf32> {
  %y = hybrid.conv2d %x, %w {strides = array<i64: 2, 2>, padding = array<i64: 1, 1>, groups = 2 : i64}
      : (tensor<1x4x6x6xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x3x3xf32>
  return %y : tensor<1x6x3x3xf32>
}

// -----

// A dense conv2d (groups 1) is a linear layer over its patches (im2col):
// each output pixel's [C, kh, kw] field becomes a row, the weight [O, C·kh·kw],
// and the NHWC product is transposed back to NCHW.
// CHECK-DAG: #[[$PATCH:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 * 2 + d4 * 3, d2 * 4 + d5)>
// CHECK-LABEL: func @dense_conv
// CHECK: %[[PATCHES:.+]] = linalg.generic {indexing_maps = [#[[$PATCH]], {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]{{.*}} outs(%{{.*}} : tensor<2x2x2x3x2x3xf32>)
// CHECK: %[[ROWS:.+]] = tensor.collapse_shape %[[PATCHES]] {{\[}}[0], [1], [2], [3, 4, 5]] : tensor<2x2x2x3x2x3xf32> into tensor<2x2x2x18xf32>
// CHECK: %[[W:.+]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3]] : tensor<5x3x2x3xf32> into tensor<5x18xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%{{.*}}, %[[W]] : tensor<8x18xf32>, tensor<5x18xf32>)
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x2x2x5xf32>) outs(%{{.*}} : tensor<2x5x2x2xf32>) permutation = [0, 3, 1, 2]
func.func @dense_conv(%x: tensor<2x3x6x7xf32>, %w: tensor<5x3x2x3xf32>, %b: tensor<5xf32>) -> tensor<2x5x2x2xf32> {
  %y = hybrid.conv2d %x, %w bias(%b) {strides = array<i64: 2, 4>, dilations = array<i64: 3, 1>}
      : (tensor<2x3x6x7xf32>, tensor<5x3x2x3xf32>, tensor<5xf32>) -> tensor<2x5x2x2xf32>
  return %y : tensor<2x5x2x2xf32>
}

// -----

// ACT: max_steps guarded steps; the body is copied into the loop.
// CHECK-LABEL: func @act
// CHECK: scf.for {{.*}} -> (tensor<1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>)
// CHECK: tensor.extract %{{.*}}[] : tensor<i1>
// CHECK: scf.if
// CHECK: linalg.generic
func.func @act(%x: tensor<1x2x4xf32>, %p: tensor<1x2xf32>) -> tensor<1x2x4xf32> {
  %y = hybrid.recurrent_depth %x max_steps = 3 halt_threshold = 0.9 : tensor<1x2x4xf32> {
  ^bb0(%s: tensor<1x2x4xf32>, %step: index):
    %n = hybrid.activation %s {kind = #hybrid.act<tanh>} : tensor<1x2x4xf32>
    hybrid.yield %n, %p : tensor<1x2x4xf32>, tensor<1x2xf32>
  }
  return %y : tensor<1x2x4xf32>
}

// -----

// Causal conv1d of width 4 with a carried state: one elementwise pass per
// part, the 4 taps unrolled (4 row-shifted slices of the input and the
// transposed weight's 4 rows), bias and SiLU in the same body. Only the
// first K-1 = 3 rows read the state, through a 6-row head [state; x[0, 3)];
// rows 3.. read x itself. The new state is x's last 3 rows, transposed.
// CHECK-LABEL: func @conv
// CHECK: %[[WT:.*]] = linalg.transpose ins(%arg1 : tensor<8x4xf32>) {{.*}} permutation = [1, 0]
// CHECK: %[[STATE:.*]] = linalg.transpose ins(%arg3 : tensor<1x8x3xf32>)
// CHECK: %[[HEAD0:.*]] = tensor.insert_slice %[[STATE]] into %{{.*}}[0, 0, 0] [1, 3, 8]
// CHECK: %[[X0:.*]] = tensor.extract_slice %arg0[0, 0, 0] [1, 3, 8]
// CHECK: %[[HEAD:.*]] = tensor.insert_slice %[[X0]] into %[[HEAD0]][0, 3, 0] [1, 3, 8]
// CHECK-COUNT-4: tensor.extract_slice %[[HEAD]][0, {{[0-3]}}, 0] [1, 3, 8]
// CHECK: %[[YH:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} ins({{.*}}, %[[WT]], %[[WT]], %[[WT]], %[[WT]], %arg2 :
// CHECK-COUNT-4: arith.mulf
// CHECK: math.exp
// CHECK: %[[Y0:.*]] = tensor.insert_slice %[[YH]] into %{{.*}}[0, 0, 0] [1, 3, 8]
// CHECK: tensor.extract_slice %arg0[0, 0, 0] [1, 3, 8]
// CHECK: tensor.extract_slice %arg0[0, 1, 0] [1, 3, 8]
// CHECK: tensor.extract_slice %arg0[0, 2, 0] [1, 3, 8]
// CHECK: tensor.extract_slice %arg0[0, 3, 0] [1, 3, 8]
// CHECK: %[[YB:.*]] = linalg.generic
// CHECK: %[[Y:.*]] = tensor.insert_slice %[[YB]] into %[[Y0]][0, 3, 0] [1, 3, 8]
// CHECK: %[[TAIL:.*]] = tensor.extract_slice %arg0[0, 3, 0] [1, 3, 8]
// CHECK: %[[S:.*]] = linalg.transpose ins(%[[TAIL]] : tensor<1x3x8xf32>) {{.*}} permutation = [0, 2, 1]
// CHECK: return %[[Y]], %[[S]]
func.func @conv(%x: tensor<1x6x8xf32>, %w: tensor<8x4xf32>, %b: tensor<8xf32>, %s0: tensor<1x8x3xf32>) -> (tensor<1x6x8xf32>, tensor<1x8x3xf32>) {
  %y, %s = hybrid.causal_conv1d %x, %w bias(%b) state(%s0) {activation = #hybrid.act<silu>}
      : (tensor<1x6x8xf32>, tensor<8x4xf32>, tensor<8xf32>, tensor<1x8x3xf32>) -> (tensor<1x6x8xf32>, tensor<1x8x3xf32>)
  return %y, %s : tensor<1x6x8xf32>, tensor<1x8x3xf32>
}

// -----

func.func @dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{could not be lowered to linalg (dynamic shapes are not supported yet)}}
  %y = hybrid.activation %x {kind = #hybrid.act<relu>} : tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

