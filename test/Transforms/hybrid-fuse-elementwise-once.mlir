// hybrid-fuse-elementwise-once (the CPU pipeline's elementwise fusion) does
// not fuse an expensive producer into a consumer that would recompute each of
// its elements many times: RoPE (sin, cos, exp, a gather) stays one generic
// over q instead of being recomputed for every (query, key, d) of the
// attention scores, as it was through the KV cache path.
// RUN: hybrid-opt %s -split-input-file -convert-hybrid-to-linalg -hybrid-fuse-elementwise-once | FileCheck %s

// CHECK-LABEL: func @rope_then_scores
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK: math.sin
// CHECK: linalg.yield
// CHECK: linalg.generic {{.*}}"reduction"
// CHECK-NOT: math.sin
// CHECK: return
func.func @rope_then_scores(%q: tensor<1x2x64x8xf32>, %k: tensor<1x2x96x8xf32>,
    %v: tensor<1x2x96x8xf32>, %p: tensor<1x64xi64>, %bias: tensor<1x1x64x96xf32>)
    -> tensor<1x2x64x8xf32> {
  %r = hybrid.rope %q positions(%p : tensor<1x64xi64>) {theta = 1.000000e+04 : f32}
      : tensor<1x2x64x8xf32> -> tensor<1x2x64x8xf32>
  %o = hybrid.attention %r, %k, %v bias(%bias) {mask = #hybrid.mask<none>}
      : (tensor<1x2x64x8xf32>, tensor<1x2x96x8xf32>, tensor<1x2x96x8xf32>,
         tensor<1x1x64x96xf32>) -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}

// -----

// Nothing fuses into a linear layer's contraction, however cheap: it must stay
// a plain multiply-add for hybrid-packed-gemm (RMSNorm's scaling fused into
// Mamba's in_proj left its largest product as untiled scalar loops, 40% of
// a prefill). The scaling is its own elementwise generic.
// CHECK-LABEL: func @norm_then_linear
// CHECK: linalg.generic {{.*}}"reduction"]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: math.rsqrt
// CHECK: linalg.generic {{.*}}"reduction"]
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[W:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: arith.mulf %[[A]], %[[W]]
// CHECK-NEXT: arith.addf %[[ACC]]
// CHECK-NEXT: linalg.yield
// CHECK: return
func.func @norm_then_linear(%x: tensor<1x4x64xf32>, %g: tensor<64xf32>, %w: tensor<32x64xf32>)
    -> tensor<1x4x32xf32> {
  %n = hybrid.rms_norm %x, %g {eps = 1.0e-6 : f32} : tensor<1x4x64xf32>, tensor<64xf32>
  %y = hybrid.linear %n, %w : (tensor<1x4x64xf32>, tensor<32x64xf32>) -> tensor<1x4x32xf32>
  return %y : tensor<1x4x32xf32>
}

// -----

// Nor does a split into heads fold into the projection (it would make the
// weight [heads, d, k] and the contraction no linear layer): Gemma 2's
// q/k/v projections ran as tiled scalar loops that way.
// CHECK-LABEL: func @linear_then_heads
// CHECK-NOT: tensor.expand_shape %arg1
// CHECK: linalg.generic {{.*}}"reduction"]} ins(%{{.*}}, %arg1 : tensor<4x64xf32>, tensor<32x64xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK: return
func.func @linear_then_heads(%x: tensor<1x4x64xf32>, %w: tensor<32x64xf32>) -> tensor<1x2x4x16xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x4x64xf32>, tensor<32x64xf32>) -> tensor<1x4x32xf32>
  %h = hybrid.split_heads %y {heads = 2 : i64} : tensor<1x4x32xf32> -> tensor<1x2x4x16xf32>
  return %h : tensor<1x2x4x16xf32>
}

// -----

// A cheap producer that a product C += A·B would read for every column of C
// (here a row scaling of A, as in the chunked SSD scan's e^G ⊙ C) stays its
// own op: the product keeps plain operands for
// hybrid-register-tile-products' kernels.
// CHECK-LABEL: func @row_scale_then_product
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK-NEXT: linalg.yield
func.func @row_scale_then_product(%a: tensor<16x32xf32>, %s: tensor<16xf32>,
    %b: tensor<32x8xf32>) -> tensor<16x8xf32> {
  %e = tensor.empty() : tensor<16x32xf32>
  %scaled = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>,
      affine_map<(i, k) -> (i)>, affine_map<(i, k) -> (i, k)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%a, %s : tensor<16x32xf32>, tensor<16xf32>) outs(%e : tensor<16x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %m = arith.mulf %x, %y : f32
    linalg.yield %m : f32
  } -> tensor<16x32xf32>
  %zero = arith.constant 0.0 : f32
  %c0 = tensor.empty() : tensor<16x8xf32>
  %c = linalg.fill ins(%zero : f32) outs(%c0 : tensor<16x8xf32>) -> tensor<16x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(i, k, j) -> (i, k)>,
      affine_map<(i, k, j) -> (k, j)>, affine_map<(i, k, j) -> (i, j)>],
      iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%scaled, %b : tensor<16x32xf32>, tensor<32x8xf32>) outs(%c : tensor<16x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %m = arith.mulf %x, %y : f32
    %r = arith.addf %o, %m : f32
    linalg.yield %r : f32
  } -> tensor<16x8xf32>
  return %p : tensor<16x8xf32>
}
