// Longer than one key tile: the tiled form. A window of 16 over 96 keys in
// 32-key tiles: the tile-class table is decided at compile time (0 empty,
// 1 full, 2 partial), empty tiles are skipped by the scf.if, and the online
// softmax carries max, sum and accumulator across key tiles. Work items
// (batch, key head, query tile, head of the group) are independent: an
// scf.forall (threads), iteration i taking query tile i/2 for even i and
// 5 - i/2 for odd i, so each block of iterations mixes cheap early tiles
// with dear late ones; each writes its own rows of the result.
// RUN: hybrid-opt %s -convert-hybrid-to-linalg="attention-query-tile=16 attention-key-tile=32" | FileCheck %s --check-prefix=FLASH
// With a query tile of 0, attention stays unfused (one S×S score tensor).
// RUN: hybrid-opt %s -convert-hybrid-to-linalg="attention-query-tile=0" | FileCheck %s --check-prefix=UNFUSED
// UNFUSED-LABEL: func @tiled
// UNFUSED-NOT: scf.for
// UNFUSED: tensor<1x1x96x96xf32>
// K is transposed once into one [d, Tk] block per key tile (six query
// tiles read it), so q·kᵀ is a product of rows, A[m, k]·B[k, n], each key
// tile's block contiguous.
// FLASH-DAG: #[[$Q:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// FLASH-DAG: #[[$KT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// FLASH-LABEL: func @tiled
// FLASH: arith.constant dense<{{\[\[}}2, 0, 0], [2, 0, 0], [2, 2, 0], [0, 2, 0], [0, 2, 2], [0, 0, 2]]> : tensor<6x3xi32>
// FLASH: %[[TILES:.*]] = tensor.expand_shape %arg0 {{\[\[}}0], [1], [2, 3], [4]] output_shape [1, 1, 3, 32, 8]
// FLASH: %[[KEYS:.*]] = linalg.transpose ins(%[[TILES]] : tensor<1x1x3x32x8xf32>) outs(%{{.*}} : tensor<1x1x3x8x32xf32>) permutation = [0, 1, 2, 4, 3]
// FLASH: scf.forall (%[[I:[a-z0-9]+]]) in (6) shared_outs(%[[OUT:[a-z0-9]+]] = %{{.*}}) -> (tensor<1x1x96x8xf32>)
// FLASH: %[[ORDER:.*]] = arith.remui %[[I]], %c6
// FLASH: %[[HALF:.*]] = arith.divui %[[ORDER]], %c2
// FLASH: %[[PARITY:.*]] = arith.remui %[[ORDER]], %c2
// FLASH: %[[ODD:.*]] = arith.cmpi ne, %[[PARITY]], %c0
// FLASH: %[[MIRROR:.*]] = arith.subi %c5, %[[HALF]]
// FLASH: %[[QT:.*]] = arith.select %[[ODD]], %[[MIRROR]], %[[HALF]]
// The key loop carries the row max, the row sum, the accumulator and one
// [Tq, Tk] scratch tile, reused by every key tile for its scores and then
// its p (no buffer allocated per tile); an alloc_tensor, which CSE cannot
// merge with another scratch tile of the same type.
// FLASH: %[[SCRATCH0:.*]] = bufferization.alloc_tensor() : tensor<1x1x16x32xf32>
// FLASH: scf.for %[[KT:[a-z0-9]+]] = {{.*}} iter_args({{.*}}, %[[SCRATCH:.*]] = %[[SCRATCH0]]) -> (tensor<1x1x16xf32>, tensor<1x1x16xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x32xf32>)
// FLASH: tensor.extract %{{.*}}[%[[QT]], %[[KT]]] : tensor<6x3xi32>
// FLASH: scf.if
// FLASH: scf.yield
// FLASH: } else {
// FLASH: %[[KTILE:.*]] = tensor.extract_slice %[[KEYS]][%{{.*}}, %{{.*}}, %[[KT]], 0, 0] [1, 1, 1, 8, 32] [1, 1, 1, 1, 1] : tensor<1x1x3x8x32xf32> to tensor<1x1x8x32xf32>
// FLASH: %[[PARTIAL:.*]] = arith.cmpi eq, %{{.*}}, %c2_i32
// FLASH: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[SCRATCH]] : tensor<1x1x16x32xf32>)
// FLASH: %[[RAW:.*]] = linalg.generic {indexing_maps = [#[[$Q]], #[[$KT]], {{.*}}ins(%{{.*}}, %[[KTILE]] : tensor<1x1x16x8xf32>, tensor<1x1x8x32xf32>) outs(%[[ZEROS]]
// Only partial tiles get a pass (scale, then the mask), in place; full
// tiles go straight on.
// FLASH: %[[SCORES:.*]] = scf.if %[[PARTIAL]] -> (tensor<1x1x16x32xf32>) {
// FLASH: linalg.generic {{.*}} outs(%[[RAW]] : tensor<1x1x16x32xf32>)
// FLASH: %[[SCALED:.*]] = arith.mulf
// FLASH: arith.select %{{.*}}, %[[SCALED]], %cst
// FLASH: } else {
// FLASH-NEXT: scf.yield %[[RAW]]
// Then one loop over the query rows, four per iteration, does the scale
// (full tiles' rows; partial tiles' are taken as they are), row max (a
// tree of full-width maxnum, which skips NaNs: a NaN score still makes its
// p NaN), α, p = exp(s − m'), the row sum (a tree of adds) and α·acc, each
// row's scores and accumulator as vectors.
// p overwrites the scores in place, row by row.
// FLASH: scf.for %[[ROW:[a-z0-9]+]] = %c0 to %c16 step %c4 iter_args(%[[P:[a-z0-9]+]] = %[[SCORES]], {{.*}}) -> (tensor<1x1x16x32xf32>, tensor<1x1x16xf32>, tensor<1x1x16xf32>, tensor<1x1x16x8xf32>)
// FLASH: %[[S:.*]] = vector.transfer_read %[[P]][%c0, %c0, %[[ROW]], %c0]{{.*}} : tensor<1x1x16x32xf32>, vector<32xf32>
// FLASH: %[[F:.*]] = arith.mulf %[[S]], %{{.*}} : vector<32xf32>
// FLASH: arith.select %[[PARTIAL]], %[[S]], %[[F]] : vector<32xf32>
// FLASH: %[[ROW3:.*]] = arith.addi %[[ROW]], %c3
// FLASH: vector.transfer_read %[[P]][%c0, %c0, %[[ROW3]], %c0]
// FLASH: arith.maxnumf %{{.*}}, %{{.*}} : vector<16xf32>
// FLASH: math.exp %{{.*}} : f32
// FLASH: math.exp %{{.*}} : vector<32xf32>
// FLASH: arith.addf %{{.*}}, %{{.*}} : vector<16xf32>
// FLASH: vector.transfer_read %{{.*}} : tensor<1x1x16x8xf32>, vector<8xf32>
// FLASH: vector.transfer_write %{{.*}} : vector<32xf32>, tensor<1x1x16x32xf32>
// FLASH: vector.transfer_write %{{.*}} : vector<8xf32>, tensor<1x1x16x8xf32>
// acc' += p·v.
// FLASH: linalg.generic {{.*}}ins(%{{.*}}, %{{.*}} : tensor<1x1x16x32xf32>, tensor<1x1x32x8xf32>)
// FLASH: scf.forall.in_parallel
// FLASH-NEXT: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%{{.*}}, %{{.*}}, %{{.*}}, 0] [1, 1, 16, 8]
// FLASH-NOT: tensor<1x1x96x96xf32>
func.func @tiled(%q: tensor<1x1x96x8xf32>) -> tensor<1x1x96x8xf32> {
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<causal, window = 16>}
      : (tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32>) -> tensor<1x1x96x8xf32>
  return %o : tensor<1x1x96x8xf32>
}

