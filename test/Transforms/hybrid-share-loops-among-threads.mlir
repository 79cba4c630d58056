// hybrid-share-loops-among-threads cuts large elementwise and layout ops at
// a function's top level into scf.forall chunks along their outermost
// parallel dims (up to 64 chunks of at least 2^14 iterations, divisors of
// the dims where one is within 2× of the wanted count); reductions, small
// ops, ops already in a loop and linear layers are left alone.
// RUN: hybrid-opt %s -split-input-file -hybrid-share-loops-among-threads -canonicalize | FileCheck %s

// 3136 × 96 = 301 056 iterations: 18 chunks wanted (≥ 2^14 each); 3136 has
// the divisor 16, so chunks of 196 rows, all of one static shape.
// CHECK-LABEL: func @elementwise
// CHECK: scf.forall (%[[I:.*]]) = (0) to (3136) step (196) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<3136x96xf32>)
// CHECK: tensor.extract_slice %{{.*}}[%[[I]], 0] [196, 96] [1, 1]
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<196x96xf32>) outs(%{{.*}} : tensor<196x96xf32>)
// CHECK: tensor.parallel_insert_slice
func.func @elementwise(%x: tensor<3136x96xf32>) -> tensor<3136x96xf32> {
  %e = tensor.empty() : tensor<3136x96xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<3136x96xf32>) outs(%e : tensor<3136x96xf32>) {
  ^bb0(%a: f32, %b: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<3136x96xf32>
  return %y : tensor<3136x96xf32>
}

// -----

// A row reduction (a norm's statistics): only the rows are cut; the
// reduction over 512 stays whole in every chunk. 4 × 1024 × 512 = 2^21
// iterations: 64 chunks, 4 along the batch (whole) and 16 along the rows.
// CHECK-LABEL: func @row_sums
// CHECK: scf.forall (%[[B:.*]], %[[R:.*]]) = (0, 0) to (4, 1024) step (1, 64)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%{{.*}} : tensor<1x64x512xf32>) outs(%{{.*}} : tensor<1x64xf32>)
func.func @row_sums(%x: tensor<4x1024x512xf32>, %init: tensor<4x1024xf32>) -> tensor<4x1024xf32> {
  %y = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : tensor<4x1024x512xf32>) outs(%init : tensor<4x1024xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4x1024xf32>
  return %y : tensor<4x1024xf32>
}

// -----

// A layout copy (Swin's windows): linalg.transpose, cut along its output's
// outermost dims.
// CHECK-LABEL: func @transpose
// CHECK: scf.forall
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x{{.*}}xf32>)
func.func @transpose(%x: tensor<8x56x7x96xf32>) -> tensor<8x7x56x96xf32> {
  %e = tensor.empty() : tensor<8x7x56x96xf32>
  %y = linalg.transpose ins(%x : tensor<8x56x7x96xf32>) outs(%e : tensor<8x7x56x96xf32>) permutation = [0, 2, 1, 3]
  return %y : tensor<8x7x56x96xf32>
}

// -----

// Left alone: fewer than 2^16 iterations; an op inside a loop; a linear
// layer (hybrid-packed-gemm shares its own panels).
// CHECK-LABEL: func @left_alone
// CHECK-NOT: scf.forall
// CHECK: return
func.func @left_alone(%x: tensor<128x128xf32>, %a: tensor<512x256xf32>, %w: tensor<256x256xf32>,
                      %c: tensor<512x256xf32>, %n: index) -> (tensor<128x128xf32>, tensor<512x256xf32>, tensor<512x256xf32>) {
  %e = tensor.empty() : tensor<128x128xf32>
  %small = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<128x128xf32>) outs(%e : tensor<128x128xf32>) {
  ^bb0(%p: f32, %q: f32):
    %t = arith.negf %p : f32
    linalg.yield %t : f32
  } -> tensor<128x128xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %looped = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %a) -> tensor<512x256xf32> {
    %e2 = tensor.empty() : tensor<512x256xf32>
    %next = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
        ins(%acc : tensor<512x256xf32>) outs(%e2 : tensor<512x256xf32>) {
    ^bb0(%p: f32, %q: f32):
      %t = arith.negf %p : f32
      linalg.yield %t : f32
    } -> tensor<512x256xf32>
    scf.yield %next : tensor<512x256xf32>
  }
  %linear = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : tensor<512x256xf32>, tensor<256x256xf32>) outs(%c : tensor<512x256xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  } -> tensor<512x256xf32>
  return %small, %looped, %linear : tensor<128x128xf32>, tensor<512x256xf32>, tensor<512x256xf32>
}
