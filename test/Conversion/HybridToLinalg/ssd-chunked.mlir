// Mamba-2's SSD scan over at least one chunk lowers to its chunked form:
// Bᵀ of every group once; C·Bᵀ once per group and full chunk; one (batch,
// head) per tile of an scf.forall, each a loop over the full chunks of
// min(chunk_size, 64) steps, then the last, shorter chunk at its own size;
// every product an A·B with loops (i, r, j), the shape
// hybrid-register-tile-products takes; D·x after the tiles.
// Shorter than one chunk, the recurrence over time stays.
// RUN: hybrid-opt %s -convert-hybrid-to-linalg -split-input-file | FileCheck %s

// chunk_size 256 (the default) runs in chunks of 64: one full chunk of
// L = 80, then 16 steps.
// CHECK: #[[$A:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-NEXT: #[[$B:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-NEXT: #[[$C:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func @chunked
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x80x2x16xf32>) outs(%{{.*}} : tensor<1x2x16x80xf32>) permutation = [0, 2, 3, 1]
// C·Bᵀ of each full chunk once per group (one tile per batch, group, chunk),
// shared by the group's heads:
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%{{.*}}, %{{.*}} : tensor<64x16xf32>, tensor<16x64xf32>) outs(%{{.*}} : tensor<64x64xf32>)
// CHECK: scf.forall (%{{.*}}) in (4)
// CHECK: bufferization.alloc_tensor() : tensor<80x8xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c64
// CHECK: tensor.extract_slice {{.*}} : tensor<1x2x1x64x64xf32> to tensor<64x64xf32>
// e^G and e^(G_n − G) once per step, then (C·Bᵀ ⊙ L)·X, (e^G ⊙ C)·Sᵀ and
// (Bᵀ ⊙ e^(G_n − G))·X:
// CHECK: math.exp
// CHECK: math.exp
// CHECK: linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], {{.*}} ins(%{{.*}}, %{{.*}} : tensor<64x64xf32>, tensor<64x8xf32>) outs(%{{.*}} : tensor<64x8xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], {{.*}} ins(%{{.*}}, %{{.*}} : tensor<64x16xf32>, tensor<16x8xf32>) outs(%{{.*}} : tensor<64x8xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], {{.*}} ins(%{{.*}}, %{{.*}} : tensor<16x64xf32>, tensor<64x8xf32>) outs(%{{.*}} : tensor<16x8xf32>)
// CHECK: scf.yield
// CHECK: linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], {{.*}} ins(%{{.*}}, %{{.*}} : tensor<16x16xf32>, tensor<16x16xf32>) outs(%{{.*}} : tensor<16x16xf32>)
// CHECK: linalg.transpose ins(%{{.*}} : tensor<16x8xf32>) outs(%{{.*}} : tensor<8x16xf32>) permutation = [1, 0]
// CHECK: scf.forall.in_parallel
func.func @chunked(%x: tensor<1x80x4x8xf32>, %dt: tensor<1x80x4xf32>, %A: tensor<4xf32>,
    %B: tensor<1x80x2x16xf32>, %C: tensor<1x80x2x16xf32>, %D: tensor<4xf32>)
    -> (tensor<1x80x4x8xf32>, tensor<1x4x8x16xf32>) {
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %C D(%D) {dt_softplus}
      : (tensor<1x80x4x8xf32>, tensor<1x80x4xf32>, tensor<4xf32>, tensor<1x80x2x16xf32>,
         tensor<1x80x2x16xf32>, tensor<4xf32>) -> (tensor<1x80x4x8xf32>, tensor<1x4x8x16xf32>)
  return %y, %s : tensor<1x80x4x8xf32>, tensor<1x4x8x16xf32>
}

// -----

// A smaller chunk_size is kept: two chunks of 32, then 16 steps.
// CHECK-LABEL: func @small_chunks
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c32
// CHECK: tensor<32x32xf32>
// CHECK: scf.yield
// CHECK: tensor<16x16xf32>
func.func @small_chunks(%x: tensor<1x80x4x8xf32>, %dt: tensor<1x80x4xf32>, %A: tensor<4xf32>,
    %B: tensor<1x80x2x16xf32>, %C: tensor<1x80x2x16xf32>)
    -> (tensor<1x80x4x8xf32>, tensor<1x4x8x16xf32>) {
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %C {chunk_size = 32 : i64}
      : (tensor<1x80x4x8xf32>, tensor<1x80x4xf32>, tensor<4xf32>, tensor<1x80x2x16xf32>,
         tensor<1x80x2x16xf32>) -> (tensor<1x80x4x8xf32>, tensor<1x4x8x16xf32>)
  return %y, %s : tensor<1x80x4x8xf32>, tensor<1x4x8x16xf32>
}

// -----

// Fewer steps than a chunk (decode, short prompts): the recurrence.
// CHECK-LABEL: func @recurrent
// CHECK-NOT: scf.forall
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1
func.func @recurrent(%x: tensor<1x8x4x8xf32>, %dt: tensor<1x8x4xf32>, %A: tensor<4xf32>,
    %B: tensor<1x8x2x16xf32>, %C: tensor<1x8x2x16xf32>)
    -> (tensor<1x8x4x8xf32>, tensor<1x4x8x16xf32>) {
  %y, %s = hybrid.ssd_scan %x, %dt, %A, %B, %C {chunk_size = 16 : i64}
      : (tensor<1x8x4x8xf32>, tensor<1x8x4xf32>, tensor<4xf32>, tensor<1x8x2x16xf32>,
         tensor<1x8x2x16xf32>) -> (tensor<1x8x4x8xf32>, tensor<1x4x8x16xf32>)
  return %y, %s : tensor<1x8x4x8xf32>, tensor<1x4x8x16xf32>
}
