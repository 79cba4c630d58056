// RUN: hybrid-opt %s --hybrid-gpu-map-loops --split-input-file | FileCheck %s
// RUN: hybrid-opt %s --hybrid-gpu-map-loops=block-size=64 --split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: not hybrid-opt %s --hybrid-gpu-map-loops=block-size=2048 --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: block-size must be in [1, 1024], got 2048

// A 2-D loop with a dynamic bound and steps: one thread per iteration of
// the collapsed space (3 × ceil((n - 1) / 2) iterations), the last
// dimension fastest; threads past the end do nothing.
// CHECK-LABEL: func.func @two_dims
// CHECK-SAME: (%[[A:.+]]: memref<3x?xf32>, %[[N:.+]]: index)
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG: %[[C3:.+]] = arith.constant 3 : index
// CHECK: %[[SPAN1:.+]] = arith.subi %[[N]], %[[C1]]
// CHECK: %[[CEIL1:.+]] = arith.ceildivsi %[[SPAN1]], %[[C2]]
// CHECK: %[[COUNT1:.+]] = arith.maxsi %[[CEIL1]], %{{.+}}
// CHECK: %[[TOTAL:.+]] = arith.muli %{{.+}}, %[[COUNT1]]
// CHECK: %[[C256:.+]] = arith.constant 256 : index
// CHECK: %[[BLOCKS:.+]] = arith.ceildivui %[[TOTAL]], %[[C256]]
// CHECK: %[[GRID:.+]] = arith.maxui %[[BLOCKS]], %{{.+}}
// CHECK: gpu.launch blocks(%[[BX:.+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %[[GRID]], %{{.+}} = %[[ONE:.+]], %{{.+}} = %[[ONE]]) threads(%[[TX:.+]], %{{.+}}, %{{.+}}) in (%{{.+}} = %[[C256]], %{{.+}} = %[[ONE]], %{{.+}} = %[[ONE]])
// CHECK: %[[BASE:.+]] = arith.muli %[[BX]], %[[C256]]
// CHECK: %[[ID:.+]] = arith.addi %[[BASE]], %[[TX]]
// CHECK: %[[IN:.+]] = arith.cmpi ult, %[[ID]], %[[TOTAL]]
// CHECK: scf.if %[[IN]] {
// CHECK:   %[[J:.+]] = arith.remui %[[ID]], %[[COUNT1]]
// CHECK:   %[[I:.+]] = arith.divui %[[ID]], %[[COUNT1]]
// CHECK:   %[[JS:.+]] = arith.muli %[[J]], %[[C2]]
// CHECK:   %[[JV:.+]] = arith.addi %[[C1]], %[[JS]]
// CHECK:   %[[IS:.+]] = arith.muli %[[I]], %[[C1]]
// CHECK:   %[[IV:.+]] = arith.addi %[[C0]], %[[IS]]
// CHECK:   memref.store %{{.+}}, %[[A]][%[[IV]], %[[JV]]]
// CHECK: }
// CHECK: gpu.terminator
// CHECK-NOT: scf.parallel
// SMALL-LABEL: func.func @two_dims
// SMALL: %[[C64:.+]] = arith.constant 64 : index
// SMALL: gpu.launch {{.*}} threads({{.*}}) in (%{{.+}} = %[[C64]],
func.func @two_dims(%a: memref<3x?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c1) to (%c3, %n) step (%c1, %c2) {
    memref.store %one, %a[%i, %j] : memref<3x?xf32>
    scf.reduce
  }
  return
}

// -----

// A thread's scratch that stays in its loop body becomes an alloca at the
// kernel's entry and its dealloc goes; a buffer a loop carries from step to
// step (yielded) stays an allocation. A nested parallel loop runs within its
// thread; a loop with a reduction stays on the host.
// CHECK-LABEL: func.func @scratch
// CHECK: gpu.launch
// CHECK-NEXT: %[[SCRATCH:.+]] = memref.alloca() {alignment = 64 : i64} : memref<16xf32>
// CHECK: scf.if
// CHECK: scf.for
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[SCRATCH]] : memref<16xf32>)
// CHECK-NOT: memref.dealloc %[[SCRATCH]]
// CHECK: %[[CARRIED:.+]] = memref.alloc() : memref<4xf32>
// CHECK: scf.yield %[[CARRIED]]
// CHECK: scf.parallel
// CHECK: gpu.terminator
// CHECK: scf.parallel {{.*}} -> f32
// CHECK: scf.reduce
func.func @scratch(%out: memref<8x16xf32>, %x: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %init = memref.alloc() : memref<4xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.for %t = %c0 to %c4 step %c1 {
      %tile = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
      linalg.fill ins(%zero : f32) outs(%tile : memref<16xf32>)
      %row = memref.subview %out[%i, 0] [1, 16] [1, 1] : memref<8x16xf32> to memref<16xf32, strided<[1], offset: ?>>
      memref.copy %tile, %row : memref<16xf32> to memref<16xf32, strided<[1], offset: ?>>
      memref.dealloc %tile : memref<16xf32>
    }
    %last = scf.for %t = %c0 to %c4 step %c1 iter_args(%state = %init) -> memref<4xf32> {
      %next = memref.alloc() : memref<4xf32>
      scf.yield %next : memref<4xf32>
    }
    scf.parallel (%k) = (%c0) to (%c4) step (%c1) {
      memref.store %zero, %last[%k] : memref<4xf32>
      scf.reduce
    }
    scf.reduce
  }
  %sum = scf.parallel (%i) = (%c0) to (%c8) step (%c1) init (%zero) -> f32 {
    %v = memref.load %x[%i] : memref<8xf32>
    scf.reduce(%v : f32) {
    ^bb0(%l: f32, %r: f32):
      %s = arith.addf %l, %r : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}
