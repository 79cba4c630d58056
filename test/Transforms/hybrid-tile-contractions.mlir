// hybrid-tile-contractions cache-blocks large matmul-like contractions with
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
// CHECK: linalg.generic {{.*}}"reduction"]{{.*}}tensor<256x256xf32>, tensor<128x256xf32>
// CHECK: tensor.insert_slice
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 32768, l2_bytes = 1048576>} {
func.func @l2_1mib(%x: tensor<1x512x512xf32>, %w: tensor<512x512xf32>) -> tensor<1x512x512xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x512x512xf32>, tensor<512x512xf32>) -> tensor<1x512x512xf32>
  return %y : tensor<1x512x512xf32>
}
}

// -----

// 2 MiB L2: tm = 597 ≥ 512, so the rows are not split: two loops, not three.
// CHECK-LABEL: func @l2_2mib
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c128
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c256
// CHECK-NOT: scf.for
// CHECK: linalg.generic {{.*}}"reduction"]{{.*}}tensor<512x256xf32>, tensor<128x256xf32>
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 49152, l2_bytes = 2097152>} {
func.func @l2_2mib(%x: tensor<1x512x512xf32>, %w: tensor<512x512xf32>) -> tensor<1x512x512xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x512x512xf32>, tensor<512x512xf32>) -> tensor<1x512x512xf32>
  return %y : tensor<1x512x512xf32>
}
}

// -----

// 256-bit vectors: tn = 8 × 8 = 64; tm = (131072 − 64·256) / 320 = 358.
// CHECK-LABEL: func @avx2
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c358
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c64
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c256
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 256, l1_bytes = 32768, l2_bytes = 1048576>} {
func.func @avx2(%x: tensor<1x512x512xf32>, %w: tensor<512x512xf32>) -> tensor<1x512x512xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x512x512xf32>, tensor<512x512xf32>) -> tensor<1x512x512xf32>
  return %y : tensor<1x512x512xf32>
}
}

// -----

// Without a hybrid.target the default target applies (512-bit vectors, 2 MiB L2).
// CHECK-LABEL: func @default_target
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c128
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c256
// CHECK-NOT: scf.for
func.func @default_target(%x: tensor<1x512x512xf32>, %w: tensor<512x512xf32>) -> tensor<1x512x512xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x512x512xf32>, tensor<512x512xf32>) -> tensor<1x512x512xf32>
  return %y : tensor<1x512x512xf32>
}

// -----

// Below 2^22 iterations: not worth blocking.
// CHECK-LABEL: func @small
// CHECK-NOT: scf.for
// CHECK: linalg.generic
func.func @small(%x: tensor<1x8x16xf32>, %w: tensor<16x16xf32>) -> tensor<1x8x16xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x8x16xf32>, tensor<16x16xf32>) -> tensor<1x8x16xf32>
  return %y : tensor<1x8x16xf32>
}

// -----

// A reduction shorter than 8 × lanes (an attention head dim of 64) is left alone.
// CHECK-LABEL: func @short_reduction
// CHECK-NOT: scf.for
// CHECK: linalg.generic
func.func @short_reduction(%x: tensor<1x4096x64xf32>, %w: tensor<1024x64xf32>) -> tensor<1x4096x1024xf32> {
  %y = hybrid.linear %x, %w : (tensor<1x4096x64xf32>, tensor<1024x64xf32>) -> tensor<1x4096x1024xf32>
  return %y : tensor<1x4096x1024xf32>
}
