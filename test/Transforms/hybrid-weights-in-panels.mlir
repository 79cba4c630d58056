// hybrid-weights-in-panels (after hybrid-packed-gemm): a public function's
// weight (hybrid_weight_arguments) that is only ever the W of an f32 kernel
// call, also through private functions every caller of which passes such a
// weight, is taken in the packed GEMM's panels of NR = 64 rows (512-bit
// vectors): the public function reinterprets its [N, K] buffer as
// [N/64, K, 64], private functions take that type, the calls name the
// kernels' panel variants, and the module records which arguments changed
// for the runtime, which packs them at load. Numerics: WeightPanelsTest
// (every kernel variant against the reference evaluator).
// RUN: hybrid-opt %s -split-input-file -hybrid-packed-gemm -hybrid-weights-in-panels | FileCheck %s
// The row kernel of the GEMM, no longer called, is gone (the matrix-vector
// row kernel stays: rows 3 and 4 still call it).
// RUN: hybrid-opt %s -split-input-file -hybrid-packed-gemm -hybrid-weights-in-panels | FileCheck %s --check-prefix=GONE
// GONE-NOT: func.func private @hybrid_packed_gemm_f32_6x64_kc512_unpacked_a(
// GONE: func.func private @hybrid_gemv_f32_m1_g8_v16(
// GONE-NOT: func.func private @hybrid_packed_gemm_f32_6x64_kc512_unpacked_a(

#a = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>