// With a bias (a KV cache's: 1 query over 4 + 68 keys, broadcast over the 2
// heads, which share one key head: grouped into one query tile of 2 rows;
// too few to pay for transposing K), the bias is padded with -inf to whole key tiles (72 → 96), the
// largest bias of each key tile is reduced at run time into a [1, 3] table,
// and a tile whose largest bias is -inf is skipped like an empty one.
// FLASH-LABEL: func @cache_bias
// FLASH: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// FLASH: %[[PADDED:.*]] = tensor.insert_slice %arg3 into %{{.*}}[0, 0, 0, 0] [1, 1, 1, 72] [1, 1, 1, 1] : tensor<1x1x1x72xf32> into tensor<1x1x1x96xf32>
// FLASH: %[[TILED:.*]] = tensor.expand_shape %[[PADDED]] {{\[\[}}0], [1], [2, 3], [4, 5]] output_shape [1, 1, 1, 1, 3, 32]
// FLASH: %[[MAXIMA:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction", "reduction", "reduction"]} ins(%[[TILED]] : tensor<1x1x1x1x3x32xf32>) outs(%{{.*}} : tensor<1x3xf32>)
// FLASH: arith.maximumf
// FLASH: scf.for %[[KT:[a-z0-9]+]] =
// FLASH: %[[LARGEST:.*]] = tensor.extract %[[MAXIMA]][%c0, %[[KT]]] : tensor<1x3xf32>
// FLASH: %[[HIDDEN:.*]] = arith.cmpf oeq, %[[LARGEST]], %[[NEGINF]]
// FLASH: %[[SKIP:.*]] = arith.ori %{{.*}}, %[[HIDDEN]]
// FLASH: scf.if %[[SKIP]]
// FLASH: } else {
// FLASH: tensor.extract_slice %[[PADDED]][0, 0, 0, %{{.*}}] [1, 1, 1, 32] [1, 1, 1, 1] : tensor<1x1x1x96xf32> to tensor<1x1x1x32xf32>
// FLASH: arith.addf
// FLASH-NOT: linalg.transpose
func.func @cache_bias(%q: tensor<1x2x1x8xf32>, %k: tensor<1x1x72x8xf32>, %v: tensor<1x1x72x8xf32>,
                      %bias: tensor<1x1x1x72xf32>) -> tensor<1x2x1x8xf32> {
  %o = hybrid.attention %q, %k, %v bias(%bias) {mask = #hybrid.mask<none>}
      : (tensor<1x2x1x8xf32>, tensor<1x1x72x8xf32>, tensor<1x1x72x8xf32>, tensor<1x1x1x72xf32>)
      -> tensor<1x2x1x8xf32>
  return %o : tensor<1x2x1x8xf32>
}

// Decode over a longer cache (1 query, 256 keys in 8 tiles of 32, 2 heads
// with a key head each):
// split-KV. The span of key tiles the bias shows is found at run time
// (first and end tile whose largest bias is not -inf), each (batch, head)
// becomes 2 work items, chunk c visiting [first + n·c/2, first + n·(c+1)/2),
// and the items' unnormalised (acc, m, l) rows are merged after the loop:
// rescaled by e^(m_c − max m), summed, divided. attention-kv-splits=1 keeps
// one item per (batch, head).
// RUN: hybrid-opt %s -convert-hybrid-to-linalg="attention-query-tile=16 attention-key-tile=32 attention-kv-splits=1" | FileCheck %s --check-prefix=NOSPLIT
// FLASH-LABEL: func @decode_split_kv
// FLASH: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// FLASH: %[[MAXIMA:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x8xf32>)
// FLASH: %[[SPAN:.*]]:2 = scf.for %[[T:.*]] = %c0 to %c8 step %c1 iter_args(%[[FIRST:.*]] = %c8, %[[END:.*]] = %c0) -> (index, index) {
// FLASH: %[[LARGEST:.*]] = tensor.extract %[[MAXIMA]][%c0, %[[T]]]
// FLASH: %[[SHOWN:.*]] = arith.cmpf une, %[[LARGEST]], %[[NEGINF]]
// FLASH: arith.minsi %[[FIRST]], %[[T]]
// FLASH: %[[COUNT0:.*]] = arith.subi %[[SPAN]]#1, %[[SPAN]]#0
// FLASH: %[[COUNT:.*]] = arith.maxsi %[[COUNT0]], %c0
// FLASH: %[[PARTS:.*]]:3 = scf.forall (%[[ITEM:.*]]) in (4) shared_outs({{.*}}) -> (tensor<1x2x2x8xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>)
// FLASH: %[[CHUNK:.*]] = arith.remui %[[ITEM]], %c2
// FLASH: %[[B0:.*]] = arith.muli %[[COUNT]], %[[CHUNK]]
// FLASH: %[[B1:.*]] = arith.divui %[[B0]], %c2
// FLASH: %[[BEGIN:.*]] = arith.addi %[[SPAN]]#0, %[[B1]]
// FLASH: %[[NEXT:.*]] = arith.addi %[[CHUNK]], %c1
// FLASH: %[[E0:.*]] = arith.muli %[[COUNT]], %[[NEXT]]
// FLASH: %[[E1:.*]] = arith.divui %[[E0]], %c2
// FLASH: %[[STOP:.*]] = arith.addi %[[SPAN]]#0, %[[E1]]
// FLASH: scf.for %{{.*}} = %[[BEGIN]] to %[[STOP]] step %c1
// FLASH: scf.forall.in_parallel
// FLASH: tensor.parallel_insert_slice %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, 0] [1, 1, 1, 8]
// FLASH: tensor.parallel_insert_slice %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] [1, 1, 1]
// FLASH: tensor.parallel_insert_slice %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] [1, 1, 1]
// FLASH: %[[ACC:.*]] = tensor.expand_shape %[[PARTS]]#0 {{.*}} into tensor<1x2x2x1x8xf32>
// FLASH: %[[M:.*]] = tensor.expand_shape %[[PARTS]]#1 {{.*}} into tensor<1x2x2x1xf32>
// FLASH: %[[L:.*]] = tensor.expand_shape %[[PARTS]]#2 {{.*}} into tensor<1x2x2x1xf32>
// FLASH: %[[TOP:.*]] = linalg.generic {{.*}} ins(%[[M]] : tensor<1x2x2x1xf32>) outs(%{{.*}} : tensor<1x2x1xf32>)
// FLASH: arith.maximumf
// FLASH: %[[W:.*]] = linalg.generic {{.*}} ins(%[[M]], %[[TOP]] : {{.*}}) outs(%{{.*}} : tensor<1x2x2x1xf32>)
// FLASH: math.exp
// FLASH: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[L]], %[[W]] : {{.*}}) outs(%{{.*}} : tensor<1x2x1xf32>)
// FLASH: %[[TOTAL:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[W]] : {{.*}}) outs(%{{.*}} : tensor<1x2x1x8xf32>)
// FLASH: linalg.generic {{.*}} ins(%[[TOTAL]], %[[SUM]] : {{.*}})
// FLASH: arith.divf
// NOSPLIT-LABEL: func @decode_split_kv
// NOSPLIT-NOT: arith.minsi
// NOSPLIT: scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<1x2x1x8xf32>)
// NOSPLIT: scf.for %{{.*}} = %c0 to %c8 step %c1
// NOSPLIT-NOT: tensor<1x2x2x1xf32>
// NOSPLIT: return
func.func @decode_split_kv(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x256x8xf32>, %v: tensor<1x2x256x8xf32>,
                           %bias: tensor<1x1x1x256xf32>) -> tensor<1x2x1x8xf32> {
  %o = hybrid.attention %q, %k, %v bias(%bias) {mask = #hybrid.mask<none>}
      : (tensor<1x2x1x8xf32>, tensor<1x2x256x8xf32>, tensor<1x2x256x8xf32>, tensor<1x1x1x256xf32>)
      -> tensor<1x2x1x8xf32>
  return %o : tensor<1x2x1x8xf32>
}

// Decode with GQA (4 query heads over 1 key head, mask none, a bias
// shared by the heads): the group's 4 queries become the 4 rows of one
// query tile of their key head, so each K and V tile is read once for the
// group; the result is reshaped back to one row per head. Split-KV then
// cuts the one (batch, key head) item into 2 chunks.
// FLASH-LABEL: func @decode_grouped
// FLASH: %[[ROWS:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0], [1, 2], [3]] : tensor<1x4x1x8xf32> into tensor<1x4x8xf32>
// FLASH: %[[STACKED:.*]] = tensor.expand_shape %[[ROWS]] {{\[\[}}0], [1, 2], [3]] output_shape [1, 1, 4, 8] : tensor<1x4x8xf32> into tensor<1x1x4x8xf32>
// FLASH: scf.forall (%{{.*}}) in (2) shared_outs({{.*}}) -> (tensor<1x1x8x8xf32>, tensor<1x1x8xf32>, tensor<1x1x8xf32>)
// FLASH: tensor.extract_slice %[[STACKED]][%{{.*}}, %{{.*}}, %{{.*}}, 0] [1, 1, 4, 8]
// FLASH: %[[OUT:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3]] : tensor<1x1x4x8xf32> into tensor<1x4x8xf32>
// FLASH: %[[HEADS:.*]] = tensor.expand_shape %[[OUT]] {{\[\[}}0], [1, 2], [3]] output_shape [1, 4, 1, 8] : tensor<1x4x8xf32> into tensor<1x4x1x8xf32>
// FLASH: return %[[HEADS]]
func.func @decode_grouped(%q: tensor<1x4x1x8xf32>, %k: tensor<1x1x256x8xf32>, %v: tensor<1x1x256x8xf32>,
                          %bias: tensor<1x1x1x256xf32>) -> tensor<1x4x1x8xf32> {
  %o = hybrid.attention %q, %k, %v bias(%bias) {mask = #hybrid.mask<none>}
      : (tensor<1x4x1x8xf32>, tensor<1x1x256x8xf32>, tensor<1x1x256x8xf32>, tensor<1x1x1x256xf32>)
      -> tensor<1x4x1x8xf32>
  return %o : tensor<1x4x1x8xf32>
}

// A bias with several query tiles (a chunked prefill over a cache: 64
// queries in 4 tiles over 72 keys): K keeps its layout, since copying the
// whole cache would cost what skipping its empty tiles saves; instead each
// visited key tile is transposed by the item that reads it, into a [d, Tk]
// scratch tile the key loop carries, so q·kᵀ is still a product of rows.
// FLASH-LABEL: func @cache_bias_tiled
// FLASH-NOT: tensor<1x1x3x8x32xf32>
// FLASH: %[[KT0:.*]] = bufferization.alloc_tensor() : tensor<1x1x8x32xf32>
// FLASH: scf.for {{.*}} iter_args({{.*}}, %[[KTS:.*]] = %[[KT0]]) -> ({{.*}}, tensor<1x1x8x32xf32>)
// FLASH: } else {
// FLASH: %[[ROWS:.*]] = tensor.extract_slice %{{.*}} [1, 1, 32, 8] [1, 1, 1, 1] : tensor<1x1x96x8xf32> to tensor<1x1x32x8xf32>
// FLASH: %[[KT:.*]] = linalg.transpose ins(%[[ROWS]] : tensor<1x1x32x8xf32>) outs(%[[KTS]] : tensor<1x1x8x32xf32>) permutation = [0, 1, 3, 2]
// FLASH: linalg.generic {indexing_maps = [#[[$Q]], #[[$KT]], {{.*}}ins(%{{.*}}, %[[KT]] : tensor<1x1x16x8xf32>, tensor<1x1x8x32xf32>)
// FLASH: scf.yield {{.*}}, %[[KT]] :
// FLASH: return
func.func @cache_bias_tiled(%q: tensor<1x2x64x8xf32>, %k: tensor<1x1x72x8xf32>, %v: tensor<1x1x72x8xf32>,
                            %bias: tensor<1x1x64x72xf32>) -> tensor<1x2x64x8xf32> {
  %o = hybrid.attention %q, %k, %v bias(%bias) {mask = #hybrid.mask<none>}
      : (tensor<1x2x64x8xf32>, tensor<1x1x72x8xf32>, tensor<1x1x72x8xf32>, tensor<1x1x64x72xf32>)
      -> tensor<1x2x64x8xf32>
  return %o : tensor<1x2x64x8xf32>
}

// GQA over two batches: 2 batches × 2 key heads × 4 query tiles × 2 heads
// per group = 32 work items, the group's heads innermost so both read the
// same key blocks one after the other. Item → (batch, key head, query
// tile order, member), the order 0, 1, 2, 3 taking query tiles 0, 3, 1, 2;
// the query head is keyHead·2 + member.
// FLASH-LABEL: func @grouped
// FLASH: scf.forall (%[[ITEM:.*]]) in (32)
// FLASH: %[[REST0:.*]] = arith.divui %[[ITEM]], %c2
// FLASH: %[[MEMBER:.*]] = arith.remui %[[ITEM]], %c2
// FLASH: %[[REST1:.*]] = arith.divui %[[REST0]], %c4
// FLASH: %[[ORDER:.*]] = arith.remui %[[REST0]], %c4
// FLASH: %[[QT:.*]] = arith.select
// FLASH: %[[BATCH:.*]] = arith.divui %[[REST1]], %c2
// FLASH: %[[KH:.*]] = arith.remui %[[REST1]], %c2
// FLASH: %[[KH2:.*]] = arith.muli %[[KH]], %c2
// FLASH: %[[HEAD:.*]] = arith.addi %[[KH2]], %[[MEMBER]]
// FLASH: %[[QSTART:.*]] = arith.muli %[[QT]], %c16
// FLASH: tensor.extract_slice %arg0[%[[BATCH]], %[[HEAD]], %[[QSTART]], 0] [1, 1, 16, 8]
// FLASH: tensor.extract_slice %{{.*}}[%[[BATCH]], %[[KH]], %{{.*}}, 0, 0] [1, 1, 1, 8, 32] {{.*}} : tensor<2x2x2x8x32xf32> to tensor<1x1x8x32xf32>
// FLASH: tensor.extract_slice %arg2[%[[BATCH]], %[[KH]], %{{.*}}, 0] [1, 1, 32, 8] {{.*}} : tensor<2x2x64x8xf32> to tensor<1x1x32x8xf32>
// FLASH: tensor.parallel_insert_slice %{{.*}} into %{{.*}}[%[[BATCH]], %[[HEAD]], %[[QSTART]], 0] [1, 1, 16, 8]
func.func @grouped(%q: tensor<2x4x64x8xf32>, %k: tensor<2x2x64x8xf32>, %v: tensor<2x2x64x8xf32>)
    -> tensor<2x4x64x8xf32> {
  %o = hybrid.attention %q, %k, %v {mask = #hybrid.mask<causal>}
      : (tensor<2x4x64x8xf32>, tensor<2x2x64x8xf32>, tensor<2x2x64x8xf32>) -> tensor<2x4x64x8xf32>
  return %o : tensor<2x4x64x8xf32>
}

// Runtime global flags (Longformer): no S×S bias. Each query and key tile's
// largest flag is computed once ([B, tiles]); a tile the band leaves empty
// is visited, with the element test, only when its query or key tile holds
// a global token, and the element test ORs in the row's and key's flags.
// FLASH-LABEL: func @tiled_global_flags
// FLASH: %[[TABLE:.*]] = arith.constant dense<{{\[\[}}2, 0, 0], [2, 2, 0], [2, 2, 0], [0, 2, 2], [0, 2, 2], [0, 0, 2]]> : tensor<6x3xi32>
// FLASH: %[[QANY:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x6x16xf32>) outs(%{{.*}} : tensor<1x6xf32>)
// FLASH: arith.maximumf
// FLASH: %[[KANY:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x3x32xf32>) outs(%{{.*}} : tensor<1x3xf32>)
// FLASH: scf.forall
// FLASH: %[[CLASS:.*]] = tensor.extract %[[TABLE]]
// FLASH: %[[EMPTY:.*]] = arith.cmpi eq, %[[CLASS]], %c0_i32
// FLASH: tensor.extract %[[QANY]]
// FLASH: tensor.extract %[[KANY]]
// FLASH: %[[ANY:.*]] = arith.ori
// FLASH: %[[OPENED:.*]] = arith.andi %[[EMPTY]], %[[ANY]]
// FLASH: %[[MASKED:.*]] = arith.ori %{{.*}}, %[[OPENED]]
// FLASH: %[[NONE:.*]] = arith.xori %[[ANY]], %true
// FLASH: %[[SKIP:.*]] = arith.andi %[[EMPTY]], %[[NONE]]
// FLASH: scf.if %[[SKIP]]
// FLASH: scf.if %[[MASKED]]
// FLASH: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x16xf32>, tensor<1x32xf32>)
// FLASH: arith.cmpf one
// FLASH: arith.cmpf one
// FLASH: arith.ori
func.func @tiled_global_flags(%q: tensor<1x1x96x8xf32>, %g: tensor<1x96xi64>) -> tensor<1x1x96x8xf32> {
  %o = hybrid.attention %q, %q, %q globals(%g) {mask = #hybrid.mask<local = 8>}
      : (tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32>, tensor<1x96xi64>) -> tensor<1x1x96x8xf32>
  return %o : tensor<1x1x96x8xf32>
}

// global_rows_only (Longformer's second pass): every visited tile takes the
// element test (a full tile must still hide the other rows), and a query
// tile without a global row skips every key tile.
// FLASH-LABEL: func @tiled_global_rows_only
// FLASH: scf.forall
// FLASH: %[[QG:.*]] = arith.cmpf one, %{{.*}}, %cst
// FLASH: arith.andi
// FLASH: %[[NOROW:.*]] = arith.xori %[[QG]], %true
// FLASH: %[[SKIP:.*]] = arith.ori %{{.*}}, %[[NOROW]]
// FLASH: scf.if %[[SKIP]]
// FLASH: scf.if %true
// FLASH: arith.andi
func.func @tiled_global_rows_only(%q: tensor<1x1x96x8xf32>, %g: tensor<1x96xi64>) -> tensor<1x1x96x8xf32> {
  %o = hybrid.attention %q, %q, %q globals(%g) {mask = #hybrid.mask<none>, global_rows_only}
      : (tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32>, tensor<1x96xi64>) -> tensor<1x1x96x8xf32>
  return %o : tensor<1x1x96x8xf32>
}
