// hybrid-packed-gemm rewrites the linear layer's contraction on buffers,
// C[m, n] += A[m, k] * W[n, k], into a call of one shared function per
// module (dynamic shapes: LLVM compiles its micro-kernels once) that packs
// panels and runs a register-blocked micro-kernel sized from the module's
// hybrid.target. Numerics are checked against the reference evaluator in
// Integration/CPU/packed-gemm.test (every tail path included).
// RUN: hybrid-opt %s -split-input-file -hybrid-packed-gemm -canonicalize -cse | FileCheck %s

#a = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>

// 512-bit vectors: MR = 6, NR = 4 × 16 = 64. KC: a KC × 64 panel of W in a
// quarter of L2 (1 MiB / 4 / 256 = 1024), at most 512.
// CHECK-LABEL: func @gemm
// CHECK: %[[A:.*]] = memref.cast %arg0 : memref<19x40xf32> to memref<?x?xf32, strided<[?, 1], offset: ?>>
// CHECK: %[[W:.*]] = memref.cast %arg1 : memref<264x40xf32> to memref<?x?xf32, strided<[?, 1], offset: ?>>
// CHECK: %[[C:.*]] = memref.cast %arg2 : memref<19x264xf32> to memref<?x?xf32, strided<[?, 1], offset: ?>>
// CHECK: call @[[GEMM:hybrid_packed_gemm_f32_6x64_kc512]](%[[A]], %[[W]], %[[C]])
// CHECK-NOT: linalg.generic
// Tagged for hybrid-weights-in-panels, which asks for its panel variant.
// CHECK: func.func private @[[GEMM]]({{.*}}) attributes {hybrid_gemm_kernel = "gemm", llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// Rows and columns in full blocks of MR and NR.
// CHECK-DAG: %[[ROWBLOCKS:.*]] = arith.divui %{{.*}}, %c6
// CHECK-DAG: %[[PANELS:.*]] = arith.divui %{{.*}}, %c64
// The W panels include a last, partial one: ceil(N / 64).
// CHECK: %[[ROUNDED:.*]] = arith.addi %{{.*}}, %c63
// CHECK: %[[ALLPANELS:.*]] = arith.divui %[[ROUNDED]], %c64
// K in ceil(K / 512) blocks of one size: KC = ceil(K / blocks).
// CHECK: %[[KROUNDED:.*]] = arith.addi %[[K:.*]], %c511
// CHECK: %[[KBLOCKS0:.*]] = arith.divui %[[KROUNDED]], %c512
// CHECK: %[[KBLOCKS:.*]] = arith.maxsi %[[KBLOCKS0]], %c1
// CHECK: %[[KC:.*]] = arith.divui %{{.*}}, %[[KBLOCKS]]
// CHECK: %[[AP:.*]] = memref.alloc(%[[ROWBLOCKS]], %[[KC]]) {{.*}} : memref<?x?x6xf32>
// CHECK: scf.for %[[PC:.*]] = %c0 to %[[K]] step %[[KC]]
// CHECK: %[[KCUR:.*]] = arith.minsi
// A packed first (N = 264 is five panels: a product of at most four reads
// A in place, see @avx2), its row blocks shared among the threads
// (scf.parallel: convert-scf-to-openmp), element by element.
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%[[ROWBLOCKS]])
// CHECK: memref.store %{{.*}}, %[[AP]]
// Then each thread takes whole column panels: it packs the panel into its
// own buffer, 16 × 16 tiles at a time (16 row loads, a transpose in
// registers by shuffles, 16 stores of packed rows; the k tail element by
// element), and runs every row's kernels over it.
// CHECK: scf.parallel (%[[JP:.*]]) = (%c0) to (%[[ALLPANELS]])
// CHECK: %[[WP:.*]] = memref.alloc(%[[KC]]) {{.*}} : memref<1x?x64xf32>
// CHECK: %[[FULL:.*]] = arith.cmpi ult, %[[JP]], %[[PANELS]]
// CHECK: scf.if %[[FULL]] {
// CHECK-COUNT-16: vector.load %arg1
// The same k's of the next panel's 16 rows (clamped to W's last) are
// prefetched into L2: the thread's next panel arrives while this one runs.
// CHECK-COUNT-16: memref.prefetch %arg1[{{.*}}], read, locality<2>, data
// CHECK-COUNT-64: vector.shuffle
// CHECK-COUNT-16: vector.store %{{.*}}, %[[WP]]
// CHECK: memref.store %{{.*}}, %[[WP]]
// The 6×64 micro-kernel: 24 accumulators loaded from C, the next tile's
// rows prefetched, then per k 4 packed W vectors and 6 broadcasts of packed A.
// CHECK: scf.for %{{.*}} = %c0 to %[[ROWBLOCKS]] step %c1
// CHECK-COUNT-24: vector.load %{{.*}}, vector<16xf32>
// CHECK-COUNT-24: memref.prefetch %{{.*}}, write, locality<3>, data
// CHECK: scf.for %{{.*}} = %c0 to %[[KCUR]] step %c1 iter_args(
// CHECK-COUNT-4: vector.load %[[WP]]
// CHECK: memref.load %[[AP]]
// CHECK-COUNT-4: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-24: vector.store
// Rows left over by MR: a one-row kernel each, reading A directly.
// CHECK: scf.for
// CHECK-COUNT-4: vector.load %{{.*}}, vector<16xf32>
// CHECK: memref.load %arg0
// CHECK-COUNT-4: vector.store
// Columns left over by NR (264 = 4 × 64 + 8): the last panel, packed with
// zeros past W's last row, then the same kernels with C under a mask.
// CHECK: } else {
// CHECK: memref.load %arg1
// CHECK: arith.select
// CHECK: memref.store %{{.*}}, %[[WP]]
// CHECK: scf.for %{{.*}} = %c0 to %[[ROWBLOCKS]] step %c1
// CHECK-COUNT-4: vector.create_mask
// CHECK-COUNT-24: vector.maskedload %arg2
// CHECK: scf.for %{{.*}} = %c0 to %[[KCUR]] step %c1 iter_args(
// CHECK-COUNT-4: vector.load %[[WP]]
// CHECK-COUNT-24: vector.maskedstore %arg2
// CHECK: vector.create_mask
// CHECK-COUNT-4: vector.maskedload %arg2
// CHECK-COUNT-4: vector.maskedstore %arg2
// CHECK: memref.dealloc %[[WP]]
// CHECK: memref.dealloc %[[AP]]
// CHECK-NOT: linalg.generic
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 8192, l2_bytes = 1048576>} {
func.func @gemm(%x: memref<19x40xf32>, %w: memref<264x40xf32>, %y: memref<19x264xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<19x40xf32>, memref<264x40xf32>) outs(%y : memref<19x264xf32>) {
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

// 256-bit vectors: NR = 2 × 8 = 16; an L2 of 96 KiB gives KC = 24576 / 64 = 384.
// Two products share the function. N = 32 is two panels (at most four):
// each block of A would serve only two, so this variant reads A in place.
// CHECK-LABEL: func @avx2
// CHECK: call @[[GEMM2:hybrid_packed_gemm_f32_6x16_kc384_unpacked_a]](
// CHECK: memref.collapse_shape %arg3 {{\[\[}}0, 1], [2]] : memref<2x9x64xf32> into memref<18x64xf32>
// CHECK: call @[[GEMM2]](
// CHECK: func.func private @[[GEMM2]]
// CHECK-NOT: memref<?x?x6xf32>
// CHECK: arith.addi %{{.*}}, %c383
// CHECK: scf.parallel
// CHECK: scf.for %{{.*}} step %c1
// CHECK-COUNT-12: vector.load %{{.*}}, vector<8xf32>
// CHECK: scf.for %{{.*}} iter_args(
// CHECK-COUNT-2: vector.load %alloc
// CHECK: memref.load %arg0
// CHECK-COUNT-2: vector.fma
// CHECK-NOT: memref<?x?x6xf32>
// CHECK: return
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 256, l1_bytes = 49152, l2_bytes = 98304>} {
func.func @avx2(%x: memref<18x64xf32>, %w: memref<32x64xf32>, %y: memref<18x32xf32>,
                %x3: memref<2x9x64xf32>, %y3: memref<2x9x32xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<18x64xf32>, memref<32x64xf32>) outs(%y : memref<18x32xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  // A batch of 2 × 9 rows: collapsed to 18 rows.
  linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (n, k)>,
                                   affine_map<(b, m, n, k) -> (b, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x3, %w : memref<2x9x64xf32>, memref<32x64xf32>) outs(%y3 : memref<2x9x32xf32>) {
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

// Fewer than 16 rows (decode): the matrix-vector function for 8 rows, with
// 512-bit vectors 24 / 8 = 3 rows of W at a time: 24 accumulators, per
// step of 16 k's 8 loads of A and 3 of W, 3 prefetches of the next group's
// rows, a horizontal sum per output and a scalar k tail.
// CHECK-LABEL: func @decode
// CHECK: call @hybrid_gemv_f32_m8_g3_v16(
// Left alone: a non-unit innermost stride, a body that is not a multiply-add,
// and a product inside one thread's tile (an scf.forall: the kernel's own
// parallel loop would nest in it).
// CHECK-LABEL: func @strided
// CHECK-NOT: vector.fma
// CHECK: linalg.generic
// CHECK-LABEL: func @not_multiply_add
// CHECK-NOT: vector.fma
// CHECK: linalg.generic
// CHECK-LABEL: func @in_tile
// CHECK-NOT: call
// CHECK: linalg.generic
// CHECK: func.func private @hybrid_gemv_f32_m8_g3_v16
// CHECK: scf.for %{{.*}} iter_args(
// CHECK-COUNT-8: vector.load %arg0
// The next group's 3 rows at this k are prefetched into L2 (rows past W's
// end clamped to its last).
// CHECK-COUNT-3: memref.prefetch %arg1[{{.*}}], read, locality<2>, data
// CHECK: vector.load %arg1
// CHECK-COUNT-8: vector.fma
// CHECK: scf.yield
// CHECK: vector.reduction <add>
// CHECK: math.fma
// The rows of W left over by the group of 3: one at a time.
// CHECK: vector.reduction <add>
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
func.func @in_tile(%x: memref<2x32x64xf32>, %w: memref<64x64xf32>, %y: memref<2x32x64xf32>) {
  scf.forall (%i) in (2) {
    %xi = memref.subview %x[%i, 0, 0] [1, 32, 64] [1, 1, 1] : memref<2x32x64xf32> to memref<32x64xf32, strided<[64, 1], offset: ?>>
    %yi = memref.subview %y[%i, 0, 0] [1, 32, 64] [1, 1, 1] : memref<2x32x64xf32> to memref<32x64xf32, strided<[64, 1], offset: ?>>
    linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%xi, %w : memref<32x64xf32, strided<[64, 1], offset: ?>>, memref<64x64xf32>)
        outs(%yi : memref<32x64xf32, strided<[64, 1], offset: ?>>) {
    ^bb0(%p: f32, %q: f32, %acc: f32):
      %prod = arith.mulf %p, %q : f32
      %sum = arith.addf %acc, %prod : f32
      linalg.yield %sum : f32
    }
  }
  return
}

// -----

#a = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>

// A row count known only at run time (the tokens a mixture of experts routes
// to one expert) is chosen at run time: the packed GEMM from 16 rows on,
// else the matrix-vector functions over groups of 4 rows (24 / 4 = 6 rows
// of W at a time), then single rows (8 at a time). A W narrower than one
// panel is left alone.
// CHECK-LABEL: func @dynamic_rows
// CHECK: %[[M:.*]] = memref.dim %arg2, %c0
// CHECK: %[[LARGE:.*]] = arith.cmpi sge, %[[M]], %c16
// CHECK: scf.if %[[LARGE]] {
// CHECK:   call @hybrid_packed_gemm_f32_6x64_kc512(
// CHECK: } else {
// CHECK:   %[[M4:.*]] = arith.muli
// CHECK:   scf.for %[[R:.*]] = %c0 to %[[M4]] step %c4 {
// CHECK:     memref.subview %{{.*}}[%[[R]], 0] [4, 40] [1, 1]
// CHECK:     call @hybrid_gemv_f32_m4_g6_v16(
// CHECK:   scf.for %[[R1:.*]] = %[[M4]] to %[[M]] step %c1 {
// CHECK:     memref.subview %{{.*}}[%[[R1]], 0] [1, 40] [1, 1]
// CHECK:     call @hybrid_gemv_f32_m1_g8_v16(
// CHECK: linalg.generic
// CHECK-SAME: outs(%arg4 : memref<?x8xf32>)
// CHECK-DAG: func.func private @hybrid_packed_gemm_f32_6x64_kc512
// CHECK-DAG: func.func private @hybrid_gemv_f32_m4_g6_v16
// CHECK-DAG: func.func private @hybrid_gemv_f32_m1_g8_v16
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 8192, l2_bytes = 1048576>} {
func.func @dynamic_rows(%x: memref<?x40xf32>, %w: memref<264x40xf32>, %y: memref<?x264xf32>,
                        %w8: memref<8x40xf32>, %y8: memref<?x8xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x40xf32>, memref<264x40xf32>) outs(%y : memref<?x264xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %prod = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w8 : memref<?x40xf32>, memref<8x40xf32>) outs(%y8 : memref<?x8xf32>) {
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

// A bf16 W (hybrid-bf16-weights): the same kernels, with W widened as the
// packing reads it (packed panels stay f32) and as the matrix-vector
// function loads it; the column tail's generic widens it too. The target
// has no AMX, so no tiles.
// CHECK-LABEL: func @bf16_weights
// CHECK: memref.cast %arg1 : memref<264x40xbf16> to memref<?x?xbf16, strided<[?, 1], offset: ?>>
// CHECK: call @[[GEMM:hybrid_packed_gemm_bf16w_6x64_kc512]](
// CHECK: call @[[GEMV:hybrid_gemv_bf16w_m4_g6_v16]](
// CHECK-NOT: amx.
// CHECK: func.func private @[[GEMV]](
// CHECK: vector.load {{.*}} : memref<?x?xbf16, strided<[?, 1], offset: ?>>, vector<16xbf16>
// CHECK-NEXT: arith.extf
// CHECK: func.func private @[[GEMM]]({{.*}}: memref<?x?xf32, strided<[?, 1], offset: ?>>, {{.*}}: memref<?x?xbf16, strided<[?, 1], offset: ?>>, {{.*}}: memref<?x?xf32, strided<[?, 1], offset: ?>>)
// CHECK: memref.alloc({{.*}}) {{.*}} : memref<1x?x64xf32>
// CHECK: vector.load {{.*}} : memref<?x?xbf16, strided<[?, 1], offset: ?>>, vector<16xbf16>
// CHECK-NEXT: arith.extf {{.*}} : vector<16xbf16> to vector<16xf32>
// The partial panel is widened as it is packed too.
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 8192, l2_bytes = 1048576>} {
func.func @bf16_weights(%x: memref<19x40xf32>, %w: memref<264x40xbf16>, %y: memref<19x264xf32>,
                        %x4: memref<4x40xf32>, %y4: memref<4x264xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<19x40xf32>, memref<264x40xbf16>) outs(%y : memref<19x264xf32>) {
  ^bb0(%p: f32, %q: bf16, %acc: f32):
    %wide = arith.extf %q : bf16 to f32
    %prod = arith.mulf %p, %wide : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x4, %w : memref<4x40xf32>, memref<264x40xbf16>) outs(%y4 : memref<4x264xf32>) {
  ^bb0(%p: f32, %q: bf16, %acc: f32):
    %wide = arith.extf %q : bf16 to f32
    %prod = arith.mulf %p, %wide : f32
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

// With AMX in the target's features, a bf16 W of whole 32-row and 32-column
// tiles goes to the AMX kernel: A packed as bf16 high and low parts (a
// truncf, and a truncf of the remainder), four f32 accumulator tiles carried
// through the k loop, two W tiles loaded from W's rows, two A tiles per
// part, eight tdpbf16ps per 32 k's; each accumulator stored to a 16×16
// scratch and added into C. A W whose K is not a multiple of 32 keeps the
// packed kernel.
// CHECK-LABEL: func @amx
// CHECK: call @[[AMX:hybrid_amx_gemm_bf16w]](
// CHECK: call @hybrid_packed_gemm_bf16w_6x64_kc512_unpacked_a(
// CHECK: func.func private @[[AMX]](
// CHECK: %[[PACKED:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x32xbf16>
// CHECK: scf.parallel
// CHECK: %[[HI:.*]] = arith.truncf %{{.*}} : vector<32xf32> to vector<32xbf16>
// CHECK: %[[HV:.*]] = arith.extf %[[HI]]
// CHECK: arith.cmpf oeq, %[[HV]]
// CHECK: arith.subf
// CHECK: arith.select
// CHECK: arith.truncf
// CHECK: %[[SCRATCH:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x16x16xf32>
// CHECK: scf.parallel
// CHECK-COUNT-4: amx.tile_zero : !amx.tile<16x16xf32>
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (!amx.tile<16x16xf32>, !amx.tile<16x16xf32>, !amx.tile<16x16xf32>, !amx.tile<16x16xf32>)
// CHECK-COUNT-2: amx.tile_load %arg1
// CHECK-COUNT-2: amx.tile_load %[[PACKED]]
// CHECK-COUNT-4: amx.tile_mulf
// CHECK-COUNT-2: amx.tile_load %[[PACKED]]
// CHECK-COUNT-4: amx.tile_mulf
// CHECK: amx.tile_store %[[SCRATCH]]
module attributes {hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 8192, l2_bytes = 1048576, cpu = "sapphirerapids", features = "+amx-bf16,+amx-tile,+avx512f">} {
func.func @amx(%x: memref<19x64xf32>, %w: memref<96x64xbf16>, %y: memref<19x96xf32>,
               %w2: memref<96x40xbf16>, %x2: memref<19x40xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<19x64xf32>, memref<96x64xbf16>) outs(%y : memref<19x96xf32>) {
  ^bb0(%p: f32, %q: bf16, %acc: f32):
    %wide = arith.extf %q : bf16 to f32
    %prod = arith.mulf %p, %wide : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x2, %w2 : memref<19x40xf32>, memref<96x40xbf16>) outs(%y : memref<19x96xf32>) {
  ^bb0(%p: f32, %q: bf16, %acc: f32):
    %wide = arith.extf %q : bf16 to f32
    %prod = arith.mulf %p, %wide : f32
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

// A module whose products may round A to bf16 (hybrid.matmul_precision =
// "bf16": --weight-type=bf16-matmul) on a target with AVX512-BF16: a bf16 W
// goes to the vdpbf16ps kernel, KC = 1 MiB / 4 / (64 columns × 2 bytes),
// at most 1024. A is rounded to bf16 once per call (a vector truncf per 32
// k's of a row, rows shared among the threads); each thread packs its W
// panel in pairs of k's (32 k's of 16 rows are 16 × 16 i32 words,
// transposed in registers); each step of the micro-kernel loads four
// vectors of 16 column pairs and, per row, broadcasts A's pair as one i32
// word into four vdpbf16ps. Decode rows keep the matrix-vector function
// (f32 math on the bf16 W).
// CHECK-LABEL: func @bf16_products
// CHECK: call @[[DOT:hybrid_packed_gemm_bf16dot_6x64_kc1024]](
// CHECK: call @hybrid_gemv_bf16w_m4_g6_v16(
// CHECK: func.func private @[[DOT]](
// CHECK: %[[ROUNDED:.*]] = memref.alloc(%{{.*}}, %{{.*}}) {alignment = 64 : i64} : memref<?x?xbf16>
// CHECK: scf.parallel
// CHECK: arith.truncf %{{.*}} : vector<32xf32> to vector<32xbf16>
// CHECK: memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<1x?x128xbf16>
// CHECK: vector.bitcast %{{.*}} : vector<32xbf16> to vector<16xi32>
// CHECK: vector.shuffle
// CHECK: scf.for {{.*}} iter_args(
// CHECK-COUNT-4: vector.load %{{.*}} : memref<1x?x128xbf16>, vector<32xbf16>
// CHECK: vector.load %[[ROUNDED]]{{.*}} : memref<?x?xbf16>, vector<2xbf16>
// CHECK: vector.broadcast %{{.*}} : vector<1xi32> to vector<16xi32>
// CHECK-COUNT-4: x86vector.avx512.dot %{{.*}} : vector<32xbf16> -> vector<16xf32>
// CHECK: memref.dealloc %[[ROUNDED]]
module attributes {hybrid.matmul_precision = "bf16", hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 8192, l2_bytes = 1048576, cpu = "znver4", features = "+avx512f,+avx512bf16">} {
func.func @bf16_products(%x: memref<19x40xf32>, %w: memref<264x40xbf16>, %y: memref<19x264xf32>,
                         %x4: memref<4x40xf32>, %y4: memref<4x264xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<19x40xf32>, memref<264x40xbf16>) outs(%y : memref<19x264xf32>) {
  ^bb0(%p: f32, %q: bf16, %acc: f32):
    %wide = arith.extf %q : bf16 to f32
    %prod = arith.mulf %p, %wide : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x4, %w : memref<4x40xf32>, memref<264x40xbf16>) outs(%y4 : memref<4x264xf32>) {
  ^bb0(%p: f32, %q: bf16, %acc: f32):
    %wide = arith.extf %q : bf16 to f32
    %prod = arith.mulf %p, %wide : f32
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

// The same module for a target without AVX512-BF16 keeps the exact kernel
// (W widened as it is packed, A in f32).
// CHECK-LABEL: func @bf16_products_without_dot
// CHECK: call @hybrid_packed_gemm_bf16w_6x64_kc512(
// CHECK-NOT: x86vector
module attributes {hybrid.matmul_precision = "bf16", hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 8192, l2_bytes = 1048576, cpu = "skylake-avx512", features = "+avx512f">} {
func.func @bf16_products_without_dot(%x: memref<19x40xf32>, %w: memref<264x40xbf16>, %y: memref<19x264xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<19x40xf32>, memref<264x40xbf16>) outs(%y : memref<19x264xf32>) {
  ^bb0(%p: f32, %q: bf16, %acc: f32):
    %wide = arith.extf %q : bf16 to f32
    %prod = arith.mulf %p, %wide : f32
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

// On AMX, a module whose products may round A to bf16 packs A as one bf16
// part: no remainder (no subf, no second truncf), half the packed rows,
// and two A tiles and four tdpbf16ps per 32 k's instead of four and eight.
// CHECK-LABEL: func @amx_bf16_products
// CHECK: call @[[AMX1:hybrid_amx_gemm_bf16w_bf16a]](
// CHECK: func.func private @[[AMX1]](
// CHECK: %[[PACKED1:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x32xbf16>
// CHECK: scf.parallel
// CHECK: arith.truncf %{{.*}} : vector<32xf32> to vector<32xbf16>
// CHECK-NOT: arith.subf
// CHECK: %[[SCRATCH1:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x16x16xf32>
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (!amx.tile<16x16xf32>, !amx.tile<16x16xf32>, !amx.tile<16x16xf32>, !amx.tile<16x16xf32>)
// CHECK-COUNT-2: amx.tile_load %arg1
// CHECK-COUNT-2: amx.tile_load %[[PACKED1]]
// CHECK-COUNT-4: amx.tile_mulf
// CHECK-NEXT: scf.yield
module attributes {hybrid.matmul_precision = "bf16", hybrid.target = #hybrid.cpu_target<vector_bits = 512, l1_bytes = 8192, l2_bytes = 1048576, cpu = "sapphirerapids", features = "+amx-bf16,+amx-tile,+avx512f,+avx512bf16">} {
func.func @amx_bf16_products(%x: memref<19x64xf32>, %w: memref<96x64xbf16>, %y: memref<19x96xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<19x64xf32>, memref<96x64xbf16>) outs(%y : memref<19x96xf32>) {
  ^bb0(%p: f32, %q: bf16, %acc: f32):
    %wide = arith.extf %q : bf16 to f32
    %prod = arith.mulf %p, %wide : f32
    %sum = arith.addf %acc, %prod : f32
    linalg.yield %sum : f32
  }
  return
}
}