// Arguments 1 (a layer's, passed on to @layer twice with 2) and 2 change;
// 3 (N = 100, no whole panels), 4 (also read otherwise) and 5 (not a weight)
// stay rows.
// CHECK: module attributes {hybrid.target = {{.*}}, hybrid.weights_in_panels = {forward = array<i64: 0, 64, 64, 0, 0, 0, 0, 0, 0>}}
// CHECK-LABEL: func.func private @layer(
// CHECK-SAME: %{{[^:]+}}: memref<1x32xf32>, %[[WL:[^:]+]]: memref<2x32x64xf32>,
// CHECK: %[[WD:.*]] = memref.cast %[[WL]] : memref<2x32x64xf32> to memref<?x?x64xf32>
// CHECK: call @hybrid_gemv_f32_m1_g8_v16_panels(%{{.*}}, %[[WD]], %{{.*}})
// CHECK-NOT: hybrid_weight_arguments
// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %[[W1:[^:]+]]: memref<128x32xf32>, %[[W2:[^:]+]]: memref<128x32xf32>
// CHECK-DAG: %[[P1:.*]] = memref.reinterpret_cast %[[W1]] to offset: [0], sizes: [2, 32, 64], strides: [2048, 64, 1]
// CHECK-DAG: %[[P2:.*]] = memref.reinterpret_cast %[[W2]] to offset: [0], sizes: [2, 32, 64], strides: [2048, 64, 1]
// CHECK: call @layer(%{{.*}}, %[[P1]],
// CHECK: call @layer(%{{.*}}, %[[P2]],
// The 16-row product: the packed GEMM's panel variant.
// CHECK: %[[W2D:.*]] = memref.cast %[[P2]] : memref<2x32x64xf32> to memref<?x?x64xf32>
// CHECK: call @hybrid_packed_gemm_f32_6x64_kc512_unpacked_a_panels(%{{.*}}, %[[W2D]], %{{.*}})
// Rows stay rows.
// CHECK: call @hybrid_gemv_f32_m1_g8_v16(%{{.*}}, %{{.*}}, %{{.*}}) :
// CHECK: call @hybrid_gemv_f32_m1_g8_v16(%{{.*}}, %{{.*}}, %{{.*}}) :
// CHECK: call @hybrid_gemv_f32_m1_g8_v16(%{{.*}}, %{{.*}}, %{{.*}}) :
// The matrix-vector panel variant: panels shared among the threads, each
// read as four streams (K in four parts side by side, 16 sums: one row of A
// leaves the register budget for four), each stream prefetched 64 k's ahead
// into L2; per k, a broadcast of A times the panel's four vectors (one FMA
// chain per output and stream); a tail loop for K's remainder into stream
// 0; the streams' sums added in order; C under a mask.
// CHECK-LABEL: func.func private @hybrid_gemv_f32_m1_g8_v16_panels(
// CHECK: scf.parallel (%[[P:.*]]) =
// CHECK: %[[KPART:.*]] = arith.divui %{{.*}}, %c4
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %[[KPART]] step %{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-4: memref.prefetch %arg1[%[[P]], {{.*}}], read, locality<2>, data
// CHECK-COUNT-4: vector.load %arg1[%[[P]],
// CHECK: vector.broadcast
// CHECK-COUNT-4: vector.fma
// CHECK-COUNT-4: memref.prefetch
// CHECK-COUNT-4: vector.load %arg1[%[[P]],
// CHECK: scf.yield
// CHECK: %[[WHOLE:.*]] = arith.muli %[[KPART]], %c4
// CHECK: %[[TAIL:.*]] = arith.addi %{{.*}}, %[[WHOLE]]
// CHECK: scf.for %{{.*}} = %[[TAIL]] to
// CHECK: scf.yield
// CHECK-COUNT-12: arith.addf
// CHECK: vector.maskedload %arg2
// CHECK: vector.maskedstore %arg2
// The GEMM's panel variant reads each thread's panel where it lies: no
// buffer for W, no packing of it.
// CHECK-LABEL: func.func private @hybrid_packed_gemm_f32_6x64_kc512_unpacked_a_panels(
// CHECK-SAME: %{{[^:]+}}: memref<?x?x64xf32>
// CHECK-NOT: memref.alloc
// CHECK: scf.parallel (%[[JP:.*]]) =
// CHECK: %[[PANEL:.*]] = memref.subview %arg1[%[[JP]], %{{.*}}, 0] [1, %{{.*}}, 64] [1, 1, 1]
// CHECK: vector.load %[[PANEL]]
// CHECK: vector.fma
// CHECK-NOT: vector.shuffle
// CHECK: return
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 49152, l2_bytes = 1048576>} {
func.func private @layer(%x: memref<1x32xf32>, %w: memref<128x32xf32>, %y: memref<1x128xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<1x32xf32>, memref<128x32xf32>) outs(%y : memref<1x128xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  return
}
func.func @forward(%x: memref<1x32xf32>, %w1: memref<128x32xf32>, %w2: memref<128x32xf32>,
                   %w3: memref<100x32xf32>, %w4: memref<128x32xf32>, %s: memref<128x32xf32>,
                   %x16: memref<16x32xf32>, %y: memref<1x128xf32>, %y16: memref<16x128xf32>)
    attributes {hybrid_weight_arguments = array<i64: 1, 2, 3, 4>} {
  call @layer(%x, %w1, %y) : (memref<1x32xf32>, memref<128x32xf32>, memref<1x128xf32>) -> ()
  call @layer(%x, %w2, %y) : (memref<1x32xf32>, memref<128x32xf32>, memref<1x128xf32>) -> ()
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x16, %w2 : memref<16x32xf32>, memref<128x32xf32>) outs(%y16 : memref<16x128xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  %y100 = memref.alloc() : memref<1x100xf32>
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w3 : memref<1x32xf32>, memref<100x32xf32>) outs(%y100 : memref<1x100xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  memref.dealloc %y100 : memref<1x100xf32>
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w4 : memref<1x32xf32>, memref<128x32xf32>) outs(%y : memref<1x128xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  %c0 = arith.constant 0 : index
  %v = memref.load %w4[%c0, %c0] : memref<128x32xf32>
  memref.store %v, %y[%c0, %c0] : memref<1x128xf32>
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %s : memref<1x32xf32>, memref<128x32xf32>) outs(%y : memref<1x128xf32>) {
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

// A public function that another function calls is passed rows by it: its
// weights stay rows, and nothing is recorded.
// CHECK-LABEL: module attributes
// CHECK-NOT: hybrid.weights_in_panels
// CHECK-LABEL: func.func @inner(
// CHECK-NOT: memref.reinterpret_cast
// CHECK: call @hybrid_gemv_f32_m1_g8_v16(
// CHECK-LABEL: func.func @outer(
// GONE-LABEL: func.func @inner(
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 49152, l2_bytes = 1048576>} {
func.func @inner(%x: memref<1x32xf32>, %w: memref<128x32xf32>, %y: memref<1x128xf32>)
    attributes {hybrid_weight_arguments = array<i64: 1>} {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<1x32xf32>, memref<128x32xf32>) outs(%y : memref<1x128xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  return
}
func.func @outer(%x: memref<1x32xf32>, %w: memref<128x32xf32>, %y: memref<1x128xf32>)
    attributes {hybrid_weight_arguments = array<i64: 1>} {
  call @inner(%x, %w, %y) : (memref<1x32xf32>, memref<128x32xf32>, memref<1x128xf32>) -> ()
  return
}
}
