// Longer than one key tile: the tiled form. A window of 16 over 96 keys in
// 32-key tiles: the tile-class table is decided at compile time (0 empty,
// 1 full, 2 partial), empty tiles are skipped by the scf.if, and the online
// softmax carries max, sum and accumulator across key tiles. Query tiles
// are independent: an scf.forall (threads), iteration i taking tile i/2 for
// even i and 5 - i/2 for odd i, so each block of iterations mixes cheap
// early tiles with dear late ones; each writes its own rows of the result.
// RUN: hybrid-opt %s -convert-hybrid-to-linalg="attention-query-tile=16 attention-key-tile=32" | FileCheck %s --check-prefix=FLASH
// With a query tile of 0, attention stays unfused (one S×S score tensor).
// RUN: hybrid-opt %s -convert-hybrid-to-linalg="attention-query-tile=0" | FileCheck %s --check-prefix=UNFUSED
// UNFUSED-LABEL: func @tiled
// UNFUSED-NOT: scf.for
// UNFUSED: tensor<1x1x96x96xf32>
// FLASH-LABEL: func @tiled
// FLASH: arith.constant dense<{{\[\[}}2, 0, 0], [2, 0, 0], [2, 2, 0], [0, 2, 0], [0, 2, 2], [0, 0, 2]]> : tensor<6x3xi32>
// FLASH: scf.forall (%[[I:[a-z0-9]+]]) in (6) shared_outs(%[[OUT:[a-z0-9]+]] = %{{.*}}) -> (tensor<1x1x96x8xf32>)
// FLASH: %[[HALF:.*]] = arith.divui %[[I]], %c2
// FLASH: %[[ODD:.*]] = arith.cmpi ne
// FLASH: %[[MIRROR:.*]] = arith.subi %c5, %[[HALF]]
// FLASH: %[[QT:.*]] = arith.select %[[ODD]], %[[MIRROR]], %[[HALF]]
// FLASH: scf.for %[[KT:[a-z0-9]+]] = {{.*}} -> (tensor<1x1x16xf32>, tensor<1x1x16xf32>, tensor<1x1x16x8xf32>)
// FLASH: tensor.extract %{{.*}}[%[[QT]], %[[KT]]] : tensor<6x3xi32>
// FLASH: scf.if
// FLASH: scf.yield
// FLASH: } else {
// FLASH: linalg.generic
// FLASH: math.exp
// FLASH: scf.forall.in_parallel
// FLASH-NEXT: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][0, 0, %{{.*}}, 0] [1, 1, 16, 8]
// FLASH-NOT: tensor<1x1x96x96xf32>
func.func @tiled(%q: tensor<1x1x96x8xf32>) -> tensor<1x1x96x8xf32> {
  %o = hybrid.attention %q, %q, %q {mask = #hybrid.mask<causal, window = 16>}
      : (tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32>, tensor<1x1x96x8xf32>) -> tensor<1x1x96x8xf32>
  return %o : tensor<1x1x96x8xf32>
}
