// hybrid-register-tile-products turns small static products on buffers,
// C[batch..., m, n] += A[batch..., m, k] * B[batch..., k, n] (flash
// attention's q·kᵀ with K transposed, and p·v, inside a query tile), into
// register-blocked vector loops sized from the module's hybrid.target.
// Numerics: Integration/CPU/parallel-ops.test (tiled causal and GQA window
// attention against the reference on 1-3 threads) and the Differential.Attention*
// unit tests.
// RUN: hybrid-opt %s -split-input-file -hybrid-register-tile-products -canonicalize -cse | FileCheck %s

#q = affine_map<(b, h, i, j, d) -> (b, h, i, d)>
#kt = affine_map<(b, h, i, j, d) -> (b, h floordiv 2, d, j)>
#sc = affine_map<(b, h, i, j, d) -> (b, h, i, j)>

// Scores of 2 query heads sharing one key head (GQA: h floordiv 2), 512-bit
// vectors: N = 32 is 2 vectors, M = 16 rows in blocks of 4 (4 divides M,
// no tail): 8 accumulators loaded from C, per k 2 vector loads of B's row
// and 4 broadcasts of A, 8 FMAs; stored back.
// CHECK: #[[$GROUP:.*]] = affine_map<(d0) -> (d0 floordiv 2)>
// CHECK-LABEL: func @scores
// CHECK: scf.for %[[H:.*]] = %c0 to %c2 step %c1
// CHECK: %[[KH:.*]] = affine.apply #[[$GROUP]](%[[H]])
// CHECK: scf.for %[[ROW:.*]] = %c0 to %c16 step %c4
// CHECK-COUNT-8: vector.load %arg2[%c0, %[[H]], %{{.*}}, %{{.*}}] : memref<1x2x16x32xf32>, vector<16xf32>
// CHECK: scf.for %[[K:.*]] = %c0 to %c8 step %c1 iter_args(
// CHECK: vector.load %arg1[%c0, %[[KH]], %[[K]], %c0]
// CHECK: vector.load %arg1[%c0, %[[KH]], %[[K]], %c16]
// CHECK: memref.load %arg0[%c0, %[[H]], %[[ROW]], %[[K]]]
// CHECK: vector.broadcast
// CHECK-COUNT-2: vector.fma
// CHECK-COUNT-3: memref.load %arg0
// CHECK: scf.yield
// CHECK-COUNT-8: vector.store
// CHECK-NOT: linalg.generic
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 49152, l2_bytes = 1048576>} {
func.func @scores(%q: memref<1x2x16x8xf32, strided<[256, 128, 8, 1], offset: ?>>,
                  %kt: memref<1x1x8x32xf32, strided<[768, 768, 32, 1], offset: ?>>,
                  %s: memref<1x2x16x32xf32>) {
  linalg.generic {indexing_maps = [#q, #kt, #sc], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kt : memref<1x2x16x8xf32, strided<[256, 128, 8, 1], offset: ?>>, memref<1x1x8x32xf32, strided<[768, 768, 32, 1], offset: ?>>)
      outs(%s : memref<1x2x16x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}
}

// -----

#p = affine_map<(b, i, j, e) -> (b, i, j)>
#v = affine_map<(b, i, j, e) -> (b, j, e)>
#o = affine_map<(b, i, j, e) -> (b, i, e)>

// p·v with the reduction (j) between parallel loops, 256-bit vectors: N =
// 16 is 2 vectors; M = 10 rows: one block of 6 (its one-trip loop folded),
// then a 4-row tail kernel (8 accumulators).
// CHECK-LABEL: func @weighted_values
// CHECK: scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK-COUNT-12: vector.load %arg2{{.*}} vector<8xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c24 step %c1 iter_args(
// CHECK-COUNT-2: vector.load %arg1
// CHECK-COUNT-12: vector.fma
// CHECK-COUNT-12: vector.store
// CHECK-COUNT-8: vector.load %arg2{{.*}} vector<8xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c24 step %c1 iter_args(
// CHECK-COUNT-8: vector.fma
// CHECK-COUNT-8: vector.store
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 256, l1_bytes = 49152, l2_bytes = 1048576>} {
func.func @weighted_values(%p: memref<3x10x24xf32>, %v: memref<3x24x16xf32>, %o: memref<3x10x16xf32>) {
  linalg.generic {indexing_maps = [#p, #v, #o], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%p, %v : memref<3x10x24xf32>, memref<3x24x16xf32>) outs(%o : memref<3x10x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %x = arith.mulf %a, %b : f32
    %r = arith.addf %x, %acc : f32
    linalg.yield %r : f32
  }
  return
}
}

// -----

#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#bt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>

// Left alone: N not a multiple of the vector length, B read across its
// rows (the linear layer's A·Wᵀ, hybrid-packed-gemm's), B not contiguous
// along n, dynamic shapes, a body that is not a multiply-add, and a
// diagonal read of A (m and k one loop) with a sum over a dim C lacks.
// CHECK-LABEL: func @left_alone
// CHECK-NOT: vector.fma
// CHECK-COUNT-6: linalg.generic
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 49152, l2_bytes = 1048576>} {
func.func @left_alone(%x: memref<8x4xf32>, %w: memref<4x24xf32>, %y: memref<8x24xf32>,
                      %wt: memref<32x4xf32>, %y2: memref<8x32xf32>,
                      %ws: memref<4x32xf32, strided<[1, 4]>>,
                      %xd: memref<?x4xf32>, %yd: memref<?x32xf32>, %w2: memref<4x32xf32>,
                      %xs: memref<4x4x4xf32>, %y4: memref<4x32xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x4xf32>, memref<4x24xf32>) outs(%y : memref<8x24xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %wt : memref<8x4xf32>, memref<32x4xf32>) outs(%y2 : memref<8x32xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %ws : memref<8x4xf32>, memref<4x32xf32, strided<[1, 4]>>) outs(%y2 : memref<8x32xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%xd, %w2 : memref<?x4xf32>, memref<4x32xf32>) outs(%yd : memref<?x32xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w2 : memref<8x4xf32>, memref<4x32xf32>) outs(%y2 : memref<8x32xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.maximumf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>,
                                   affine_map<(d0, d1, d2) -> (d2, d1)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%xs, %w2 : memref<4x4x4xf32>, memref<4x32xf32>) outs(%y4 : memref<4x32xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}
}
