// hybrid-tile-contractions cache-blocks large matmul-like contractions (not
// the linear layer's, which hybrid-packed-gemm blocks itself) with
// tile sizes from the module's hybrid.target (never the host's): tk = 256,
// tn = 8 × f32 lanes, tm so that the three tiles fit in half of L2. Small
// contractions and short reductions are left alone.
// RUN: hybrid-opt %s -split-input-file -convert-hybrid-to-linalg -hybrid-tile-contractions -canonicalize | FileCheck %s

// 1 MiB L2 (128 Ki floats for the tiles): tm = (131072 − 128·256) / (256 + 128) = 256.
// CHECK-LABEL: func @l2_1mib
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c256
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c128
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c256
// CHECK: tensor.extract_slice {{.*}} [256, 256]
// CHECK: linalg.generic {{.*}}"reduction"]{{.*}}tensor<256x256xf32>, tensor<256x128xf32>
// CHECK: tensor.insert_slice
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 32768, l2_bytes = 1048576>} {
func.func @l2_1mib(%x: tensor<512x512xf32>, %w: tensor<512x512xf32>) -> tensor<512x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<512x512xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<512x512xf32>) -> tensor<512x512xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<512x512xf32>, tensor<512x512xf32>) outs(%init : tensor<512x512xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  } -> tensor<512x512xf32>
  return %y : tensor<512x512xf32>
}
}

// -----

// 2 MiB L2: tm = 597 ≥ 512, so the rows are not split: two loops, not three.
// CHECK-LABEL: func @l2_2mib
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c128
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c256
// CHECK-NOT: scf.for
// CHECK: linalg.generic {{.*}}"reduction"]{{.*}}tensor<512x256xf32>, tensor<256x128xf32>
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 49152, l2_bytes = 2097152>} {
func.func @l2_2mib(%x: tensor<512x512xf32>, %w: tensor<512x512xf32>) -> tensor<512x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<512x512xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<512x512xf32>) -> tensor<512x512xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<512x512xf32>, tensor<512x512xf32>) outs(%init : tensor<512x512xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  } -> tensor<512x512xf32>
  return %y : tensor<512x512xf32>
}
}

// -----

// 256-bit vectors: tn = 8 × 8 = 64; tm = (131072 − 64·256) / 320 = 358.
// CHECK-LABEL: func @avx2
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c358
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c64
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c256
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 256, l1_bytes = 32768, l2_bytes = 1048576>} {
func.func @avx2(%x: tensor<512x512xf32>, %w: tensor<512x512xf32>) -> tensor<512x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<512x512xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<512x512xf32>) -> tensor<512x512xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<512x512xf32>, tensor<512x512xf32>) outs(%init : tensor<512x512xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  } -> tensor<512x512xf32>
  return %y : tensor<512x512xf32>
}
}

// -----

// Without a hybrid.target the default target applies (512-bit vectors, 2 MiB L2).
// CHECK-LABEL: func @default_target
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c128
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c256
// CHECK-NOT: scf.for
func.func @default_target(%x: tensor<512x512xf32>, %w: tensor<512x512xf32>) -> tensor<512x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<512x512xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<512x512xf32>) -> tensor<512x512xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<512x512xf32>, tensor<512x512xf32>) outs(%init : tensor<512x512xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  } -> tensor<512x512xf32>
  return %y : tensor<512x512xf32>
}

// -----

// Below 2^22 iterations: not worth blocking.
// CHECK-LABEL: func @small
// CHECK-NOT: scf.for
// CHECK: linalg.generic
func.func @small(%x: tensor<8x16xf32>, %w: tensor<16x16xf32>) -> tensor<8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<8x16xf32>) -> tensor<8x16xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%init : tensor<8x16xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  } -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// A reduction shorter than 8 × lanes (an attention head dim of 64) is left alone.
// CHECK-LABEL: func @short_reduction
// CHECK-NOT: scf.for
// CHECK: linalg.generic
func.func @short_reduction(%x: tensor<4096x64xf32>, %w: tensor<64x1024xf32>) -> tensor<4096x1024xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4096x1024xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4096x1024xf32>) -> tensor<4096x1024xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<4096x64xf32>, tensor<64x1024xf32>) outs(%init : tensor<4096x1024xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  } -> tensor<4096x1024xf32>
  return %y : tensor<4096x1024xf32>
}

// -----

// The linear layer's contraction is left for hybrid-packed-gemm, prefill
// and decode alike.
// CHECK-LABEL: func @linear_left_for_packed_gemm
// CHECK-NOT: scf.for
// CHECK: linalg.generic
// CHECK-LABEL: func @linear_decode
// CHECK-NOT: scf.for
// CHECK: linalg.generic
func.func @linear_left_for_packed_gemm(%x: tensor<1x512x512xf32>, %w: tensor<512x512xf32>) -> tensor<1x512x512xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x512x512xf32>, tensor<512x512xf32>) -> tensor<1x512x512xf32>
  return %y : tensor<1x512x512xf32>
}
func.func @linear_decode(%x: tensor<1x8x1024xf32>, %w: tensor<1024x1024xf32>) -> tensor<1x8x1024xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x8x1024xf32>, tensor<1024x1024xf32>) -> tensor<1x8x1024xf32>
  return %y : tensor<1x8x1024xf32>
}
