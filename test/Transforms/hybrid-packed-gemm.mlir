// hybrid-packed-gemm rewrites the linear layer's contraction on buffers,
// C[m, n] += A[m, k] * W[n, k], into packed panels and a register-blocked
// micro-kernel sized from the module's hybrid.target. Numerics are checked
// against the reference evaluator in Integration/CPU/packed-gemm.test.
// RUN: hybrid-opt %s -split-input-file -hybrid-packed-gemm -canonicalize -cse | FileCheck %s

#a = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>

// 512-bit vectors: MR = 6, NR = 4 × 16 = 64. L1 of 8 KiB: KC = 4096 / 256 = 16;
// L2 of 1 MiB: MC = 524288 / 64 / 6 rows (so all 3 row blocks in one).
// M = 19: three 6-row blocks packed and a 1-row kernel on A itself;
// N = 136: two panels, and the last 8 columns stay a linalg.generic on
// slices; K = 40: k blocks of 16 + 16 + 8.
// CHECK-LABEL: func @gemm
// CHECK: %[[WP:.*]] = memref.alloc() {{.*}} : memref<2x16x64xf32>
// CHECK: %[[AP:.*]] = memref.alloc() {{.*}} : memref<3x16x6xf32>
// CHECK: scf.for %[[PC:.*]] = %c0 to %c40 step %c16
// CHECK: %[[KCUR:.*]] = arith.minsi
// Packing W, then A: element loops over the current k block.
// CHECK: scf.for %{{.*}} = %c0 to %[[KCUR]] step %c1
// CHECK: memref.load %{{.*}} : memref<136x40xf32>
// CHECK: memref.store %{{.*}}, %[[WP]]
// CHECK: scf.for %{{.*}} = %c0 to %[[KCUR]] step %c1
// CHECK: memref.load %{{.*}} : memref<19x40xf32>
// CHECK: memref.store %{{.*}}, %[[AP]]
// The 6×64 micro-kernel: 24 accumulators loaded from C, the next tile's
// rows prefetched, then per k 4 packed W vectors and 6 broadcasts of packed A.
// CHECK-COUNT-24: vector.load %{{.*}} : memref<19x136xf32>, vector<16xf32>
// CHECK-COUNT-24: memref.prefetch %{{.*}}, write, locality<3>, data
// CHECK: scf.for %{{.*}} = %c0 to %[[KCUR]] step %c1 iter_args(
// CHECK-COUNT-4: vector.load %[[WP]]
// CHECK: memref.load %[[AP]]
// CHECK-COUNT-4: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-24: vector.store
// The 1-row kernel for row 18 reads A directly:
// CHECK-COUNT-4: vector.load %{{.*}} : memref<19x136xf32>, vector<16xf32>
// CHECK: memref.load %{{.*}} : memref<19x40xf32>
// CHECK-COUNT-4: vector.store
// CHECK: memref.dealloc %[[WP]]
// CHECK: memref.dealloc %[[AP]]
// CHECK-DAG: memref.subview %{{.*}}[128, 0] [8, 40] [1, 1]
// CHECK-DAG: memref.subview %{{.*}}[0, 128] [19, 8] [1, 1]
// CHECK: linalg.generic
// CHECK-SAME: memref<19x40xf32>, memref<8x40xf32, strided<[40, 1], offset: 5120>>
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 8192, l2_bytes = 1048576>} {
func.func @gemm(%x: memref<19x40xf32>, %w: memref<136x40xf32>, %y: memref<19x136xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<19x40xf32>, memref<136x40xf32>) outs(%y : memref<19x136xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  return
}
}

// -----

#a = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>

// 256-bit vectors: NR = 2 × 8 = 16; the 48 KiB L1 gives KC = 24576 / 64 = 384,
// cut to K = 64 (one k block: its loop folds away).
// CHECK-LABEL: func @avx2
// CHECK: memref.alloc() {{.*}} : memref<2x64x16xf32>
// CHECK: memref.alloc() {{.*}} : memref<3x64x6xf32>
// CHECK-NOT: step %c64
// CHECK-COUNT-12: vector.load %{{.*}} : memref<18x32xf32>, vector<8xf32>
// CHECK-NOT: linalg.generic
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 256, l1_bytes = 49152, l2_bytes = 1048576>} {
func.func @avx2(%x: memref<18x64xf32>, %w: memref<32x64xf32>, %y: memref<18x32xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<18x64xf32>, memref<32x64xf32>) outs(%y : memref<18x32xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  return
}
}

// -----

#a = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>

// Left alone: fewer than 16 rows (decode: a matrix-vector product), a
// non-unit innermost stride, and a body that is not a multiply-add.
// CHECK-LABEL: func @decode
// CHECK-NOT: vector.fma
// CHECK: linalg.generic
// CHECK-LABEL: func @strided
// CHECK-NOT: vector.fma
// CHECK: linalg.generic
// CHECK-LABEL: func @not_multiply_add
// CHECK-NOT: vector.fma
// CHECK: linalg.generic
func.func @decode(%x: memref<8x64xf32>, %w: memref<64x64xf32>, %y: memref<8x64xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x64xf32>, memref<64x64xf32>) outs(%y : memref<8x64xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  return
}
func.func @strided(%x: memref<32x64xf32, strided<[1, 32]>>, %w: memref<64x64xf32>, %y: memref<32x64xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<32x64xf32, strided<[1, 32]>>, memref<64x64xf32>) outs(%y : memref<32x64xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  return
}
func.func @not_multiply_add(%x: memref<32x64xf32>, %w: memref<64x64xf32>, %y: memref<32x64xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<32x64xf32>, memref<64x64xf32>) outs(%y : memref<32x64xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.maximumf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  return
}
